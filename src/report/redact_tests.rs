//! Unit tests of `--redact`: distinct pseudonyms per kind of name, IP and CIDR tokens
//! replaced whole in free text, lists and fixes keeping their JSON types.

use super::*;
use crate::policy::fix::{Fix, FixAction, GraphRequest};

const LOCATIONS: &str = r##"{"value":[
 {"@odata.type":"#microsoft.graph.ipNamedLocation","id":"l1","displayName":"Branch office",
  "isTrusted":false,"ipRanges":[{"cidrAddress":"203.0.113.0/25"}]}]}"##;

fn acc() -> Acc {
    let mut a = Acc::new(true);
    a.people = vec![
        vec![
            "alice@example.com".into(),
            "Alice Example".into(),
            "11111111-2222-4333-8444-555555555555".into(),
        ],
        vec!["bob@example.com".into()],
    ];
    a.ip_order = vec![
        "203.0.113.7".into(),
        "203.0.113.6".into(),
        "198.51.100.9".into(),
        "2001:db8::1".into(),
        "not-an-ip".into(),
    ];
    a.device_order = vec!["LAPTOP-01".into()];
    a
}

fn redactor() -> Redactor {
    let l = NamedLocations::load_bytes("l.json", LOCATIONS.as_bytes()).expect("locations");
    Redactor::new(&acc(), Some(&l))
}

#[test]
fn one_person_gets_distinct_pseudonyms_of_one_number() {
    let r = redactor();
    assert_eq!(r.value("alice@example.com"), "user-0001@redacted");
    assert_eq!(r.value("Alice Example"), "User 0001");
    assert_eq!(r.value("11111111-2222-4333-8444-555555555555"), "uid-0001");
    assert_eq!(r.value("bob@example.com"), "user-0002@redacted");
    assert_eq!(r.value("LAPTOP-01"), "device-0001");
    assert_eq!(r.value("unknown"), "unknown");
}

#[test]
fn ips_keep_their_locations() {
    let r = redactor();
    assert_eq!(r.value("203.0.113.7"), "ip4-0001 [Branch office]");
    assert_eq!(r.value("198.51.100.9"), "ip4-0003 [no named location]");
    assert_eq!(r.value("2001:db8::1"), "ip6-0001 [no named location]");
    assert_eq!(r.value("not-an-ip"), "ip-0001");
    let plain = Redactor::new(&acc(), None);
    assert_eq!(plain.value("203.0.113.7"), "ip4-0001");
}

#[test]
fn cidrs_in_free_text_are_replaced_whole() {
    let r = redactor();
    let t = r.text(
        "Add 203.0.113.6/31 and 198.51.100.9/32 to the trusted named location. Seen from 2001:db8::1.",
    );
    assert_eq!(
        t,
        "Add the /31 range holding ip4-0001, ip4-0002 and ip4-0003 to the trusted named location. Seen from ip6-0001."
    );
    assert!(!t.contains("]/"), "{t}");
    // A /64 suggestion for an IPv6 client.
    assert_eq!(
        r.text("Trust 2001:db8::/64 (IPv6 clients rotate)."),
        "Trust the /64 range holding ip6-0001 (IPv6 clients rotate)."
    );
    // A range with no address of the log is no personal data: kept.
    assert_eq!(r.text("HQ is 192.0.2.0/24."), "HQ is 192.0.2.0/24.");
    // Names in the same sentence.
    assert_eq!(
        r.text("alice@example.com (Alice Example) from 203.0.113.7: blocked"),
        "user-0001@redacted (User 0001) from ip4-0001 (in Branch office): blocked"
    );
    // Hex-looking words and version numbers are left alone.
    assert_eq!(r.text("a deadbeef cafe 1.2"), "a deadbeef cafe 1.2");
}

#[test]
fn a_cidr_list_stays_one_string_per_cidr() {
    let r = redactor();
    let cidrs = ["203.0.113.6/31", "198.51.100.9/32", "192.0.2.0/24"];
    let out: Vec<String> = cidrs.iter().map(|c| r.cidr(c)).collect();
    assert_eq!(
        out,
        [
            "the /31 range holding ip4-0001, ip4-0002",
            "ip4-0003",
            "192.0.2.0/24"
        ]
    );
    assert_eq!(Redactor::off().cidr("203.0.113.6/31"), "203.0.113.6/31");
}

#[test]
fn fixes_keep_their_types() {
    let r = redactor();
    let f = Fix {
        action: FixAction::AddIpRanges,
        target: None,
        values: vec![
            "203.0.113.6/31".into(),
            "11111111-2222-4333-8444-555555555555".into(),
        ],
        graph_request: Some(GraphRequest {
            method: "PATCH",
            path: "/identity/conditionalAccess/namedLocations/l1".into(),
            body: serde_json::json!({"ipRanges": [{"cidrAddress": "203.0.113.6/31"}], "n": 2}),
        }),
    };
    let out = r.fix(&f);
    assert_eq!(
        out.values,
        ["the /31 range holding ip4-0001, ip4-0002", "uid-0001"]
    );
    let body = &out.graph_request.as_ref().expect("request").body;
    assert_eq!(
        body["ipRanges"][0]["cidrAddress"],
        "the /31 range holding ip4-0001, ip4-0002"
    );
    assert_eq!(body["n"], 2);
}

#[test]
fn two_spellings_of_one_address_share_a_pseudonym() {
    let mut a = acc();
    a.ip_order.push("2001:0db8::0001".into());
    let r = Redactor::new(&a, None);
    assert_eq!(r.value("2001:0db8::0001"), r.value("2001:db8::1"));
    assert_eq!(r.text("from 2001:0db8::0001"), "from ip6-0001");
}
