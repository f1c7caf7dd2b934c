//! The decoder's fast path: a strict, hand-written reader for the common record (a Graph
//! signIn in camelCase with plainly typed values) that fills the same raw structs as serde,
//! without serde's per-value dispatch. Anything it is not sure of (escapes it does not
//! decode, PascalCase keys, drifting types, duplicate fields, deep nesting, invalid JSON)
//! makes it give up, and the record goes through serde; so it never decides differently.

use std::borrow::Cow;

use super::reuse::{Recycle, Spare};
use super::{
    RawAuthDetail, RawDevice, RawLocation, RawNetworkLocation, RawPolicy, RawSignIn, RawStatus,
};
use crate::input::flex::{Embedded, FlexBool, FlexInt, FlexString, StrList, parse_bool};
use crate::input::peek::RawPeek;
use scan::{after_blanks, escape, find_special};

/// Nesting beyond this goes to serde (its own limit is 128).
const MAX_DEPTH: u32 = 64;

/// `None`: not sure; let serde decide.
type Sure<T> = Option<T>;

/// A Graph-shaped record in camelCase, or `None`.
#[cfg(test)]
pub(super) fn sign_in(text: &str) -> Sure<RawSignIn> {
    let mut raw = RawSignIn::default();
    sign_in_into(text, &mut raw, &mut Spare::default())?;
    Some(raw)
}

/// A Graph-shaped record in camelCase read into `f` (emptied first, its strings refilled
/// in place; list elements taken from `spare`), or `None`: then `f` holds part of the
/// record and is only good for the next call.
pub(super) fn sign_in_into(text: &str, f: &mut RawSignIn, spare: &mut Spare) -> Sure<()> {
    f.recycle(spare);
    camel_record(text, f, |c, key, f: &mut RawSignIn, seen| match key {
        b"id" => seen.once(0, || c.flex_string_into(&mut f.id)),
        b"createdDateTime" => seen.once(1, || c.flex_string_into(&mut f.created_date_time)),
        b"userDisplayName" => seen.once(2, || c.flex_string_into(&mut f.user_display_name)),
        b"userPrincipalName" => seen.once(3, || c.flex_string_into(&mut f.user_principal_name)),
        b"userId" => seen.once(4, || c.flex_string_into(&mut f.user_id)),
        b"userType" => seen.once(5, || c.flex_string_into(&mut f.user_type)),
        b"appId" => seen.once(6, || c.flex_string_into(&mut f.app_id)),
        b"appDisplayName" => seen.once(7, || c.flex_string_into(&mut f.app_display_name)),
        b"resourceId" => seen.once(8, || c.flex_string_into(&mut f.resource_id)),
        b"resourceDisplayName" => seen.once(9, || c.flex_string_into(&mut f.resource_display_name)),
        b"servicePrincipalId" => seen.once(10, || c.flex_string_into(&mut f.service_principal_id)),
        b"servicePrincipalName" => {
            seen.once(11, || c.flex_string_into(&mut f.service_principal_name))
        }
        b"ipAddress" => seen.once(12, || c.flex_string_into(&mut f.ip_address)),
        b"ipAddressFromResourceProvider" => seen.once(13, || {
            c.flex_string_into(&mut f.ip_address_from_resource_provider)
        }),
        b"clientAppUsed" => seen.once(14, || c.flex_string_into(&mut f.client_app_used)),
        b"userAgent" => seen.once(15, || c.flex_string_into(&mut f.user_agent)),
        b"correlationId" => seen.once(16, || c.flex_string_into(&mut f.correlation_id)),
        b"conditionalAccessStatus" => {
            seen.once(17, || c.flex_string_into(&mut f.conditional_access_status))
        }
        b"isInteractive" => seen.once(18, || c.flex_bool().map(|v| f.is_interactive = v)),
        b"signInEventTypes" => seen.once(19, || c.str_list_into(&mut f.sign_in_event_types)),
        b"status" => seen.once(20, || c.embedded_into(&mut f.status.0, status)),
        b"deviceDetail" => seen.once(21, || c.embedded_into(&mut f.device_detail.0, device)),
        b"location" => seen.once(22, || c.embedded_into(&mut f.location.0, location)),
        b"appliedConditionalAccessPolicies" => seen.once(23, || {
            c.list_into(
                &mut f.applied_conditional_access_policies.0,
                &mut spare.policies,
                policy,
            )
        }),
        b"networkLocationDetails" => seen.once(24, || {
            if c.null()? {
                f.network_location_details = None;
                return Some(());
            }
            c.embedded_list(network_location)
                .map(|v| f.network_location_details = Some(v))
        }),
        b"authenticationRequirement" => {
            seen.once(25, || c.flex_string_into(&mut f.authentication_requirement))
        }
        b"authenticationDetails" => seen.once(26, || {
            c.list_into(
                &mut f.authentication_details.0,
                &mut spare.auth,
                auth_detail,
            )
        }),
        b"riskLevelDuringSignIn" => {
            seen.once(27, || c.flex_string_into(&mut f.risk_level_during_sign_in))
        }
        b"riskLevelAggregated" => {
            seen.once(28, || c.flex_string_into(&mut f.risk_level_aggregated))
        }
        b"riskState" => seen.once(29, || c.flex_string_into(&mut f.risk_state)),
        b"riskDetail" => seen.once(30, || c.flex_string_into(&mut f.risk_detail)),
        b"riskEventTypes_v2" => seen.once(31, || c.str_list_into(&mut f.risk_event_types_v2)),
        b"category" => seen.once(32, || c.flex_string_into(&mut f.category)),
        b"conditionalAccessAudiences" => seen.once(33, || {
            c.lenient_list().map(|v| f.conditional_access_audiences = v)
        }),
        b"authenticationProtocol" => {
            seen.once(34, || c.flex_string_into(&mut f.authentication_protocol))
        }
        b"originalTransferMethod" => {
            seen.once(35, || c.flex_string_into(&mut f.original_transfer_method))
        }
        _ => c.skip_value(),
    })
}

