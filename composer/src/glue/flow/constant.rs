//! Constants of a WIT type, written in WAVE, lowered for a generated core module.
//!
//! A constant is parsed with `wasm-wave` against a type built from the WIT type, then
//! lowered by the canonical ABI (wasm32): as the flat core values a call takes, or as
//! its memory image. Strings and lists go into the module's data segment ([`Data`]) and
//! are referred to by address.

use std::ops::Range;

use wasm_wave::{
    ast::{Node, NodeType},
    parser::{ParserError, ParserErrorKind},
    untyped::UntypedValue,
    value::Value,
    wasm::{WasmValue, WasmValueError},
};
use wit_parser::{
    FlagsRepr, Int, Resolve, SizeAlign, Type, TypeDefKind,
    abi::{FlatTypes, WasmType},
};

use crate::wave::{Unsupported, type_name, unalias, wave_type};

/// One flat core value (canonical ABI "flattening").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flat {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
}

/// The bytes of the generated module's data segment, laid out from `base`.
#[derive(Debug, Clone, Default)]
pub struct Data {
    base: u32,
    bytes: Vec<u8>,
}

impl Data {
    /// An empty segment starting at address `base`.
    pub fn new(base: u32) -> Data {
        Data {
            base,
            bytes: Vec::new(),
        }
    }

    /// Appends `bytes` aligned to `align` (a power of two), returns their address.
    pub fn push(&mut self, bytes: &[u8], align: u32) -> u32 {
        assert!(
            align.is_power_of_two(),
            "alignment {align} is not a power of two"
        );
        // A wasm32 memory has no address past 4 GiB.
        let addr = self
            .end()
            .checked_next_multiple_of(align)
            .filter(|addr| {
                u32::try_from(bytes.len()).is_ok_and(|len| addr.checked_add(len).is_some())
            })
            .expect("data segment past the 4 GiB of a wasm32 memory");
        // The padding is zero, like the rest of a fresh memory.
        self.bytes.resize((addr - self.base) as usize, 0);
        self.bytes.extend_from_slice(bytes);
        addr
    }

    /// The first address past the data.
    pub fn end(&self) -> u32 {
        // `push` keeps it within 4 GiB.
        self.base + self.bytes.len() as u32
    }

    /// The address the data starts at.
    pub fn base(&self) -> u32 {
        self.base
    }

    /// The data, the first byte at [`Data::base`].
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Why a constant is not a value of its type (message for a person, e.g. "expected
/// `letter-case` (one of upper, lower, title), found `tittle`").
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConstantError(pub String);

/// A constant, parsed and type-checked.
#[derive(Debug, Clone)]
pub struct Constant {
    value: Value,
    ty: Type,
}

impl Constant {
    /// Parses `text` as WAVE for `ty` (types of `resolve`). Resources, futures, streams,
    /// maps, error-context cannot be constants: say so.
    pub fn parse(resolve: &Resolve, ty: &Type, text: &str) -> Result<Constant, ConstantError> {
        let wave = wave_type(resolve, ty).map_err(|inner| inner.error(resolve, ty))?;
        let value = wasm_wave::from_str::<Value>(&wave, text)
            .map_err(|err| parse_error(resolve, ty, text, &err))?;
        // What wasm-wave lets through: fields no record has (it ignores them, so a
        // misspelt optional field would silently be `none`), fixed-length lists of
        // another length (parsed as plain lists), floats too large (made infinite).
        let untyped = UntypedValue::parse(text).map_err(|err| syntax_error(text, &err))?;
        let mut problem = None;
        each_node(
            resolve,
            *ty,
            untyped.node(),
            text,
            &mut String::new(),
            &mut |ty, node, path| {
                if problem.is_none() {
                    problem = strictness(resolve, ty, node, text, path);
                }
            },
        );
        match problem {
            Some(message) => Err(ConstantError(message)),
            None => Ok(Constant { value, ty: *ty }),
        }
    }

    /// The canonical-ABI flat values (what a core function call takes as parameters),
    /// strings and lists put into `data`.
    pub fn flat(&self, resolve: &Resolve, sizes: &SizeAlign, data: &mut Data) -> Vec<Flat> {
        let mut out = Vec::new();
        Lower {
            resolve,
            sizes,
            data,
        }
        .flat(&self.ty, &self.value, &mut out);
        out
    }

    /// The value's memory image (canonical ABI "store", wasm32) put into `data` aligned
    /// to the type's alignment; returns its address.
    pub fn image(&self, resolve: &Resolve, sizes: &SizeAlign, data: &mut Data) -> u32 {
        let mut bytes = vec![0; sizes.size(&self.ty).size_wasm32()];
        Lower {
            resolve,
            sizes,
            data,
        }
        .store(&self.ty, &self.value, &mut bytes);
        data.push(&bytes, align(sizes, &self.ty))
    }
}

impl Unsupported {
    /// The message, for a constant of type `top` (which holds `self.ty`).
    fn error(self, resolve: &Resolve, top: &Type) -> ConstantError {
        let inner = type_name(resolve, &self.ty);
        // `type s = stream<u8>` is a stream, it does not hold one.
        let alias = unalias(resolve, *top) == self.ty;
        let top = type_name(resolve, top);
        ConstantError(if alias || inner == top {
            format!("`{top}` cannot be a constant: {}", self.why)
        } else {
            format!(
                "`{top}` cannot be a constant: it holds `{inner}`, and {}",
                self.why
            )
        })
    }
}

// ---------------------------------------------------------------------------------------
// Errors

/// The definition of `ty` (aliases followed), `None` for a primitive.
fn definition<'r>(resolve: &'r Resolve, ty: &Type) -> Option<&'r TypeDefKind> {
    match unalias(resolve, *ty) {
        Type::Id(id) => Some(&resolve.types[id].kind),
        _ => None,
    }
}

