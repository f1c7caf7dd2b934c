//! Reading a records frame back (`partial::record` writes them): the keys block, then the
//! replay records with their string table. Every length, count, index and tag is checked
//! against the bytes (a part is a file like any other: attacker-controlled), and a bad one is
//! an error, never a panic nor an allocation the bytes do not pay for.

use chrono::{DateTime, Utc};

use super::record::{
    HAS_DATA, JOINED, MATCHED, MAX_FRAME_ENTRIES, REQUEST_IS_KEY, TEXT_KEY, event_of, guid_text,
    gunzip, unzigzag,
};
use crate::analysis::{DedupKey, IdKey};
use crate::evaluate::{Facts, Hit, PolicyRef, Rule};
use crate::model::{AppliedPolicy, PolicyResult, SignIn, Status};
use std::net::IpAddr;

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
