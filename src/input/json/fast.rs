//! The decoder's fast path: a strict, hand-written reader for the common record (a Graph
//! signIn in camelCase with plainly typed values) that fills the same raw structs as serde,
//! without serde's per-value dispatch. Anything it is not sure of (escapes it does not
//! decode, PascalCase keys, drifting types, duplicate fields, deep nesting, invalid JSON)
//! makes it give up, and the record goes through serde; so it never decides differently.

use std::borrow::Cow;

use wide::u8x16;

use super::{
    RawAuthDetail, RawDevice, RawLocation, RawNetworkLocation, RawPolicy, RawSignIn, RawStatus,
};
use crate::input::flex::{Embedded, FlexBool, FlexInt, FlexString, StrList, parse_bool};
use crate::input::peek::RawPeek;

/// Nesting beyond this goes to serde (its own limit is 128).
const MAX_DEPTH: u32 = 64;

/// `None`: not sure; let serde decide.
type Sure<T> = Option<T>;

/// A Graph-shaped record in camelCase, or `None`.
pub(super) fn sign_in(text: &str) -> Sure<RawSignIn> {
    camel_record(text, |c, key, f: &mut RawSignIn, seen| match key {
        b"id" => seen.once(0, || c.flex_string().map(|v| f.id = v)),
        b"createdDateTime" => seen.once(1, || c.flex_string().map(|v| f.created_date_time = v)),
        b"userDisplayName" => seen.once(2, || c.flex_string().map(|v| f.user_display_name = v)),
        b"userPrincipalName" => seen.once(3, || c.flex_string().map(|v| f.user_principal_name = v)),
        b"userId" => seen.once(4, || c.flex_string().map(|v| f.user_id = v)),
        b"userType" => seen.once(5, || c.flex_string().map(|v| f.user_type = v)),
        b"appId" => seen.once(6, || c.flex_string().map(|v| f.app_id = v)),
        b"appDisplayName" => seen.once(7, || c.flex_string().map(|v| f.app_display_name = v)),
        b"resourceId" => seen.once(8, || c.flex_string().map(|v| f.resource_id = v)),
        b"resourceDisplayName" => {
            seen.once(9, || c.flex_string().map(|v| f.resource_display_name = v))
        }
        b"servicePrincipalId" => {
            seen.once(10, || c.flex_string().map(|v| f.service_principal_id = v))
        }
        b"servicePrincipalName" => {
            seen.once(11, || c.flex_string().map(|v| f.service_principal_name = v))
        }
        b"ipAddress" => seen.once(12, || c.flex_string().map(|v| f.ip_address = v)),
        b"ipAddressFromResourceProvider" => seen.once(13, || {
            c.flex_string()
                .map(|v| f.ip_address_from_resource_provider = v)
        }),
        b"clientAppUsed" => seen.once(14, || c.flex_string().map(|v| f.client_app_used = v)),
        b"userAgent" => seen.once(15, || c.flex_string().map(|v| f.user_agent = v)),
        b"correlationId" => seen.once(16, || c.flex_string().map(|v| f.correlation_id = v)),
        b"conditionalAccessStatus" => seen.once(17, || {
            c.flex_string().map(|v| f.conditional_access_status = v)
        }),
        b"isInteractive" => seen.once(18, || c.flex_bool().map(|v| f.is_interactive = v)),
        b"signInEventTypes" => seen.once(19, || c.str_list().map(|v| f.sign_in_event_types = v)),
        b"status" => seen.once(20, || c.embedded(status).map(|v| f.status = v)),
        b"deviceDetail" => seen.once(21, || c.embedded(device).map(|v| f.device_detail = v)),
        b"location" => seen.once(22, || c.embedded(location).map(|v| f.location = v)),
        b"appliedConditionalAccessPolicies" => seen.once(23, || {
            c.embedded_list(policy)
                .map(|v| f.applied_conditional_access_policies = v)
        }),
        b"networkLocationDetails" => seen.once(24, || {
            if c.null()? {
                f.network_location_details = None;
                return Some(());
            }
            c.embedded_list(network_location)
                .map(|v| f.network_location_details = Some(v))
        }),
        b"authenticationRequirement" => seen.once(25, || {
            c.flex_string().map(|v| f.authentication_requirement = v)
        }),
        b"authenticationDetails" => seen.once(26, || {
            c.embedded_list(auth_detail)
                .map(|v| f.authentication_details = v)
        }),
        b"riskLevelDuringSignIn" => seen.once(27, || {
            c.flex_string().map(|v| f.risk_level_during_sign_in = v)
        }),
        b"riskLevelAggregated" => {
            seen.once(28, || c.flex_string().map(|v| f.risk_level_aggregated = v))
        }
        b"riskState" => seen.once(29, || c.flex_string().map(|v| f.risk_state = v)),
        b"riskDetail" => seen.once(30, || c.flex_string().map(|v| f.risk_detail = v)),
        b"riskEventTypes_v2" => seen.once(31, || c.str_list().map(|v| f.risk_event_types_v2 = v)),
        b"category" => seen.once(32, || c.flex_string().map(|v| f.category = v)),
        b"conditionalAccessAudiences" => seen.once(33, || {
            c.lenient_list().map(|v| f.conditional_access_audiences = v)
        }),
        b"authenticationProtocol" => seen.once(34, || {
            c.flex_string().map(|v| f.authentication_protocol = v)
        }),
        b"originalTransferMethod" => seen.once(35, || {
            c.flex_string().map(|v| f.original_transfer_method = v)
        }),
        _ => c.skip_value(),
    })
}