/// A top-level record whose keys are camelCase: `field` reads the value of each key into
/// `T`. Every alias and rename of the raw structs is PascalCase (Log Analytics), so such a
/// key is serde's to read; bytes after the record are serde's to reject.
fn camel_record<'a, T>(
    text: &'a str,
    raw: &mut T,
    mut field: impl FnMut(&mut Cursor<'a>, &[u8], &mut T, &mut Seen) -> Sure<()>,
) -> Sure<()> {
    let mut c = Cursor::new(text);
    fields(&mut c, raw, |c, key, raw, seen| {
        if key.first().is_some_and(u8::is_ascii_uppercase) {
            return None;
        }
        field(c, key, raw, seen)
    })?;
    c.ws();
    (c.i == c.b.len()).then_some(())
}

/// An object read into `r` (which holds its default value): `field` reads the value of
/// each key.
fn fields<'a, T>(
    c: &mut Cursor<'a>,
    r: &mut T,
    mut field: impl FnMut(&mut Cursor<'a>, &[u8], &mut T, &mut Seen) -> Sure<()>,
) -> Sure<()> {
    let mut seen = Seen::default();
    c.object(|c, key| field(c, key, r, &mut seen))
}

/// The prefilter's fields of a Graph-shaped record in camelCase, or `None`.
pub(super) fn peek(text: &str) -> Sure<RawPeek<'_>> {
    let mut raw = RawPeek::default();
    camel_record(
        text,
        &mut raw,
        |c, key, f: &mut RawPeek<'_>, seen| match key {
            b"id" => seen.once(0, || c.text().map(|v| f.id = v)),
            b"createdDateTime" => seen.once(1, || c.text().map(|v| f.created_date_time = v)),
            b"userPrincipalName" => seen.once(2, || c.text().map(|v| f.user_principal_name = v)),
            b"userId" => seen.once(3, || c.text().map(|v| f.user_id = v)),
            b"userDisplayName" => seen.once(4, || c.text().map(|v| f.user_display_name = v)),
            b"servicePrincipalName" => {
                seen.once(5, || c.text().map(|v| f.service_principal_name = v))
            }
            b"servicePrincipalId" => seen.once(6, || c.text().map(|v| f.service_principal_id = v)),
            b"appId" => seen.once(7, || c.text().map(|v| f.app_id = v)),
            b"appDisplayName" => seen.once(8, || c.text().map(|v| f.app_display_name = v)),
            b"correlationId" => seen.once(9, || c.text().map(|v| f.correlation_id = v)),
            b"signInEventTypes" => seen.once(10, || c.str_list_into(&mut f.sign_in_event_types)),
            b"isInteractive" => seen.once(11, || c.flex_bool().map(|v| f.is_interactive = v)),
            b"category" => seen.once(12, || c.text().map(|v| f.category = v)),
            _ => c.skip_value(),
        },
    )?;
    Some(raw)
}