/// Names, `, `-separated, the first dozen of them (flags can be many).
fn some_names(names: impl ExactSizeIterator<Item = String>) -> String {
    const SHOWN: usize = 12;
    let more = names.len().saturating_sub(SHOWN);
    let mut text = names.take(SHOWN).collect::<Vec<_>>().join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// "`name` (what its WAVE looks like)", for "expected ...".
fn expected(resolve: &Resolve, ty: &Type) -> String {
    let name = type_name(resolve, ty);
    let int = |min: i128, max: i128| format!("an integer from {min} to {max}");
    let hint = match definition(resolve, ty) {
        None => match unalias(resolve, *ty) {
            Type::Bool => "true or false".into(),
            Type::U8 => int(0, u8::MAX.into()),
            Type::U16 => int(0, u16::MAX.into()),
            Type::U32 => int(0, u32::MAX.into()),
            Type::U64 => int(0, u64::MAX.into()),
            Type::S8 => int(i8::MIN.into(), i8::MAX.into()),
            Type::S16 => int(i16::MIN.into(), i16::MAX.into()),
            Type::S32 => int(i32::MIN.into(), i32::MAX.into()),
            Type::S64 => int(i64::MIN.into(), i64::MAX.into()),
            Type::F32 | Type::F64 => "a number".into(),
            Type::Char => "a character in single quotes".into(),
            Type::String => "a string in double quotes".into(),
            Type::ErrorContext | Type::Id(_) => String::new(),
        },
        Some(TypeDefKind::Record(r)) => {
            let fields = r.fields.iter().map(|f| format!("{}: …", f.name));
            format!("a record {{{}}}", some_names(fields))
        }
        Some(TypeDefKind::Tuple(t)) => {
            format!("a tuple ({})", vec!["…"; t.types.len()].join(", "))
        }
        Some(TypeDefKind::Flags(f)) => {
            let flags = f.flags.iter().map(|f| f.name.clone());
            format!("flags in braces, any of {}", some_names(flags))
        }
        Some(TypeDefKind::Variant(v)) => {
            let cases = v.cases.iter().map(|c| match &c.ty {
                Some(t) => format!("{}({})", c.name, type_name(resolve, t)),
                None => c.name.clone(),
            });
            format!("one of {}", some_names(cases))
        }
        Some(TypeDefKind::Enum(e)) => {
            format!(
                "one of {}",
                some_names(e.cases.iter().map(|c| c.name.clone()))
            )
        }
        Some(TypeDefKind::Option(_)) => "some(…) or none".into(),
        Some(TypeDefKind::Result(r)) => {
            let case = |name: &str, t: &Option<Type>| match t {
                Some(_) => format!("{name}(…)"),
                None => name.into(),
            };
            format!("{} or {}", case("ok", &r.ok), case("err", &r.err))
        }
        Some(TypeDefKind::List(_)) => "a list […]".into(),
        Some(TypeDefKind::FixedLengthList(_, n)) => format!("a list of {n} elements"),
        Some(_) => String::new(),
    };
    if hint.is_empty() {
        format!("`{name}`")
    } else {
        format!("`{name}` ({hint})")
    }
}

/// `text`, shortened for a message.
fn quote(text: &str) -> String {
    const LONG: usize = 60;
    match text.char_indices().nth(LONG) {
        Some((cut, _)) => format!("`{}…`", &text[..cut]),
        None => format!("`{text}`"),
    }
}

/// Line and column (from 1, in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// A WAVE syntax error.
fn syntax_error(text: &str, err: &ParserError) -> ConstantError {
    let span = err.span();
    let at = &text[span.clone()];
    let what = match err.kind() {
        ParserErrorKind::UnexpectedEnd => "unexpected end of the value".into(),
        ParserErrorKind::UnexpectedToken | ParserErrorKind::InvalidToken => {
            format!("unexpected {}", quote(at))
        }
        ParserErrorKind::TrailingCharacters => format!("unexpected {} after the value", quote(at)),
        // "duplicate field `x`": the place says it better than the detail (`"x"`).
        kind if !at.is_empty() => format!("{kind} {}", quote(at)),
        kind => match err.detail() {
            Some(detail) => format!("{kind}: {detail}"),
            None => kind.to_string(),
        },
    };
    let (line, col) = line_col(text, span.start);
    let place = if text.contains('\n') {
        format!("line {line}, column {col}")
    } else {
        format!("column {col}")
    };
    ConstantError(format!("not valid WAVE: {what} (at {place})"))
}

/// The message for a typed parse error of `text` as `ty`.
fn parse_error(resolve: &Resolve, ty: &Type, text: &str, err: &ParserError) -> ConstantError {
    // wasm-wave's errors say where, not what was expected: find the value at the error's
    // place (and its type) by walking the untyped value alongside the type.
    let untyped = match UntypedValue::parse(text) {
        Ok(untyped) => untyped,
        Err(syntax) => return syntax_error(text, &syntax),
    };
    let span = err.span();
    let mut place = (*ty, untyped.node().span(), String::new());
    each_node(
        resolve,
        *ty,
        untyped.node(),
        text,
        &mut String::new(),
        &mut |t, node, path| {
            // Pre-order: a later node holding the span is inside the earlier ones.
            if contains(&node.span(), &span) {
                place = (t, node.span(), path.to_owned());
            }
        },
    );
    let (at_ty, at, path) = place;
    let found = quote(&text[at]);
    let expected = expected(resolve, &at_ty);
    let value_error =
        std::error::Error::source(err).and_then(|e| e.downcast_ref::<WasmValueError>());
    let message = match (err.kind(), value_error) {
        (ParserErrorKind::InvalidType | ParserErrorKind::InvalidValue, _) => {
            format!("expected {expected}, found {found}")
        }
        (ParserErrorKind::WasmValueError, Some(e)) => {
            let detail = match e {
                WasmValueError::UnknownCase(name) => match definition(resolve, &at_ty) {
                    Some(TypeDefKind::Flags(_)) => format!(": no flag `{name}`"),
                    _ if found == format!("`{name}`") => String::new(),
                    _ => format!(": no case `{name}`"),
                },
                WasmValueError::MissingField(name) => format!(": field `{name}` is missing"),
                WasmValueError::UnknownField(name) => format!(": no field `{name}`"),
                WasmValueError::MissingPayload(case) => {
                    format!(": case `{case}` needs a payload, `{case}(…)`")
                }
                WasmValueError::UnexpectedPayload(case) => {
                    format!(": case `{case}` takes no payload")
                }
                WasmValueError::WrongNumberOfTupleValues { want, got } => {
                    format!(": {got} elements, not {want}")
                }
                other => format!(": {other}"),
            };
            format!("expected {expected}, found {found}{detail}")
        }
        (kind, _) => {
            let what = match err.detail() {
                Some(detail) => format!("{kind}: {detail}"),
                None => format!("{kind} {}", quote(&text[span.clone()])),
            };
            format!("{what} in {found} (expected {expected})")
        }
    };
    ConstantError(if path.is_empty() {
        message
    } else {
        format!("in `{path}`: {message}")
    })
}

/// Whether `outer` holds all of `inner`.
fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Calls `f` with every node of the untyped value `node` (of type `ty`) where the type
/// says what it is, parents first, with its path (`items[1].name`). A node read as a
/// bare `some`/`ok` payload (`5` for `option<u8>`) comes twice, outer type first.
fn each_node(
    resolve: &Resolve,
    ty: Type,
    node: &Node,
    src: &str,
    path: &mut String,
    f: &mut dyn FnMut(Type, &Node, &str),
) {
    f(ty, node, path);
    let mut inner = |ty: Type, child: &Node, step: &str, path: &mut String| {
        let len = path.len();
        path.push_str(step);
        each_node(resolve, ty, child, src, path, f);
        path.truncate(len);
    };
    // Not an option or a result: WAVE lets `some(x)` and `ok(x)` be written `x`.
    let flattenable = |t: &Type| {
        !matches!(
            definition(resolve, t),
            Some(TypeDefKind::Option(_) | TypeDefKind::Result(_))
        )
    };
    match (definition(resolve, &ty), node.ty()) {
        (Some(TypeDefKind::Record(r)), NodeType::Record) => {
            let Ok(fields) = node.as_record(src) else {
                return;
            };
            for (name, child) in fields {
                if let Some(field) = r.fields.iter().find(|f| f.name == name) {
                    let dot = if path.is_empty() { "" } else { "." };
                    inner(field.ty, child, &format!("{dot}{name}"), path);
                }
            }
        }
        (Some(TypeDefKind::Tuple(t)), NodeType::Tuple) => {
            let Ok(children) = node.as_tuple() else {
                return;
            };
            for (i, (t, child)) in t.types.iter().zip(children).enumerate() {
                inner(*t, child, &format!("[{i}]"), path);
            }
        }
        (Some(TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _)), NodeType::List) => {
            let Ok(children) = node.as_list() else { return };
            for (i, child) in children.enumerate() {
                inner(*t, child, &format!("[{i}]"), path);
            }
        }
        (Some(TypeDefKind::Variant(v)), NodeType::VariantWithPayload) => {
            let Ok((label, Some(payload))) = node.as_variant(src) else {
                return;
            };
            if let Some(t) = v.cases.iter().find(|c| c.name == label).and_then(|c| c.ty) {
                inner(t, payload, "", path);
            }
        }
        (Some(TypeDefKind::Option(t)), NodeType::OptionSome) => {
            if let Ok(Some(payload)) = node.as_option() {
                inner(*t, payload, "", path);
            }
        }
        (Some(TypeDefKind::Option(_)), NodeType::OptionNone) => {}
        (Some(TypeDefKind::Option(t)), _) if flattenable(t) => inner(*t, node, "", path),
        (Some(TypeDefKind::Result(r)), NodeType::ResultOk | NodeType::ResultErr) => {
            let (t, payload) = match node.as_result() {
                Ok(Ok(payload)) => (r.ok, payload),
                Ok(Err(payload)) => (r.err, payload),
                Err(_) => return,
            };
            if let (Some(t), Some(payload)) = (t, payload) {
                inner(t, payload, "", path);
            }
        }
        (Some(TypeDefKind::Result(r)), _) => {
            if let Some(t) = r.ok.filter(flattenable) {
                inner(t, node, "", path);
            }
        }
        _ => {}
    }
}

