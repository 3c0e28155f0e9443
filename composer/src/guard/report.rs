//! What `weld check` says about grants: the capability table, the artifact's host
//! imports, and warnings for grants a stage never uses.

use std::fmt::Write as _;

use super::Capability;
use crate::{
    diagnostic::Diagnostic,
    manifest::{Manifest, StageGrants, StageName, unversioned},
    wiring::Wiring,
};

/// The table's columns: every capability an import can carry (arguments come with
/// `wasi:cli/environment`, so they share its column).
const COLUMNS: [Capability; 6] = [
    Capability::Env,
    Capability::Files,
    Capability::Http,
    Capability::Network,
    Capability::Config,
    Capability::Host,
];

/// One cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The stage imports it and the pipeline grants it (perhaps in part).
    Granted,
    /// The stage imports it; nothing is granted, so the guard refuses it.
    Denied,
    /// The stage does not import it.
    NotUsed,
}

/// Whether `grants` give anything of `capability`.
fn is_granted(grants: &StageGrants, capability: Capability) -> bool {
    match capability {
        Capability::Env | Capability::Args => !grants.env.is_empty() || grants.args,
        Capability::Files => !grants.files.is_empty(),
        Capability::Http => !grants.http.is_empty(),
        Capability::Network => grants.network,
        Capability::Config => !grants.config.is_empty(),
        Capability::Host => !grants.host.is_empty(),
    }
}

/// The host imports of `stage` that carry `capability`, unversioned.
fn imports_of<'a>(wiring: &'a Wiring, stage: &StageName, capability: Capability) -> Vec<&'a str> {
    wiring
        .host_imports
        .iter()
        .filter(|h| {
            // An interface of types only carries no capability.
            &h.stage == stage
                && h.origin != crate::wiring::HostOrigin::Types
                && super::capability_of(unversioned(&h.name)) == Some(capability)
        })
        .map(|h| h.name.as_str())
        .collect()
}

/// The table: per stage and capability, granted, denied or not used. A capability is
/// denied when the stage's guard refuses every import of it.
pub fn table(manifest: &Manifest, wiring: &Wiring) -> Vec<(StageName, Vec<Access>)> {
    manifest
        .stages
        .values()
        .map(|stage| {
            let plan = super::StagePlan::of(stage, wiring);
            let row = COLUMNS
                .iter()
                .map(|&c| {
                    let imports = imports_of(wiring, &stage.name, c);
                    let refused =
                        |i: &&str| matches!(plan.guarded.get(*i), Some(super::Guarded::Deny(_)));
                    if imports.is_empty() {
                        Access::NotUsed
                    } else if imports.iter().all(refused) {
                        Access::Denied
                    } else {
                        Access::Granted
                    }
                })
                .collect();
            (stage.name.clone(), row)
        })
        .collect()
}