fn status(c: &mut Cursor, r: &mut RawStatus) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawStatus, seen| match key {
        b"errorCode" => seen.once(0, || c.flex_int().map(|v| r.error_code = v)),
        b"failureReason" => seen.once(1, || c.flex_string_into(&mut r.failure_reason)),
        b"additionalDetails" => seen.once(2, || c.flex_string_into(&mut r.additional_details)),
        _ => c.skip_value(),
    })
}

fn device(c: &mut Cursor, r: &mut RawDevice) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawDevice, seen| match key {
        b"deviceId" => seen.once(0, || c.flex_string_into(&mut r.device_id)),
        b"displayName" => seen.once(1, || c.flex_string_into(&mut r.display_name)),
        b"operatingSystem" => seen.once(2, || c.flex_string_into(&mut r.operating_system)),
        b"browser" => seen.once(3, || c.flex_string_into(&mut r.browser)),
        b"isCompliant" => seen.once(4, || c.flex_bool().map(|v| r.is_compliant = v)),
        b"isManaged" => seen.once(5, || c.flex_bool().map(|v| r.is_managed = v)),
        b"trustType" => seen.once(6, || c.flex_string_into(&mut r.trust_type)),
        _ => c.skip_value(),
    })
}

fn location(c: &mut Cursor, r: &mut RawLocation) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawLocation, seen| match key {
        b"city" => seen.once(0, || c.flex_string_into(&mut r.city)),
        b"state" => seen.once(1, || c.flex_string_into(&mut r.state)),
        b"countryOrRegion" => seen.once(2, || c.flex_string_into(&mut r.country_or_region)),
        _ => c.skip_value(),
    })
}

fn policy(c: &mut Cursor, r: &mut RawPolicy) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawPolicy, seen| match key {
        b"id" => seen.once(0, || c.flex_string_into(&mut r.id)),
        b"displayName" => seen.once(1, || c.flex_string_into(&mut r.display_name)),
        b"result" => seen.once(2, || c.flex_string_into(&mut r.result)),
        b"enforcedGrantControls" => {
            seen.once(3, || c.str_list_into(&mut r.enforced_grant_controls))
        }
        b"enforcedSessionControls" => {
            seen.once(4, || c.str_list_into(&mut r.enforced_session_controls))
        }
        b"conditionsSatisfied" => seen.once(5, || c.flex_string_into(&mut r.conditions_satisfied)),
        b"conditionsNotSatisfied" => {
            seen.once(6, || c.flex_string_into(&mut r.conditions_not_satisfied))
        }
        b"sessionControlsNotSatisfied" => {
            seen.once(7, || c.str_list_into(&mut r.session_controls_not_satisfied))
        }
        b"includeRulesSatisfied" => seen.once(8, || {
            c.lenient_list().map(|v| r.include_rules_satisfied = v)
        }),
        b"excludeRulesSatisfied" => seen.once(9, || {
            c.lenient_list().map(|v| r.exclude_rules_satisfied = v)
        }),
        _ => c.skip_value(),
    })
}

fn network_location(c: &mut Cursor, r: &mut RawNetworkLocation) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawNetworkLocation, seen| match key {
        b"networkType" => seen.once(0, || c.flex_string_into(&mut r.network_type)),
        b"networkNames" => seen.once(1, || c.str_list_into(&mut r.network_names)),
        _ => c.skip_value(),
    })
}

fn auth_detail(c: &mut Cursor, r: &mut RawAuthDetail) -> Sure<()> {
    fields(c, r, |c, key, r: &mut RawAuthDetail, seen| match key {
        b"authenticationMethod" => {
            seen.once(0, || c.flex_string_into(&mut r.authentication_method))
        }
        b"authenticationMethodDetail" => seen.once(1, || {
            c.flex_string_into(&mut r.authentication_method_detail)
        }),
        b"succeeded" => seen.once(2, || c.flex_bool().map(|v| r.succeeded = v)),
        b"authenticationStepResultDetail" => seen.once(3, || {
            c.flex_string_into(&mut r.authentication_step_result_detail)
        }),
        b"authenticationStepRequirement" => seen.once(4, || {
            c.flex_string_into(&mut r.authentication_step_requirement)
        }),
        _ => c.skip_value(),
    })
}

