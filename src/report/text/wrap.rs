//! Word wrapping and ANSI styling for the terminal view. Widths count characters (the text
//! view prints no wide or combining characters of its own; log values are escaped first, so
//! none of them can move the cursor).

/// Wraps `text` to `width` columns: the first line after `first` (already printed by the
/// caller, counted in columns), the next lines indented by `indent` spaces. Words longer
/// than a line are cut.
pub fn wrap(text: &str, width: usize, first: usize, indent: usize) -> Vec<String> {
    let room = |n: usize| width.saturating_sub(n).max(20);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    let mut limit = room(first);
    for word in text.split_whitespace() {
        let mut w: Vec<char> = word.chars().collect();
        loop {
            let need = if cur_len == 0 {
                w.len()
            } else {
                cur_len + 1 + w.len()
            };
            if need <= limit {
                if cur_len > 0 {
                    cur.push(' ');
                    cur_len += 1;
                }
                cur.extend(w.iter());
                cur_len += w.len();
                break;
            }
            if cur_len > 0 {
                lines.push(std::mem::take(&mut cur));
                cur_len = 0;
                limit = room(indent);
                continue;
            }
            // A word longer than a whole line: cut it.
            let rest = w.split_off(limit.min(w.len()));
            lines.push(w.iter().collect());
            limit = room(indent);
            w = rest;
            if w.is_empty() {
                break;
            }
        }
    }
    if cur_len > 0 || lines.is_empty() {
        lines.push(cur);
    }
    let pad = " ".repeat(indent);
    for l in lines.iter_mut().skip(1) {
        l.insert_str(0, &pad);
    }
    lines
}

/// Plain ANSI SGR styles (no terminfo, no library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bold,
    Dim,
    Red,
    Yellow,
    Blue,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "1;31",
            Style::Yellow => "1;33",
            Style::Blue => "1;34",
        }
    }
}

/// `s` in `style` when colour is on; unchanged otherwise.
pub fn paint(on: bool, style: Style, s: &str) -> String {
    if on {
        format!("\u{1b}[{}m{s}\u{1b}[0m", style.code())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_the_width_with_a_hanging_indent() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, 30, 6, 6);
        assert_eq!(lines[0], "one two three four five");
        assert!(lines[1].starts_with("      six"));
        for (i, l) in lines.iter().enumerate() {
            let used = if i == 0 { 6 } else { 0 };
            assert!(l.chars().count() + used <= 30, "{l:?}");
        }
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn cuts_a_word_longer_than_the_line() {
        let long = "x".repeat(50);
        let lines = wrap(&long, 24, 0, 2);
        assert_eq!(lines[0].len(), 24);
        assert_eq!(lines[1], format!("  {}", "x".repeat(22)));
        assert_eq!(lines[2], format!("  {}", "x".repeat(4)));
        assert_eq!(wrap("", 40, 0, 0), [""]);
    }

    #[test]
    fn paints_only_when_allowed() {
        assert_eq!(paint(false, Style::Red, "x"), "x");
        assert_eq!(paint(true, Style::Red, "x"), "\u{1b}[1;31mx\u{1b}[0m");
    }
}
