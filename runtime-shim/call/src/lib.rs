//! Calls written as text: `<function>(<arguments>)`, the arguments in WAVE.
//!
//! `weld invoke` and `weld test` both take calls such as
//! `wasi:keyvalue/store@0.2.0.get("k")`. wasm-wave's own call parser reads the function
//! name as a WAVE label, so a versioned interface name (its version holds dots) is a
//! syntax error there. Here the name is everything before the first `(` and is checked
//! on its own; only the argument list is WAVE. Every span is a byte range of the text as
//! given, so callers can point at the offending character.
//!
//! The crate is generic over wasm-wave's [`WasmValue`]: wasmtime's `Val` in the shim,
//! wasm-wave's own values in the fuzz targets.

#![deny(missing_docs)]

use std::ops::Range;

use wasm_wave::{
    ast::Node,
    parser::ParserError,
    untyped::UntypedFuncCall,
    wasm::{WasmType, WasmTypeKind, WasmValue},
};

/// A call split into its function name and its argument list.
#[derive(Debug, Clone)]
pub struct CallText<'a> {
    source: &'a str,
    name: Range<usize>,
    args: Option<Range<usize>>,
}

/// What is wrong with a call, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// What is wrong, e.g. `invalid type: expected string`.
    pub message: String,
    /// The byte range of the call text it is about (may be empty at the end).
    pub span: Range<usize>,
}

impl std::error::Error for CallError {}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl CallError {
    fn new(message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            message: message.into(),
            span,
        }
    }

    /// The error with the piece of `source` it is about appended: `... at `"x"``.
    pub fn with_snippet(&self, source: &str) -> String {
        match source.get(self.span.clone()).filter(|s| !s.is_empty()) {
            Some(snippet) => format!("{} at `{snippet}`", self.message),
            None => self.message.clone(),
        }
    }

    /// A WAVE error whose span is relative to text starting at `offset` of the call.
    fn from_wave(e: &ParserError, offset: usize, len: usize) -> Self {
        let span = e.span();
        let clamp = |i: usize| (i + offset).min(offset + len);
        Self::new(describe(e), clamp(span.start)..clamp(span.end))
    }
}

/// `invalid type: expected string`: WAVE's kind of error and its detail.
pub fn describe(e: &ParserError) -> String {
    let mut text = e.kind().to_string();
    if let Some(detail) = e.detail() {
        text.push_str(": ");
        text.push_str(detail);
    } else if let Some(inner) = std::error::Error::source(e) {
        text.push_str(": ");
        text.push_str(&inner.to_string());
    }
    text
}

/// Whether `c` may appear in a function name: WIT identifiers, package and interface
/// separators, and semver versions (`wasi:http/types@0.2.0-rc.1+build.func`).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '/' | '@' | '.' | '_' | '+' | '%')
}

/// Splits `text` (surrounding whitespace ignored) into the function name and, when
/// present, the parenthesised argument list. `name` alone (no parentheses) is allowed
/// only with `allow_bare_name`: `expect-calls` use it to mean "with any arguments".
pub fn split(text: &str, allow_bare_name: bool) -> Result<CallText<'_>, CallError> {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len().max(start);
    let body = &text[start..end];
    let (name_end, args) = match body.find('(') {
        Some(i) => (start + i, Some(start + i..end)),
        None => (end, None),
    };
    let name = start..name_end;
    let name_text = &text[name.clone()];
    if name_text.trim().is_empty() {
        return Err(CallError::new(
            "missing function name",
            name.start..name.start,
        ));
    }
    if let Some((i, c)) = name_text.char_indices().find(|(_, c)| !is_name_char(*c)) {
        let at = name.start + i;
        return Err(CallError::new(
            format!("invalid character `{}` in function name", c.escape_debug()),
            at..at + c.len_utf8(),
        ));
    }
    if name_text.ends_with('.') || name_text.starts_with('.') {
        return Err(CallError::new("missing function name after `.`", name));
    }
    match &args {
        Some(args) if !text[args.clone()].ends_with(')') => {
            return Err(CallError::new(
                "missing `)` at the end of the arguments",
                args.end..args.end,
            ));
        }
        None if !allow_bare_name => {
            return Err(CallError::new(
                "missing argument list, e.g. `()`",
                name.end..name.end,
            ));
        }
        _ => {}
    }
    Ok(CallText {
        source: text,
        name,
        args,
    })
}

