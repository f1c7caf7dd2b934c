//! The per-record section of a part: for each kept sign-in of a chunk, in input order, its
//! duplicate key (in a block of its own, so a merge can check overlaps without reading the
//! rest) and what `Acc::note_order` and `Acc::add` read of it (the fields, facts and hits),
//! so a merge can rebuild a part's accumulator without the records an earlier part had.
//! A compact binary form with a per-frame string table, gzip-compressed; decoding checks
//! every length and index (a part is a file like any other: attacker-controlled).

use std::io::{Read, Write};
use std::net::IpAddr;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::analysis::{DedupKey, IdKey};
use crate::evaluate::{Facts, Hit, Rule};
use crate::model::{EventType, SignIn, Status};

pub use super::decode::{Entry, RawFrame};

/// Frame kind of a records frame in the part file.
pub const FRAME_RECORDS: u8 = b'R';

pub(super) const HAS_DATA: u8 = 1;
pub(super) const MATCHED: u8 = 2;
pub(super) const JOINED: u8 = 4;
/// The request id is the key's GUID as Graph writes it (lower case, dashed): not stored again.
pub(super) const REQUEST_IS_KEY: u8 = 8;
pub(super) const TEXT_KEY: u8 = 0x10;
/// Bounds on what one frame may claim, so a hostile part cannot ask for huge allocations
/// before its bytes prove them.
pub(super) const MAX_FRAME_ENTRIES: usize = 1 << 24;
const MAX_INFLATED: u64 = 1 << 32;

/// What the accumulator reads of one kept sign-in.
pub struct Replay<'a> {
    pub signin: &'a SignIn,
    pub facts: Facts,
    pub hits: &'a [Hit],
    /// It passed the filters (else only its names are replayed, for `--redact`'s order).
    pub matched: bool,
    /// It received authentication details from the AuthDetails join.
    pub joined: bool,
}

/// Builds the records frame of one chunk.
#[derive(Default)]
pub struct FrameBuilder {
    keys: Vec<u8>,
    entries: Vec<u8>,
    strings: Vec<String>,
    index: std::collections::HashMap<String, u32>,
    count: u32,
}

