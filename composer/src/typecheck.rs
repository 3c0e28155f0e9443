//! Checks every wire's types before linking, collecting every problem.
//!
//! An export can satisfy an import when its type is a subtype of the import's (it may
//! offer more functions, never different ones). wac's subtype checker does the
//! comparison; this module turns its chain of contexts into one line a person reads:
//! `function `apply`, parameter `input`: expected string, found list<u8>`.

use std::collections::HashSet;

use wac_graph::types::{ItemKind, SubtypeChecker};

use crate::{
    contract::Contracts,
    diagnostic::{Diagnostic, Diagnostics},
    manifest::Manifest,
    wiring::{WireOrigin, Wiring},
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
            let detail = describe(&e, import, contracts);
            let importer = wire.importer.as_str();
            let span = match wire.origin {
                WireOrigin::Explicit => manifest.stages[&wire.importer]
                    .imports
                    .keys()
                    .find(|k| crate::manifest::names_match(k, &wire.import))
                    .and_then(|k| manifest.key_span(&["stages", importer, "imports", k])),
                WireOrigin::Auto => manifest.key_span(&["stages", importer]),
            };
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
fn describe(e: &anyhow::Error, import: ItemKind, contracts: &Contracts) -> String {
    let types = contracts.graph.types();
    let messages: Vec<String> = e.chain().map(ToString::to_string).collect();
    let (last, path) = messages.split_last().expect("an error has a message");
    let mut parts = Vec::new();
    for (i, m) in path.iter().enumerate() {
        let part = if let Some(name) = strip(m, "mismatched type for export ") {
            // The first step names an item of the imported interface: say what it is.
            let kind = match import {
                ItemKind::Instance(id) if i == 0 => types[id]
                    .exports
                    .get(name.trim_matches('`'))
                    .map(|k| k.desc(types)),
                _ => None,
            };
            format!("{} {name}", kind.unwrap_or("item"))
        } else if let Some(p) = strip(m, "mismatched type for function parameter ") {
            format!("parameter {p}")
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