impl<'a> CallText<'a> {
    /// The function name as written: `iface.func`, `ns:pkg/iface@1.0.0.func` or `func`.
    pub fn name(&self) -> &'a str {
        &self.source[self.name.clone()]
    }

    /// Where the name is in the text.
    pub fn name_span(&self) -> Range<usize> {
        self.name.clone()
    }

    /// The argument list, parentheses included, if the call has one.
    pub fn args_text(&self) -> Option<&'a str> {
        self.args.clone().map(|a| &self.source[a])
    }

    /// The byte range of each argument in the text (empty for `f()`).
    pub fn arg_spans(&self) -> Result<Vec<Range<usize>>, CallError> {
        let Some(args) = self.args.clone() else {
            return Ok(Vec::new());
        };
        let snapped = |span: Range<usize>| snap(self.source, span);
        let parsed = Args::parse(&self.source[args.clone()], args.start).map_err(|mut e| {
            e.span = snapped(e.span);
            e
        })?;
        Ok(parsed.spans().into_iter().map(snapped).collect())
    }

    /// The arguments, typed by `types` (trailing `option`s may be left out). A call
    /// written without an argument list has no arguments.
    pub fn params<V: WasmValue + 'static>(&self, types: &[V::Type]) -> Result<Vec<V>, CallError> {
        let params = self.param_patterns_with(types, false)?;
        Ok(params.into_iter().flatten().collect())
    }

    /// The arguments as a pattern ([`parse_arg_patterns`]): `_` for any value.
    pub fn param_patterns<V: WasmValue + 'static>(
        &self,
        types: &[V::Type],
    ) -> Result<Vec<Option<V>>, CallError> {
        self.param_patterns_with(types, true)
    }

    fn param_patterns_with<V: WasmValue + 'static>(
        &self,
        types: &[V::Type],
        wildcards: bool,
    ) -> Result<Vec<Option<V>>, CallError> {
        let (list, offset) = match self.args.clone() {
            Some(args) => (&self.source[args.clone()], args.start),
            None => ("()", 0),
        };
        let at = if wildcards {
            self::wildcards(list)
        } else {
            Vec::new()
        };
        parse_args_snapped(list, offset, types, &at).map_err(|e| match self.args {
            Some(_) => e,
            None => CallError {
                span: self.name.end..self.name.end,
                ..e
            },
        })
    }
}

/// An argument list `(a, b)` parsed as WAVE, untyped.
struct Args {
    call: UntypedFuncCall<'static>,
    /// Where the list starts in the caller's text.
    offset: usize,
    len: usize,
}

impl Args {
    fn parse(list: &str, offset: usize) -> Result<Self, CallError> {
        // WAVE parses an argument list only as part of a call: give it a one-letter
        // function name and undo the shift in every span.
        let text = format!("f{list}");
        let call = UntypedFuncCall::parse(&text)
            .map_err(|e| shift(CallError::from_wave(&e, offset, list.len() + 1), 1, offset))?
            .into_owned();
        Ok(Self {
            call,
            offset,
            len: list.len(),
        })
    }

    fn node(&self) -> Option<&Node> {
        self.call.params_node()
    }

    fn spans(&self) -> Vec<Range<usize>> {
        let Some(node) = self.node() else {
            return Vec::new();
        };
        match node.as_tuple() {
            Ok(args) => args.map(|a| self.map(a.span())).collect(),
            Err(_) => vec![self.map(node.span())],
        }
    }

    fn map(&self, span: Range<usize>) -> Range<usize> {
        let at = |i: usize| (i.saturating_sub(1) + self.offset).min(self.offset + self.len);
        at(span.start)..at(span.end)
    }
}

fn shift(mut e: CallError, by: usize, floor: usize) -> CallError {
    let back = |i: usize| i.saturating_sub(by).max(floor);
    e.span = back(e.span.start)..back(e.span.end);
    e
}

/// Parses `list` (`(a, b)`, WAVE) as arguments of `types`; spans are offset by `offset`.
/// Too few or too many arguments is an error naming the counts; trailing `option`
/// parameters may be left out.
pub fn parse_args<V: WasmValue + 'static>(
    list: &str,
    offset: usize,
    types: &[V::Type],
) -> Result<Vec<V>, CallError> {
    let args = parse_args_snapped(list, offset, types, &[])?;
    Ok(args.into_iter().flatten().collect())
}

/// [`parse_args`] for a pattern of arguments: an argument written `_` stands for any
/// value and is `None` in its place. Only a whole argument counts: `_` inside a value
/// (`[_]`) is WAVE's to refuse.
pub fn parse_arg_patterns<V: WasmValue + 'static>(
    list: &str,
    offset: usize,
    types: &[V::Type],
) -> Result<Vec<Option<V>>, CallError> {
    parse_args_snapped(list, offset, types, &wildcards(list))
}