/// Fields already read in one object: serde rejects a duplicate, so it decides those.
#[derive(Default)]
struct Seen(u64);

impl Seen {
    fn once(&mut self, bit: u32, read: impl FnOnce() -> Sure<()>) -> Sure<()> {
        if self.0 >> bit & 1 == 1 {
            return None;
        }
        self.0 |= 1 << bit;
        read()
    }
}

/// A scalar as the flexible field types see it.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    /// An integer in canonical form (`0`, `-12`, at most 18 digits), as written.
    Int(&'a str),
    Bool(bool),
    Null,
}

struct Cursor<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    depth: u32,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            b: text.as_bytes(),
            text,
            i: 0,
            depth: 0,
        }
    }

    fn ws(&mut self) {
        if let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i = after_blanks(self.b, self.i + 1);
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Sure<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, want: u8) -> Sure<()> {
        (self.peek()? == want).then(|| self.i += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Sure<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A `null` (consumed) or not (nothing consumed).
    fn null(&mut self) -> Sure<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    fn enter(&mut self) -> Sure<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// `{ "key": value, ... }`: `field` reads each value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &[u8]) -> Sure<()>) -> Sure<()> {
        self.eat(b'{')?;
        self.enter()?;
        if self.peek()? == b'}' {
            self.i += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.key()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    self.depth -= 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[ value, ... ]`: `element` reads each value.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Sure<()>) -> Sure<()> {
        self.eat(b'[')?;
        self.enter()?;
        if self.peek()? == b']' {
            self.i += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    self.depth -= 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string at the cursor, borrowed unless it holds escapes.
    fn string(&mut self) -> Sure<Cow<'a, str>> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let at = find_special(self.b, start)?;
        match self.b[at] {
            b'"' => {
                self.i = at + 1;
                Some(Cow::Borrowed(self.text.get(start..at)?))
            }
            b'\\' => self.escaped_string(start, at),
            _ => None, // a control character: serde names it
        }
    }

    /// A key: its bytes between the quotes (a key with escapes is serde's).
    fn key(&mut self) -> Sure<&'a [u8]> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let at = find_special(self.b, start)?;
        if self.b[at] != b'"' {
            return None;
        }
        self.i = at + 1;
        self.b.get(start..at)
    }

    /// A string checked as [`Cursor::string`] would, and dropped.
    fn skip_string(&mut self) -> Sure<()> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let mut at = self.i + 1;
        loop {
            at = find_special(self.b, at)?;
            match self.b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Some(());
                }
                b'\\' => at = escape(self.b, at)?.1,
                _ => return None,
            }
        }
    }

    /// The rest of a string with escapes, from `start` (after the quote); the first
    /// backslash is at `at`.
    fn escaped_string(&mut self, start: usize, at: usize) -> Sure<Cow<'a, str>> {
        let mut out = String::with_capacity(at - start + 16);
        out.push_str(self.text.get(start..at)?);
        let mut at = at;
        loop {
            let (c, after) = escape(self.b, at)?;
            out.push(c);
            at = after;
            let next = find_special(self.b, at)?;
            out.push_str(self.text.get(at..next)?);
            match self.b[next] {
                b'"' => {
                    self.i = next + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => at = next,
                _ => return None,
            }
        }
    }

    /// A number in JSON's grammar, consumed; its text.
    fn number(&mut self) -> Sure<&'a str> {
        let start = self.i;
        let digits = |c: &mut Self| {
            let from = c.i;
            while c.b.get(c.i).is_some_and(u8::is_ascii_digit) {
                c.i += 1;
            }
            c.i - from
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        self.text.get(start..self.i)
    }

    fn scalar(&mut self) -> Sure<Scalar<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Scalar::Str),
            b't' => self.literal(b"true").map(|()| Scalar::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Scalar::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Scalar::Null),
            _ => {
                // Only integers serde would print back the same way.
                let n = self.number()?;
                let digits = n.strip_prefix('-').unwrap_or(n);
                let canonical = digits.len() <= 18
                    && digits.bytes().all(|d| d.is_ascii_digit())
                    && (digits == "0" && n == digits || !digits.starts_with('0'));
                canonical.then_some(Scalar::Int(n))
            }
        }
    }

    /// A string or `null`, borrowed where it can be (serde's `Option<Cow<str>>`).
    fn text(&mut self) -> Sure<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => self.literal(b"null").map(|()| None),
            _ => None,
        }
    }

    /// A scalar as text into `out` (empty: its default), refilling its memory.
    fn flex_string_into(&mut self, out: &mut FlexString) -> Sure<()> {
        match self.scalar()? {
            Scalar::Str(s) => out.0.push_str(&s),
            Scalar::Int(n) => out.0.push_str(n),
            Scalar::Bool(b) => out.0.push_str(if b { "true" } else { "false" }),
            Scalar::Null => {}
        }
        Some(())
    }

    fn flex_int(&mut self) -> Sure<FlexInt> {
        let text = match self.scalar()? {
            Scalar::Str(s) => s,
            Scalar::Int(n) => Cow::Borrowed(n),
            Scalar::Bool(_) => return None,
            Scalar::Null => return Some(FlexInt(None)),
        };
        let t = text.trim();
        if t.is_empty() {
            return Some(FlexInt(None));
        }
        t.parse::<i64>().ok().map(|v| FlexInt(Some(v)))
    }

    fn flex_bool(&mut self) -> Sure<FlexBool> {
        Some(FlexBool(match self.scalar()? {
            Scalar::Str(s) => parse_bool(&s),
            Scalar::Int(n) => parse_bool(n),
            Scalar::Bool(b) => Some(b),
            Scalar::Null => None,
        }))
    }

    /// An array of scalars (nested containers skipped, `null` dropped) or `null`; a list
    /// written as one string is serde's.
    fn str_list_into(&mut self, out: &mut StrList) -> Sure<()> {
        let items = &mut out.0;
        match self.peek()? {
            b'n' => self.literal(b"null")?,
            b'[' => self.array(|c| {
                match c.peek()? {
                    b'{' | b'[' => return c.skip_value(),
                    _ => match c.scalar()? {
                        Scalar::Str(s) => items.push(s.into_owned()),
                        Scalar::Int(n) => items.push(n.to_string()),
                        Scalar::Bool(b) => items.push(b.to_string()),
                        Scalar::Null => {}
                    },
                }
                Some(())
            })?,
            _ => return None,
        }
        Some(())
    }

    /// An inline object or `null`, into `out` (which holds its default value).
    fn embedded_into<T>(
        &mut self,
        out: &mut T,
        read: fn(&mut Self, &mut T) -> Sure<()>,
    ) -> Sure<()> {
        if self.null()? {
            return Some(());
        }
        if self.peek()? != b'{' {
            return None;
        }
        read(self, out)
    }

    /// An inline array of objects or `null`.
    fn embedded_list<T: Default>(
        &mut self,
        read: fn(&mut Self, &mut T) -> Sure<()>,
    ) -> Sure<Embedded<Vec<T>>> {
        let mut items = Vec::new();
        if self.null()? {
            return Some(Embedded(items));
        }
        self.array(|c| {
            if c.peek()? != b'{' {
                return None;
            }
            let mut item = T::default();
            read(c, &mut item)?;
            items.push(item);
            Some(())
        })?;
        Some(Embedded(items))
    }

    /// [`Cursor::embedded_list`] into `items` (empty), each element taken from `spare`
    /// and emptied before it is read.
    fn list_into<T: Recycle>(
        &mut self,
        items: &mut Vec<T>,
        spare: &mut Vec<T>,
        read: fn(&mut Self, &mut T) -> Sure<()>,
    ) -> Sure<()> {
        if self.null()? {
            return Some(());
        }
        self.array(|c| {
            if c.peek()? != b'{' {
                return None;
            }
            let mut item = spare.pop().unwrap_or_default();
            item.recycle();
            // Kept even when it fails, so that its memory goes back to the spares.
            let read = read(c, &mut item);
            items.push(item);
            read
        })
    }
}

mod lenient;
mod scan;
mod skip;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_reuse;