/// What wasm-wave accepts and a constant must not have at `node` (of type `ty`): a
/// field its record does not have, a fixed-length list of another length, a float too
/// large for its type (Rust's parsing makes it infinite).
fn strictness(resolve: &Resolve, ty: Type, node: &Node, src: &str, path: &str) -> Option<String> {
    let message = match (definition(resolve, &ty), node.ty()) {
        (None, NodeType::Number) => {
            let text = &src[node.span()];
            let infinite = match unalias(resolve, ty) {
                Type::F32 => text.parse::<f32>().is_ok_and(f32::is_infinite),
                Type::F64 => text.parse::<f64>().is_ok_and(f64::is_infinite),
                _ => false,
            };
            if !infinite || text.ends_with("inf") {
                return None;
            }
            format!(
                "expected {}, found {}: too large (write `inf` for infinity)",
                expected(resolve, &ty),
                quote(text)
            )
        }
        (Some(TypeDefKind::Record(r)), NodeType::Record) => {
            let (name, _) = node
                .as_record(src)
                .ok()?
                .find(|(name, _)| !r.fields.iter().any(|f| f.name == *name))?;
            format!(
                "expected {}, found {}: no field `{name}`",
                expected(resolve, &ty),
                quote(&src[node.span()])
            )
        }
        (Some(TypeDefKind::FixedLengthList(_, n)), NodeType::List) => {
            let got = node.as_list().ok()?.len();
            if got == *n as usize {
                return None;
            }
            format!(
                "expected {}, found {}: {got} elements",
                expected(resolve, &ty),
                quote(&src[node.span()])
            )
        }
        _ => return None,
    };
    Some(if path.is_empty() {
        message
    } else {
        format!("in `{path}`: {message}")
    })
}

// ---------------------------------------------------------------------------------------
// Lowering

/// The alignment of `ty` on wasm32.
fn align(sizes: &SizeAlign, ty: &Type) -> u32 {
    sizes.align(ty).align_wasm32() as u32
}

/// The flat core types of `ty`, as wit-parser's `push_flat` makes them (so variants
/// join their cases exactly as bindings generators do).
fn flat_types(resolve: &Resolve, ty: &Type) -> Vec<WasmType> {
    // `push_flat` fills a fixed buffer and says when it is too small.
    let mut len = Resolve::MAX_FLAT_PARAMS;
    loop {
        let mut buffer = vec![WasmType::I32; len];
        let mut flat = FlatTypes::new(&mut buffer);
        if resolve.push_flat(ty, &mut flat) {
            return flat.to_vec();
        }
        len *= 2;
    }
}

/// `value`, flattened as a case payload, in a position whose joined type is `to`.
fn widen(value: Flat, to: WasmType) -> Flat {
    use WasmType as W;
    match (value, to) {
        (Flat::I32(x), W::I32 | W::Pointer | W::Length) => Flat::I32(x),
        (Flat::I32(x), W::I64 | W::PointerOrI64) => Flat::I64(x as u32 as i64),
        (Flat::I64(x), W::I64 | W::PointerOrI64) => Flat::I64(x),
        (Flat::F32(x), W::F32) => Flat::F32(x),
        (Flat::F32(x), W::I32 | W::Pointer | W::Length) => Flat::I32(x.to_bits() as i32),
        (Flat::F32(x), W::I64 | W::PointerOrI64) => Flat::I64(x.to_bits() as i64),
        (Flat::F64(x), W::F64) => Flat::F64(x),
        (Flat::F64(x), W::I64 | W::PointerOrI64) => Flat::I64(x.to_bits() as i64),
        (value, to) => unreachable!("a joined flat type is never narrower: {value:?} as {to:?}"),
    }
}

/// The zero of flat type `ty` (positions the active case does not use).
fn zero(ty: WasmType) -> Flat {
    match ty {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => Flat::I32(0),
        WasmType::I64 | WasmType::PointerOrI64 => Flat::I64(0),
        WasmType::F32 => Flat::F32(0.0),
        WasmType::F64 => Flat::F64(0.0),
    }
}

