//! Which export satisfies each import.
//!
//! Explicit `imports:` entries win. Otherwise an import whose name another stage exports
//! is wired to it when exactly one stage does; several is an error listing them. An
//! import nobody exports goes to the host when it is a WASI interface (versions are
//! merged at link time) or listed in `host-imports`; anything else is an error. The
//! result says, per import, where it comes from, and which exports the artifact has.

use indexmap::{IndexMap, IndexSet};

use crate::{
    contract::Contracts,
    diagnostic::{Diagnostic, Diagnostics, did_you_mean},
    manifest::{Manifest, StageName, Target, names_match, unversioned},
};

/// How a wire came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireOrigin {
    /// Written in the stage's `imports:`.
    Explicit,
    /// Found by name: the only stage exporting the import's name.
    Auto,
}

/// An import of one stage satisfied by an export of another.
#[derive(Debug, Clone)]
pub struct Wire {
    /// The stage that imports.
    pub importer: StageName,
    /// The import's name, exactly as the importer declares it.
    pub import: String,
    /// The stage that exports.
    pub exporter: StageName,
    /// The export's name, exactly as the exporter declares it.
    pub export: String,
    /// Explicit or automatic.
    pub origin: WireOrigin,
}

/// An import left for the host to provide.
#[derive(Debug, Clone)]
pub struct HostImport {
    /// The stage that imports it.
    pub stage: StageName,
    /// The import's name.
    pub name: String,
    /// Whether it is listed in `host-imports` (otherwise it is a WASI interface).
    pub declared: bool,
}

/// An export of the composed component.
#[derive(Debug, Clone)]
pub struct ArtifactExport {
    /// The name it is exported under.
    pub name: String,
    /// The stage it comes from.
    pub stage: StageName,
    /// The stage's export.
    pub export: String,
}

/// The resolved wiring of a whole pipeline.
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    /// Stage-to-stage wires, in manifest order of the importers.
    pub wires: Vec<Wire>,
    /// Imports passed through to the host.
    pub host_imports: Vec<HostImport>,
    /// The artifact's exports, in manifest order.
    pub exports: Vec<ArtifactExport>,
    /// Things worth knowing that do not stop the build.
    pub warnings: Vec<Diagnostic>,
}

impl Wiring {
    /// The host imports merged to one per interface, keeping the highest version, each
    /// with the stages that need it.
    pub fn merged_host_imports(&self) -> IndexMap<String, (bool, IndexSet<StageName>)> {
        let mut merged: IndexMap<String, (String, bool, IndexSet<StageName>)> = IndexMap::new();
        for h in &self.host_imports {
            let entry = merged
                .entry(unversioned(&h.name).to_string())
                .or_insert_with(|| (h.name.clone(), h.declared, IndexSet::new()));
            if version_of(&h.name) > version_of(&entry.0) {
                entry.0 = h.name.clone();
            }
            entry.2.insert(h.stage.clone());
        }
        let mut out: IndexMap<_, _> = merged.into_values().map(|(n, d, s)| (n, (d, s))).collect();
        out.sort_keys();
        out
    }
}

fn version_of(name: &str) -> Option<semver::Version> {
    let at = name.rfind('@')?;
    semver::Version::parse(&name[at + 1..]).ok()
}

