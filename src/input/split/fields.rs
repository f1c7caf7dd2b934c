//! The cells of the CSV rows the reader cut (`rows.rs`), split the way `csv-core` reads them
//! in one pass per row, sixteen bytes at a time, and left where they are in the chunk's
//! buffer unless they need unquoting; and `Cells`, what the CSV decoder reads a row through
//! (these rows, or a `csv` crate record for the header and the day-first sample).

use std::borrow::Cow;

use wide::u8x16;

use super::Span;

/// A row's cells by column index.
pub trait Cells {
    /// Number of cells.
    fn cells(&self) -> usize;
    /// The bytes of cell `i`, unquoted.
    fn raw(&self, i: usize) -> Option<&[u8]>;
    /// Cell `i` without surrounding whitespace and decoded (invalid UTF-8 replaced), or
    /// `None` where it is missing or only ASCII whitespace.
    fn trimmed(&self, i: usize) -> Option<Cow<'_, str>> {
        decode_trimmed(self.raw(i)?)
    }
}

/// `raw` without surrounding whitespace, decoded with invalid UTF-8 replaced; `None` when
/// only ASCII whitespace.
fn decode_trimmed(raw: &[u8]) -> Option<Cow<'_, str>> {
    // `from_utf8` first: `from_utf8_lossy` costs several times more on a short valid cell.
    if let Ok(s) = std::str::from_utf8(raw) {
        return trim_text(s).map(Cow::Borrowed);
    }
    let raw = raw.trim_ascii();
    if raw.is_empty() {
        return None;
    }
    Some(Cow::Owned(String::from_utf8_lossy(raw).trim().to_string()))
}

/// Valid text without surrounding whitespace; `None` when only ASCII whitespace.
fn trim_text(s: &str) -> Option<&str> {
    let s = s.trim_ascii();
    (!s.is_empty()).then(|| trim_rest(s))
}

/// `str::trim` of text already without ASCII whitespace at its ends: nothing to do when both
/// ends are printable ASCII, as they nearly always are.
fn trim_rest(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

impl Cells for ::csv::ByteRecord {
    fn cells(&self) -> usize {
        self.len()
    }

    fn raw(&self, i: usize) -> Option<&[u8]> {
        self.get(i)
    }
}

/// Where the cells of a chunk's rows are: most are slices of the chunk's buffer; a cell
/// that had `""` or text after its closing quote is unquoted into a side buffer.
#[derive(Debug, Default)]
pub struct CsvRows {
    /// Per cell, row after row: `[start, end)` in the chunk's buffer, or with `SIDE` set in
    /// `start`, in `side`.
    cells: Vec<(u32, u32)>,
    side: Vec<u8>,
    /// Index in `cells` of each row's first cell, and one past the last row.
    rows: Vec<usize>,
    /// Each row's bytes in the buffer: a row that is valid UTF-8 is checked once, not cell
    /// by cell.
    bytes: Vec<(u32, u32)>,
}

/// Marks a cell held in the side buffer. Offsets stay below it: a chunk is 512 KiB and
/// one record at most 64 MiB (`ReadOptions::max_record`); a larger chunk has no rows.
const SIDE: u32 = 1 << 31;

impl CsvRows {
    /// Splits the rows at `spans` of `buf` (each one record without its line end, as
    /// `rows::RowScanner` cuts them) into cells.
    pub fn split(buf: &[u8], spans: &[Span], delimiter: u8) -> CsvRows {
        let mut out = CsvRows::default();
        if buf.len() >= SIDE as usize {
            return out;
        }
        out.rows.reserve(spans.len() + 1);
        out.bytes.reserve(spans.len());
        for s in spans {
            out.rows.push(out.cells.len());
            out.bytes.push((s.start as u32, s.end as u32));
            let mut row = RowSplit {
                row: &buf[s.start..s.end],
                base: s.start,
                out: &mut out,
                cell: 0,
                seg: 0,
                quoted: false,
                piece: None,
                side_start: None,
            };
            row.run(delimiter);
            if out.rows.len() == 1 {
                // Rows of a chunk are alike: size the cell list from the first.
                out.cells.reserve((out.cells.len() + 1) * spans.len());
            }
        }
        out.rows.push(out.cells.len());
        out
    }

    /// These rows over the buffer they were split from.
    pub fn view<'a>(&'a self, buf: &'a [u8]) -> Rows<'a> {
        Rows { rows: self, buf }
    }
}

/// The rows of a chunk: its [`CsvRows`] and its buffer.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    rows: &'a CsvRows,
    buf: &'a [u8],
}

