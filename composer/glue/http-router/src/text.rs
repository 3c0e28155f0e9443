//! Small text helpers: the request target's parts, percent-decoding, the query's pairs,
//! `content-length`, and JSON strings for the error bodies.

use alloc::{
    string::{String, ToString},
    vec::Vec,
};

/// Splits a request target at its first `?`: the path, and the query (`""` without one).
pub fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// Percent-decodes `s`; with `plus_as_space`, `+` is a space (as in a query). A `%` not
/// followed by two hex digits stays as it is; bytes that do not form UTF-8 become U+FFFD.
pub fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let needs_decoding = s.contains('%') || (plus_as_space && s.contains('+'));
    if !needs_decoding {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ => out.push(b),
            },
            b'+' if plus_as_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex(b: Option<&u8>) -> Option<u8> {
    match *b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The pairs of a query string: split on `&`, each `key=value` or `key` (value `""`),
/// both percent-decoded with `+` as a space; empty pieces are skipped.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// Whether a `content-length` value announces more than `max` bytes. A value that is
/// not a plain decimal number announces nothing (the body's real size still counts).
pub fn content_length_exceeds(value: &[u8], max: u32) -> bool {
    let value = value.trim_ascii();
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut n: u64 = 0;
    for &d in value {
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
        {
            Some(n) => n,
            // More digits than a u64 holds: certainly above any u32 limit.
            None => return true,
        };
    }
    n > u64::from(max)
}

/// Appends `s` to `out` as a JSON string, quotes included, escaped as serde_json does
/// (`"`, `\` and control characters; everything else as is).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let b = c as u8;
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}
