//! Links the checked stages into one component with wac-graph.
//!
//! Each stage used by an export is instantiated once, as an instance named after the
//! stage, in dependency order; each wire becomes an instantiation argument aliased from
//! the exporter's instance. Imports no stage satisfies stay imports of the artifact:
//! wac merges identical names and semver-compatible versions (`wasi:io/streams@0.2.6`
//! and `@0.2.12` become one `@0.2.12` import). The result is validated and written
//! atomically. Everything iterates in manifest order, so the same inputs give the same
//! bytes.

mod names;

pub use names::tag_stage_modules;

use std::{collections::HashMap, io::Write as _, path::Path};

use anyhow::{Context as _, bail};
use wac_graph::{EncodeOptions, NodeId, Processor};

use crate::{contract::Contracts, graph::StageGraph, manifest::StageName, wiring::Wiring};

/// Links the stages and returns the composed component's bytes.
pub fn link(contracts: Contracts, wiring: &Wiring, stages: &StageGraph) -> anyhow::Result<Vec<u8>> {
    let Contracts {
        mut graph,
        packages,
    } = contracts;
    let mut instances: HashMap<StageName, NodeId> = HashMap::new();
    let mut aliases: HashMap<(StageName, String), NodeId> = HashMap::new();

    for stage in &stages.order {
        let instance = graph.instantiate(packages[stage]);
        graph.set_node_name(instance, stage.as_str());
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
                .with_context(|| {
                    format!(
                        "failed to connect import `{}` of stage `{stage}` to export `{}` of stage `{}`",
                        wire.import, wire.export, wire.exporter
                    )
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
        graph.export(source, export.name.clone()).with_context(|| {
            format!(
                "failed to export `{}` from stage `{}`",
                export.name, export.stage
            )
        })?;
    }

    let bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: Some(Processor {
                name: "weld",
                version: env!("CARGO_PKG_VERSION"),
            }),
        })
        .context("failed to encode the composed component")?;
    Ok(bytes)
}

fn alias(
    graph: &mut wac_graph::CompositionGraph,
    aliases: &mut HashMap<(StageName, String), NodeId>,
    instances: &HashMap<StageName, NodeId>,
    stage: &StageName,
    export: &str,
) -> anyhow::Result<NodeId> {
    let key = (stage.clone(), export.to_string());
    if let Some(node) = aliases.get(&key) {
        return Ok(*node);
    }
    let Some(instance) = instances.get(stage) else {
        bail!("stage `{stage}` is not instantiated before its export `{export}` is used");
    };
    let node = graph
        .alias_instance_export(*instance, export)
        .with_context(|| format!("failed to use export `{export}` of stage `{stage}`"))?;
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