/// Resolves every import of every stage and every artifact export.
pub fn resolve(manifest: &Manifest, contracts: &Contracts) -> Result<Wiring, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut wiring = Wiring::default();
    let src = &manifest.source;
    let stage_names: Vec<&str> = manifest.stages.keys().map(StageName::as_str).collect();
    let mut used_host_imports = IndexSet::new();

    for stage in manifest.stages.values() {
        let name = stage.name.as_str();
        let imports = contracts.imports(&stage.name);

        // Explicit entries that name no import of this stage are mistakes.
        for key in stage.imports.keys() {
            if !imports.keys().any(|i| names_match(key, i)) {
                let mut d =
                    Diagnostic::error(format!("stage `{name}` has no import named `{key}`"))
                        .at_opt(
                            src,
                            manifest.key_span(&["stages", name, "imports", key]),
                            "not an import of this stage",
                        );
                d = match did_you_mean(key, imports.keys().map(String::as_str)) {
                    Some(s) => d.help(s),
                    None if imports.is_empty() => d.note(format!("stage `{name}` imports nothing")),
                    None => d.note(format!("its imports: {}", backticked(imports.keys()))),
                };
                diags.push(d);
            }
        }

        for import in imports.keys() {
            let explicit = stage.imports.iter().find(|(k, _)| names_match(k, import));
            if let Some((key, target)) = explicit {
                let path = ["stages", name, "imports", key.as_str()];
                match resolve_target(manifest, contracts, target, import, &path, &stage_names) {
                    Ok(export) if target.stage == stage.name => diags.push(
                        Diagnostic::error(format!("import `{import}` of stage `{name}` is wired to the stage itself"))
                            .at_opt(src, manifest.target_stage_span(&path), "a stage cannot satisfy its own import")
                            .note(format!("`{name}` exports `{export}`, but a component cannot be instantiated with its own exports"))
                            .help("wire the import to another stage"),
                    ),
                    Ok(export) => wiring.wires.push(Wire {
                        importer: stage.name.clone(),
                        import: import.clone(),
                        exporter: target.stage.clone(),
                        export,
                        origin: WireOrigin::Explicit,
                    }),
                    Err(d) => diags.push(d),
                }
                continue;
            }

            let candidates: Vec<(&StageName, &String)> = manifest
                .stages
                .keys()
                .filter(|other| *other != &stage.name)
                .filter_map(|other| {
                    contracts
                        .exports(other)
                        .get_key_value(import)
                        .map(|(e, _)| (other, e))
                })
                .collect();
            match candidates.as_slice() {
                [(exporter, export)] => wiring.wires.push(Wire {
                    importer: stage.name.clone(),
                    import: import.clone(),
                    exporter: (*exporter).clone(),
                    export: (*export).clone(),
                    origin: WireOrigin::Auto,
                }),
                [] => {
                    let declared = manifest
                        .host_imports
                        .iter()
                        .find(|h| names_match(h, import));
                    if let Some(h) = declared {
                        used_host_imports.insert(h.clone());
                    }
                    if declared.is_some() || unversioned(import).starts_with("wasi:") {
                        wiring.host_imports.push(HostImport {
                            stage: stage.name.clone(),
                            name: import.clone(),
                            declared: declared.is_some(),
                        });
                    } else {
                        diags.push(
                            Diagnostic::error(format!("import `{import}` of stage `{name}` is not satisfied"))
                                .at_opt(src, manifest.key_span(&["stages", name]), "")
                                .note(format!("no other stage exports `{import}`"))
                                .help(format!(
                                    "wire it under `stages.{name}.imports` (`{import}: <stage>` or `{{ stage: <stage>, export: <export> }}`), or list it in `host-imports` to leave it to the host"
                                )),
                        );
                    }
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|(s, _)| s.as_str()).collect();
                    diags.push(
                        Diagnostic::error(format!(
                            "import `{import}` of stage `{name}` is ambiguous"
                        ))
                        .at_opt(src, manifest.key_span(&["stages", name]), "")
                        .note(format!(
                            "it is exported by stages {}",
                            backticked(names.iter())
                        ))
                        .help(format!(
                            "pick one: under `stages.{name}.imports`, add `{import}: {}`",
                            names[0]
                        )),
                    );
                }
            }
        }
    }

    for (i, h) in manifest.host_imports.iter().enumerate() {
        if !used_host_imports.contains(h) {
            let index = i.to_string();
            diags.push(
                Diagnostic::warning(format!("host import `{h}` is not imported by any stage"))
                    .at_opt(
                        src,
                        manifest.value_span(&["host-imports", &index]),
                        "unused",
                    )
                    .help("remove it from `host-imports`"),
            );
        }
    }

    for (name, target) in &manifest.exports {
        let path = ["exports", name.as_str()];
        match resolve_target(manifest, contracts, target, name, &path, &stage_names) {
            Ok(export) => {
                // A short entry without a version exports under the stage's full name,
                // so hosts looking for e.g. `wasi:http/incoming-handler@0.2.6` find it.
                let exported_as = if target.export.is_none() {
                    export.clone()
                } else {
                    name.clone()
                };
                wiring.exports.push(ArtifactExport {
                    name: exported_as,
                    stage: target.stage.clone(),
                    export,
                });
            }
            Err(d) => diags.push(d),
        }
    }

    if diags.has_errors() {
        Err(diags)
    } else {
        wiring.warnings = diags.0;
        Ok(wiring)
    }
}

/// Finds the export a `target` entry at `path` refers to; `wanted` is the import or
/// export name the entry is for (used by the short form).
fn resolve_target(
    manifest: &Manifest,
    contracts: &Contracts,
    target: &Target,
    wanted: &str,
    path: &[&str],
    stage_names: &[&str],
) -> Result<String, Diagnostic> {
    let src = &manifest.source;
    let stage = target.stage.as_str();
    if !manifest.stages.contains_key(&target.stage) {
        let d = Diagnostic::error(format!("no stage named `{stage}`")).at_opt(
            src,
            manifest.target_stage_span(path),
            "unknown stage",
        );
        return Err(match did_you_mean(stage, stage_names.iter().copied()) {
            Some(s) => d.help(s),
            None => d.note(format!("the stages are {}", backticked(stage_names.iter()))),
        });
    }
    let exports = contracts.exports(&target.stage);
    let wanted_export = target.export.as_deref().unwrap_or(wanted);
    if let Some(found) = exports.keys().find(|e| names_match(wanted_export, e)) {
        return Ok(found.clone());
    }
    let mut value_path = path.to_vec();
    value_path.push("export");
    let span = manifest
        .value_span(&value_path)
        .or_else(|| manifest.value_span(path));
    let mut d = Diagnostic::error(format!("stage `{stage}` does not export `{wanted_export}`"))
        .at_opt(src, span, "not exported by this stage");
    d = if exports.is_empty() {
        d.note(format!("stage `{stage}` exports nothing"))
    } else {
        d.note(format!(
            "stage `{stage}` exports {}",
            backticked(exports.keys())
        ))
    };
    if target.export.is_none() {
        d = d.help(format!(
            "to use an export with another name, write `{{ stage: {stage}, export: <name> }}`"
        ));
    } else if let Some(s) = did_you_mean(wanted_export, exports.keys().map(String::as_str)) {
        d = d.help(s);
    }
    Err(d)
}

/// `a`, `b`, `c`
pub fn backticked<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
