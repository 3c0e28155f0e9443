//! Path patterns: `/orders/{id}`, `/files/{rest...}`.
//!
//! A pattern and a path are split on `/`. A literal segment matches the same segment,
//! byte for byte (the path is not decoded first); `{name}` matches one non-empty
//! segment; a final `{name...}` matches the rest of the path, one or more characters,
//! `/` included. Both must start with `/`, and both must end together: `/orders/42/`
//! does not match `/orders/{id}`. Captured values are percent-decoded (`+` stays `+`).

use alloc::{string::String, vec::Vec};

use crate::text::percent_decode;

/// Why a pattern cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// It does not start with `/`.
    NoLeadingSlash,
    /// A segment has `{` or `}` without being exactly `{name}` or `{name...}`.
    StrayBrace,
    /// `{}` or `{...}`.
    EmptyName,
    /// `{name...}` is not the last segment.
    RestNotLast,
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Problem::NoLeadingSlash => "does not start with `/`",
            Problem::StrayBrace => {
                "has a segment with `{` or `}` that is not `{name}` or `{name...}`"
            }
            Problem::EmptyName => "has a parameter without a name",
            Problem::RestNotLast => "has a `{name...}` parameter that is not its last segment",
        })
    }
}

/// One segment of a pattern.
enum Segment<'p> {
    Literal(&'p str),
    Param(&'p str),
    Rest(&'p str),
}

impl<'p> Segment<'p> {
    fn of(segment: &'p str) -> Segment<'p> {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(inner) => match inner.strip_suffix("...") {
                Some(name) => Segment::Rest(name),
                None => Segment::Param(inner),
            },
            None => Segment::Literal(segment),
        }
    }
}

/// Checks that `pattern` is one [`matches`] understands.
pub fn check(pattern: &str) -> Result<(), Problem> {
    let segments = pattern.strip_prefix('/').ok_or(Problem::NoLeadingSlash)?;
    let mut segments = segments.split('/').peekable();
    while let Some(segment) = segments.next() {
        let name = match Segment::of(segment) {
            Segment::Literal(literal) => {
                if literal.contains(['{', '}']) {
                    return Err(Problem::StrayBrace);
                }
                continue;
            }
            Segment::Param(name) => name,
            Segment::Rest(name) => {
                if segments.peek().is_some() {
                    return Err(Problem::RestNotLast);
                }
                name
            }
        };
        if name.is_empty() {
            return Err(Problem::EmptyName);
        }
        if name.contains(['{', '}']) {
            return Err(Problem::StrayBrace);
        }
    }
    Ok(())
}

/// Whether `path` matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    walk(pattern, path, |_, _| {})
}

/// The parameters `pattern` captures from `path`, percent-decoded, in pattern order;
/// empty when it does not match.
pub fn params(pattern: &str, path: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let matched = walk(pattern, path, |name, value| {
        params.push((String::from(name), percent_decode(value, false)));
    });
    if !matched {
        params.clear();
    }
    params
}

/// Matches `path` against `pattern`, calling `capture(name, raw value)` for each
/// parameter on the way (also for those before a mismatch).
fn walk<'p>(pattern: &'p str, path: &'p str, mut capture: impl FnMut(&'p str, &'p str)) -> bool {
    let (Some(mut pattern), Some(mut path)) = (pattern.strip_prefix('/'), path.strip_prefix('/'))
    else {
        return false;
    };
    loop {
        let (segment, pattern_rest) = split(pattern);
        let (value, path_rest) = split(path);
        match Segment::of(segment) {
            Segment::Rest(name) => {
                if path.is_empty() {
                    return false;
                }
                capture(name, path);
                return true;
            }
            Segment::Param(name) => {
                if value.is_empty() {
                    return false;
                }
                capture(name, value);
            }
            Segment::Literal(literal) => {
                if value != literal {
                    return false;
                }
            }
        }
        match (pattern_rest, path_rest) {
            (None, None) => return true,
            (Some(p), Some(q)) => (pattern, path) = (p, q),
            _ => return false,
        }
    }
}

/// The first segment of `s` and what follows its `/`, if there is one.
fn split(s: &str) -> (&str, Option<&str>) {
    match s.split_once('/') {
        Some((segment, rest)) => (segment, Some(rest)),
        None => (s, None),
    }
}
