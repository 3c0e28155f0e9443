//! Which export satisfies each import.
//!
//! The rule, in order:
//! 1. an entry under the stage's `imports:` wins: a stage, `{ stage, export }`, or `host`;
//! 2. an import listed in `host-imports` goes to the host, for every stage, even when a
//!    stage exports the same name (a stage wrapping the host's interface imports and
//!    exports one name);
//! 3. an import exactly one other stage exports is wired to it; several is an error
//!    listing them;
//! 4. an import nobody exports goes to the host when it is a WASI interface (versions are
//!    merged at link time); an interface of types only (records, enums: nothing to
//!    call) is defined inside the artifact by the link step; anything else is an error.
//!
//! The result says, per import, where it comes from, and which exports the artifact has.
//! [`export_used_types`] then adds the exports the artifact needs for its exported
//! interfaces' types to be valid.

use indexmap::{IndexMap, IndexSet};
use wac_graph::types::{InterfaceId, ItemKind};

use crate::{
    contract::Contracts,
    diagnostic::{Diagnostic, Diagnostics, did_you_mean},
    manifest::{ImportSource, Manifest, StageName, Target, names_match, unversioned},
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

impl Wire {
    /// Where the wire is decided in the pipeline: the `imports:` entry of an explicit
    /// wire, the importing stage's key otherwise.
    pub fn span(&self, manifest: &Manifest) -> Option<crate::diagnostic::Span> {
        let importer = self.importer.as_str();
        match self.origin {
            WireOrigin::Explicit => manifest.stages[&self.importer]
                .imports
                .keys()
                .find(|k| names_match(k, &self.import))
                .and_then(|k| manifest.key_span(&["stages", importer, "imports", k])),
            WireOrigin::Auto => manifest.key_span(&["stages", importer]),
        }
    }
}

/// Why an import is left to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostOrigin {
    /// A WASI interface no stage exports.
    Wasi,
    /// Listed in `host-imports`.
    HostImports,
    /// Wired to `host` in the stage's `imports:`.
    Explicit,
    /// An interface of types only (e.g. `weld:http/types`): not the host's after all,
    /// the link step defines it inside the artifact.
    Types,
}

impl HostOrigin {
    /// How `weld check` names it.
    pub fn label(self) -> &'static str {
        match self {
            HostOrigin::Wasi => "wasi",
            HostOrigin::HostImports => "host-imports",
            HostOrigin::Explicit => "imports: host",
            HostOrigin::Types => "types only",
        }
    }
}