impl<'a> Rows<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.rows.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Option<Row<'a>> {
        (i < self.len()).then(|| self.make(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = Row<'a>> + use<'a> {
        let rows = *self;
        (0..rows.len()).map(move |i| rows.make(i))
    }

    fn make(self, i: usize) -> Row<'a> {
        let (start, end) = self.rows.bytes[i];
        let text = self
            .buf
            .get(start as usize..end as usize)
            .and_then(crate::input::utf8);
        Row {
            rows: self,
            i,
            text,
            base: start,
        }
    }
}

/// One row of a chunk.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    rows: Rows<'a>,
    i: usize,
    /// The row's bytes when they are valid UTF-8, starting at `base` in the buffer.
    text: Option<&'a str>,
    base: u32,
}

impl Row<'_> {
    /// Where cell `c` is (`SIDE` set in the start when in the side buffer).
    fn span(&self, c: usize) -> Option<(u32, u32)> {
        let rows = self.rows.rows;
        let (first, last) = (rows.rows[self.i], rows.rows[self.i + 1]);
        let k = first.checked_add(c).filter(|&k| k < last)?;
        Some(rows.cells[k])
    }
}

impl Cells for Row<'_> {
    fn cells(&self) -> usize {
        let r = &self.rows.rows.rows;
        r[self.i + 1] - r[self.i]
    }

    fn raw(&self, c: usize) -> Option<&[u8]> {
        let (start, end) = self.span(c)?;
        if start & SIDE != 0 {
            self.rows
                .rows
                .side
                .get((start & !SIDE) as usize..end as usize)
        } else {
            self.rows.buf.get(start as usize..end as usize)
        }
    }

    fn trimmed(&self, c: usize) -> Option<Cow<'_, str>> {
        let (start, end) = self.span(c)?;
        if start & SIDE == 0
            && let Some(cell) = self.text.and_then(|t| {
                t.get(start.checked_sub(self.base)? as usize..end.checked_sub(self.base)? as usize)
            })
        {
            return trim_text(cell).map(Cow::Borrowed);
        }
        decode_trimmed(self.raw(c)?)
    }
}

/// The split of one record (`row`, without its line end, at `base` in the chunk's buffer).
/// As `csv-core` reads: a quote opens a quoted cell only at the cell's start; inside it `""`
/// is one quote and the delimiter is plain text; after the closing quote the rest up to the
/// delimiter is appended as it is; a quote anywhere else is plain text; an unclosed quote
/// runs to the row's end.
struct RowSplit<'r, 'o> {
    row: &'r [u8],
    base: usize,
    out: &'o mut CsvRows,
    /// Where the current cell starts in `row`.
    cell: usize,
    /// Start of the cell's bytes not taken yet.
    seg: usize,
    quoted: bool,
    /// The quoted part of a closed quoted cell, `[start, end)` in `row`.
    piece: Option<(usize, usize)>,
    /// Where the cell began in the side buffer, once it had to go there.
    side_start: Option<usize>,
}

impl RowSplit<'_, '_> {
    fn run(&mut self, delimiter: u8) {
        let row = self.row;
        // A quote that ends the quoted cell unless a second one follows it at once.
        let mut closing: Option<usize> = None;
        each_of_two(row, delimiter, b'"', |p| {
            if let Some(q) = closing.take() {
                if p == q + 1 && row[p] == b'"' {
                    // `""`: the cell goes to the side buffer; the second quote is kept as
                    // the first byte of what follows.
                    self.move_to_side(q);
                    self.seg = p;
                    return;
                }
                self.close(q);
            }
            if self.quoted {
                if row[p] == b'"' {
                    closing = Some(p);
                }
            } else if row[p] == delimiter {
                self.emit(p);
                self.cell = p + 1;
                self.seg = p + 1;
            } else if p == self.cell {
                self.quoted = true;
                self.seg = p + 1;
            }
        });
        if let Some(q) = closing {
            self.close(q);
        }
        self.emit(row.len());
    }

