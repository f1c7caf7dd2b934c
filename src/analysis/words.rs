//! Counted nouns for messages and notes: "1 duplicate", "2 duplicates", never "(s)".

/// `n` and the noun in the number it takes: `counted(1, "finding", "findings")` is
/// "1 finding", `counted(3, ...)` "3 findings".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The verb after a count: "1 record was", "2 records were".
pub fn was_were(n: u64) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_many() {
        assert_eq!(counted(1, "duplicate", "duplicates"), "1 duplicate");
        assert_eq!(counted(0, "duplicate", "duplicates"), "0 duplicates");
        assert_eq!(counted(2, "duplicate", "duplicates"), "2 duplicates");
        assert_eq!(was_were(1), "was");
        assert_eq!(was_were(5), "were");
    }
}
