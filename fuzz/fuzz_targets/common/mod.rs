//! What the targets share: rendering diagnostics the ways a user sees them, and the
//! WAVE types arguments are read against.

#![allow(dead_code)]

use wasm_wave::value::Type;
use weld::diagnostic::{Diagnostic, Diagnostics};

/// Renders `diags` as `weld` prints them (plain and coloured) and through miette, the
/// way a library user would: any span must survive all three.
pub fn render(diags: &Diagnostics) {
    let _ = diags.render(false);
    let _ = diags.render(true);
    for d in &diags.0 {
        render_one(d);
    }
}

/// [`render`] for one diagnostic.
pub fn render_one(d: &Diagnostic) {
    let _ = d.render(false);
    let mut out = String::new();
    let _ = miette::NarratableReportHandler::new().render_report(&mut out, d);
}

/// Parameter lists of every kind of WAVE type, to read arguments against.
pub fn param_lists() -> Vec<Vec<Type>> {
    let record = Type::record([("name", Type::STRING), ("tags", Type::list(Type::STRING))]);
    let variant = Type::variant([
        ("none", None),
        ("some", Some(Type::U8)),
        ("text", Some(Type::STRING)),
    ]);
    let tuple = Type::tuple(vec![Type::S32, Type::CHAR, Type::F64]);
    let enum_ty = Type::enum_ty(["red", "green", "blue"]);
    let flags = Type::flags(["read", "write", "exec"]);
    let (record, variant, tuple, enum_ty, flags) = (
        record.unwrap(),
        variant.unwrap(),
        tuple.unwrap(),
        enum_ty.unwrap(),
        flags.unwrap(),
    );
    vec![
        vec![],
        vec![Type::U32],
        vec![Type::STRING],
        vec![Type::list(Type::STRING)],
        vec![Type::STRING, Type::U32, Type::option(Type::BOOL)],
        vec![Type::option(Type::list(Type::U8))],
        vec![Type::result(Some(Type::STRING), Some(enum_ty.clone()))],
        vec![Type::result(None, None), Type::S64, Type::F32],
        vec![record.clone(), variant.clone()],
        vec![tuple, flags, enum_ty],
        vec![Type::list(record), Type::option(variant)],
    ]
}