/// An import left for the host to provide.
#[derive(Debug, Clone)]
pub struct HostImport {
    /// The stage that imports it.
    pub stage: StageName,
    /// The import's name.
    pub name: String,
    /// Why it goes to the host.
    pub origin: HostOrigin,
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
    /// Not listed in `exports:`: exported because the named export uses its types.
    pub types_for: Option<String>,
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
    pub fn merged_host_imports(&self) -> IndexMap<String, (HostOrigin, IndexSet<StageName>)> {
        let mut merged: IndexMap<String, (String, HostOrigin, IndexSet<StageName>)> =
            IndexMap::new();
        for h in &self.host_imports {
            let entry = merged
                .entry(unversioned(&h.name).to_string())
                .or_insert_with(|| (h.name.clone(), h.origin, IndexSet::new()));
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

/// Resolves every import of every stage and every artifact export. `declared` holds
/// the contracts of the stages' declared worlds when `contracts` are of built components:
/// an `imports:` entry for an import the world declares but the built component dropped
/// (toolchains drop imports the code never calls) is then not an error.
pub fn resolve(
    manifest: &Manifest,
    contracts: &Contracts,
    declared: Option<&Contracts>,
) -> Result<Wiring, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut wiring = Wiring::default();
    let src = &manifest.source;
    let stage_names: Vec<&str> = manifest.stages.keys().map(StageName::as_str).collect();
    let mut used_host_imports = IndexSet::new();

    for stage in manifest.stages.values() {
        let name = stage.name.as_str();
        let imports = contracts.imports(&stage.name);

        // Explicit entries that name no import of this stage are mistakes.
        let declared_imports = declared.map(|d| d.imports(&stage.name));
        for key in stage.imports.keys() {
            let dropped = declared_imports.is_some_and(|d| d.keys().any(|i| names_match(key, i)));
            if !dropped && !imports.keys().any(|i| names_match(key, i)) {
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
            if let Some((_, ImportSource::Host)) = explicit {
                wiring.host_imports.push(HostImport {
                    stage: stage.name.clone(),
                    name: import.clone(),
                    origin: HostOrigin::Explicit,
                });
                continue;
            }
            if let Some((key, ImportSource::Stage(target))) = explicit {
                let path = ["stages", name, "imports", key.as_str()];
                match resolve_target(manifest, contracts, target, import, &path, &stage_names) {
                    Ok(export) if target.stage == stage.name => diags.push(
                        Diagnostic::error(format!("import `{import}` of stage `{name}` is wired to the stage itself"))
                            .at_opt(src, manifest.target_stage_span(&path), "a stage cannot satisfy its own import")
                            .note(format!("`{name}` exports `{export}`, but a component cannot be instantiated with its own exports"))
                            .help(format!("wire the import to another stage, or to the host: `{key}: host`")),
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
            if let Some(h) = manifest
                .host_imports
                .iter()
                .find(|h| names_match(h, import))
            {
                used_host_imports.insert(h.clone());
                wiring.host_imports.push(HostImport {
                    stage: stage.name.clone(),
                    name: import.clone(),
                    origin: HostOrigin::HostImports,
                });
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
                [] if types_only(contracts, &imports[import]) => {
                    wiring.host_imports.push(HostImport {
                        stage: stage.name.clone(),
                        name: import.clone(),
                        origin: HostOrigin::Types,
                    });
                }
                [] if unversioned(import).starts_with("wasi:") => {
                    wiring.host_imports.push(HostImport {
                        stage: stage.name.clone(),
                        name: import.clone(),
                        origin: HostOrigin::Wasi,
                    });
                }
                [] => diags.push(
                    Diagnostic::error(format!("import `{import}` of stage `{name}` is not satisfied"))
                        .at_opt(src, manifest.key_span(&["stages", name]), "")
                        .note(format!("no other stage exports `{import}`"))
                        .help(format!(
                            "wire it under `stages.{name}.imports` (`{import}: <stage>`, `{{ stage: <stage>, export: <export> }}` or `{import}: host`), or list it in `host-imports` to leave it to the host"
                        )),
                ),
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
                            "pick one: under `stages.{name}.imports`, add `{import}: {}` (or `{import}: host` for the host's)",
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
                    types_for: None,
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

/// `d` with a note listing what `stage` exports (or that it exports nothing).
pub fn with_exports_note<T: AsRef<str>>(
    d: Diagnostic,
    stage: &str,
    exports: impl ExactSizeIterator<Item = T>,
) -> Diagnostic {
    if exports.len() == 0 {
        d.note(format!("stage `{stage}` exports nothing"))
    } else {
        d.note(format!("stage `{stage}` exports {}", backticked(exports)))
    }
}

/// Whether `item` is an instance that only exports value types (records, enums, ...):
/// hosts satisfy such an import without providing anything.
fn types_only(contracts: &Contracts, item: &ItemKind) -> bool {
    let ItemKind::Instance(id) = item else {
        return false;
    };
    contracts.graph.types()[*id]
        .exports
        .values()
        .all(|e| matches!(e, ItemKind::Type(wac_graph::types::Type::Value(_))))
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
    d = with_exports_note(d, stage, exports.keys());
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

/// Adds the exports the artifact needs for its exported interfaces' types.
///
/// An exported interface that `use`s types of another interface (`use shapes.{shape}`)
/// is only valid in the artifact if the instance those types come from is exported
/// too. That instance is the stage's own export, or the export of the stage its import
/// is wired to; imports left to the host need nothing. It is exported under its own
/// name when the name is free (recorded in [`ArtifactExport::types_for`], and so shown by
/// `weld check`), followed transitively. When the artifact already exports that name
/// from a different instance, the exported types would not be the ones the interface
/// uses: an error naming both stages.
pub fn export_used_types(
    manifest: &Manifest,
    contracts: &Contracts,
    wiring: &mut Wiring,
) -> Result<(), Diagnostics> {
    let types = contracts.graph.types();
    let mut diags = Diagnostics::default();
    let mut next = 0;
    while next < wiring.exports.len() {
        let user = wiring.exports[next].clone();
        next += 1;
        let Some(ItemKind::Instance(interface)) = contracts.exports(&user.stage).get(&user.export)
        else {
            continue;
        };
        let used: IndexSet<InterfaceId> = types[*interface]
            .uses
            .values()
            .map(|u| u.interface)
            .collect();
        for used in used {
            let Some(Provider::Stage(stage, export)) =
                provider_of(contracts, wiring, &user.stage, used)
            else {
                continue;
            };
            let existing = wiring
                .exports
                .iter()
                .find(|e| unversioned(&e.name) == unversioned(&export));
            match existing {
                Some(e) if e.stage == stage && e.export == export => {}
                Some(e) => {
                    let via = if stage == user.stage {
                        format!("its own export `{export}`")
                    } else {
                        format!("stage `{stage}`")
                    };
                    let fix = if stage == user.stage {
                        format!(
                            "export `{}` from `{}` instead, or drop the other `{}` export",
                            e.name, user.stage, e.name
                        )
                    } else {
                        format!(
                            "wire the user of the types to the exported instance: under `stages.{}.imports`, add `{}: {}`",
                            user.stage,
                            unversioned(&export),
                            e.stage
                        )
                    };
                    diags.push(
                        Diagnostic::error(format!(
                            "exported interface `{}` of stage `{}` uses types of `{}`, but the artifact exports `{}` from stage `{}`",
                            user.name, user.stage, unversioned(&export), e.name, e.stage
                        ))
                        .at_opt(
                            &manifest.source,
                            export_span(manifest, &e.name),
                            "exported from another stage",
                        )
                        .note(format!(
                            "`{}` takes those types from {via}; the artifact can export only one `{}`, and types from two instances are not the same types",
                            user.stage,
                            unversioned(&export)
                        ))
                        .help(fix),
                    );
                }
                None => wiring.exports.push(ArtifactExport {
                    name: export.clone(),
                    stage,
                    export,
                    types_for: Some(user.name.clone()),
                }),
            }
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Where an instance a stage sees comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Provider {
    /// An export of a stage: the stage's own, or the one its import is wired to.
    Stage(StageName, String),
    /// The host.
    Host,
}

impl Provider {
    fn describe(&self) -> String {
        match self {
            Provider::Stage(stage, _) => format!("stage `{stage}`"),
            Provider::Host => "the host".to_string(),
        }
    }
}

/// Where the instance `interface` that `stage` sees comes from: the stage's own export,
/// the export its import of that interface is wired to, or the host; `None` when the
/// stage has no such item.
fn provider_of(
    contracts: &Contracts,
    wiring: &Wiring,
    stage: &StageName,
    interface: InterfaceId,
) -> Option<Provider> {
    let types = contracts.graph.types();
    let name = types[interface].id.as_deref().map(unversioned);
    let is_it = |kind: &ItemKind| match kind {
        ItemKind::Instance(id) => {
            *id == interface
                || (name.is_some() && types[*id].id.as_deref().map(unversioned) == name)
        }
        _ => false,
    };
    if let Some((import, _)) = contracts.imports(stage).iter().find(|(_, k)| is_it(k)) {
        return Some(
            wiring
                .wires
                .iter()
                .find(|w| &w.importer == stage && &w.import == import)
                .map_or(Provider::Host, |w| {
                    Provider::Stage(w.exporter.clone(), w.export.clone())
                }),
        );
    }
    contracts
        .exports(stage)
        .iter()
        .find(|(_, k)| is_it(k))
        .map(|(export, _)| Provider::Stage(stage.clone(), export.clone()))
}

/// Checks that every resource a stage sees through several imports is one resource.
///
/// A resource is only equal to itself. When stage `user` imports `types` (defining
/// `handle`) from one stage and `ops` (which `use`s `types.{handle}`) from another, each
/// wire type-checks on its own, but `ops` hands out the other stage's `handle`: the two
/// cannot be linked. For each wired import whose interface uses a resource of another
/// interface, the importer's provider of that interface must be the exporter's.
pub fn check_resource_origins(
    manifest: &Manifest,
    contracts: &Contracts,
    wiring: &Wiring,
) -> Result<(), Diagnostics> {
    let types = contracts.graph.types();
    let mut diags = Diagnostics::default();
    for wire in &wiring.wires {
        let Some(ItemKind::Instance(imported)) =
            contracts.imports(&wire.importer).get(&wire.import)
        else {
            continue;
        };
        let Some(ItemKind::Instance(exported)) =
            contracts.exports(&wire.exporter).get(&wire.export)
        else {
            continue;
        };
        let mut seen = IndexSet::new();
        for (type_name, used) in &types[*imported].uses {
            let original = used.name.as_deref().unwrap_or(type_name);
            let is_resource = matches!(
                types[used.interface].exports.get(original),
                Some(ItemKind::Type(wac_graph::types::Type::Resource(_)))
            );
            if !is_resource || !seen.insert(used.interface) {
                continue;
            }
            let Some(interface) = types[used.interface].id.clone() else {
                continue;
            };
            // The same interface as the exporter's export sees it.
            let Some(exporter_side) =
                types[*exported]
                    .uses
                    .values()
                    .map(|u| u.interface)
                    .find(|i| {
                        types[*i].id.as_deref().map(unversioned) == Some(unversioned(&interface))
                    })
            else {
                continue;
            };
            let (Some(mine), Some(theirs)) = (
                provider_of(contracts, wiring, &wire.importer, used.interface),
                provider_of(contracts, wiring, &wire.exporter, exporter_side),
            ) else {
                continue;
            };
            if mine == theirs {
                continue;
            }
            let iface = unversioned(&interface);
            let fix = match &theirs {
                Provider::Stage(stage, _) => format!(
                    "under `stages.{}.imports`, wire `{iface}: {stage}` so both come from the same stage",
                    wire.importer
                ),
                Provider::Host => format!(
                    "under `stages.{}.imports`, wire `{iface}: host` so both come from the host",
                    wire.importer
                ),
            };
            diags.push(
                Diagnostic::error(format!(
                    "stage `{}` gets resource `{original}` of `{iface}` from two different places",
                    wire.importer
                ))
                .at_opt(&manifest.source, wire.span(manifest), "")
                .note(format!(
                    "`{}` imports `{iface}` from {}, and `{}` from stage `{}`, whose `{}` uses `{original}` from {}",
                    wire.importer,
                    mine.describe(),
                    wire.import,
                    wire.exporter,
                    wire.export,
                    theirs.describe()
                ))
                .note("a resource is only equal to itself: every interface that uses it must take it from the same instance")
                .help(fix),
            );
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// The `exports:` key an artifact export was written under (matched without version),
/// or the `exports:` key itself.
pub fn export_span(manifest: &Manifest, name: &str) -> Option<crate::diagnostic::Span> {
    manifest
        .exports
        .keys()
        .find(|k| unversioned(k) == unversioned(name))
        .and_then(|k| manifest.key_span(&["exports", k]))
        .or_else(|| manifest.key_span(&["exports"]))
}