    /// Moves the cell's bytes so far, up to `end`, to the side buffer.
    fn move_to_side(&mut self, end: usize) {
        let side = &mut self.out.side;
        self.side_start.get_or_insert(side.len());
        if let Some((a, b)) = self.piece.take() {
            side.extend_from_slice(&self.row[a..b]);
        }
        side.extend_from_slice(&self.row[self.seg..end]);
    }

    /// The quoted part ends at the quote at `q`; what follows it is unquoted.
    fn close(&mut self, q: usize) {
        if self.side_start.is_some() {
            self.move_to_side(q);
        } else {
            self.piece = Some((self.seg, q));
        }
        self.seg = q + 1;
        self.quoted = false;
    }

    /// Ends the cell at `end`.
    fn emit(&mut self, end: usize) {
        let at = |x: usize| (self.base + x) as u32;
        let cell = match (self.side_start, self.piece) {
            (None, None) => (at(self.seg), at(end)),
            (None, Some((a, b))) if self.seg == end => (at(a), at(b)),
            _ => {
                self.move_to_side(end);
                let start = self.side_start.unwrap_or(0);
                (start as u32 | SIDE, self.out.side.len() as u32)
            }
        };
        self.out.cells.push(cell);
        self.piece = None;
        self.side_start = None;
    }
}

