//! Lists of small objects that are evidence, not substance (`includeRulesSatisfied`,
//! `excludeRulesSatisfied`, `conditionalAccessAudiences`): read in every shape the exports
//! write them (an array of objects in Graph beta, an array of JSON strings each holding an
//! object in Log Analytics and diagnostic exports, or one JSON string holding the array),
//! and a junk item or value is dropped instead of failing the record.
//!
//! The JSON decoder's fast path reads the common shape itself and builds the items with the
//! same [`ObjectItem::build`], so both paths decide alike.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// An item read from the string members of one object.
pub trait ObjectItem: Sized {
    /// The members read, matched ASCII case-insensitively (exports differ in case).
    const KEYS: &'static [&'static str];
    /// The item from the members' values (`values[i]` for `KEYS[i]`; `None` when absent
    /// or not a string), or `None` when that is not a usable item.
    fn build(values: &mut [Option<String>]) -> Option<Self>;
}

/// `{conditionalAccessCondition, ruleSatisfied}` as (condition, rule), both trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule(pub String, pub String);

impl ObjectItem for Rule {
    const KEYS: &'static [&'static str] = &["conditionalAccessCondition", "ruleSatisfied"];
    fn build(values: &mut [Option<String>]) -> Option<Rule> {
        let condition = non_empty(values.first_mut()?.take())?;
        let rule = non_empty(values.get_mut(1)?.take())?;
        Some(Rule(condition, rule))
    }
}

/// `conditionalAccessAudiences[]` element: its `applicationId`, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(pub String);

impl ObjectItem for Audience {
    const KEYS: &'static [&'static str] = &["applicationId"];
    fn build(values: &mut [Option<String>]) -> Option<Audience> {
        non_empty(values.first_mut()?.take()).map(Audience)
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    let v = v?;
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The position of `key` in `keys`, ASCII case-insensitively.
pub fn key_index(keys: &[&str], key: &[u8]) -> Option<usize> {
    keys.iter()
        .position(|k| k.as_bytes().eq_ignore_ascii_case(key))
}

/// The usable items of a lenient list, in order; `null`, junk and absence are empty.
#[derive(Debug, Clone, PartialEq)]
pub struct LenientList<T>(pub Vec<T>);

impl<T> Default for LenientList<T> {
    fn default() -> Self {
        LenientList(Vec::new())
    }
}

pub type RuleList = LenientList<Rule>;
pub type AudienceList = LenientList<Audience>;

impl<'de, T: ObjectItem> Deserialize<'de> for LenientList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: ObjectItem> Visitor<'de> for V<T> {
            type Value = LenientList<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Item<T>>()? {
                    items.extend(item.0);
                }
                Ok(LenientList(items))
            }
            /// A JSON string holding the array (Log Analytics); anything else is junk.
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if !t.starts_with('[') {
                    return Ok(LenientList::default());
                }
                Ok(serde_json::from_str::<LenientList<T>>(t).unwrap_or_default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientList::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientList::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V(PhantomData))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One list element: an object, or a JSON string holding one; `None` for junk.
struct Item<T>(Option<T>);

