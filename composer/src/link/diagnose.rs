//! Turns a [`LinkError`] into a diagnostic a person can act on: the stages and names
//! involved, the line of `pipeline.yaml` that decided them, and what to do.
//!
//! The checks before linking (wiring, types, exported types) are meant to leave nothing
//! for wac to refuse; this is the net under them, so even a case they miss is reported
//! with stage names and a position rather than as wac's raw validation chain.

use wac_graph::{EncodeError, ExportError, InstantiationArgumentError};

use super::LinkError;
use crate::{diagnostic::Diagnostic, manifest::Manifest, wiring::Wiring};

/// The diagnostic for `error`, which happened linking `manifest` with `wiring`.
pub fn diagnose(manifest: &Manifest, wiring: &Wiring, error: &LinkError) -> Diagnostic {
    let src = &manifest.source;
    match error {
        LinkError::Connect {
            importer,
            import,
            exporter,
            export,
            source,
        } => {
            let span = wiring
                .wires
                .iter()
                .find(|w| &w.importer == importer && &w.import == import)
                .and_then(|w| w.span(manifest));
            let mut d = Diagnostic::error(format!(
                "import `{import}` of stage `{importer}` cannot be linked to export `{export}` of stage `{exporter}`"
            ))
            .at_opt(src, span, "");
            let reason = causes(source);
            if reason.contains("resource types are not the same") {
                d = d
                    .note(format!(
                        "a resource in `{import}` is not the same resource as the one `{importer}` gets through its other imports: a resource is only equal to itself, so every interface that uses it must come from the stage that defines it"
                    ))
                    .help(format!(
                        "wire `{importer}`'s imports of the interfaces defining the resource to the same stage `{exporter}` takes them from (under `stages.{importer}.imports`)"
                    ));
            } else if let InstantiationArgumentError::ArgumentTypeMismatch { .. } = source {
                d = d.note(reason).help(format!(
                    "make both stages use the same WIT interface, or wire `{import}` to a stage with a matching export"
                ));
            } else {
                d = d.note(reason);
            }
            d
        }
        LinkError::Guard(e) => {
            let stage = match e {
                crate::guard::GuardError::Decode { stage, .. }
                | crate::guard::GuardError::Unsupported { stage, .. }
                | crate::guard::GuardError::Encode { stage, .. } => stage.as_str(),
            };
            Diagnostic::error(e.to_string())
                .at_opt(src, manifest.key_span(&["stages", stage, "grants"]).or_else(|| manifest.key_span(&["stages", stage])), "")
                .note(causes(error))
                .help("grant the whole interface (`grants: { host: [...] }`, `env: \"*\"`, `http: \"*\"`) to pass it to the host unguarded")
        }
        LinkError::AddGuard(_) | LinkError::Types { .. } => {
            Diagnostic::error(error.to_string()).note(causes(error))
        }
        LinkError::PlaceGuard { stage, .. } => Diagnostic::error(error.to_string())
            .at_opt(src, manifest.key_span(&["stages", stage.as_str()]), "")
            .note(causes(error)),
        LinkError::Alias { stage, export, .. } => {
            Diagnostic::error(format!("stage `{stage}` has no export `{export}` to link"))
                .at_opt(src, manifest.key_span(&["stages", stage.as_str()]), "")
                .note(causes(error))
        }
        LinkError::Export {
            name,
            stage,
            source,
        } => {
            let span = crate::wiring::export_span(manifest, name);
            let d = Diagnostic::error(format!("`{name}` cannot be exported from stage `{stage}`"))
                .at_opt(src, span, "");
            match source {
                ExportError::ExportAlreadyExists { .. } => d
                    .note(format!("the artifact already has an export named `{name}`"))
                    .help("give each export under `exports:` its own name"),
                ExportError::InvalidExportName { .. } => d.note(causes(source)).help(
                    "an export name is an interface name (`ns:pkg/iface`, optionally `@version`) or a kebab-case plain name",
                ),
            }
        }
        LinkError::Encode(
            EncodeError::ImplicitImportConflict { name: import, .. }
            | EncodeError::ImportTypeMergeConflict { import, .. },
        ) => {
            let stages: Vec<String> = wiring
                .host_imports
                .iter()
                .filter(|h| {
                    crate::manifest::unversioned(&h.name) == crate::manifest::unversioned(import)
                })
                .map(|h| format!("`{}` ({})", h.stage, h.name))
                .collect();
            let first = wiring.host_imports.iter().find(|h| {
                crate::manifest::unversioned(&h.name) == crate::manifest::unversioned(import)
            });
            Diagnostic::error(format!(
                "stages import `{import}` from the host with types that cannot be merged into one import"
            ))
            .at_opt(
                src,
                first.and_then(|h| manifest.key_span(&["stages", h.stage.as_str()])),
                "",
            )
            .note(format!("imported by {}", stages.join(", ")))
            .note(causes(error))
            .help("the artifact can import an interface only once: make these stages use the same version of its WIT, or wire one of them to a stage that adapts it")
        }
        LinkError::Encode(EncodeError::GraphContainsCycle { .. }) => Diagnostic::error(
            "the stages import from each other in a cycle",
        )
        .note(causes(error))
        .help(
            "run `weld graph` to see the wiring; break the cycle with an explicit `imports:` entry",
        ),
        LinkError::Encode(EncodeError::ValidationFailure { source }) => {
            let exports: Vec<String> = wiring
                .exports
                .iter()
                .map(|e| format!("`{}` from `{}`", e.name, e.stage))
                .collect();
            Diagnostic::error("linking the pipeline produced an invalid component")
                .at_opt(src, manifest.key_span(&["exports"]), "")
                .note(format!("the validator says: {}", clean(&source.to_string())))
                .note(format!("the artifact exports {}", exports.join(", ")))
                .help("Weld's checks should have caught this: please report it with the pipeline; `weld graph` shows the wiring")
        }
    }
}

/// An error's chain as one line, without the arena ids wac prints in debug form.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(e) = next {
        parts.push(clean(&e.to_string()));
        next = e.source();
    }
    parts.join(": ")
}

/// `resource types are not the same (ResourceId { ... })` -> `resource types are not the same`.
fn clean(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find(" (ResourceId") {
        let end = out[start..].find("})").map_or(out.len(), |i| start + i + 2);
        out.replace_range(start..end, "");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn arena_ids_are_left_out() {
        assert_eq!(
            super::clean(
                "resource types are not the same (ResourceId { globally_unique_id: 3, contextually_unique_id: 1 })"
            ),
            "resource types are not the same"
        );
    }
}