/// Whether `args` fit `pattern` (from [`parse_arg_patterns`]): the same number, and each
/// equal to the pattern's value where it has one.
pub fn fits<V: PartialEq>(pattern: &[Option<V>], args: &[V]) -> bool {
    pattern.len() == args.len()
        && pattern
            .iter()
            .zip(args)
            .all(|(want, got)| want.as_ref().is_none_or(|want| want == got))
}

/// The byte offsets in `list` of the arguments written `_`. A small scanner rather than
/// WAVE's parser, which has no wildcard and stops at the first `_`: it steps over
/// strings and chars, and counts brackets, to find where each top-level argument is.
fn wildcards(list: &str) -> Vec<usize> {
    let bytes = list.as_bytes();
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut arg_start = None;
    let mut i = 0;
    let check = |start: usize, end: usize, found: &mut Vec<usize>| {
        if list[start..end].trim() == "_" {
            found.push(start + list[start..end].find('_').unwrap_or_default());
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' if list[i..].starts_with("\"\"\"") => {
                i = list[i + 3..]
                    .find("\"\"\"")
                    .map_or(bytes.len(), |end| i + 3 + end + 2);
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    arg_start = Some(i + 1);
                }
            }
            b')' | b']' | b'}' => {
                if depth == 1
                    && let Some(start) = arg_start.take()
                {
                    check(start, i, &mut found);
                }
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 1 => {
                if let Some(start) = arg_start {
                    check(start, i, &mut found);
                }
                arg_start = Some(i + 1);
            }
            _ => {}
        }
        i += 1;
    }
    found
}

fn parse_args_snapped<V: WasmValue + 'static>(
    list: &str,
    offset: usize,
    types: &[V::Type],
    wildcards: &[usize],
) -> Result<Vec<Option<V>>, CallError> {
    parse_args_unsnapped(list, offset, types, wildcards).map_err(|mut e| {
        let local = e.span.start.saturating_sub(offset)..e.span.end.saturating_sub(offset);
        let local = snap(list, local);
        e.span = local.start + offset..local.end + offset;
        e
    })
}

fn parse_args_unsnapped<V: WasmValue + 'static>(
    list: &str,
    offset: usize,
    types: &[V::Type],
    wildcards: &[usize],
) -> Result<Vec<Option<V>>, CallError> {
    // Each `_` is read as a label (one byte for one byte, so every span stays where it
    // was): the list is checked as written, and the label never becomes a value.
    let mut text = list.to_string();
    for &at in wildcards {
        text.replace_range(at..at + 1, "x");
    }
    let wildcards: Vec<usize> = wildcards.iter().map(|at| offset + at).collect();
    let list = text.as_str();
    let offset = offset + (list.len() - list.trim_start().len());
    let list = list.trim();
    if !list.starts_with('(') || !list.ends_with(')') {
        return Err(CallError::new(
            "expected an argument list in parentheses, e.g. `(1, \"a\")`",
            offset..offset + list.len(),
        ));
    }
    let args = Args::parse(list, offset)?;
    let given = args.spans().len();
    let required = required_params(types);
    if given > types.len() || given < required {
        let expected = if required == types.len() {
            format!("{}", types.len())
        } else {
            format!("{required} to {}", types.len())
        };
        return Err(CallError::new(
            format!(
                "expected {expected} argument{}, found {given}",
                if types.len() == 1 { "" } else { "s" }
            ),
            offset..offset + list.len(),
        ));
    }
    if wildcards.is_empty() {
        return args
            .call
            .to_wasm_params::<V>(types.iter())
            .map(|values| values.into_iter().map(Some).collect())
            .map_err(|e| args.map_error(&e));
    }
    let nodes: Vec<&Node> = match args.node() {
        None => Vec::new(),
        Some(node) => match node.as_tuple() {
            Ok(nodes) => nodes.collect(),
            Err(_) => vec![node],
        },
    };
    let mut values = Vec::with_capacity(types.len());
    for (node, ty) in nodes.iter().zip(types) {
        if wildcards.contains(&args.map(node.span()).start) {
            values.push(None);
            continue;
        }
        let value = node
            .to_wasm_value::<V>(ty, args.call.source())
            .map_err(|e| args.map_error(&e))?;
        values.push(Some(value));
    }
    // Trailing `option`s left out are `none`, as in a call.
    for ty in &types[nodes.len()..] {
        let none = V::make_option(ty, None)
            .map_err(|e| CallError::new(e.to_string(), offset..offset + list.len()))?;
        values.push(Some(none));
    }
    Ok(values)
}