impl<'de, T: ObjectItem> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: ObjectItem> Visitor<'de> for V<T> {
            type Value = Item<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<T>, A::Error> {
                let mut values: Vec<Option<String>> = vec![None; T::KEYS.len()];
                while let Some(at) = map.next_key_seed(KeySeed(T::KEYS))? {
                    match at {
                        // A repeated member: the last one counts, as serde does for fields.
                        Some(i) => values[i] = map.next_value::<StrOrJunk>()?.0,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Item(T::build(&mut values)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Item<T>, E> {
                let t = v.trim();
                if !t.starts_with('{') {
                    return Ok(Item(None));
                }
                Ok(serde_json::from_str::<Item<T>>(t).unwrap_or(Item(None)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Item(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Item<T>, E> {
                Ok(Item(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Item<T>, E> {
                Ok(Item(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Item<T>, E> {
                Ok(Item(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Item<T>, E> {
                Ok(Item(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Item<T>, E> {
                Ok(Item(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A member name as its index in the wanted keys, without allocating.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(key_index(self.0, v.as_bytes()))
    }
}

/// A member value: a string, or `None` for any other value (dropped).
struct StrOrJunk(Option<String>);

impl<'de> Deserialize<'de> for StrOrJunk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrOrJunk;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrOrJunk, E> {
                Ok(StrOrJunk(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrOrJunk, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StrOrJunk(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrOrJunk, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StrOrJunk(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl LenientList<Rule> {
    /// The rules as (condition, rule) pairs, the model's shape.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.0.into_iter().map(|Rule(c, r)| (c, r)).collect()
    }
}

impl LenientList<Audience> {
    /// The application ids, in order, without repeats.
    pub fn into_ids(self) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(self.0.len());
        for Audience(id) in self.0 {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&id)) {
                out.push(id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(json: &str) -> Vec<(String, String)> {
        serde_json::from_str::<RuleList>(json)
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .into_pairs()
    }

    fn pair(c: &str, r: &str) -> (String, String) {
        (c.to_string(), r.to_string())
    }

    #[test]
    fn beta_objects() {
        assert_eq!(
            rules(
                r#"[{"conditionalAccessCondition":"users","ruleSatisfied":"groupId"},
                    {"conditionalAccessCondition":" application ","ruleSatisfied":"allApps","x":[1]}]"#
            ),
            vec![pair("users", "groupId"), pair("application", "allApps")]
        );
        assert_eq!(rules("[]"), vec![]);
        assert_eq!(rules("null"), vec![]);
    }

    #[test]
    fn log_analytics_strings_and_a_string_holding_the_array() {
        let item = r#"{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"groupId\"}"#;
        assert_eq!(
            rules(&format!(r#"["{item}"]"#)),
            vec![pair("users", "groupId")]
        );
        let array = r#""[{\"conditionalAccessCondition\":\"location\",\"ruleSatisfied\":\"allTrustedLocations\"}]""#;
        assert_eq!(rules(array), vec![pair("location", "allTrustedLocations")]);
        // The array as text whose items are text again (doubly embedded).
        let nested = r#""[\"{\\\"conditionalAccessCondition\\\":\\\"users\\\",\\\"ruleSatisfied\\\":\\\"roleId\\\"}\"]""#;
        assert_eq!(rules(nested), vec![pair("users", "roleId")]);
        // Member names in another case still land.
        assert_eq!(
            rules(r#"[{"ConditionalAccessCondition":"users","RuleSatisfied":"userId"}]"#),
            vec![pair("users", "userId")]
        );
    }

    #[test]
    fn junk_items_are_dropped_and_the_rest_kept() {
        let junk = r#"[1, null, true, "plain", "{not json", [], {},
            {"conditionalAccessCondition":"users"},
            {"conditionalAccessCondition":"users","ruleSatisfied":7},
            {"conditionalAccessCondition":{"a":1},"ruleSatisfied":"groupId"},
            {"conditionalAccessCondition":"","ruleSatisfied":"groupId"},
            {"conditionalAccessCondition":"users","ruleSatisfied":"groupId"}]"#;
        assert_eq!(rules(junk), vec![pair("users", "groupId")]);
        for whole in [r#""not a list""#, r#""[broken""#, "5", "true", r#"{"a":1}"#] {
            assert_eq!(rules(whole), vec![], "{whole}");
        }
        // Invalid JSON around it is still an error: leniency is about values, not syntax.
        assert!(serde_json::from_str::<RuleList>("[{]").is_err());
    }

    #[test]
    fn audiences_keep_ids_in_order_without_repeats() {
        let list: AudienceList = serde_json::from_str(
            r#"[{"applicationId":"00000003-0000-0000-c000-000000000000","audienceReasons":"resourceMapping"},
                "{\"applicationId\":\"499b84ac-1321-427f-aa17-267ca6975798\"}",
                {"applicationId":"00000003-0000-0000-C000-000000000000"}, {"applicationId":null}, 3]"#,
        )
        .unwrap();
        assert_eq!(
            list.into_ids(),
            vec![
                "00000003-0000-0000-c000-000000000000",
                "499b84ac-1321-427f-aa17-267ca6975798"
            ]
        );
    }
}
