//! The per-record section of a part: for each kept sign-in of a chunk, in input order, its
//! duplicate key (in a block of its own, so a merge can check overlaps without reading the
//! rest) and what `Acc::note_order` and `Acc::add` read of it (the fields, facts and hits),
//! so a merge can rebuild a part's accumulator without the records an earlier part had.
//! A compact binary form with a per-frame string table, gzip-compressed; decoding checks
//! every length and index (a part is a file like any other: attacker-controlled).

use std::io::{Read, Write};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::analysis::{DedupKey, IdKey};
use crate::evaluate::{Facts, Hit, PolicyRef, Rule};
use crate::model::{AppliedPolicy, EventType, PolicyResult, SignIn, Status};

/// Frame kind of a records frame in the part file.
pub const FRAME_RECORDS: u8 = b'R';

const HAS_DATA: u8 = 1;
const MATCHED: u8 = 2;
const JOINED: u8 = 4;
/// The request id is the key's GUID as Graph writes it (lower case, dashed): not stored again.
const REQUEST_IS_KEY: u8 = 8;
const TEXT_KEY: u8 = 0x10;
/// Bounds on what one frame may claim, so a hostile part cannot ask for huge allocations
/// before its bytes prove them.
const MAX_FRAME_ENTRIES: usize = 1 << 24;
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

/// A records frame's payload, split (not yet inflated).
pub struct RawFrame<'a> {
    pub input: u32,
    pub count: u32,
    pub keys_gz: &'a [u8],
    pub recs_gz: &'a [u8],
}

impl<'a> RawFrame<'a> {
    pub fn parse(p: &'a [u8]) -> Result<RawFrame<'a>, String> {
        let short = || "a records frame is cut short".to_string();
        let input = u32::from_le_bytes(
            p.get(0..4)
                .ok_or_else(short)?
                .try_into()
                .map_err(|_| short())?,
        );
        let count = u32::from_le_bytes(
            p.get(4..8)
                .ok_or_else(short)?
                .try_into()
                .map_err(|_| short())?,
        );
        let kl = u64::from_le_bytes(
            p.get(8..16)
                .ok_or_else(short)?
                .try_into()
                .map_err(|_| short())?,
        );
        let kl = usize::try_from(kl).map_err(|_| short())?;
        let end = 16usize.checked_add(kl).ok_or_else(short)?;
        let keys_gz = p.get(16..end).ok_or_else(short)?;
        let recs_gz = p.get(end..).ok_or_else(short)?;
        if count as usize > MAX_FRAME_ENTRIES {
            return Err("a records frame claims too many records".to_string());
        }
        Ok(RawFrame {
            input,
            count,
            keys_gz,
            recs_gz,
        })
    }

    /// The frame's keys, one per record.
    pub fn keys(&self) -> Result<Vec<Option<DedupKey>>, String> {
        let b = gunzip(self.keys_gz)?;
        let mut d = Dec { b: &b, pos: 0 };
        let mut out = Vec::with_capacity(self.count as usize);
        for _ in 0..self.count {
            out.push(d.key()?);
        }
        d.end()?;
        Ok(out)
    }

    /// The frame's replay entries, one per record (`keys`: the frame's keys).
    pub fn entries(&self, keys: &[Option<DedupKey>]) -> Result<Vec<Entry>, String> {
        let b = gunzip(self.recs_gz)?;
        let mut d = Dec { b: &b, pos: 0 };
        let n = d.len()?;
        let mut strings = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let l = d.len()?;
            let bytes = d.take(l)?;
            strings.push(
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| "a string that is not UTF-8".to_string())?,
            );
        }
        if keys.len() != self.count as usize {
            return Err("a records frame whose keys and records differ in number".to_string());
        }
        let mut out = Vec::with_capacity(self.count as usize);
        for k in keys {
            out.push(d.entry(&strings, k.as_ref())?);
        }
        d.end()?;
        Ok(out)
    }
}

/// One decoded record: `signin` holds only the fields the accumulator reads.
pub struct Entry {
    pub has_data: bool,
    pub matched: bool,
    pub joined: bool,
    pub signin: SignIn,
    pub facts: Facts,
    pub hits: Vec<Hit>,
}