impl Args {
    fn map_error(&self, e: &ParserError) -> CallError {
        CallError::new(describe(e), self.map(e.span()))
    }
}

/// `span` widened to whole characters of `text` and clamped to it. wasm-wave computes
/// some error spans in bytes (e.g. the last three bytes before a multiline string's
/// closing `"""`), which can fall inside a multi-byte character; every span this crate
/// returns is a valid range of the text it was given.
fn snap(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// How many of `types` a call must give: trailing `option` parameters may be left out.
pub fn required_params<T: WasmType>(types: &[T]) -> usize {
    types.len()
        - types
            .iter()
            .rev()
            .take_while(|ty| ty.kind() == WasmTypeKind::Option)
            .count()
}

/// Splits a qualified function name at its last `.`: function names never contain one,
/// interface versions may. `func` alone has no interface.
pub fn split_function_name(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('.') {
        Some((interface, func)) => (Some(interface), func),
        None => (None, name),
    }
}

/// Finds the functions `name` refers to among `funcs`, each seen as
/// `(interface, function)` (`None`: a root-level function): with an interface, the exact
/// interface name, else the same interface without version; a bare name, a root
/// function of that name, else every interface function of that name. One match
/// resolves; several are for the caller to list as ambiguous.
pub fn matching<'f, T>(
    name: &str,
    funcs: &'f [T],
    key: impl Fn(&T) -> (Option<&str>, &str),
) -> Vec<&'f T> {
    let named = |func: &str| {
        let key = &key;
        let func = func.to_string();
        funcs.iter().filter(move |f| key(f).1 == func)
    };
    match split_function_name(name) {
        (Some(interface), func) => {
            let exact: Vec<_> = named(func)
                .filter(|f| key(f).0 == Some(interface))
                .collect();
            if !exact.is_empty() {
                return exact;
            }
            named(func)
                .filter(|f| key(f).0.is_some_and(|i| interface_matches(interface, i)))
                .collect()
        }
        (None, func) => {
            let root: Vec<_> = named(func).filter(|f| key(f).0.is_none()).take(1).collect();
            if !root.is_empty() {
                return root;
            }
            named(func).collect()
        }
    }
}

/// The interface name without its `@version`.
pub fn unversioned(interface: &str) -> &str {
    interface
        .split_once('@')
        .map_or(interface, |(name, _)| name)
}