/// A top-level record whose keys are camelCase: `field` reads the value of each key into
/// `T`. Every alias and rename of the raw structs is PascalCase (Log Analytics), so such a
/// key is serde's to read; bytes after the record are serde's to reject.
fn camel_record<'a, T: Default>(
    text: &'a str,
    mut field: impl FnMut(&mut Cursor<'a>, &[u8], &mut T, &mut Seen) -> Sure<()>,
) -> Sure<T> {
    let mut c = Cursor::new(text);
    let raw = fields(&mut c, |c, key, raw, seen| {
        if key.first().is_some_and(u8::is_ascii_uppercase) {
            return None;
        }
        field(c, key, raw, seen)
    })?;
    c.ws();
    (c.i == c.b.len()).then_some(raw)
}

/// An object read into `T`: `field` reads the value of each key.
fn fields<'a, T: Default>(
    c: &mut Cursor<'a>,
    mut field: impl FnMut(&mut Cursor<'a>, &[u8], &mut T, &mut Seen) -> Sure<()>,
) -> Sure<T> {
    let mut r = T::default();
    let mut seen = Seen::default();
    c.object(|c, key| field(c, key, &mut r, &mut seen))?;
    Some(r)
}

/// The prefilter's fields of a Graph-shaped record in camelCase, or `None`.
pub(super) fn peek(text: &str) -> Sure<RawPeek<'_>> {
    camel_record(text, |c, key, f: &mut RawPeek<'_>, seen| match key {
        b"id" => seen.once(0, || c.text().map(|v| f.id = v)),
        b"createdDateTime" => seen.once(1, || c.text().map(|v| f.created_date_time = v)),
        b"userPrincipalName" => seen.once(2, || c.text().map(|v| f.user_principal_name = v)),
        b"userId" => seen.once(3, || c.text().map(|v| f.user_id = v)),
        b"userDisplayName" => seen.once(4, || c.text().map(|v| f.user_display_name = v)),
        b"servicePrincipalName" => seen.once(5, || c.text().map(|v| f.service_principal_name = v)),
        b"servicePrincipalId" => seen.once(6, || c.text().map(|v| f.service_principal_id = v)),
        b"appId" => seen.once(7, || c.text().map(|v| f.app_id = v)),
        b"appDisplayName" => seen.once(8, || c.text().map(|v| f.app_display_name = v)),
        b"correlationId" => seen.once(9, || c.text().map(|v| f.correlation_id = v)),
        b"signInEventTypes" => seen.once(10, || c.str_list().map(|v| f.sign_in_event_types = v)),
        b"isInteractive" => seen.once(11, || c.flex_bool().map(|v| f.is_interactive = v)),
        b"category" => seen.once(12, || c.text().map(|v| f.category = v)),
        _ => c.skip_value(),
    })
}

