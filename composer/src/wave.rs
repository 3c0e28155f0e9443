//! WIT types as WAVE reads values of them, and as messages name them: what flow
//! constants (`glue::flow`) and warm-up calls (`build::js`) parse, and the names every
//! type error shows.

use wasm_wave::value::Type as WaveType;
use wit_parser::{Handle, Resolve, Type, TypeDefKind};

/// A type no WAVE value can have: the type (inside the one asked about) and why.
#[derive(Debug)]
pub struct Unsupported {
    /// The type, possibly nested in the one asked about.
    pub ty: Type,
    /// Why, in a few words.
    pub why: &'static str,
}

/// The WAVE type of WIT type `ty`, or the part of it no WAVE value can have.
pub fn wave_type(resolve: &Resolve, ty: &Type) -> Result<WaveType, Unsupported> {
    let unsupported = |why| Unsupported { ty: *ty, why };
    // wasm-wave has no empty record, tuple, flags, variant or enum (WIT has none either).
    let empty = || unsupported("WAVE has no empty record, tuple, flags, variant or enum");
    Ok(match ty {
        Type::Bool => WaveType::BOOL,
        Type::U8 => WaveType::U8,
        Type::U16 => WaveType::U16,
        Type::U32 => WaveType::U32,
        Type::U64 => WaveType::U64,
        Type::S8 => WaveType::S8,
        Type::S16 => WaveType::S16,
        Type::S32 => WaveType::S32,
        Type::S64 => WaveType::S64,
        Type::F32 => WaveType::F32,
        Type::F64 => WaveType::F64,
        Type::Char => WaveType::CHAR,
        Type::String => WaveType::STRING,
        Type::ErrorContext => return Err(unsupported("an error-context exists only at run time")),
        Type::Id(id) => match &resolve.types[*id].kind {
            TypeDefKind::Type(t) => wave_type(resolve, t)?,
            TypeDefKind::Record(r) => {
                let fields = r
                    .fields
                    .iter()
                    .map(|f| Ok((f.name.as_str(), wave_type(resolve, &f.ty)?)))
                    .collect::<Result<Vec<_>, _>>()?;
                WaveType::record(fields).ok_or_else(empty)?
            }
            TypeDefKind::Tuple(t) => {
                let types = t
                    .types
                    .iter()
                    .map(|t| wave_type(resolve, t))
                    .collect::<Result<Vec<_>, _>>()?;
                WaveType::tuple(types).ok_or_else(empty)?
            }
            TypeDefKind::Flags(f) => {
                WaveType::flags(f.flags.iter().map(|f| f.name.as_str())).ok_or_else(empty)?
            }
            TypeDefKind::Variant(v) => {
                let cases = v
                    .cases
                    .iter()
                    .map(|c| {
                        let payload = c.ty.as_ref().map(|t| wave_type(resolve, t)).transpose()?;
                        Ok((c.name.as_str(), payload))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                WaveType::variant(cases).ok_or_else(empty)?
            }
            TypeDefKind::Enum(e) => {
                WaveType::enum_ty(e.cases.iter().map(|c| c.name.as_str())).ok_or_else(empty)?
            }
            TypeDefKind::Option(t) => WaveType::option(wave_type(resolve, t)?),
            TypeDefKind::Result(r) => WaveType::result(
                r.ok.as_ref().map(|t| wave_type(resolve, t)).transpose()?,
                r.err.as_ref().map(|t| wave_type(resolve, t)).transpose()?,
            ),
            TypeDefKind::List(t) => WaveType::list(wave_type(resolve, t)?),
            // wasm-wave cannot parse its own fixed-length list type: read a list, and
            // check its length afterwards (`strictness`).
            TypeDefKind::FixedLengthList(t, _) => WaveType::list(wave_type(resolve, t)?),
            TypeDefKind::Handle(_) | TypeDefKind::Resource => {
                return Err(unsupported("a resource exists only at run time"));
            }
            TypeDefKind::Future(_) => return Err(unsupported("a future exists only at run time")),
            TypeDefKind::Stream(_) => return Err(unsupported("a stream exists only at run time")),
            TypeDefKind::Map(..) => return Err(unsupported("WAVE has no syntax for maps")),
            TypeDefKind::Unknown => return Err(unsupported("its type is not known")),
        },
    })
}

/// `ty` with its aliases (`type a = b`) followed.
pub fn unalias(resolve: &Resolve, mut ty: Type) -> Type {
    while let Type::Id(id) = ty
        && let TypeDefKind::Type(t) = &resolve.types[id].kind
    {
        ty = *t;
    }
    ty
}

/// The name of `ty` as WIT writes it: its own name, or its anonymous form.
pub fn type_name(resolve: &Resolve, ty: &Type) -> String {
    let name = |t: &Type| type_name(resolve, t);
    let id = match ty {
        Type::Bool => return "bool".into(),
        Type::U8 => return "u8".into(),
        Type::U16 => return "u16".into(),
        Type::U32 => return "u32".into(),
        Type::U64 => return "u64".into(),
        Type::S8 => return "s8".into(),
        Type::S16 => return "s16".into(),
        Type::S32 => return "s32".into(),
        Type::S64 => return "s64".into(),
        Type::F32 => return "f32".into(),
        Type::F64 => return "f64".into(),
        Type::Char => return "char".into(),
        Type::String => return "string".into(),
        Type::ErrorContext => return "error-context".into(),
        Type::Id(id) => *id,
    };
    let def = &resolve.types[id];
    if let Some(own) = &def.name {
        return own.clone();
    }
    let maybe = |t: &Option<Type>| t.as_ref().map(name);
    match &def.kind {
        TypeDefKind::Type(t) => name(t),
        TypeDefKind::List(t) => format!("list<{}>", name(t)),
        TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", name(t)),
        TypeDefKind::Option(t) => format!("option<{}>", name(t)),
        TypeDefKind::Result(r) => match (maybe(&r.ok), maybe(&r.err)) {
            (Some(ok), Some(err)) => format!("result<{ok}, {err}>"),
            (Some(ok), None) => format!("result<{ok}>"),
            (None, Some(err)) => format!("result<_, {err}>"),
            (None, None) => "result".into(),
        },
        TypeDefKind::Tuple(t) => {
            let types: Vec<_> = t.types.iter().map(name).collect();
            format!("tuple<{}>", types.join(", "))
        }
        TypeDefKind::Handle(Handle::Own(r)) => format!("own<{}>", name(&Type::Id(*r))),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", name(&Type::Id(*r))),
        TypeDefKind::Future(t) => maybe(t).map_or("future".into(), |t| format!("future<{t}>")),
        TypeDefKind::Stream(t) => maybe(t).map_or("stream".into(), |t| format!("stream<{t}>")),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", name(k), name(v)),
        other => other.as_str().into(),
    }
}
