//! The bytes of an interface's own refusal, laid out by the canonical ABI.
//!
//! A refused call returns a constant: an empty list (at a dangling, aligned address), `none`, `ok` of one of those, or
//! `err` of the error code the interface reserves for a denial. The guard keeps each
//! constant in a data segment and returns a pointer to it.

use wit_parser::{Int, Resolve, SizeAlign, Type, TypeDefKind};

/// Error-code cases that mean "not allowed", in the order they are looked for:
/// `wasi:sockets` and most others, `wasi:filesystem`, `wasi:http`.
const DENIAL_CASES: [&str; 4] = [
    "access-denied",
    "access",
    "HTTP-request-denied",
    "not-permitted",
];

/// The refusal of a value of type `ty`, as its memory image; `None` when the type has
/// no value that means "refused" (the guard then traps).
pub fn refusal(resolve: &Resolve, sizes: &SizeAlign, ty: &Type) -> Option<Vec<u8>> {
    let size = sizes.size(ty).size_wasm32();
    let Type::Id(id) = ty else {
        return None;
    };
    match &resolve.types[*id].kind {
        TypeDefKind::Type(inner) => refusal(resolve, sizes, inner),
        TypeDefKind::List(element) => {
            // An empty list at a non-null, aligned address, as an allocator hands out
            // for zero bytes: code reading the list into its own (Rust's `Vec`) may
            // not be given a null pointer.
            let mut bytes = vec![0; size];
            let align = sizes.align(element).align_wasm32() as u32;
            bytes[..4].copy_from_slice(&align.to_le_bytes());
            Some(bytes)
        }
        TypeDefKind::Option(_) => Some(vec![0; size]),
        TypeDefKind::Result(r) => {
            let payload = sizes
                .payload_offset(Int::U8, [r.ok.as_ref(), r.err.as_ref()])
                .size_wasm32();
            if let Some(case) = r.err.as_ref().and_then(|e| denial(resolve, sizes, e)) {
                let mut bytes = vec![0; size];
                bytes[0] = 1;
                bytes[payload..payload + case.len()].copy_from_slice(&case);
                return Some(bytes);
            }
            // `ok` of an empty answer (e.g. `wasi:config`'s `ok(none)`).
            let ok = r.ok.as_ref()?;
            let empty = refusal(resolve, sizes, ok)?;
            let mut bytes = vec![0; size];
            bytes[payload..payload + empty.len()].copy_from_slice(&empty);
            Some(bytes)
        }
        _ => None,
    }
}

/// The memory image of the denial case of an error type, if it has one.
fn denial(resolve: &Resolve, sizes: &SizeAlign, ty: &Type) -> Option<Vec<u8>> {
    let Type::Id(id) = ty else {
        return None;
    };
    let (tag, index) = match &resolve.types[*id].kind {
        TypeDefKind::Type(inner) => return denial(resolve, sizes, inner),
        TypeDefKind::Enum(e) => (e.tag(), find(e.cases.iter().map(|c| c.name.as_str()))?),
        TypeDefKind::Variant(v) => {
            let index = find(v.cases.iter().map(|c| c.name.as_str()))?;
            if v.cases[index].ty.is_some() {
                return None;
            }
            (v.tag(), index)
        }
        _ => return None,
    };
    let mut bytes = vec![0; sizes.size(ty).size_wasm32()];
    let tag_bytes = (index as u32).to_le_bytes();
    let tag_size = match tag {
        Int::U8 => 1,
        Int::U16 => 2,
        Int::U32 | Int::U64 => 4,
    };
    bytes[..tag_size].copy_from_slice(&tag_bytes[..tag_size]);
    Some(bytes)
}

fn find<'a>(cases: impl Iterator<Item = &'a str> + Clone) -> Option<usize> {
    DENIAL_CASES
        .iter()
        .find_map(|wanted| cases.clone().position(|c| c == *wanted))
}