fn status(c: &mut Cursor) -> Sure<RawStatus> {
    fields(c, |c, key, r: &mut RawStatus, seen| match key {
        b"errorCode" => seen.once(0, || c.flex_int().map(|v| r.error_code = v)),
        b"failureReason" => seen.once(1, || c.flex_string().map(|v| r.failure_reason = v)),
        b"additionalDetails" => seen.once(2, || c.flex_string().map(|v| r.additional_details = v)),
        _ => c.skip_value(),
    })
}

fn device(c: &mut Cursor) -> Sure<RawDevice> {
    fields(c, |c, key, r: &mut RawDevice, seen| match key {
        b"deviceId" => seen.once(0, || c.flex_string().map(|v| r.device_id = v)),
        b"displayName" => seen.once(1, || c.flex_string().map(|v| r.display_name = v)),
        b"operatingSystem" => seen.once(2, || c.flex_string().map(|v| r.operating_system = v)),
        b"browser" => seen.once(3, || c.flex_string().map(|v| r.browser = v)),
        b"isCompliant" => seen.once(4, || c.flex_bool().map(|v| r.is_compliant = v)),
        b"isManaged" => seen.once(5, || c.flex_bool().map(|v| r.is_managed = v)),
        b"trustType" => seen.once(6, || c.flex_string().map(|v| r.trust_type = v)),
        _ => c.skip_value(),
    })
}

fn location(c: &mut Cursor) -> Sure<RawLocation> {
    fields(c, |c, key, r: &mut RawLocation, seen| match key {
        b"city" => seen.once(0, || c.flex_string().map(|v| r.city = v)),
        b"state" => seen.once(1, || c.flex_string().map(|v| r.state = v)),
        b"countryOrRegion" => seen.once(2, || c.flex_string().map(|v| r.country_or_region = v)),
        _ => c.skip_value(),
    })
}

fn policy(c: &mut Cursor) -> Sure<RawPolicy> {
    fields(c, |c, key, r: &mut RawPolicy, seen| match key {
        b"id" => seen.once(0, || c.flex_string().map(|v| r.id = v)),
        b"displayName" => seen.once(1, || c.flex_string().map(|v| r.display_name = v)),
        b"result" => seen.once(2, || c.flex_string().map(|v| r.result = v)),
        b"enforcedGrantControls" => {
            seen.once(3, || c.str_list().map(|v| r.enforced_grant_controls = v))
        }
        b"enforcedSessionControls" => {
            seen.once(4, || c.str_list().map(|v| r.enforced_session_controls = v))
        }
        b"conditionsSatisfied" => {
            seen.once(5, || c.flex_string().map(|v| r.conditions_satisfied = v))
        }
        b"conditionsNotSatisfied" => seen.once(6, || {
            c.flex_string().map(|v| r.conditions_not_satisfied = v)
        }),
        b"sessionControlsNotSatisfied" => seen.once(7, || {
            c.str_list().map(|v| r.session_controls_not_satisfied = v)
        }),
        b"includeRulesSatisfied" => seen.once(8, || {
            c.lenient_list().map(|v| r.include_rules_satisfied = v)
        }),
        b"excludeRulesSatisfied" => seen.once(9, || {
            c.lenient_list().map(|v| r.exclude_rules_satisfied = v)
        }),
        _ => c.skip_value(),
    })
}