/// Writes discriminant `case` with the size of `tag`.
fn store_tag(tag: Int, case: usize, mem: &mut [u8]) {
    match tag {
        Int::U8 => mem[0] = case as u8,
        Int::U16 => mem[..2].copy_from_slice(&(case as u16).to_le_bytes()),
        Int::U32 => mem[..4].copy_from_slice(&(case as u32).to_le_bytes()),
        Int::U64 => mem[..8].copy_from_slice(&(case as u64).to_le_bytes()),
    }
}

/// Writes a `(ptr, len)` pair.
fn store_pair(ptr: u32, len: u32, mem: &mut [u8]) {
    mem[..4].copy_from_slice(&ptr.to_le_bytes());
    mem[4..8].copy_from_slice(&len.to_le_bytes());
}

/// Lowers values of a parsed constant; the value matches the type (wasm-wave checked).
struct Lower<'a> {
    resolve: &'a Resolve,
    sizes: &'a SizeAlign,
    data: &'a mut Data,
}

/// The case chosen by a variant-like value: its index, and its payload.
struct Case<'v> {
    index: usize,
    payload: Option<(Type, std::borrow::Cow<'v, Value>)>,
}

impl Lower<'_> {
    /// The case of `value` (a variant, option or result of definition `kind`), and the
    /// payload types of all cases.
    fn case<'v>(kind: &TypeDefKind, value: &'v Value) -> (Case<'v>, Vec<Option<Type>>) {
        match kind {
            TypeDefKind::Variant(v) => {
                let (name, payload) = value.unwrap_variant();
                let index = v
                    .cases
                    .iter()
                    .position(|c| c.name == name)
                    .expect("wasm-wave checked the case");
                let payload = payload.map(|p| (v.cases[index].ty.expect("a payload type"), p));
                let cases = v.cases.iter().map(|c| c.ty).collect();
                (Case { index, payload }, cases)
            }
            TypeDefKind::Option(t) => {
                let payload = value.unwrap_option().map(|p| (*t, p));
                let index = usize::from(payload.is_some());
                (Case { index, payload }, vec![None, Some(*t)])
            }
            TypeDefKind::Result(r) => {
                let (index, payload, ty) = match value.unwrap_result() {
                    Ok(payload) => (0, payload, r.ok),
                    Err(payload) => (1, payload, r.err),
                };
                let payload = payload.map(|p| (ty.expect("a payload type"), p));
                (Case { index, payload }, vec![r.ok, r.err])
            }
            _ => unreachable!("not a variant"),
        }
    }

    /// The flag words (bit i of word i / 32 = flag i) of flags `value`.
    fn flag_words(flags: &wit_parser::Flags, value: &Value) -> Vec<u32> {
        let mut words = vec![0u32; flags.repr().count()];
        for name in value.unwrap_flags() {
            let i = flags
                .flags
                .iter()
                .position(|f| f.name == name)
                .expect("wasm-wave checked the flag");
            words[i / 32] |= 1 << (i % 32);
        }
        words
    }

    /// Puts string `s` into the data; returns its address and byte length.
    fn string(&mut self, s: &str) -> (u32, u32) {
        let len = u32::try_from(s.len()).expect("string shorter than 4 GiB");
        (self.data.push(s.as_bytes(), 1), len)
    }

    /// Puts the elements of list `value` (of elements `ty`) into the data,
    /// contiguously; returns their address and count.
    fn list(&mut self, ty: &Type, value: &Value) -> (u32, u32) {
        let elements: Vec<_> = value.unwrap_list().collect();
        let size = self.sizes.size(ty).size_wasm32();
        let mut bytes = vec![0; size * elements.len()];
        for (element, mem) in elements.iter().zip(bytes.chunks_mut(size.max(1))) {
            self.store(ty, element, mem);
        }
        let count = u32::try_from(elements.len()).expect("list shorter than 4 GiB");
        (self.data.push(&bytes, align(self.sizes, ty)), count)
    }

    /// Appends the flat values of `value` (of type `ty`) to `out`.
    fn flat(&mut self, ty: &Type, value: &Value, out: &mut Vec<Flat>) {
        let resolve = self.resolve;
        match ty {
            Type::Bool => out.push(Flat::I32(value.unwrap_bool().into())),
            Type::U8 => out.push(Flat::I32(value.unwrap_u8().into())),
            Type::U16 => out.push(Flat::I32(value.unwrap_u16().into())),
            Type::U32 => out.push(Flat::I32(value.unwrap_u32() as i32)),
            Type::U64 => out.push(Flat::I64(value.unwrap_u64() as i64)),
            // Signed values sign-extend.
            Type::S8 => out.push(Flat::I32(value.unwrap_s8().into())),
            Type::S16 => out.push(Flat::I32(value.unwrap_s16().into())),
            Type::S32 => out.push(Flat::I32(value.unwrap_s32())),
            Type::S64 => out.push(Flat::I64(value.unwrap_s64())),
            Type::F32 => out.push(Flat::F32(value.unwrap_f32())),
            Type::F64 => out.push(Flat::F64(value.unwrap_f64())),
            Type::Char => out.push(Flat::I32(u32::from(value.unwrap_char()) as i32)),
            Type::String => {
                let (ptr, len) = self.string(&value.unwrap_string());
                out.extend([Flat::I32(ptr as i32), Flat::I32(len as i32)]);
            }
            Type::ErrorContext => unreachable!("rejected by Constant::parse"),
            Type::Id(id) => match &resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.flat(t, value, out),
                TypeDefKind::Record(r) => {
                    for (field, (_, v)) in r.fields.iter().zip(value.unwrap_record()) {
                        self.flat(&field.ty, &v, out);
                    }
                }
                TypeDefKind::Tuple(t) => {
                    for (t, v) in t.types.iter().zip(value.unwrap_tuple()) {
                        self.flat(t, &v, out);
                    }
                }
                TypeDefKind::Flags(f) => {
                    let words = Self::flag_words(f, value);
                    out.extend(words.into_iter().map(|w| Flat::I32(w as i32)));
                }
                TypeDefKind::Enum(e) => {
                    let name = value.unwrap_enum();
                    let index = e.cases.iter().position(|c| c.name == name);
                    out.push(Flat::I32(index.expect("wasm-wave checked the case") as i32));
                }
                kind @ (TypeDefKind::Variant(_)
                | TypeDefKind::Option(_)
                | TypeDefKind::Result(_)) => {
                    let (case, _) = Self::case(kind, value);
                    // Every case's payload shares the positions after the
                    // discriminant, each with the join of the cases' types there.
                    let joined = flat_types(resolve, ty);
                    out.push(Flat::I32(case.index as i32));
                    let mut payload = Vec::new();
                    if let Some((t, v)) = &case.payload {
                        self.flat(t, v, &mut payload);
                    }
                    let mut payload = payload.into_iter();
                    for &to in &joined[1..] {
                        out.push(payload.next().map_or(zero(to), |p| widen(p, to)));
                    }
                }
                TypeDefKind::List(t) => {
                    let (ptr, count) = self.list(t, value);
                    out.extend([Flat::I32(ptr as i32), Flat::I32(count as i32)]);
                }
                TypeDefKind::FixedLengthList(t, _) => {
                    for v in value.unwrap_list() {
                        self.flat(t, &v, out);
                    }
                }
                TypeDefKind::Handle(_)
                | TypeDefKind::Resource
                | TypeDefKind::Future(_)
                | TypeDefKind::Stream(_)
                | TypeDefKind::Map(..)
                | TypeDefKind::Unknown => unreachable!("rejected by Constant::parse"),
            },
        }
    }

    /// Writes the memory image of `value` (of type `ty`) at the start of `mem`.
    fn store(&mut self, ty: &Type, value: &Value, mem: &mut [u8]) {
        let resolve = self.resolve;
        match ty {
            Type::Bool => mem[0] = value.unwrap_bool().into(),
            Type::U8 => mem[0] = value.unwrap_u8(),
            Type::S8 => mem[..1].copy_from_slice(&value.unwrap_s8().to_le_bytes()),
            Type::U16 => mem[..2].copy_from_slice(&value.unwrap_u16().to_le_bytes()),
            Type::S16 => mem[..2].copy_from_slice(&value.unwrap_s16().to_le_bytes()),
            Type::U32 => mem[..4].copy_from_slice(&value.unwrap_u32().to_le_bytes()),
            Type::S32 => mem[..4].copy_from_slice(&value.unwrap_s32().to_le_bytes()),
            Type::U64 => mem[..8].copy_from_slice(&value.unwrap_u64().to_le_bytes()),
            Type::S64 => mem[..8].copy_from_slice(&value.unwrap_s64().to_le_bytes()),
            Type::F32 => mem[..4].copy_from_slice(&value.unwrap_f32().to_le_bytes()),
            Type::F64 => mem[..8].copy_from_slice(&value.unwrap_f64().to_le_bytes()),
            Type::Char => {
                mem[..4].copy_from_slice(&u32::from(value.unwrap_char()).to_le_bytes());
            }
            Type::String => {
                let (ptr, len) = self.string(&value.unwrap_string());
                store_pair(ptr, len, mem);
            }
            Type::ErrorContext => unreachable!("rejected by Constant::parse"),
            Type::Id(id) => match &resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.store(t, value, mem),
                TypeDefKind::Record(r) => {
                    let offsets = self.sizes.field_offsets(r.fields.iter().map(|f| &f.ty));
                    for ((offset, t), (_, v)) in offsets.into_iter().zip(value.unwrap_record()) {
                        self.store(t, &v, &mut mem[offset.size_wasm32()..]);
                    }
                }
                TypeDefKind::Tuple(t) => {
                    let offsets = self.sizes.field_offsets(&t.types);
                    for ((offset, t), v) in offsets.into_iter().zip(value.unwrap_tuple()) {
                        self.store(t, &v, &mut mem[offset.size_wasm32()..]);
                    }
                }
                TypeDefKind::Flags(f) => {
                    let words = Self::flag_words(f, value);
                    match f.repr() {
                        FlagsRepr::U8 => mem[0] = words[0] as u8,
                        FlagsRepr::U16 => {
                            mem[..2].copy_from_slice(&(words[0] as u16).to_le_bytes())
                        }
                        FlagsRepr::U32(_) => {
                            for (word, mem) in words.iter().zip(mem.chunks_mut(4)) {
                                mem.copy_from_slice(&word.to_le_bytes());
                            }
                        }
                    }
                }
                TypeDefKind::Enum(e) => {
                    let name = value.unwrap_enum();
                    let index = e.cases.iter().position(|c| c.name == name);
                    store_tag(e.tag(), index.expect("wasm-wave checked the case"), mem);
                }
                kind @ (TypeDefKind::Variant(_)
                | TypeDefKind::Option(_)
                | TypeDefKind::Result(_)) => {
                    let (case, cases) = Self::case(kind, value);
                    // Options and results have a one-byte discriminant.
                    let tag = match kind {
                        TypeDefKind::Variant(v) => v.tag(),
                        _ => Int::U8,
                    };
                    store_tag(tag, case.index, mem);
                    if let Some((t, v)) = &case.payload {
                        let offset = self
                            .sizes
                            .payload_offset(tag, cases.iter().map(Option::as_ref));
                        self.store(t, v, &mut mem[offset.size_wasm32()..]);
                    }
                }
                TypeDefKind::List(t) => {
                    let (ptr, count) = self.list(t, value);
                    store_pair(ptr, count, mem);
                }
                TypeDefKind::FixedLengthList(t, _) => {
                    let size = self.sizes.size(t).size_wasm32();
                    for (i, v) in value.unwrap_list().enumerate() {
                        self.store(t, &v, &mut mem[i * size..]);
                    }
                }
                TypeDefKind::Handle(_)
                | TypeDefKind::Resource
                | TypeDefKind::Future(_)
                | TypeDefKind::Stream(_)
                | TypeDefKind::Map(..)
                | TypeDefKind::Unknown => unreachable!("rejected by Constant::parse"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wit_parser::InterfaceId;

    /// A package with one type of each kind, laid out.
    struct Fixture {
        resolve: Resolve,
        sizes: SizeAlign,
        iface: InterfaceId,
    }

    fn fixture() -> Fixture {
        let names = |prefix: &str, n: usize| {
            (0..n)
                .map(|i| format!("{prefix}{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let wit = format!(
            "package test:consts;
            interface types {{
                record point {{ x: s32, y: s32 }}
                type pt = point;
                record item {{ name: string, qty: u16, tag: option<u8> }}
                type items = list<item>;
                record mixed {{ a: u8, b: u64, c: string, d: bool }}
                variant v {{ a(u8), b(f32), c(u64), d(string), e }}
                variant small {{ i(u32), f(f32) }}
                variant signed {{ n(s8), w(u64) }}
                enum letter-case {{ upper, lower, title }}
                flags few {{ read, write, exec }}
                flags mid {{ {} }}
                flags many {{ g0 }}
                type opt-string = option<string>;
                type nested = option<option<u8>>;
                type res = result<u32, string>;
                type trio = tuple<u8, string, char>;
                type quad = list<u8, 4>;
                resource file;
                record with-file {{ f: own<file> }}
                type chars = stream<u8>;
            }}",
            names("m", 10),
        );
        let mut resolve = Resolve::new();
        let pkg = resolve.push_str("test.wit", &wit).unwrap();
        let iface = resolve.packages[pkg].interfaces["types"];
        // WIT text has at most 32 flags now; a binary of an older one can have more (the
        // ABI still has several words for them): 40, g0 to g39.
        let many = resolve.interfaces[iface].types["many"];
        let TypeDefKind::Flags(flags) = &mut resolve.types[many].kind else {
            unreachable!()
        };
        let g0 = flags.flags[0].clone();
        flags.flags = (0..40)
            .map(|i| wit_parser::Flag {
                name: format!("g{i}"),
                ..g0.clone()
            })
            .collect();
        let mut sizes = SizeAlign::default();
        sizes.fill(&resolve).unwrap();
        Fixture {
            resolve,
            sizes,
            iface,
        }
    }

    impl Fixture {
        fn ty(&self, name: &str) -> Type {
            Type::Id(self.resolve.interfaces[self.iface].types[name])
        }

        fn parse(&self, ty: Type, text: &str) -> Constant {
            Constant::parse(&self.resolve, &ty, text)
                .unwrap_or_else(|e| panic!("`{text}` should parse: {e}"))
        }

        /// The flat values of `text`, with data from `base`; their core types must be
        /// those wit-parser gives the type.
        fn flat(&self, ty: Type, text: &str, base: u32) -> (Vec<Flat>, Data) {
            let mut data = Data::new(base);
            let flat = self
                .parse(ty, text)
                .flat(&self.resolve, &self.sizes, &mut data);
            let kinds: Vec<_> = flat
                .iter()
                .map(|f| match f {
                    Flat::I32(_) => WasmType::I32,
                    Flat::I64(_) => WasmType::I64,
                    Flat::F32(_) => WasmType::F32,
                    Flat::F64(_) => WasmType::F64,
                })
                .collect();
            let expected: Vec<_> = flat_types(&self.resolve, &ty)
                .into_iter()
                .map(|t| match t {
                    WasmType::Pointer | WasmType::Length => WasmType::I32,
                    WasmType::PointerOrI64 => WasmType::I64,
                    t => t,
                })
                .collect();
            assert_eq!(kinds, expected, "flat types of `{text}`");
            (flat, data)
        }

        fn flat_of(&self, ty: Type, text: &str) -> Vec<Flat> {
            self.flat(ty, text, 0).0
        }

        /// The image of `text` (its address, and the data), which must be as long as
        /// the type's size.
        fn image(&self, ty: Type, text: &str, base: u32) -> (u32, Data) {
            let mut data = Data::new(base);
            let addr = self
                .parse(ty, text)
                .image(&self.resolve, &self.sizes, &mut data);
            let size = self.sizes.size(&ty).size_wasm32();
            assert_eq!(data.end() - addr, size as u32, "image size of `{text}`");
            assert_eq!(addr % align(&self.sizes, &ty), 0, "image alignment");
            (addr, data)
        }

        /// Just the image bytes of `text` (a value without strings or lists).
        fn image_of(&self, ty: Type, text: &str) -> Vec<u8> {
            let (addr, data) = self.image(ty, text, 0);
            data.bytes()[addr as usize..].to_vec()
        }

        fn error(&self, ty: Type, text: &str) -> String {
            match Constant::parse(&self.resolve, &ty, text) {
                Ok(_) => panic!("`{text}` should not parse"),
                Err(e) => e.to_string(),
            }
        }
    }

    use Flat::{F32, F64, I32, I64};

    #[test]
    fn data_aligns_from_its_base() {
        let mut data = Data::new(3);
        assert_eq!(data.push(&[1], 1), 3);
        assert_eq!(data.push(&[2, 2], 4), 4);
        assert_eq!(data.push(&[], 8), 8);
        assert_eq!(data.end(), 8);
        assert_eq!(data.base(), 3);
        assert_eq!(data.bytes(), &[1, 2, 2, 0, 0]);
    }

    #[test]
    fn primitives() {
        let f = fixture();
        assert_eq!(f.flat_of(Type::Bool, "true"), [I32(1)]);
        assert_eq!(f.image_of(Type::Bool, "true"), [1]);
        assert_eq!(f.flat_of(Type::S8, "-5"), [I32(-5)]);
        assert_eq!(f.image_of(Type::S8, "-5"), [0xfb]);
        assert_eq!(f.flat_of(Type::S16, "-2"), [I32(-2)]);
        assert_eq!(f.image_of(Type::S16, "-2"), [0xfe, 0xff]);
        assert_eq!(f.flat_of(Type::U8, "255"), [I32(255)]);
        assert_eq!(f.flat_of(Type::U16, "65535"), [I32(65535)]);
        assert_eq!(f.image_of(Type::U16, "258"), [2, 1]);
        assert_eq!(f.flat_of(Type::U32, "4294967295"), [I32(-1)]);
        assert_eq!(f.image_of(Type::U32, "4294967295"), [0xff; 4]);
        assert_eq!(f.flat_of(Type::S64, "-1"), [I64(-1)]);
        assert_eq!(f.image_of(Type::S64, "-1"), [0xff; 8]);
        assert_eq!(f.flat_of(Type::U64, "18446744073709551615"), [I64(-1)]);
        assert_eq!(f.flat_of(Type::F32, "1.5"), [F32(1.5)]);
        assert_eq!(f.image_of(Type::F32, "1.5"), [0, 0, 0xc0, 0x3f]);
        assert_eq!(f.flat_of(Type::F32, "-inf"), [F32(f32::NEG_INFINITY)]);
        assert_eq!(f.flat_of(Type::F64, "-2.5"), [F64(-2.5)]);
        assert_eq!(f.flat_of(Type::F64, "1e300"), [F64(1e300)]);
        assert_eq!(f.image_of(Type::F64, "-2.5"), (-2.5f64).to_le_bytes());
        assert_eq!(f.flat_of(Type::Char, "'😀'"), [I32(0x1f600)]);
        assert_eq!(f.image_of(Type::Char, "'😀'"), [0x00, 0xf6, 0x01, 0x00]);
    }

    #[test]
    fn strings_are_utf8_in_the_data() {
        let f = fixture();
        let (flat, data) = f.flat(Type::String, r#""é!""#, 16);
        assert_eq!(flat, [I32(16), I32(3)]);
        assert_eq!(data.bytes(), "é!".as_bytes());
        // Empty: length 0, the address is where the data ends.
        let (flat, data) = f.flat(Type::String, r#""""#, 16);
        assert_eq!(flat, [I32(16), I32(0)]);
        assert!(data.bytes().is_empty());
        // The image is (ptr, len), 4-aligned after the bytes.
        let (addr, data) = f.image(Type::String, r#""abc""#, 100);
        assert_eq!(addr, 104);
        assert_eq!(data.bytes(), b"abc\0\x64\0\0\0\x03\0\0\0");
    }

    #[test]
    fn result_ok_and_err() {
        let f = fixture();
        let res = f.ty("res");
        let (flat, data) = f.flat(res, r#"err("hi")"#, 256);
        assert_eq!(flat, [I32(1), I32(256), I32(2)]);
        assert_eq!(data.bytes(), b"hi");
        assert_eq!(f.flat_of(res, "ok(7)"), [I32(0), I32(7), I32(0)]);
        // WAVE lets `ok(7)` be written `7`.
        assert_eq!(f.flat_of(res, "7"), [I32(0), I32(7), I32(0)]);

        let (addr, data) = f.image(res, r#"err("hi")"#, 256);
        assert_eq!(addr, 260);
        assert_eq!(
            data.bytes(),
            [b'h', b'i', 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0]
        );
        assert_eq!(
            f.image_of(res, "ok(7)"),
            [0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn variant_payloads_join() {
        let f = fixture();
        let v = f.ty("v");
        // Joined payload positions: [i64 (u8, f32, u64, string ptr), i32 (string len)].
        let bits = 1.5f32.to_bits();
        assert_eq!(bits, 0x3fc0_0000);
        assert_eq!(f.flat_of(v, "b(1.5)"), [I32(1), I64(bits as i64), I32(0)]);
        assert_eq!(f.flat_of(v, "a(200)"), [I32(0), I64(200), I32(0)]);
        assert_eq!(
            f.flat_of(v, "c(18446744073709551615)"),
            [I32(2), I64(-1), I32(0)]
        );
        let (flat, data) = f.flat(v, r#"d("hey")"#, 100);
        assert_eq!(flat, [I32(3), I64(100), I32(3)]);
        assert_eq!(data.bytes(), b"hey");
        assert_eq!(f.flat_of(v, "e"), [I32(4), I64(0), I32(0)]);

        // f32 joined with i32 is an i32 of the float's bits.
        let small = f.ty("small");
        assert_eq!(f.flat_of(small, "f(1.5)"), [I32(1), I32(bits as i32)]);
        assert_eq!(f.flat_of(small, "i(7)"), [I32(0), I32(7)]);

        // An i32 joined with an i64 is zero-extended: s8 -1 is 0xffff_ffff.
        let signed = f.ty("signed");
        assert_eq!(f.flat_of(signed, "n(-1)"), [I32(0), I64(0xffff_ffff)]);
        assert_eq!(
            f.image_of(signed, "n(-1)"),
            [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0]
        );

        // Image: u8 discriminant, payload at 8 (u64's alignment), 16 bytes.
        assert_eq!(
            f.image_of(v, "b(1.5)"),
            [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0]
        );
        assert_eq!(
            f.image_of(v, "c(18446744073709551615)"),
            [
                2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ]
        );
        let (addr, data) = f.image(v, r#"d("hey")"#, 0);
        assert_eq!(addr, 8);
        assert_eq!(
            data.bytes(),
            [
                b'h', b'e', b'y', 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0
            ]
        );
        assert_eq!(
            f.image_of(v, "e"),
            [4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn options() {
        let f = fixture();
        let opt = f.ty("opt-string");
        let (flat, _) = f.flat(opt, r#"some("hi")"#, 16);
        assert_eq!(flat, [I32(1), I32(16), I32(2)]);
        let (flat, _) = f.flat(opt, r#""hi""#, 16);
        assert_eq!(flat, [I32(1), I32(16), I32(2)]);
        assert_eq!(f.flat_of(opt, "none"), [I32(0), I32(0), I32(0)]);
        let (addr, data) = f.image(opt, r#"some("hi")"#, 16);
        assert_eq!(addr, 20);
        assert_eq!(data.bytes()[4..], [1, 0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(f.image_of(opt, "none"), [0; 12]);

        // option<option<u8>>: 3 bytes, payloads at 1 and 2.
        let nested = f.ty("nested");
        assert_eq!(f.flat_of(nested, "some(some(5))"), [I32(1), I32(1), I32(5)]);
        assert_eq!(f.flat_of(nested, "some(none)"), [I32(1), I32(0), I32(0)]);
        assert_eq!(f.flat_of(nested, "none"), [I32(0), I32(0), I32(0)]);
        assert_eq!(f.image_of(nested, "some(some(5))"), [1, 1, 5]);
        assert_eq!(f.image_of(nested, "some(none)"), [1, 0, 0]);
    }

    #[test]
    fn enums_and_flags() {
        let f = fixture();
        let case = f.ty("letter-case");
        assert_eq!(f.flat_of(case, "title"), [I32(2)]);
        assert_eq!(f.image_of(case, "title"), [2]);

        let few = f.ty("few");
        assert_eq!(f.flat_of(few, "{read, exec}"), [I32(0b101)]);
        assert_eq!(f.image_of(few, "{exec, read}"), [0b101]);
        assert_eq!(f.flat_of(few, "{}"), [I32(0)]);

        // 10 flags: one i32, two bytes in memory.
        let mid = f.ty("mid");
        assert_eq!(f.flat_of(mid, "{m9, m0}"), [I32(0x201)]);
        assert_eq!(f.image_of(mid, "{m9, m0}"), [0x01, 0x02]);

        // 40 flags (`f32` would be a keyword): two i32 words.
        let many = f.ty("many");
        assert_eq!(f.flat_of(many, "{g0, g33, g39}"), [I32(1), I32(0x82)]);
        assert_eq!(
            f.image_of(many, "{g0, g33, g39}"),
            [1, 0, 0, 0, 0x82, 0, 0, 0]
        );
        assert_eq!(f.flat_of(many, "{g31}"), [I32(i32::MIN), I32(0)]);
    }

    #[test]
    fn records_and_aliases() {
        let f = fixture();
        // a at 0, b at 8, c at 16, d at 24; 32 bytes.
        let mixed = f.ty("mixed");
        let text = r#"{a: 1, b: 2, c: "xyz", d: true}"#;
        assert_eq!(
            f.flat_of(mixed, text),
            [I32(1), I64(2), I32(0), I32(3), I32(1)]
        );
        let (addr, data) = f.image(mixed, text, 0);
        assert_eq!(addr, 8);
        let mut expected = b"xyz\0\0\0\0\0".to_vec();
        expected.extend([1, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend([2, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend([0, 0, 0, 0, 3, 0, 0, 0]);
        expected.extend([1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(data.bytes(), expected);

        let pt = f.ty("pt");
        assert_eq!(f.flat_of(pt, "{x: -1, y: 2}"), [I32(-1), I32(2)]);
        assert_eq!(
            f.image_of(pt, "{y: 2, x: -1}"),
            [0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0]
        );
    }

    #[test]
    fn list_of_records() {
        let f = fixture();
        let items = f.ty("items");
        // item: name at 0, qty at 8, tag (option<u8>) at 10; 12 bytes.
        let text = r#"[{name: "ab", qty: 3, tag: some(9)}, {name: "", qty: 65535}]"#;
        let (flat, data) = f.flat(items, text, 0x100);
        assert_eq!(flat, [I32(0x104), I32(2)]);
        let elements = [
            [0x00, 0x01, 0, 0, 2, 0, 0, 0, 3, 0, 1, 9],
            [0x02, 0x01, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0],
        ];
        let mut expected = b"ab\0\0".to_vec();
        expected.extend(elements.concat());
        assert_eq!(data.bytes(), expected);

        let (addr, data) = f.image(items, text, 0x100);
        assert_eq!(addr, 0x11c);
        assert_eq!(data.bytes()[..28], expected);
        assert_eq!(data.bytes()[28..], [0x04, 0x01, 0, 0, 2, 0, 0, 0]);

        // Empty: count 0 at an address aligned for the elements.
        let (flat, data) = f.flat(items, "[]", 3);
        assert_eq!(flat, [I32(4), I32(0)]);
        assert_eq!(data.end(), 4);
    }

    #[test]
    fn tuples_and_fixed_length_lists() {
        let f = fixture();
        let trio = f.ty("trio");
        let text = r#"(7, "é", '😀')"#;
        let (flat, _) = f.flat(trio, text, 0x40);
        assert_eq!(flat, [I32(7), I32(0x40), I32(2), I32(0x1f600)]);
        let (addr, data) = f.image(trio, text, 0x40);
        assert_eq!(addr, 0x44);
        assert_eq!(
            data.bytes()[4..],
            [
                7, 0, 0, 0, 0x40, 0, 0, 0, 2, 0, 0, 0, 0x00, 0xf6, 0x01, 0x00
            ]
        );

        let quad = f.ty("quad");
        assert_eq!(
            f.flat_of(quad, "[1, 2, 3, 4]"),
            [I32(1), I32(2), I32(3), I32(4)]
        );
        assert_eq!(f.image_of(quad, "[1, 2, 3, 4]"), [1, 2, 3, 4]);
        assert_eq!(
            f.error(quad, "[1, 2]"),
            "expected `quad` (a list of 4 elements), found `[1, 2]`: 2 elements"
        );
    }

    #[test]
    fn errors_say_what_was_expected() {
        let f = fixture();
        assert_eq!(
            f.error(f.ty("letter-case"), "tittle"),
            "expected `letter-case` (one of upper, lower, title), found `tittle`"
        );
        assert_eq!(
            f.error(Type::U8, "300"),
            "expected `u8` (an integer from 0 to 255), found `300`"
        );
        assert_eq!(
            f.error(Type::U32, r#""abc""#),
            r#"expected `u32` (an integer from 0 to 4294967295), found `"abc"`"#
        );
        assert_eq!(
            f.error(f.ty("pt"), r#"{x: 1, y: "no"}"#),
            r#"in `y`: expected `s32` (an integer from -2147483648 to 2147483647), found `"no"`"#
        );
        assert_eq!(
            f.error(f.ty("items"), r#"[{name: "a", qty: 70000}]"#),
            "in `[0].qty`: expected `u16` (an integer from 0 to 65535), found `70000`"
        );
        assert_eq!(
            f.error(f.ty("pt"), "{x: 1}"),
            "expected `pt` (a record {x: …, y: …}), found `{x: 1}`: field `y` is missing"
        );
        // wasm-wave itself ignores fields the record does not have.
        assert_eq!(
            f.error(f.ty("items"), r#"[{name: "a", qty: 1, tags: some(1)}]"#),
            "in `[0]`: expected `item` (a record {name: …, qty: …, tag: …}), \
             found `{name: \"a\", qty: 1, tags: some(1)}`: no field `tags`"
        );
        let v = f.ty("v");
        let cases = "`v` (one of a(u8), b(f32), c(u64), d(string), e)";
        assert_eq!(
            f.error(v, "a"),
            format!("expected {cases}, found `a`: case `a` needs a payload, `a(…)`")
        );
        assert_eq!(
            f.error(v, "e(1)"),
            format!("expected {cases}, found `e(1)`: case `e` takes no payload")
        );
        assert_eq!(
            f.error(v, "zz(1)"),
            format!("expected {cases}, found `zz(1)`: no case `zz`")
        );
        assert_eq!(
            f.error(f.ty("few"), "{read, rd}"),
            "expected `few` (flags in braces, any of read, write, exec), found `{read, rd}`: \
             no flag `rd`"
        );
        assert_eq!(
            f.error(f.ty("trio"), r#"(1, "a")"#),
            "expected `trio` (a tuple (…, …, …)), found `(1, \"a\")`: 2 elements, not 3"
        );
        // Not flattenable: option<option<u8>> needs `some(…)`.
        assert_eq!(
            f.error(f.ty("nested"), "5"),
            "expected `nested` (some(…) or none), found `5`"
        );
        assert_eq!(
            f.error(Type::F32, "1e300"),
            "expected `f32` (a number), found `1e300`: too large (write `inf` for infinity)"
        );
        assert_eq!(
            f.error(f.ty("res"), r#"oops("x")"#),
            "expected `u32` (an integer from 0 to 4294967295), found `oops(\"x\")`"
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let f = fixture();
        assert_eq!(
            f.error(f.ty("quad"), "[1, 2"),
            "not valid WAVE: unexpected end of the value (at column 6)"
        );
        assert_eq!(
            f.error(Type::U8, "5 6"),
            "not valid WAVE: unexpected `6` after the value (at column 3)"
        );
        assert_eq!(
            f.error(f.ty("pt"), "{x: 1,\n y: 2,,}"),
            "not valid WAVE: unexpected `,` (at line 2, column 7)"
        );
        assert_eq!(
            f.error(f.ty("pt"), "{x: 1, x: 2}"),
            "not valid WAVE: duplicate field `x` (at column 8)"
        );
        assert_eq!(
            f.error(f.ty("few"), "{read, read}"),
            "not valid WAVE: duplicate flag `read` (at column 8)"
        );
    }

    #[test]
    fn runtime_only_types_are_not_constants() {
        let f = fixture();
        assert_eq!(
            f.error(f.ty("with-file"), "{f: 1}"),
            "`with-file` cannot be a constant: it holds `own<file>`, and a resource \
             exists only at run time"
        );
        assert_eq!(
            f.error(f.ty("chars"), "[]"),
            "`chars` cannot be a constant: a stream exists only at run time"
        );
        assert_eq!(
            f.error(Type::ErrorContext, "1"),
            "`error-context` cannot be a constant: an error-context exists only at run time"
        );
    }
}
