//! The fast path's reader of the lenient evidence lists (`includeRulesSatisfied`,
//! `excludeRulesSatisfied`, `conditionalAccessAudiences`) in their Graph beta shape: `null`
//! or an array of objects with string members, junk items (bare strings such as an audience
//! written as its application id, lists, integers, booleans, `null`) dropped as serde drops
//! them. Any other shape (JSON text, non-integer numbers, non-string members, repeated
//! members) is serde's to judge.

use super::{Cursor, Seen, Sure};
use crate::input::flex::{LenientList, ObjectItem, key_index};

impl Cursor<'_> {
    /// `null` or `[ {...}, ... ]`, each object built by `T::build` as serde would.
    pub(super) fn lenient_list<T: ObjectItem>(&mut self) -> Sure<LenientList<T>> {
        let mut items = Vec::new();
        if self.null()? {
            return Some(LenientList(items));
        }
        if self.peek()? != b'[' {
            return None;
        }
        self.array(|c| {
            match c.peek()? {
                b'{' => {}
                // serde drops a nested list, a scalar and a string that is no JSON object
                // text (an audience written as a bare application id) as junk; an object
                // written as text is its to read.
                b'[' => return c.skip_value(),
                b'"' => {
                    let s = c.string()?;
                    return (!s.trim_start().starts_with('{')).then_some(());
                }
                _ => return c.scalar().map(drop),
            }
            let mut values: Vec<Option<String>> = vec![None; T::KEYS.len()];
            let mut seen = Seen::default();
            c.object(|c, key| match key_index(T::KEYS, key) {
                Some(i) => seen.once(u32::try_from(i).ok()?, || {
                    if c.peek()? != b'"' {
                        return None;
                    }
                    let v = c.string()?;
                    *values.get_mut(i)? = Some(v.into_owned());
                    Some(())
                }),
                None => c.skip_value(),
            })?;
            items.extend(T::build(&mut values));
            Some(())
        })?;
        Some(LenientList(items))
    }
}
