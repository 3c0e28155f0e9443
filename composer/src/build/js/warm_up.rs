//! `warm-up: tests`: the calls of a QuickJS stage's `weld test` cases, run once at build
//! time after the module is evaluated and before the engine is snapshotted.
//!
//! An instance of a snapshotted engine still does a lot on its first call that its later
//! calls do not: QuickJS makes the shapes of the objects the function builds, interns
//! the atoms of their keys and fills the caches of the built-ins it reaches. With fresh
//! instances per request every request pays that again. Running the calls before the
//! snapshot puts all of it in the memory image. The calls' other effects stay there too,
//! which is why the manifest only allows this on stages declared `stateless: true`.
//!
//! The calls are written as JS statements against `__weldExports`, the module's exports
//! by their export names; `tools/js/componentize-quickjs.mjs` binds that object to the
//! module's own bindings (only the module knows them) and puts the statements after the
//! module's code. Arguments are written as componentize-qjs passes them to an export
//! (its README, "Type mappings"), with `none` as `undefined` as Weld's runtime passes it.

use std::{borrow::Cow, fmt::Write as _};

use wasm_wave::{
    value::{Type as WaveType, Value},
    wasm::{WasmType, WasmTypeKind, WasmValue},
};
use wit_parser::{Function, FunctionKind, Resolve, WorldItem, WorldKey};

use super::{super::BuildContext, BuildFailure};
use crate::{
    unit_test::{self, cases},
    wave::{type_name, wave_type},
};

/// The statements that run the calls of the stage's test cases, each on its own line in
/// a `try` whose error is dropped (a case may expect an error; the call ran either way).
pub fn statements(cx: &BuildContext<'_>) -> Result<String, BuildFailure> {
    let resolve = &cx.wit.resolve;
    let world = &resolve.worlds[cx
        .world()
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?];
    if let Some(import) = imported_function(resolve, world.imports.iter()) {
        return Err(BuildFailure {
            help: Some(
                "remove `warm-up:` from the stage: its imports are other stages and the host, which are not there while it is built".into(),
            ),
            ..BuildFailure::new(
                cx.stage,
                format!("`warm-up: tests` needs a stage that imports no functions, and this one imports `{import}`"),
            )
        });
    }
    let exports = exported_functions(resolve, world.exports.iter());
    let path = unit_test::test_file(cx.stage);
    if !path.is_file() {
        return Err(BuildFailure {
            help: Some(format!(
                "write the stage's unit tests in `{}` (README, \"Unit tests\"), or remove `warm-up:`",
                path.display()
            )),
            ..BuildFailure::new(
                cx.stage,
                format!(
                    "`warm-up: tests` runs the stage's test cases, and `{}` does not exist",
                    path.display()
                ),
            )
        });
    }
    let file = cases::load(&path).map_err(|diags| BuildFailure {
        output: diags.render(false),
        help: Some("fix the test file: `weld test` reads it too".into()),
        ..BuildFailure::new(
            cx.stage,
            format!("`warm-up: tests` could not read `{}`", path.display()),
        )
    })?;
    let mut out = String::new();
    for case in &file.cases {
        let call = call_statement(resolve, &exports, &case.call.text).map_err(|problem| {
            let at = case
                .call
                .span
                .map(|span| {
                    let (line, col) = file.source.line_col(span.start);
                    format!("{}:{line}:{col}", path.display())
                })
                .unwrap_or_else(|| path.display().to_string());
            BuildFailure {
                help: Some(format!(
                    "`weld test --stage {}` checks the case against the stage's exports",
                    cx.stage.name
                )),
                ..BuildFailure::new(
                    cx.stage,
                    format!(
                        "`warm-up: tests` cannot run case `{}` ({at}): {problem}",
                        case.slug
                    ),
                )
            }
        })?;
        let _ = writeln!(out, "try {{ {call}; }} catch {{}}");
    }
    Ok(out)
}