impl FrameBuilder {
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// One kept record: its key (if it has a request id) and, if the accumulator reads it,
    /// what it reads.
    pub fn push(&mut self, key: Option<&DedupKey>, data: Option<Replay<'_>>) {
        self.count += 1;
        write_key(&mut self.keys, key);
        let Some(r) = data else {
            self.entries.push(0);
            return;
        };
        let mut flags = HAS_DATA;
        let s = r.signin;
        let request_is_key = key.is_some_and(|k| match k.id {
            IdKey::Guid(g) => s.request_id == guid_text(g),
            IdKey::Text(_) => false,
        });
        if request_is_key {
            flags |= REQUEST_IS_KEY;
        }
        if r.matched {
            flags |= MATCHED;
        }
        if r.joined {
            flags |= JOINED;
        }
        self.entries.push(flags);
        varint(&mut self.entries, zigzag(s.created.timestamp()));
        varint(
            &mut self.entries,
            u64::from(s.created.timestamp_subsec_nanos()),
        );
        if !request_is_key {
            self.string(&s.request_id);
        }
        for v in [
            &s.correlation_id,
            &s.user_principal_name,
            &s.user_id,
            &s.user_display_name,
            &s.service_principal_name,
            &s.service_principal_id,
            &s.app_id,
            &s.app_display_name,
            &s.resource_id,
            &s.resource_display_name,
            &s.ip,
            &s.resource_ip,
            &s.client_app_used,
            &s.device.display_name,
        ] {
            self.string(v);
        }
        write_addr(&mut self.entries, s.ip_addr);
        write_addr(&mut self.entries, s.resource_ip_addr);
        self.entries.push(event_code(s.event_type));
        self.entries.push(match s.interactive {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
        self.entries.push(u8::from(s.has_policy_detail));
        varint(&mut self.entries, zigzag(s.error_code));
        varint(&mut self.entries, s.policies.len() as u64);
        for p in &s.policies {
            self.string(&p.id);
            self.string(&p.display_name);
            match &p.result {
                None => self.entries.push(0),
                Some(res) => {
                    self.entries.push(1);
                    self.string(res.as_str());
                }
            }
        }
        if !r.matched {
            return;
        }
        self.entries.push(match r.facts.status {
            Status::Success => 0,
            Status::Failure => 1,
            Status::Interrupted => 2,
        });
        self.entries.push(u8::from(r.facts.ca_failure));
        varint(&mut self.entries, r.hits.len() as u64);
        for h in r.hits {
            let rule = Rule::ALL.iter().position(|x| *x == h.rule).unwrap_or(0);
            self.entries.push(rule as u8);
            match &h.policy {
                None => self.entries.push(0),
                Some(p) => {
                    self.entries.push(1);
                    self.string(&p.id);
                    self.string(&p.display_name);
                }
            }
            match &h.detail {
                None => self.entries.push(0),
                Some(d) => {
                    self.entries.push(1);
                    self.string(d);
                }
            }
            varint(&mut self.entries, h.ips.len() as u64);
            for ip in &h.ips {
                write_addr(&mut self.entries, Some(*ip));
            }
            self.entries.push(u8::from(h.conditional));
            varint(&mut self.entries, h.stale.len() as u64);
            for n in &h.stale {
                self.string(n);
            }
        }
    }

    fn string(&mut self, v: &str) {
        let i = match self.index.get(v) {
            Some(&i) => i,
            None => {
                let i = self.strings.len() as u32;
                self.strings.push(v.to_string());
                self.index.insert(v.to_string(), i);
                i
            }
        };
        varint(&mut self.entries, u64::from(i));
    }

    /// The whole frame (kind, length, payload) for input `input` of the part.
    pub fn finish(self, input: usize) -> Vec<u8> {
        let mut recs = Vec::with_capacity(self.entries.len() + 64);
        varint(&mut recs, self.strings.len() as u64);
        for s in &self.strings {
            varint(&mut recs, s.len() as u64);
            recs.extend_from_slice(s.as_bytes());
        }
        recs.extend_from_slice(&self.entries);
        let keys_gz = gzip(&self.keys);
        let recs_gz = gzip(&recs);
        frame(input as u32, self.count, &keys_gz, &recs_gz)
    }
}

/// A records frame from its parts (also used to re-address a copied frame).
pub fn frame(input: u32, count: u32, keys_gz: &[u8], recs_gz: &[u8]) -> Vec<u8> {
    let len = 4 + 4 + 8 + keys_gz.len() + recs_gz.len();
    let mut out = Vec::with_capacity(len + 9);
    out.push(FRAME_RECORDS);
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out.extend_from_slice(&input.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(keys_gz.len() as u64).to_le_bytes());
    out.extend_from_slice(keys_gz);
    out.extend_from_slice(recs_gz);
    out
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::with_capacity(b.len() / 3 + 32), Compression::new(3));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(b);
    e.finish().unwrap_or_default()
}

pub fn gunzip(b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    GzDecoder::new(b)
        .take(MAX_INFLATED)
        .read_to_end(&mut out)
        .map_err(|e| format!("a compressed block is damaged ({e})"))?;
    Ok(out)
}

/// A GUID as Graph writes it: lower case, 8-4-4-4-12.
pub(super) fn guid_text(g: u128) -> String {
    let h = format!("{g:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn event_code(e: EventType) -> u8 {
    match e {
        EventType::Interactive => 0,
        EventType::NonInteractive => 1,
        EventType::ServicePrincipal => 2,
        EventType::ManagedIdentity => 3,
        EventType::Unknown => 4,
    }
}

pub(super) fn event_of(c: u8) -> Option<EventType> {
    Some(match c {
        0 => EventType::Interactive,
        1 => EventType::NonInteractive,
        2 => EventType::ServicePrincipal,
        3 => EventType::ManagedIdentity,
        4 => EventType::Unknown,
        _ => return None,
    })
}

fn write_key(b: &mut Vec<u8>, key: Option<&DedupKey>) {
    match key {
        None => b.push(0),
        Some(k) => match &k.id {
            IdKey::Guid(g) => {
                b.push(1 + event_code(k.event));
                b.extend_from_slice(&g.to_be_bytes());
            }
            IdKey::Text(t) => {
                b.push(TEXT_KEY | event_code(k.event));
                varint(b, t.len() as u64);
                b.extend_from_slice(t.as_bytes());
            }
        },
    }
}

fn write_addr(b: &mut Vec<u8>, a: Option<IpAddr>) {
    match a {
        None => b.push(0),
        Some(IpAddr::V4(v)) => {
            b.push(4);
            b.extend_from_slice(&v.octets());
        }
        Some(IpAddr::V6(v)) => {
            b.push(6);
            b.extend_from_slice(&v.octets());
        }
    }
}
