//! Links the checked stages into one component with wac-graph.
//!
//! Each stage used by an export is instantiated once, as an instance named after the
//! stage, in dependency order; each wire becomes an instantiation argument aliased from
//! the exporter's instance. Imports no stage satisfies stay imports of the artifact:
//! wac merges identical names and semver-compatible versions (`wasi:io/streams@0.2.6`
//! and `@0.2.12` become one `@0.2.12` import). The result is validated and written
//! atomically. Everything iterates in manifest order, so the same inputs give the same
//! bytes.

mod diagnose;
pub mod direct_lowering;
pub(crate) mod names;
mod types;

pub use diagnose::diagnose;
pub use names::tag_stage_modules;

use std::{collections::HashMap, io::Write as _, path::Path};

use anyhow::Context as _;
use wac_graph::{
    AliasError, EncodeError, EncodeOptions, ExportError, InstantiationArgumentError, NodeId,
    Processor,
};

use crate::{
    contract::Contracts,
    graph::StageGraph,
    guard::{GuardError, GuardedStage, StagePlan},
    manifest::{Manifest, StageName},
    wiring::Wiring,
};

/// Why linking failed, with the stages and names involved.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// wac refused to pass an export of one stage to an import of another.
    #[error(
        "cannot connect import `{import}` of stage `{importer}` to export `{export}` of stage `{exporter}`"
    )]
    Connect {
        /// The importing stage.
        importer: StageName,
        /// Its import.
        import: String,
        /// The exporting stage.
        exporter: StageName,
        /// Its export.
        export: String,
        /// wac's reason.
        #[source]
        source: InstantiationArgumentError,
    },
    /// A stage's export cannot be used.
    #[error("cannot use export `{export}` of stage `{stage}`")]
    Alias {
        /// The stage.
        stage: StageName,
        /// Its export.
        export: String,
        /// wac's reason.
        #[source]
        source: AliasError,
    },
    /// An artifact export cannot be added.
    #[error("cannot export `{name}` from stage `{stage}`")]
    Export {
        /// The artifact's export name.
        name: String,
        /// The stage it comes from.
        stage: StageName,
        /// wac's reason.
        #[source]
        source: ExportError,
    },
    /// Encoding or validating the composed component failed.
    #[error("the linked component is not valid")]
    Encode(#[source] EncodeError),
    /// A stage's guard could not be generated.
    #[error(transparent)]
    Guard(#[from] GuardError),
    /// The generated guard could not be added to the composition (a bug in Weld).
    #[error("cannot add the generated guard to the composition (this is a bug in Weld)")]
    AddGuard(#[source] anyhow::Error),
    /// The component defining an interface of types only could not be made (a bug in
    /// Weld).
    #[error("cannot define the types of `{interface}` inside the artifact (this is a bug in Weld)")]
    Types {
        /// The interface.
        interface: String,
        /// Why.
        #[source]
        source: anyhow::Error,
    },
    /// A stage's guard could not be placed in front of it (a bug in Weld).
    #[error("cannot put the generated guard in front of stage `{stage}` (this is a bug in Weld)")]
    PlaceGuard {
        /// The stage.
        stage: StageName,
        /// wac's reason.
        #[source]
        source: anyhow::Error,
    },
}

/// Links the stages and returns the composed component's bytes, validated. The
/// contracts are left as they are (the graph is cloned), so `weld check` can link the
/// stand-ins of a pipeline it goes on describing.
pub fn link(
    manifest: &Manifest,
    contracts: &Contracts,
    wiring: &Wiring,
    stages: &StageGraph,
) -> Result<Vec<u8>, LinkError> {
    let mut graph = contracts.graph.clone();
    let packages = &contracts.packages;
    let mut instances: HashMap<StageName, NodeId> = HashMap::new();
    let mut aliases: HashMap<(StageName, String), NodeId> = HashMap::new();

    let mut plans: Vec<StagePlan> = stages
        .order
        .iter()
        .map(|stage| StagePlan::of(&manifest.stages[stage], wiring))
        .collect();
    // Denials answered inside a stage's own component leave nothing for the guard, and
    // imports lowered straight into a stage's memory save a core instance per stage.
    let mut packages = packages.clone();
    for (stage, plan) in stages.order.iter().zip(&mut plans) {
        let original = graph[packages[stage]].bytes();
        let inlined = crate::guard::inline::inline(stage.as_str(), original, plan);
        let direct =
            direct_lowering::lower_directly(inlined.as_ref().map_or(original, |i| &i.bytes));
        let (bytes, removed) = match (direct, inlined) {
            (Some(direct), inlined) => (direct, inlined.map(|i| i.removed)),
            (None, Some(inlined)) => (inlined.bytes, Some(inlined.removed)),
            (None, None) => continue,
        };
        // A rewritten stage wac cannot read keeps its guard (the answers are the same).
        let Ok(package) = wac_graph::types::Package::from_bytes(
            &format!("stage:{stage}"),
            None,
            bytes,
            graph.types_mut(),
        ) else {
            continue;
        };
        graph.unregister_package(packages[stage]);
        let id = graph
            .register_package(package)
            .map_err(|e| LinkError::PlaceGuard {
                stage: stage.clone(),
                source: e.into(),
            })?;
        packages.insert(stage.clone(), id);
        if let Some(removed) = removed {
            plan.guarded.retain(|import, _| !removed.contains(import));
        }
    }
    let guarded: Vec<GuardedStage<'_>> = stages
        .order
        .iter()
        .zip(&plans)
        .map(|(stage, plan)| GuardedStage {
            stage: stage.as_str(),
            component: graph[packages[stage]].bytes(),
            plan,
        })
        .collect();
    let guard = crate::guard::generate(&guarded)?;
    let guard = match guard {
        Some(guard) => Some(register_guard(&mut graph, guard)?),
        None => None,
    };

    let providers = register_type_providers(&mut graph, &packages, wiring, stages)?;

    for stage in &stages.order {
        let instance = graph.instantiate(packages[stage]);
        graph.set_node_name(instance, stage.as_str());
        for h in wiring
            .host_imports
            .iter()
            .filter(|h| &h.stage == stage && h.origin == crate::wiring::HostOrigin::Types)
        {
            let failed = |source: anyhow::Error| LinkError::Types {
                interface: h.name.clone(),
                source,
            };
            let provider = providers[&h.name];
            let export = graph
                .alias_instance_export(provider, &h.name)
                .map_err(|e| failed(e.into()))?;
            graph
                .set_instantiation_argument(instance, &h.name, export)
                .map_err(|e| failed(e.into()))?;
        }
        if let Some((guard_instance, exports)) = &guard {
            for e in exports.iter().filter(|e| e.stage == stage.as_str()) {
                let failed = |source: anyhow::Error| LinkError::PlaceGuard {
                    stage: stage.clone(),
                    source,
                };
                let export = graph
                    .alias_instance_export(*guard_instance, &e.export)
                    .map_err(|e| failed(e.into()))?;
                graph
                    .set_instantiation_argument(instance, &e.import, export)
                    .map_err(|e| failed(e.into()))?;
            }
        }
        for wire in wiring.wires.iter().filter(|w| &w.importer == stage) {
            let source = alias(
                &mut graph,
                &mut aliases,
                &instances,
                &wire.exporter,
                &wire.export,
            )?;
            graph
                .set_instantiation_argument(instance, &wire.import, source)
                .map_err(|source| LinkError::Connect {
                    importer: wire.importer.clone(),
                    import: wire.import.clone(),
                    exporter: wire.exporter.clone(),
                    export: wire.export.clone(),
                    source,
                })?;
        }
        instances.insert(stage.clone(), instance);
    }

    for export in &wiring.exports {
        let source = alias(
            &mut graph,
            &mut aliases,
            &instances,
            &export.stage,
            &export.export,
        )?;
        graph
            .export(source, export.name.clone())
            .map_err(|source| LinkError::Export {
                name: export.name.clone(),
                stage: export.stage.clone(),
                source,
            })?;
    }

    let mut bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: Some(Processor {
                name: "weld",
                version: env!("CARGO_PKG_VERSION"),
            }),
        })
        .map_err(LinkError::Encode)?;
    append_grants(&mut bytes, manifest, stages);
    Ok(bytes)
}

