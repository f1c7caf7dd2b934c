//! Rows decoded one after the other into one reused sign-in, and the in-place splitter of
//! the Location cell against the one it replaced.

use super::tests::{csv_files, read};
use super::*;

/// Rows decoded one after the other into one sign-in (as the workers do) give exactly the
/// fresh decode of each, whatever the row before left in it (every other row into a
/// sign-in with every field away from its default): every CSV fixture and sample of
/// sign-ins, in file order and reversed, failures included.
#[test]
fn rows_decoded_into_one_sign_in_are_decoded_fresh() {
    let mut compared = 0;
    for path in &csv_files() {
        let (h, mut rows) = read(path);
        let Ok(mut layout) = layout(&h) else { continue };
        detect_day_first(&mut layout, &rows);
        let hint = event_type_from_file_name(&path.to_string_lossy());
        for _ in 0..2 {
            let mut reused = SignIn::default();
            for (k, r) in rows.iter().enumerate() {
                if k % 2 == 1 {
                    // Every field away from its default: each must be set again.
                    reused = crate::model::poisoned();
                }
                let fresh = decode(&layout, r, hint);
                let into = decode_into(&layout, r, hint, &mut reused).map(|()| reused.clone());
                assert_eq!(into, fresh, "{}", path.display());
                compared += 1;
            }
            rows.reverse();
        }
    }
    assert!(compared > 40, "only {compared} rows compared");
}

/// The old splitter of the Location cell, which the in-place one must agree with.
fn split_location_reference(s: &str) -> Location {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [country] => Location {
            country: (*country).to_string(),
            ..Location::default()
        },
        [city, country] => Location {
            city: (*city).to_string(),
            state: String::new(),
            country: (*country).to_string(),
        },
        [city @ .., state, country] => Location {
            city: city.join(", "),
            state: (*state).to_string(),
            country: (*country).to_string(),
        },
        [] => Location::default(),
    }
}

proptest::proptest! {
    #[test]
    fn location_cells_split_as_before(v in "[A-Za-z ,.\u{e9}]{0,30}", w in "[A-Z ,]{0,8}") {
        let mut l = split_location(&w);
        proptest::prop_assert_eq!(&l, &split_location_reference(&w));
        split_location_into(&v, &mut l);
        proptest::prop_assert_eq!(l, split_location_reference(&v));
    }
}
