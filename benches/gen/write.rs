//! Compact and pretty (2-space, jq-style) JSON serialization of a value tree.
//!
//! Escapes like the portal: `"`, `\` and control characters always, U+00A0 as `\u00a0`,
//! and `/` as `\/` when the record asks for it (some exporters escape slashes).

use super::json::V;

fn write_str(out: &mut Vec<u8>, text: &str, escape_slashes: bool) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '/' if escape_slashes => out.extend_from_slice(b"\\/"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 || c == '\u{a0}' => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut b = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

fn write_scalar(out: &mut Vec<u8>, v: &V, esc: bool) {
    match v {
        V::Null => out.extend_from_slice(b"null"),
        V::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        V::Float(x) => out.extend_from_slice(x.to_string().as_bytes()),
        V::Str(t) => write_str(out, t, esc),
        V::Arr(_) | V::Obj(_) => unreachable!("containers are written by the callers"),
    }
}

pub fn write_compact(out: &mut Vec<u8>, v: &V, esc: bool) {
    match v {
        V::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_compact(out, item, esc);
            }
            out.push(b']');
        }
        V::Obj(fields) => {
            out.push(b'{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k, false);
                out.push(b':');
                write_compact(out, item, esc);
            }
            out.push(b'}');
        }
        scalar => write_scalar(out, scalar, esc),
    }
}

fn indent(out: &mut Vec<u8>, level: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * level, b' ');
}

/// jq-style layout; the caller has already written the indentation of the first line.
pub fn write_pretty(out: &mut Vec<u8>, v: &V, level: usize, esc: bool) {
    match v {
        V::Arr(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        V::Obj(fields) if fields.is_empty() => out.extend_from_slice(b"{}"),
        V::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                indent(out, level + 1);
                write_pretty(out, item, level + 1, esc);
            }
            indent(out, level);
            out.push(b']');
        }
        V::Obj(fields) => {
            out.push(b'{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                indent(out, level + 1);
                write_str(out, k, false);
                out.extend_from_slice(b": ");
                write_pretty(out, item, level + 1, esc);
            }
            indent(out, level);
            out.push(b'}');
        }
        scalar => write_scalar(out, scalar, esc),
    }
}