/// Records every linked stage's grants in a `weld:grants` section, for the host: which
/// configuration keys it must supply, which directories and variables to hand over.
fn append_grants(component: &mut Vec<u8>, manifest: &Manifest, stages: &StageGraph) {
    use wasm_encoder::ComponentSection as _;
    use weld_shim::grants::{ArtifactGrants, FORMAT, SECTION};
    let grants = ArtifactGrants {
        format: FORMAT,
        stages: stages
            .order
            .iter()
            .map(|s| (s.to_string(), manifest.stages[s].grants.clone()))
            .collect(),
    };
    let data = grants.to_section();
    wasm_encoder::CustomSection {
        name: SECTION.into(),
        data: data.as_slice().into(),
    }
    .append_to_component(component);
}

/// Adds the artifact's guard to the graph and instantiates it; its imports stay open
/// and become the artifact's.
fn register_guard(
    graph: &mut wac_graph::CompositionGraph,
    guard: crate::guard::Guard,
) -> Result<(NodeId, Vec<crate::guard::GuardExport>), LinkError> {
    let failed = LinkError::AddGuard;
    // Its imports are lowered straight into its memory, as a stage's are (two core
    // instances instead of three, at every instantiation). Then its modules are named:
    // traps in the guard that are not refusals (those name their stage) say where they
    // come from.
    let lowered = direct_lowering::lower_directly(&guard.bytes);
    let bytes = tag_stage_modules(lowered.as_deref().unwrap_or(&guard.bytes), "weld-guard");
    let package =
        wac_graph::types::Package::from_bytes("weld:guard", None, bytes, graph.types_mut())
            .map_err(failed)?;
    let package = graph
        .register_package(package)
        .map_err(|e| failed(e.into()))?;
    let instance = graph.instantiate(package);
    graph.set_node_name(instance, "weld-guard");
    Ok((instance, guard.exports))
}