/// The table as `weld check` prints it, with each stage's grants spelled out.
pub fn render(manifest: &Manifest, wiring: &Wiring) -> String {
    let mut out = String::new();
    let rows = table(manifest, wiring);
    let width = rows
        .iter()
        .map(|(s, _)| s.as_str().len())
        .max()
        .unwrap_or(0)
        .max("stage".len());
    let mut line = format!("  {:width$}", "stage");
    for c in COLUMNS {
        let _ = write!(line, "  {:8}", c.label());
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for (stage, row) in &rows {
        let mut line = format!("  {:width$}", stage.as_str());
        for access in row {
            let word = match access {
                Access::Granted => "granted",
                Access::Denied => "denied",
                Access::NotUsed => "-",
            };
            let _ = write!(line, "  {word:8}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    for stage in manifest.stages.values() {
        let details = describe(&stage.grants);
        if !details.is_empty() {
            let _ = writeln!(out, "  {}: {}", stage.name, details.join("; "));
        }
    }
    out
}

/// A stage's grants in words: `env PROBE_VISIBLE`, `files /data (read-only)`, ...
fn describe(g: &StageGrants) -> Vec<String> {
    let mut out = Vec::new();
    if !g.env.is_empty() {
        out.push(format!("env {}", g.env.join(", ")));
    }
    if g.args {
        out.push("args".to_string());
    }
    for f in &g.files {
        let mode = if f.read_only {
            "read-only"
        } else {
            "read-write"
        };
        let host = f
            .host
            .as_deref()
            .map(|h| format!(" from {h}"))
            .unwrap_or_default();
        out.push(format!("files {} ({mode}){host}", f.guest));
    }
    if !g.http.is_empty() {
        out.push(format!("http {}", g.http.join(", ")));
    }
    if g.network {
        out.push("network".to_string());
    }
    if !g.config.is_empty() {
        let keys: Vec<String> = g
            .config
            .iter()
            .map(|k| match (&k.default, k.secret) {
                (_, true) => format!("{} (secret)", k.key),
                (Some(_), _) => format!("{} (default)", k.key),
                (None, _) => format!("{} (required)", k.key),
            })
            .collect();
        out.push(format!("config {}", keys.join(", ")));
    }
    if !g.host.is_empty() {
        out.push(format!("host {}", g.host.join(", ")));
    }
    out
}

/// Warnings for grants of capabilities a stage never imports. Only meaningful for
/// built stages: a declared world does not list what a language runtime imports.
pub fn unused_grants(manifest: &Manifest, wiring: &Wiring) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (stage, row) in table(manifest, wiring) {
        let grants = &manifest.stages[&stage].grants;
        for (c, access) in COLUMNS.iter().zip(row) {
            // `host:` names interfaces; checked one by one below.
            if *c == Capability::Host || access != Access::NotUsed || !is_granted(grants, *c) {
                continue;
            }
            let (path, what) = match c {
                Capability::Config => (
                    vec!["stages", stage.as_str(), "config"],
                    "configuration keys",
                ),
                _ => (
                    vec!["stages", stage.as_str(), "grants", c.label()],
                    c.label(),
                ),
            };
            out.push(
                Diagnostic::warning(format!(
                    "stage `{stage}` is granted {what} but never uses {}",
                    interface_of(*c)
                ))
                .at_opt(&manifest.source, manifest.key_span(&path), "granted here")
                .help("remove the grant: a stage should hold only what it uses"),
            );
        }
        for host in &grants.host {
            let imports = imports_of(wiring, &stage, Capability::Host);
            if !imports.iter().any(|i| unversioned(i) == host) {
                out.push(
                    Diagnostic::warning(format!(
                        "stage `{stage}` is granted the host interface `{host}` but does not import it"
                    ))
                    .at_opt(
                        &manifest.source,
                        manifest.key_span(&["stages", stage.as_str(), "grants", "host"]),
                        "granted here",
                    )
                    .help("remove it from `host:`"),
                );
            }
        }
    }
    out
}

fn interface_of(c: Capability) -> &'static str {
    match c {
        Capability::Env | Capability::Args => "`wasi:cli/environment`",
        Capability::Files => "`wasi:filesystem`",
        Capability::Http => "`wasi:http/outgoing-handler`",
        Capability::Network => "`wasi:sockets`",
        Capability::Config => "`wasi:config/store`",
        Capability::Host => "it",
    }
}

/// The top-level imports of a component: what a host must provide to run it.
pub fn component_imports(component: &[u8]) -> Vec<String> {
    top_level_names(component, true)
}

/// The top-level exports of a component.
pub fn component_exports(component: &[u8]) -> Vec<String> {
    top_level_names(component, false)
}

/// The import (or export) names of `component` itself, not of what it nests.
fn top_level_names(component: &[u8], imports: bool) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(payloads) = crate::component::top_level_payloads(component) else {
        return out;
    };
    for payload in payloads {
        match payload {
            wasmparser::Payload::ComponentImportSection(reader) if imports => {
                out.extend(
                    reader
                        .into_iter()
                        .flatten()
                        .map(|i| i.name.name.to_string()),
                );
            }
            wasmparser::Payload::ComponentExportSection(reader) if !imports => {
                out.extend(
                    reader
                        .into_iter()
                        .flatten()
                        .map(|e| e.name.name.to_string()),
                );
            }
            _ => {}
        }
    }
    out
}