/// An exported function, as a call names it and as the module exports it.
struct Export<'r> {
    /// The interface's name (`None`: the world exports the function itself).
    interface: Option<String>,
    func: &'r Function,
    /// How the statement reaches it: `__weldExports.<object>.<function>` or
    /// `__weldExports.<function>`.
    js_path: String,
}

fn exported_functions<'r>(
    resolve: &'r Resolve,
    exports: impl Iterator<Item = (&'r WorldKey, &'r WorldItem)>,
) -> Vec<Export<'r>> {
    let mut out = Vec::new();
    for (key, item) in exports {
        match item {
            WorldItem::Function(func) if func.kind == FunctionKind::Freestanding => {
                out.push(Export {
                    interface: None,
                    func,
                    js_path: format!(
                        "__weldExports.{}",
                        super::quickjs::lower_camel_case(&func.name)
                    ),
                });
            }
            WorldItem::Interface { id, .. } => {
                let iface = &resolve.interfaces[*id];
                let object = match key {
                    WorldKey::Interface(_) => iface.name.clone().unwrap_or_default(),
                    WorldKey::Name(name) => name.clone(),
                };
                for func in iface.functions.values() {
                    if func.kind == FunctionKind::Freestanding {
                        out.push(Export {
                            interface: Some(resolve.name_world_key(key)),
                            func,
                            js_path: format!(
                                "__weldExports.{}.{}",
                                super::quickjs::lower_camel_case(&object),
                                super::quickjs::lower_camel_case(&func.name)
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The first function the world imports, by name, if it imports any.
fn imported_function<'r>(
    resolve: &'r Resolve,
    mut imports: impl Iterator<Item = (&'r WorldKey, &'r WorldItem)>,
) -> Option<String> {
    imports.find_map(|(key, item)| match item {
        WorldItem::Function(func) => Some(func.name.clone()),
        WorldItem::Interface { id, .. } => resolve.interfaces[*id]
            .functions
            .keys()
            .next()
            .map(|func| format!("{}.{func}", resolve.name_world_key(key))),
        WorldItem::Type { .. } => None,
    })
}

/// `call` (a test case's `<function>(<args>)`) as a JS call of the module's export.
fn call_statement(resolve: &Resolve, exports: &[Export<'_>], call: &str) -> Result<String, String> {
    let call = weld_call::split(call, false).map_err(|e| e.message.clone())?;
    let found = weld_call::matching(call.name(), exports, |e| {
        (e.interface.as_deref(), e.func.name.as_str())
    });
    let export = match found.as_slice() {
        [one] => *one,
        [] => return Err(format!("the stage exports no function `{}`", call.name())),
        _ => {
            return Err(format!(
                "`{}` names more than one export: write its interface",
                call.name()
            ));
        }
    };
    let types = export
        .func
        .params
        .iter()
        .map(|p| {
            wave_type(resolve, &p.ty).map_err(|u| {
                format!(
                    "`{}` cannot be an argument: it holds `{}`, and {}",
                    export.func.name,
                    type_name(resolve, &u.ty),
                    u.why
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let values = call.params::<Value>(&types).map_err(|e| {
        let params: Vec<String> = export
            .func
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, type_name(resolve, &p.ty)))
            .collect();
        format!(
            "the arguments do not fit `{}({})`: {}",
            export.func.name,
            params.join(", "),
            e.message
        )
    })?;
    let mut js = format!("{}(", export.js_path);
    for (i, (ty, value)) in types.iter().zip(&values).enumerate() {
        if i > 0 {
            js.push_str(", ");
        }
        write_js(&mut js, ty, value);
    }
    js.push(')');
    Ok(js)
}

/// Writes `value` (of type `ty`) as the JS value componentize-qjs gives an export.
fn write_js(out: &mut String, ty: &WaveType, value: &Value) {
    match ty.kind() {
        WasmTypeKind::Bool => out.push_str(if value.unwrap_bool() { "true" } else { "false" }),
        WasmTypeKind::S8 => push_display(out, value.unwrap_s8()),
        WasmTypeKind::S16 => push_display(out, value.unwrap_s16()),
        WasmTypeKind::S32 => push_display(out, value.unwrap_s32()),
        WasmTypeKind::S64 => push_display(out, value.unwrap_s64()),
        WasmTypeKind::U8 => push_display(out, value.unwrap_u8()),
        WasmTypeKind::U16 => push_display(out, value.unwrap_u16()),
        WasmTypeKind::U32 => push_display(out, value.unwrap_u32()),
        WasmTypeKind::U64 => push_display(out, value.unwrap_u64()),
        WasmTypeKind::F32 => push_number(out, f64::from(value.unwrap_f32())),
        WasmTypeKind::F64 => push_number(out, value.unwrap_f64()),
        WasmTypeKind::Char => push_string(out, &value.unwrap_char().to_string()),
        WasmTypeKind::String => push_string(out, &value.unwrap_string()),
        WasmTypeKind::List => {
            let element = ty.list_element_type().expect("a list type");
            let bytes = element.kind() == WasmTypeKind::U8;
            out.push_str(if bytes { "new Uint8Array([" } else { "[" });
            for (i, item) in value.unwrap_list().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_js(out, &element, &item);
            }
            out.push_str(if bytes { "])" } else { "]" });
        }
        WasmTypeKind::Tuple => {
            out.push('[');
            for (i, (item_ty, item)) in ty
                .tuple_element_types()
                .zip(value.unwrap_tuple())
                .enumerate()
            {
                if i > 0 {
                    out.push_str(", ");
                }
                write_js(out, &item_ty, &item);
            }
            out.push(']');
        }
        WasmTypeKind::Record => {
            out.push('{');
            for (i, ((name, field_ty), (_, field))) in
                ty.record_fields().zip(value.unwrap_record()).enumerate()
            {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", super::quickjs::lower_camel_case(&name));
                write_js(out, &field_ty, &field);
            }
            out.push('}');
        }
        WasmTypeKind::Variant => {
            let (case, payload) = value.unwrap_variant();
            let case_ty = ty
                .variant_cases()
                .find(|(name, _)| *name == case)
                .and_then(|(_, ty)| ty);
            write_tagged(out, &case, case_ty.as_ref().zip(payload.as_deref()));
        }
        WasmTypeKind::Enum => push_string(out, &value.unwrap_enum()),
        WasmTypeKind::Option => {
            let some_ty = ty.option_some_type().expect("an option type");
            // A nested option cannot be told apart by `undefined`: the outer one is tagged.
            let nested = some_ty.kind() == WasmTypeKind::Option;
            match (value.unwrap_option(), nested) {
                (None, false) => out.push_str("undefined"),
                (Some(inner), false) => write_js(out, &some_ty, &inner),
                (None, true) => write_tagged(out, "none", None),
                (Some(inner), true) => write_tagged(out, "some", Some((&some_ty, &inner))),
            }
        }
        WasmTypeKind::Result => {
            let (ok_ty, err_ty) = ty.result_types().expect("a result type");
            match value.unwrap_result() {
                Ok(v) => write_tagged(out, "ok", ok_ty.as_ref().zip(v.as_deref())),
                Err(v) => write_tagged(out, "err", err_ty.as_ref().zip(v.as_deref())),
            }
        }
        WasmTypeKind::Flags => {
            let set: Vec<Cow<'_, str>> = value.unwrap_flags().collect();
            out.push('{');
            for (i, name) in ty.flags_names().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(
                    out,
                    "{}: {}",
                    super::quickjs::lower_camel_case(&name),
                    set.contains(&name)
                );
            }
            out.push('}');
        }
        // `wave_type` makes no other kind.
        _ => out.push_str("undefined"),
    }
}

/// `{ tag: "<tag>", val: <payload> }`, without `val` when there is no payload.
fn write_tagged(out: &mut String, tag: &str, payload: Option<(&WaveType, &Value)>) {
    out.push_str("{ tag: ");
    push_string(out, tag);
    if let Some((ty, value)) = payload {
        out.push_str(", val: ");
        write_js(out, ty, value);
    }
    out.push_str(" }");
}

fn push_display(out: &mut String, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}

fn push_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // `{:?}` keeps the `-` of -0 and the digits that round-trip.
        let _ = write!(out, "{n:?}");
    }
}

/// A JS string literal: JSON's escapes are valid JS.
fn push_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::Value::String(text.to_string()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(wit: &str) -> (Resolve, wit_parser::WorldId) {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_str("test.wit", wit).unwrap();
        let world = resolve.select_world(&[pkg], Some("stage")).unwrap();
        (resolve, world)
    }

    fn statement(wit: &str, call: &str) -> Result<String, String> {
        let (resolve, world) = resolve(wit);
        let exports = exported_functions(&resolve, resolve.worlds[world].exports.iter());
        call_statement(&resolve, &exports, call)
    }

    const WIT: &str = r#"
        package demo:shapes;
        interface shapes {
            enum color { dark-red, blue }
            flags access { read, write-all }
            variant shape { circle(f64), dot }
            record item { sku-code: string, quantity: u32, tags: list<string>, color: color }
            shape-of: func(item: item, note: option<string>, nested: option<option<u8>>) -> string;
            bits: func(bytes: list<u8>, pair: tuple<s64, char>, access: access, shape: shape, r: result<u32, string>) -> u32;
        }
        world stage {
            export shapes;
            export total: func(n: u64) -> u64;
        }
    "#;

    #[test]
    fn records_options_and_enums_are_written_as_componentize_qjs_passes_them() {
        let js = statement(
            WIT,
            r#"demo:shapes/shapes.shape-of({sku-code: "A\"1", quantity: 2, tags: ["x"], color: dark-red}, none, some(none))"#,
        )
        .unwrap();
        assert_eq!(
            js,
            r#"__weldExports.shapes.shapeOf({skuCode: "A\"1", quantity: 2, tags: ["x"], color: "dark-red"}, undefined, { tag: "some", val: undefined })"#
        );
    }

    #[test]
    fn bytes_tuples_flags_variants_and_results() {
        let js = statement(
            WIT,
            r#"demo:shapes/shapes.bits([1, 2], (-3, 'é'), {write-all}, circle(1.5), err("no"))"#,
        )
        .unwrap();
        assert_eq!(
            js,
            r#"__weldExports.shapes.bits(new Uint8Array([1, 2]), [-3, "é"], {read: false, writeAll: true}, { tag: "circle", val: 1.5 }, { tag: "err", val: "no" })"#
        );
    }

    #[test]
    fn a_function_the_world_exports_itself_is_called_by_its_name() {
        assert_eq!(
            statement(WIT, "total(7)").unwrap(),
            "__weldExports.total(7)"
        );
    }

    #[test]
    fn a_call_that_does_not_fit_says_why() {
        let e = statement(WIT, "total(\"seven\")").unwrap_err();
        assert!(e.contains("do not fit `total(n: u64)`"), "{e}");
        let e = statement(WIT, "missing(1)").unwrap_err();
        assert!(e.contains("exports no function `missing`"), "{e}");
    }

    #[test]
    fn an_imported_function_is_named() {
        let (resolve, world) = resolve(
            r#"
            package demo:imp;
            interface clock { now: func() -> u64; }
            interface types { type id = u32; }
            world stage { import types; import clock; export run: func(); }
            "#,
        );
        let found = imported_function(&resolve, resolve.worlds[world].imports.iter());
        assert_eq!(found.as_deref(), Some("demo:imp/clock.now"));
    }
}
