//! Tolerant serde field types for values whose JSON type drifts between export paths:
//! numbers written as strings, booleans as `"TRUE"`, nested objects embedded as JSON text
//! (Log Analytics), lists written as one string. Used by the JSON record decoder.

mod lenient;

pub use lenient::{Audience, AudienceList, LenientList, ObjectItem, Rule, RuleList, key_index};

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Any scalar as text; `null` is empty; objects and arrays are rejected as the wrong type.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FlexString(pub String);

impl<'de> Deserialize<'de> for FlexString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FlexString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexString, E> {
                Ok(FlexString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<FlexString, E> {
                Ok(FlexString(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexString, E> {
                Ok(FlexString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexString, E> {
                Ok(FlexString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FlexString, E> {
                Ok(FlexString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FlexString, E> {
                Ok(FlexString(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FlexString, E> {
                Ok(FlexString::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<FlexString, E> {
                Ok(FlexString::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<FlexString, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

/// An integer written as a number or as text (`"53003"`); `null`/empty is `None`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct FlexInt(pub Option<i64>);

impl<'de> Deserialize<'de> for FlexInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = FlexString::deserialize(d)?;
        let t = s.0.trim();
        if t.is_empty() {
            return Ok(FlexInt(None));
        }
        t.parse::<i64>()
            .map(|v| FlexInt(Some(v)))
            .map_err(|_| de::Error::custom(format_args!("expected an integer, found {t:?}")))
    }
}

/// A boolean written as `true`, `"True"`, `"TRUE"`, `1`; `null`/empty/other is `None`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct FlexBool(pub Option<bool>);

impl<'de> Deserialize<'de> for FlexBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = FlexString::deserialize(d)?;
        Ok(FlexBool(parse_bool(&s.0)))
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" || t.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" || t.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// A list of strings: a JSON array (of scalars), a JSON array written as text, or one
/// comma-separated string.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StrList(pub Vec<String>);

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = seq.next_element::<FlexOrSkip>()? {
                    if let Some(s) = x.0 {
                        v.push(s);
                    }
                }
                Ok(StrList(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrList, E> {
                Ok(split_list_text(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrList, E> {
                Ok(StrList::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<StrList, E> {
                Ok(StrList::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrList, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

fn split_list_text(v: &str) -> StrList {
    let t = v.trim();
    if t.starts_with('[')
        && let Ok(StrList(items)) = serde_json::from_str::<StrList>(t)
    {
        return StrList(items);
    }
    StrList(
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// A list element: a scalar as text, or an object/array skipped as `None`.
struct FlexOrSkip(Option<String>);

impl<'de> Deserialize<'de> for FlexOrSkip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FlexOrSkip;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list element")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(Some(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FlexOrSkip, E> {
                Ok(FlexOrSkip(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FlexOrSkip, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FlexOrSkip(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FlexOrSkip, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FlexOrSkip(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value that is either inline JSON or JSON embedded as a string (Log Analytics dynamic
/// columns). A string that is not JSON gives `T::from_plain` when `T` supports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded<T>(pub T);

impl<T: Default> Default for Embedded<T> {
    fn default() -> Self {
        Embedded(T::default())
    }
}

/// How a plain (non-JSON) string maps to an embedded value; most types reject it.
pub trait FromPlain: Sized {
    fn from_plain(_s: &str) -> Option<Self> {
        None
    }
}

impl<T: FromPlain> FromPlain for Vec<T> {}
impl<T: FromPlain> FromPlain for Option<T> {
    fn from_plain(s: &str) -> Option<Self> {
        T::from_plain(s).map(Some)
    }
}

impl<'de, T: DeserializeOwned + Default + FromPlain> Deserialize<'de> for Embedded<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned + Default + FromPlain> Visitor<'de> for V<T> {
            type Value = Embedded<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object, an array, or JSON text")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Embedded<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Embedded)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Embedded<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Embedded)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Embedded<T>, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(Embedded(T::default()));
                }
                if t.starts_with('{') || t.starts_with('[') {
                    return serde_json::from_str::<T>(t)
                        .map(Embedded)
                        .map_err(|e| E::custom(format_args!("embedded JSON: {e}")));
                }
                T::from_plain(t)
                    .map(Embedded)
                    .ok_or_else(|| E::custom(format_args!("expected JSON text, found {t:?}")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Embedded<T>, E> {
                Ok(Embedded(T::default()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Embedded<T>, E> {
                Ok(Embedded(T::default()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Embedded<T>, D::Error> {
                d.deserialize_any(V(PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default, Debug, PartialEq)]
    struct Inner {
        a: FlexInt,
    }
    impl FromPlain for Inner {}

    #[derive(Deserialize)]
    struct Outer {
        #[serde(default)]
        n: FlexInt,
        #[serde(default)]
        b: FlexBool,
        #[serde(default)]
        l: StrList,
        #[serde(default)]
        e: Embedded<Inner>,
    }

    #[test]
    fn drifting_types_are_accepted() {
        let o: Outer = serde_json::from_str(
            r#"{"n":"53003","b":"TRUE","l":"[\"x\",\"y\"]","e":"{\"a\":\"7\"}"}"#,
        )
        .unwrap();
        assert_eq!(o.n.0, Some(53003));
        assert_eq!(o.b.0, Some(true));
        assert_eq!(o.l.0, vec!["x", "y"]);
        assert_eq!(o.e.0.a.0, Some(7));
        let o: Outer =
            serde_json::from_str(r#"{"n":4,"b":false,"l":["a",1,null],"e":{"a":1}}"#).unwrap();
        assert_eq!(o.n.0, Some(4));
        assert_eq!(o.l.0, vec!["a", "1"]);
        assert!(serde_json::from_str::<Outer>(r#"{"n":"x"}"#).is_err());
        assert!(serde_json::from_str::<Outer>(r#"{"e":"plain"}"#).is_err());
    }
}