/// Calls `f` with the offset of every `a` or `b` in `bytes`, in order, sixteen bytes at a
/// time (a portal row has a delimiter every 16 bytes or so: one search per cell costs more
/// than the cell).
fn each_of_two(bytes: &[u8], a: u8, b: u8, mut f: impl FnMut(usize)) {
    let (va, vb) = (u8x16::splat(a), u8x16::splat(b));
    let mut at = 0;
    while let Some(lane) = bytes.get(at..at + 16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(lane);
        let v = u8x16::new(block);
        let mut mask = (v.simd_eq(va) | v.simd_eq(vb)).to_bitmask();
        while mask != 0 {
            f(at + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        at += 16;
    }
    for (k, &c) in bytes[at..].iter().enumerate() {
        if c == a || c == b {
            f(at + k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rows::RowScanner;
    use super::*;
    use proptest::prelude::*;

    /// Rows of cells.
    type Table = Vec<Vec<Vec<u8>>>;

    /// The record spans of `bytes`, as the reader's scanner cuts them.
    fn spans_of(bytes: &[u8], d: u8) -> Vec<Span> {
        let mut sc = RowScanner::new(d);
        let mut spans = Vec::new();
        sc.scan(bytes, 0, usize::MAX, &mut spans);
        sc.finish(bytes.len(), &mut spans);
        spans
    }

    /// The rows as the scanner cuts them, split here and by the `csv` crate.
    fn both(bytes: &[u8], d: u8) -> (Table, Table) {
        let spans = spans_of(bytes, d);
        let ours = CsvRows::split(bytes, &spans, d);
        let ours: Table = ours
            .view(bytes)
            .iter()
            .map(|r| (0..r.cells()).map(|c| r.raw(c).unwrap().to_vec()).collect())
            .collect();
        let theirs = crate::input::reader::parse_rows(bytes, &spans, d, false)
            .into_iter()
            .map(|r| {
                let r = r.expect("the csv crate reads one record a span");
                r.iter().map(<[u8]>::to_vec).collect()
            })
            .collect();
        (ours, theirs)
    }

    #[test]
    fn cells_as_csv_core_reads_them() {
        let text: &[u8] = b"a,\"b,c\",\"d\"\"e\"\n\"\"\n,\r\n\"x\"y\"z,q\"r,\"open\"\"";
        let (ours, theirs) = both(text, b',');
        assert_eq!(ours, theirs);
        let s = |v: &[&str]| v.iter().map(|c| c.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(ours[0], s(&["a", "b,c", "d\"e"]));
        assert_eq!(ours[1], s(&[""]));
        assert_eq!(ours[2], s(&["", ""]));
        assert_eq!(ours[3], s(&["xy\"z", "q\"r", "open\""]));
    }

    #[test]
    fn trimmed_cells_agree_with_the_byte_record() {
        let text = " a ;\"\u{a0}b\u{a0}\";\t;\x0b;é\n\u{feff}x;\"y\"\n";
        let spans = spans_of(text.as_bytes(), b';');
        let split = CsvRows::split(text.as_bytes(), &spans, b';');
        let ours = split.view(text.as_bytes());
        let theirs = crate::input::reader::parse_rows(text.as_bytes(), &spans, b';', false);
        for (r, rec) in ours.iter().zip(&theirs) {
            let rec = rec.as_ref().unwrap();
            for c in 0..=rec.len() {
                assert_eq!(r.trimmed(c), rec.trimmed(c), "cell {c}");
            }
        }
        assert_eq!(ours.row(0).unwrap().trimmed(1).as_deref(), Some("b"));
        assert_eq!(ours.row(0).unwrap().trimmed(2), None);
        assert_eq!(ours.row(0).unwrap().trimmed(3).as_deref(), Some(""));
        assert_eq!(
            ours.row(1).unwrap().trimmed(0).as_deref(),
            Some("\u{feff}x")
        );
        assert!(ours.row(2).is_none());
    }

    #[test]
    fn invalid_utf8_is_replaced_in_its_cell_only() {
        let text = b"ok,\xff\xfe bad\nfine,also\n";
        let spans = spans_of(text, b',');
        let split = CsvRows::split(text, &spans, b',');
        let rows = split.view(text);
        let r0 = rows.row(0).unwrap();
        assert_eq!(r0.trimmed(0).as_deref(), Some("ok"));
        assert_eq!(r0.trimmed(1).as_deref(), Some("\u{fffd}\u{fffd} bad"));
        assert_eq!(rows.row(1).unwrap().trimmed(1).as_deref(), Some("also"));
        // Two halves of one character in two cells: the chunk is UTF-8 once they are
        // joined, each cell is not.
        let text = b"\xc3,\xa9\n";
        let spans = [Span { start: 0, end: 3 }];
        let split = CsvRows::split(text, &spans, b',');
        let rows = split.view(text);
        let r = rows.row(0).unwrap();
        assert_eq!(r.trimmed(0).as_deref(), Some("\u{fffd}"));
        assert_eq!(r.trimmed(1).as_deref(), Some("\u{fffd}"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// On any bytes (quotes, delimiters, line ends, non-ASCII), every row splits into
        /// the cells the `csv` crate reads, and trims and decodes the same.
        #[test]
        fn same_cells_as_the_csv_crate(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'"'), Just(b','), Just(b';'), Just(b'\r'), Just(b'\n'), Just(b' '),
                    Just(b'a'), Just(0xc3), Just(0xa9), Just(0xff), any::<u8>(),
                ],
                0..200,
            ),
            semicolon in any::<bool>(),
        ) {
            let d = if semicolon { b';' } else { b',' };
            let (ours, theirs) = both(&bytes, d);
            prop_assert_eq!(&ours, &theirs);
            let spans = spans_of(&bytes, d);
            let split = CsvRows::split(&bytes, &spans, d);
            let rows = split.view(&bytes);
            let recs = crate::input::reader::parse_rows(&bytes, &spans, d, false);
            for (r, rec) in rows.iter().zip(&recs) {
                let rec = rec.as_ref().unwrap();
                prop_assert_eq!(r.cells(), rec.len());
                for c in 0..=rec.len() {
                    prop_assert_eq!(r.trimmed(c), rec.trimmed(c));
                }
            }
        }
    }
}
