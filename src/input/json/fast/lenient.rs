//! The fast path's reader of the lenient evidence lists (`includeRulesSatisfied`,
//! `excludeRulesSatisfied`, `conditionalAccessAudiences`) in their Graph beta shape: `null`
//! or an array of objects with string members. Any other shape (JSON text, junk items,
//! non-string members, repeated members) is serde's to judge.

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
            if c.peek()? != b'{' {
                return None;
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