/// A GUID as Graph writes it: lower case, 8-4-4-4-12.
fn guid_text(g: u128) -> String {
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

fn unzigzag(v: u64) -> i64 {
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

fn event_of(c: u8) -> Option<EventType> {
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

struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    fn bad() -> String {
        "a records block is malformed".to_string()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).ok_or_else(Self::bad)?;
        let s = self.b.get(self.pos..end).ok_or_else(Self::bad)?;
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn flag(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Self::bad()),
        }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Self::bad())
    }

    /// A count or length, never more than the bytes left could hold.
    fn len(&mut self) -> Result<usize, String> {
        let v = usize::try_from(self.varint()?).map_err(|_| Self::bad())?;
        if v > self.b.len() - self.pos {
            return Err(Self::bad());
        }
        Ok(v)
    }

    fn end(&self) -> Result<(), String> {
        if self.pos == self.b.len() {
            Ok(())
        } else {
            Err(Self::bad())
        }
    }

    fn key(&mut self) -> Result<Option<DedupKey>, String> {
        let tag = self.u8()?;
        if tag == 0 {
            return Ok(None);
        }
        if tag & TEXT_KEY != 0 {
            let event = event_of(tag & !TEXT_KEY).ok_or_else(Self::bad)?;
            let l = self.len()?;
            let t = std::str::from_utf8(self.take(l)?).map_err(|_| Self::bad())?;
            return Ok(Some(DedupKey {
                event,
                id: IdKey::Text(t.into()),
            }));
        }
        let event = event_of(tag - 1).ok_or_else(Self::bad)?;
        let g: [u8; 16] = self.take(16)?.try_into().map_err(|_| Self::bad())?;
        Ok(Some(DedupKey {
            event,
            id: IdKey::Guid(u128::from_be_bytes(g)),
        }))
    }

    fn addr(&mut self) -> Result<Option<IpAddr>, String> {
        Ok(match self.u8()? {
            0 => None,
            4 => {
                let o: [u8; 4] = self.take(4)?.try_into().map_err(|_| Self::bad())?;
                Some(IpAddr::from(o))
            }
            6 => {
                let o: [u8; 16] = self.take(16)?.try_into().map_err(|_| Self::bad())?;
                Some(IpAddr::from(o))
            }
            _ => return Err(Self::bad()),
        })
    }

    fn string(&mut self, t: &[String]) -> Result<String, String> {
        let i = usize::try_from(self.varint()?).map_err(|_| Self::bad())?;
        t.get(i).cloned().ok_or_else(Self::bad)
    }

    fn entry(&mut self, t: &[String], key: Option<&DedupKey>) -> Result<Entry, String> {
        let flags = self.u8()?;
        let mut e = Entry {
            has_data: flags & HAS_DATA != 0,
            matched: flags & MATCHED != 0,
            joined: flags & JOINED != 0,
            signin: SignIn::default(),
            facts: Facts {
                status: Status::Success,
                ca_failure: false,
            },
            hits: Vec::new(),
        };
        if flags & !(HAS_DATA | MATCHED | JOINED | REQUEST_IS_KEY) != 0
            || (e.matched && !e.has_data)
        {
            return Err(Self::bad());
        }
        if !e.has_data {
            return Ok(e);
        }
        let s = &mut e.signin;
        let secs = unzigzag(self.varint()?);
        let nanos = u32::try_from(self.varint()?).map_err(|_| Self::bad())?;
        s.created = DateTime::<Utc>::from_timestamp(secs, nanos).ok_or_else(Self::bad)?;
        s.request_id = if flags & REQUEST_IS_KEY != 0 {
            match key.map(|k| &k.id) {
                Some(IdKey::Guid(g)) => guid_text(*g),
                _ => return Err(Self::bad()),
            }
        } else {
            self.string(t)?
        };
        s.correlation_id = self.string(t)?;
        s.user_principal_name = self.string(t)?;
        s.user_id = self.string(t)?;
        s.user_display_name = self.string(t)?;
        s.service_principal_name = self.string(t)?;
        s.service_principal_id = self.string(t)?;
        s.app_id = self.string(t)?;
        s.app_display_name = self.string(t)?;
        s.resource_id = self.string(t)?;
        s.resource_display_name = self.string(t)?;
        s.ip = self.string(t)?;
        s.resource_ip = self.string(t)?;
        s.client_app_used = self.string(t)?;
        s.device.display_name = self.string(t)?;
        s.ip_addr = self.addr()?;
        s.resource_ip_addr = self.addr()?;
        s.event_type = event_of(self.u8()?).ok_or_else(Self::bad)?;
        s.interactive = match self.u8()? {
            0 => None,
            1 => Some(false),
            2 => Some(true),
            _ => return Err(Self::bad()),
        };
        s.has_policy_detail = self.flag()?;
        s.error_code = unzigzag(self.varint()?);
        let n = self.len()?;
        for _ in 0..n {
            let id = self.string(t)?;
            let display_name = self.string(t)?;
            let result = if self.flag()? {
                Some(PolicyResult::parse(&self.string(t)?))
            } else {
                None
            };
            s.policies.push(AppliedPolicy {
                id,
                display_name,
                result,
                ..AppliedPolicy::default()
            });
        }
        if !e.matched {
            return Ok(e);
        }
        e.facts.status = match self.u8()? {
            0 => Status::Success,
            1 => Status::Failure,
            2 => Status::Interrupted,
            _ => return Err(Self::bad()),
        };
        e.facts.ca_failure = self.flag()?;
        let n = self.len()?;
        for _ in 0..n {
            let rule = *Rule::ALL
                .get(usize::from(self.u8()?))
                .ok_or_else(Self::bad)?;
            let policy = if self.flag()? {
                Some(PolicyRef {
                    id: self.string(t)?,
                    display_name: self.string(t)?,
                })
            } else {
                None
            };
            let mut h = Hit::new(rule, policy);
            if self.flag()? {
                h.detail = Some(self.string(t)?);
            }
            let n_ips = self.len()?;
            for _ in 0..n_ips {
                h.ips.push(self.addr()?.ok_or_else(Self::bad)?);
            }
            h.conditional = self.flag()?;
            let n_stale = self.len()?;
            for _ in 0..n_stale {
                h.stale.push(self.string(t)?);
            }
            e.hits.push(h);
        }
        Ok(e)
    }
}
