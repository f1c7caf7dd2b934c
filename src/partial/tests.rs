//! Unit tests of the part codec: a replay record carries every field the accumulator reads,
//! and no bytes (random, or a valid frame cut or flipped anywhere) make decoding panic.

use proptest::prelude::*;

use super::record::{FrameBuilder, RawFrame, Replay};
use crate::analysis::{Acc, DedupKey, IdKey};
use crate::evaluate::{Facts, Hit, PolicyRef, Rule};
use crate::model::{AppliedPolicy, EventType, PolicyResult, SignIn, Status};

fn signin(n: u128) -> SignIn {
    SignIn {
        request_id: format!("00000000-0000-4000-8000-{n:012x}"),
        correlation_id: format!("{{C0000000-0000-4000-8000-{n:012X}}}"),
        created: chrono::DateTime::from_timestamp(1_790_000_000 + n as i64, 123_456_789)
            .unwrap_or_default(),
        user_principal_name: format!("user{n}@example.com"),
        user_id: "0e000000-0000-4000-b000-000000000001".into(),
        user_display_name: "Ünïcode \u{1b} name".into(),
        service_principal_name: "svc".into(),
        service_principal_id: "5a000000-0000-4000-8000-000000000001".into(),
        app_id: "499b84ac-1321-427f-aa17-267ca6975798".into(),
        app_display_name: "Azure DevOps".into(),
        resource_id: "r".into(),
        resource_display_name: "Resource".into(),
        ip: "2001:0db8::0001".into(),
        ip_addr: "2001:db8::1".parse().ok(),
        resource_ip: "not-an-ip".into(),
        resource_ip_addr: None,
        client_app_used: "Browser".into(),
        interactive: Some(false),
        event_type: EventType::Unknown,
        error_code: -53003,
        has_policy_detail: true,
        policies: vec![
            AppliedPolicy {
                id: "p1".into(),
                display_name: "Block".into(),
                result: Some(PolicyResult::Failure),
                ..AppliedPolicy::default()
            },
            AppliedPolicy {
                id: "p2".into(),
                result: Some(PolicyResult::Unknown("unknownFutureValue".into())),
                ..AppliedPolicy::default()
            },
            AppliedPolicy::default(),
        ],
        ..SignIn::default()
    }
}

fn hits() -> Vec<Hit> {
    let mut h = Hit::new(
        Rule::Ip001,
        Some(PolicyRef {
            id: "p1".into(),
            display_name: "Block".into(),
        }),
    )
    .with_detail("location");
    h.ips = vec!["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()];
    h.conditional = true;
    h.stale = vec!["HQ".into()];
    vec![h, Hit::new(Rule::Ca001, None)]
}

fn frame(n: u128) -> Vec<u8> {
    let facts = Facts {
        status: Status::Failure,
        ca_failure: true,
    };
    let (hs, mut b) = (hits(), FrameBuilder::default());
    for i in 0..n {
        let s = signin(i);
        let key = DedupKey {
            event: EventType::NonInteractive,
            id: if i % 3 == 0 {
                IdKey::Text(format!("req-{i}").into())
            } else {
                IdKey::of(&s.request_id)
            },
        };
        let data = Replay {
            signin: &s,
            facts,
            hits: &hs,
            matched: i % 4 != 1,
            joined: i % 5 == 0,
        };
        b.push((i % 7 != 6).then_some(&key), (i % 4 != 2).then_some(data));
    }
    b.finish(3)
}

#[test]
fn a_replay_record_rebuilds_the_same_accumulator() {
    let f = frame(40);
    let raw = RawFrame::parse(&f[9..]).unwrap();
    assert_eq!((raw.input, raw.count), (3, 40));
    let keys = raw.keys().unwrap();
    let entries = raw.entries(&keys).unwrap();
    let (mut direct, mut replayed) = (Acc::new(true), Acc::new(true));
    let facts = Facts {
        status: Status::Failure,
        ca_failure: true,
    };
    for (i, e) in entries.iter().enumerate() {
        let s = signin(i as u128);
        assert_eq!(e.has_data, i % 4 != 2);
        assert_eq!(keys[i].is_some(), i % 7 != 6);
        if !e.has_data {
            continue;
        }
        assert_eq!(e.matched, i % 4 != 1);
        assert_eq!(e.joined, i % 5 == 0);
        assert_eq!(e.signin.request_id, s.request_id);
        assert_eq!(e.signin.created, s.created);
        direct.note_order(&s);
        replayed.note_order(&e.signin);
        if e.matched {
            assert_eq!(e.hits, hits());
            direct.add(&s, facts, &hits());
            replayed.add(&e.signin, e.facts, &e.hits);
        }
    }
    assert_eq!(
        serde_json::to_value(&direct).unwrap(),
        serde_json::to_value(&replayed).unwrap()
    );
}

fn decode(b: &[u8]) {
    if let Ok(raw) = RawFrame::parse(b)
        && let Ok(keys) = raw.keys()
    {
        let _ = raw.entries(&keys);
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        decode(&b);
    }

    #[test]
    fn a_cut_or_flipped_frame_never_panics(cut in 0usize..4000, at in 0usize..4000, x in 1u8..=255) {
        let f = frame(12);
        let mut p = f[9..].to_vec();
        let n = p.len();
        p[at % n] ^= x;
        p.truncate(cut % (n + 1));
        decode(&p);
    }
}