/// Instantiates one component per interface of types only that linked stages import
/// (see [`types`]), named `weld-types` (`weld-types-2`, ... when there are several).
fn register_type_providers(
    graph: &mut wac_graph::CompositionGraph,
    packages: &indexmap::IndexMap<StageName, wac_graph::PackageId>,
    wiring: &Wiring,
    stages: &StageGraph,
) -> Result<indexmap::IndexMap<String, NodeId>, LinkError> {
    let mut providers = indexmap::IndexMap::new();
    for h in &wiring.host_imports {
        if h.origin != crate::wiring::HostOrigin::Types
            || providers.contains_key(&h.name)
            || !stages.order.contains(&h.stage)
        {
            continue;
        }
        let failed = |source: anyhow::Error| LinkError::Types {
            interface: h.name.clone(),
            source,
        };
        let bytes = types::provider(graph[packages[&h.stage]].bytes(), &h.name).map_err(failed)?;
        let n = providers.len() + 1;
        let package = wac_graph::types::Package::from_bytes(
            &format!("weld:types-{n}"),
            None,
            bytes,
            graph.types_mut(),
        )
        .map_err(failed)?;
        let package = graph
            .register_package(package)
            .map_err(|e| failed(e.into()))?;
        let instance = graph.instantiate(package);
        let name = if n == 1 {
            "weld-types".to_string()
        } else {
            format!("weld-types-{n}")
        };
        graph.set_node_name(instance, &name);
        providers.insert(h.name.clone(), instance);
    }
    Ok(providers)
}

fn alias(
    graph: &mut wac_graph::CompositionGraph,
    aliases: &mut HashMap<(StageName, String), NodeId>,
    instances: &HashMap<StageName, NodeId>,
    stage: &StageName,
    export: &str,
) -> Result<NodeId, LinkError> {
    let key = (stage.clone(), export.to_string());
    if let Some(node) = aliases.get(&key) {
        return Ok(*node);
    }
    // The graph orders exporters before importers, so the instance exists.
    let instance = instances[stage];
    let node = graph
        .alias_instance_export(instance, export)
        .map_err(|source| LinkError::Alias {
            stage: stage.clone(),
            export: export.to_string(),
            source,
        })?;
    aliases.insert(key, node);
    Ok(node)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so `path` is
/// either the old file or the complete new one, never half written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".weld-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("failed to create a temporary file in `{}`", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    // Temporary files are private (0600); an artifact is meant to be deployed, so it
    // gets the permissions of the file it replaces, or the usual 0644.
    let permissions = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(),
    };
    std::fs::set_permissions(tmp.path(), permissions)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("a temporary file")
}