/// Whether `written` names `interface`: exactly, or without the version.
pub fn interface_matches(written: &str, interface: &str) -> bool {
    written == interface || (!written.contains('@') && written == unversioned(interface))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_wave::value::{Type, Value};

    fn params(call: &str, types: &[Type]) -> Result<Vec<Value>, CallError> {
        split(call, false)?.params::<Value>(types)
    }

    #[test]
    fn versioned_names_split_at_the_first_parenthesis() {
        let call = split("wasi:foo/bar@0.2.0.baz(1)", false).unwrap();
        assert_eq!(call.name(), "wasi:foo/bar@0.2.0.baz");
        assert_eq!(
            split_function_name(call.name()),
            (Some("wasi:foo/bar@0.2.0"), "baz")
        );
        assert_eq!(
            params(" wasi:foo/bar@0.2.0.baz(1) ", &[Type::U32]).unwrap(),
            vec![Value::from(1u32)]
        );
    }

    #[test]
    fn prerelease_and_build_versions_are_names() {
        let call = split("a:b/c@1.0.0-rc.1+x.y.go()", false).unwrap();
        assert_eq!(
            split_function_name(call.name()),
            (Some("a:b/c@1.0.0-rc.1+x.y"), "go")
        );
    }

    #[test]
    fn argument_errors_point_into_the_original_text() {
        let text = r#"a:b/c@1.2.3.f("x", 7)"#;
        let e = params(text, &[Type::STRING, Type::STRING]).unwrap_err();
        assert_eq!(&text[e.span.clone()], "7", "{e:?}");
        let e = params(text, &[Type::STRING]).unwrap_err();
        assert!(e.message.contains("expected 1 argument, found 2"), "{e:?}");
    }

    #[test]
    fn trailing_options_may_be_left_out() {
        let opt = Type::option(Type::U8);
        let v = params("f(1)", &[Type::U8, opt]).unwrap();
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn bad_names_and_missing_parts_are_errors() {
        for (text, what) in [
            ("(1)", "missing function name"),
            ("a b(1)", "invalid character ` `"),
            ("a.(1)", "missing function name after"),
            ("f(1", "missing `)`"),
            ("f", "missing argument list"),
            ("fé(1)", "invalid character `é`"),
        ] {
            let e = split(text, false).unwrap_err();
            assert!(e.message.contains(what), "{text}: {e:?}");
            assert!(
                text.get(e.span.clone()).is_some(),
                "{text}: span {e:?} off a char boundary"
            );
        }
        assert_eq!(split("iface.f", true).unwrap().args_text(), None);
    }

    #[test]
    fn names_resolve_exactly_then_without_version_then_bare() {
        let funcs = [
            (Some("a:b/c@1.0.0"), "f"),
            (Some("a:b/d@2.0.0"), "f"),
            (None, "g"),
            (Some("a:b/c@1.0.0"), "g"),
        ];
        let find = |name| matching(name, &funcs, |f| *f);
        assert_eq!(find("a:b/c@1.0.0.f"), [&funcs[0]]);
        assert_eq!(find("a:b/d.f"), [&funcs[1]]);
        assert_eq!(find("f").len(), 2, "ambiguous");
        assert_eq!(find("g"), [&funcs[2]], "a root function wins");
        assert!(find("a:b/c@9.0.0.f").is_empty());
    }

    #[test]
    fn matching_ignores_a_missing_version_only() {
        assert!(interface_matches("a:b/c", "a:b/c@1.0.0"));
        assert!(interface_matches("a:b/c@1.0.0", "a:b/c@1.0.0"));
        assert!(!interface_matches("a:b/c@2.0.0", "a:b/c@1.0.0"));
    }

    fn patterns(call: &str, types: &[Type]) -> Result<Vec<Option<Value>>, CallError> {
        split(call, false)?.param_patterns::<Value>(types)
    }

    #[test]
    fn an_argument_written_underscore_matches_any_value() {
        let types = [Type::STRING, Type::U32, Type::list(Type::STRING)];
        let pattern = patterns(r#"f(_, 7, ["a", "_"])"#, &types).unwrap();
        assert_eq!(
            pattern,
            vec![
                None,
                Some(Value::from(7u32)),
                Some(
                    Value::make_list(
                        &Type::list(Type::STRING),
                        [Value::from("a"), Value::from("_")]
                    )
                    .unwrap()
                ),
            ]
        );
        let hello = [
            Value::from("hello"),
            Value::from(7u32),
            pattern[2].clone().unwrap(),
        ];
        assert!(fits(&pattern, &hello));
        let mut other = hello.clone();
        other[1] = Value::from(8u32);
        assert!(!fits(&pattern, &other));
        assert!(!fits(&pattern, &hello[..2]));
        // Every argument may be one, with any spacing.
        assert_eq!(
            patterns("f( _ ,_,_ )", &types).unwrap(),
            vec![None, None, None]
        );
    }

    #[test]
    fn an_underscore_inside_a_value_or_a_string_is_not_a_wildcard() {
        let types = [Type::STRING, Type::list(Type::U32)];
        // In strings (plain, escaped quote, multiline), `_` and `,` are text.
        let pattern = patterns(r#"f("_, \"_", [1])"#, &types).unwrap();
        assert_eq!(pattern[0], Some(Value::from("_, \"_")));
        let multiline = "f(\"\"\"\n_, )\n\"\"\", _)";
        let pattern = patterns(multiline, &types).unwrap();
        assert_eq!(pattern[0], Some(Value::from("_, )")));
        assert_eq!(pattern[1], None);
        // Inside a list it is WAVE's, which has no wildcard, and points at it.
        let error = patterns("f(_, [_])", &types).unwrap_err();
        assert_eq!(&"f(_, [_])"[error.span.clone()], "_", "{error:?}");
        // A plain call (`weld invoke`, a case's `call:`) has no wildcard either.
        assert!(params("f(_, [1])", &types).is_err());
    }

    #[test]
    fn a_pattern_is_checked_like_a_call() {
        let types = [Type::U32, Type::option(Type::U32)];
        // A trailing option left out is `none`, as in a call.
        assert_eq!(
            patterns("f(_)", &types).unwrap(),
            vec![
                None,
                Some(Value::make_option(&Type::option(Type::U32), None).unwrap())
            ]
        );
        // Too many arguments is counted with the wildcards.
        let error = patterns("f(_, _, _)", &types).unwrap_err();
        assert_eq!(error.message, "expected 1 to 2 arguments, found 3");
        // A value of the wrong type next to a wildcard is pointed at.
        let call = r#"f(_, "x")"#;
        let error = patterns(call, &types).unwrap_err();
        assert_eq!(&call[error.span.clone()], r#""x""#, "{error:?}");
    }
}