fn network_location(c: &mut Cursor) -> Sure<RawNetworkLocation> {
    fields(c, |c, key, r: &mut RawNetworkLocation, seen| match key {
        b"networkType" => seen.once(0, || c.flex_string().map(|v| r.network_type = v)),
        b"networkNames" => seen.once(1, || c.str_list().map(|v| r.network_names = v)),
        _ => c.skip_value(),
    })
}

fn auth_detail(c: &mut Cursor) -> Sure<RawAuthDetail> {
    fields(c, |c, key, r: &mut RawAuthDetail, seen| match key {
        b"authenticationMethod" => {
            seen.once(0, || c.flex_string().map(|v| r.authentication_method = v))
        }
        b"authenticationMethodDetail" => seen.once(1, || {
            c.flex_string().map(|v| r.authentication_method_detail = v)
        }),
        b"succeeded" => seen.once(2, || c.flex_bool().map(|v| r.succeeded = v)),
        b"authenticationStepResultDetail" => seen.once(3, || {
            c.flex_string()
                .map(|v| r.authentication_step_result_detail = v)
        }),
        b"authenticationStepRequirement" => seen.once(4, || {
            c.flex_string()
                .map(|v| r.authentication_step_requirement = v)
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
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
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

    /// Any value, checked against JSON's grammar and dropped.
    fn skip_value(&mut self) -> Sure<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.object(|c, _| c.skip_value()),
            b'[' => self.array(|c| c.skip_value()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
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

    fn flex_string(&mut self) -> Sure<FlexString> {
        Some(FlexString(match self.scalar()? {
            Scalar::Str(s) => s.into_owned(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => String::new(),
        }))
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
    fn str_list(&mut self) -> Sure<StrList> {
        let mut items = Vec::new();
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
        Some(StrList(items))
    }

    /// An inline object or `null`.
    fn embedded<T: Default>(&mut self, read: fn(&mut Self) -> Sure<T>) -> Sure<Embedded<T>> {
        if self.null()? {
            return Some(Embedded(T::default()));
        }
        if self.peek()? != b'{' {
            return None;
        }
        read(self).map(Embedded)
    }

    /// An inline array of objects or `null`.
    fn embedded_list<T>(&mut self, read: fn(&mut Self) -> Sure<T>) -> Sure<Embedded<Vec<T>>> {
        let mut items = Vec::new();
        if self.null()? {
            return Some(Embedded(items));
        }
        self.array(|c| {
            if c.peek()? != b'{' {
                return None;
            }
            items.push(read(c)?);
            Some(())
        })?;
        Some(Embedded(items))
    }
}

/// The escape whose backslash is at `at`: the character, and where the string goes on.
/// Surrogates (pairs or lone ones) and anything unusual are serde's to judge.
fn escape(b: &[u8], at: usize) -> Sure<(char, usize)> {
    let c = match *b.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = b.get(at + 2..at + 6)?;
            let mut code = 0u32;
            for &h in hex {
                code = code * 16 + char::from(h).to_digit(16)?;
            }
            return Some((char::from_u32(code)?, at + 6));
        }
        _ => return None,
    };
    Some((c, at + 2))
}

/// The first `"`, `\` or control character at or after `at`, sixteen bytes at a time.
fn find_special(b: &[u8], mut at: usize) -> Sure<usize> {
    let (quote, backslash, space) = (u8x16::splat(b'"'), u8x16::splat(b'\\'), u8x16::splat(0x1f));
    while let Some(lane) = b.get(at..at + 16) {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(lane);
        let v = u8x16::new(bytes);
        let hit = v.simd_eq(quote) | v.simd_eq(backslash) | v.simd_eq(v.min(space));
        let mask = hit.to_bitmask();
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    b.get(at..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| at + p)
}

mod lenient;
#[cfg(test)]
mod tests;
