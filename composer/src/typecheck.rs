//! Checks every wire's types before linking, collecting every problem.
//!
//! An export can satisfy an import when its type is a subtype of the import's (it may
//! offer more functions, never different ones). wac's subtype checker does the
//! comparison; this module turns its chain of contexts into one line a person reads:
//! `function `apply`, parameter `input`: expected string, found list<u8>`.

mod wit_text;

use std::collections::HashSet;

use wac_graph::types::{DefinedType, ItemKind, SubtypeChecker, Types, ValueType};

use self::wit_text::TypeNames;

use crate::{
    contract::Contracts,
    diagnostic::{Diagnostic, Diagnostics},
    manifest::Manifest,
    wiring::Wiring,
};

/// Checks every wire and every artifact export; errors name both ends of the wire and
/// the first item that differs.
pub fn check(
    manifest: &Manifest,
    contracts: &Contracts,
    wiring: &Wiring,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut cache = HashSet::new();
    let types = contracts.graph.types();

    for wire in &wiring.wires {
        let import = contracts.imports(&wire.importer)[&wire.import];
        let export = contracts.exports(&wire.exporter)[&wire.export];
        let mut checker = SubtypeChecker::new(&mut cache);
        if let Err(e) = checker.is_subtype(export, types, import, types) {
            let detail = describe(&e, import, export, contracts);
            let importer = wire.importer.as_str();
            let span = wire.span(manifest);
            diags.push(
                Diagnostic::error(format!(
                    "import `{}` of stage `{importer}` does not match export `{}` of stage `{}`",
                    wire.import, wire.export, wire.exporter
                ))
                .at_opt(&manifest.source, span, "")
                .note(detail)
                .help(format!(
                    "make both stages use the same WIT interface, or wire `{}` to a stage with a matching export",
                    wire.import
                )),
            );
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Flattens the checker's context chain into `function `f`, parameter `p`: expected ..`.
fn describe(
    e: &anyhow::Error,
    import: ItemKind,
    export: ItemKind,
    contracts: &Contracts,
) -> String {
    let types = contracts.graph.types();
    describe_in(
        e,
        Sides {
            expected: import,
            expected_types: types,
            found: export,
            found_types: types,
        },
    )
}

/// Joins the checker's contexts into one line; `kind_of` names the kind of a top-level
/// item of the expected interface (`function`, `type`).
fn flatten(messages: &[String], kind_of: impl Fn(&str) -> Option<&'static str>) -> String {
    let (last, path) = messages.split_last().expect("an error has a message");
    let mut parts = Vec::new();
    for (i, m) in path.iter().enumerate() {
        let part = if let Some(name) = strip(m, "mismatched type for export ") {
            let kind = if i == 0 {
                kind_of(name.trim_matches('`'))
            } else {
                None
            };
            format!("{} {name}", kind.unwrap_or("item"))
        } else if let Some(p) = strip(m, "mismatched type for function parameter ") {
            format!("parameter {p}")
        } else if m == "mismatched type for function result" {
            "result".to_string()
        } else if let Some(case) = strip(m, "mismatched type for result ") {
            format!("{case} value")
        } else if let Some(rest) = strip(m, "mismatched type for ") {
            rest.to_string()
        } else {
            m.clone()
        };
        parts.push(part);
    }
    if parts.is_empty() {
        last.clone()
    } else {
        format!("{}: {last}", parts.join(", "))
    }
}

fn strip<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)
}

/// Checks that each built source stage matches the world it declares: every export of
/// the world is there with the same types, and every non-WASI import is one the world
/// declares. A mismatch is reported here rather than as a link failure later.
pub fn check_conformance(
    manifest: &Manifest,
    declared: &Contracts,
    built: &Contracts,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut cache = HashSet::new();
    let (wt, bt) = (declared.graph.types(), built.graph.types());
    for stage in manifest
        .stages
        .values()
        .filter(|s| s.lang != crate::manifest::Lang::Wasm)
    {
        let name = stage.name.as_str();
        let world = stage.world.as_deref().unwrap_or_default();
        let mut problems = Vec::new();
        let built_exports = built.exports(&stage.name);
        for (export, want) in declared.exports(&stage.name) {
            match built_exports.get(export) {
                None => problems.push(format!("missing export `{export}`")),
                Some(have) => {
                    if let Err(e) = SubtypeChecker::new(&mut cache).is_subtype(*have, bt, *want, wt)
                    {
                        problems.push(format!(
                            "export `{export}`: {}",
                            describe_in(
                                &e,
                                Sides {
                                    expected: *want,
                                    expected_types: wt,
                                    found: *have,
                                    found_types: bt,
                                }
                            )
                        ));
                    }
                }
            }
        }
        let declared_imports = declared.imports(&stage.name);
        for (import, need) in built.imports(&stage.name) {
            match declared_imports.get(import) {
                Some(given) => {
                    if let Err(e) =
                        SubtypeChecker::new(&mut cache).is_subtype(*given, wt, *need, bt)
                    {
                        problems.push(format!(
                            "import `{import}`: {}",
                            describe_in(
                                &e,
                                Sides {
                                    expected: *need,
                                    expected_types: bt,
                                    found: *given,
                                    found_types: wt,
                                }
                            )
                        ));
                    }
                }
                None if crate::manifest::unversioned(import).starts_with("wasi:") => {}
                None => problems.push(format!(
                    "imports `{import}`, which the world does not declare"
                )),
            }
        }
        if !problems.is_empty() {
            let mut d = Diagnostic::error(format!(
                "stage `{name}` ({}) does not match its world `{world}`",
                stage.lang
            ))
            .at_opt(
                &manifest.source,
                manifest.value_span(&["stages", name, "world"]),
                "declared here",
            );
            for p in problems {
                d = d.note(p);
            }
            diags.push(d.help("implement the world as declared in the WIT, or change `world:` to the one the stage implements"));
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

fn describe_in(e: &anyhow::Error, sides: Sides<'_>) -> String {
    let messages: Vec<String> = e.chain().map(ToString::to_string).collect();
    let line = flatten(&messages, |name| match sides.expected {
        ItemKind::Instance(id) => sides.expected_types[id]
            .exports
            .get(name)
            .map(|k| k.desc(sides.expected_types)),
        _ => None,
    });
    // The checker names only the outer kind (`found list`); for a parameter or
    // result that differs, print both types in full (`found list<u8>`).
    match full_types(&messages, &sides) {
        Some((expected, found)) if expected != found => {
            let last = messages.last().expect("an error has a message");
            match line.strip_suffix(last.as_str()) {
                Some(path) => format!("{path}expected {expected}, found {found}"),
                None => line,
            }
        }
        _ => line,
    }
}

/// The two sides of a failed subtype check: what was expected and what was found.
#[derive(Clone, Copy)]
struct Sides<'a> {
    expected: ItemKind,
    expected_types: &'a Types,
    found: ItemKind,
    found_types: &'a Types,
}

/// When the mismatch is in a function's parameter or result, the two types where they
/// differ, as WIT text: the checker's path is followed down through lists, options,
/// results, tuples and record fields.
fn full_types(messages: &[String], sides: &Sides<'_>) -> Option<(String, String)> {
    let [export, item, inner @ .., last] = messages else {
        return None;
    };
    if !last.starts_with("expected ") {
        return None;
    }
    let func = strip(export, "mismatched type for export ")?.trim_matches('`');
    let param = match strip(item, "mismatched type for function parameter ") {
        Some(p) => Some(p.trim_matches('`')),
        None if item == "mismatched type for function result" => None,
        None => return None,
    };
    let side = |kind: ItemKind, types: &Types| -> Option<String> {
        let ItemKind::Instance(interface) = kind else {
            return None;
        };
        let ItemKind::Func(f) = types[interface].exports.get(func)? else {
            return None;
        };
        let mut ty = match param {
            Some(p) => *types[*f].params.get(p)?,
            None => types[*f].result?,
        };
        for step in inner {
            ty = descend(ty, step, types)?;
        }
        Some(TypeNames::of(interface, types).text(ty, types))
    };
    Some((
        side(sides.expected, sides.expected_types)?,
        side(sides.found, sides.found_types)?,
    ))
}

/// The part of `ty` one step of the checker's path (`mismatched type for list
/// element`) names.
fn descend(ty: ValueType, step: &str, types: &Types) -> Option<ValueType> {
    let ValueType::Defined(mut id) = ty else {
        return None;
    };
    while let DefinedType::Alias(ValueType::Defined(next)) = &types[id] {
        id = *next;
    }
    let step = strip(step, "mismatched type for ")?;
    match &types[id] {
        DefinedType::List(t) if step == "list element" => Some(*t),
        DefinedType::Option(t) if step == "option" => Some(*t),
        DefinedType::Result { ok, .. } if step == "result `ok`" => *ok,
        DefinedType::Result { err, .. } if step == "result `err`" => *err,
        DefinedType::Tuple(items) => items
            .get(step.strip_prefix("tuple item ")?.parse::<usize>().ok()?)
            .copied(),
        DefinedType::Record(record) => record
            .fields
            .get(step.strip_prefix("record field ")?.trim_matches('`'))
            .copied(),
        _ => None,
    }
}
