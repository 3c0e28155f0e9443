//! Each stage's contract: the imports it needs and the exports it offers, with types.
//!
//! A contract comes from a component: the stage's own for `lang: wasm` and for built
//! source stages, or a stand-in made from the declared world (see [`crate::wit`]) when
//! only checking. Every contract is registered as a wac package in one
//! [`CompositionGraph`], so later steps compare and link types within a single type arena.

use std::path::PathBuf;

use indexmap::IndexMap;
use wac_graph::{CompositionGraph, PackageId, types::ItemKind, types::Package};

use crate::{
    diagnostic::{Diagnostic, Diagnostics, did_you_mean},
    manifest::{Lang, Manifest, StageName},
    wit::WitDir,
};

/// Where a stage's component comes from.
#[derive(Debug, Clone)]
pub enum ComponentSource {
    /// A component file: a prebuilt stage, or a source stage's build output.
    Built {
        /// Its bytes (binary; WAT was already parsed).
        bytes: Vec<u8>,
        /// The file, for messages.
        path: PathBuf,
    },
    /// Not built: use a stand-in made from the stage's declared world.
    World,
}

/// The contracts of every stage, registered in one composition graph.
#[derive(Debug)]
pub struct Contracts {
    /// The graph the stages' packages are registered in; [`crate::link`] adds the rest.
    pub graph: CompositionGraph,
    /// Each stage's package, in manifest order.
    pub packages: IndexMap<StageName, PackageId>,
}

impl Contracts {
    /// The imports of `stage`: name -> kind.
    pub fn imports(&self, stage: &StageName) -> &IndexMap<String, ItemKind> {
        let pkg = &self.graph[self.packages[stage]];
        &self.graph.types()[pkg.ty()].imports
    }

    /// The exports of `stage`: name -> kind.
    pub fn exports(&self, stage: &StageName) -> &IndexMap<String, ItemKind> {
        let pkg = &self.graph[self.packages[stage]];
        &self.graph.types()[pkg.ty()].exports
    }
}

/// Loads every stage's contract. `built` holds the components of stages already built;
/// source stages without one are checked against their declared world.
pub fn load(
    manifest: &Manifest,
    wit: Option<&WitDir>,
    built: &IndexMap<StageName, ComponentSource>,
) -> Result<Contracts, Diagnostics> {
    let mut graph = CompositionGraph::new();
    let mut packages = IndexMap::new();
    let mut diags = Diagnostics::default();
    let src = &manifest.source;

    for stage in manifest.stages.values() {
        let name = stage.name.as_str();
        let source = match (stage.lang, built.get(&stage.name)) {
            (_, Some(ComponentSource::Built { bytes, path })) => Ok((bytes.clone(), path.clone())),
            (_, _) if stage.generated.is_some() => generated(manifest, wit, stage),
            (Lang::Wasm, _) => crate::component::read(&stage.path)
                .map(|b| (b, stage.path.clone()))
                .map_err(|e| {
                    Diagnostic::error(format!("stage `{name}`: {e}"))
                        .at_opt(src, manifest.value_span(&["stages", name, "path"]), "")
                        .help(e.help())
                }),
            (_, _) => world_component(manifest, wit, &stage.name),
        };
        let (bytes, path) = match source {
            Ok(ok) => ok,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match Package::from_bytes(&format!("stage:{name}"), None, bytes, graph.types_mut()) {
            Ok(package) => match graph.register_package(package) {
                Ok(id) => {
                    packages.insert(stage.name.clone(), id);
                }
                Err(e) => diags.push(Diagnostic::error(format!("stage `{name}`: {e}"))),
            },
            Err(e) => diags.push(
                Diagnostic::error(format!(
                    "stage `{name}`: `{}` is not a valid component: {}",
                    path.display(),
                    root_cause(&e)
                ))
                .at_opt(src, manifest.value_span(&["stages", name, "path"]), "")
                .help("the file may be truncated or corrupt; rebuild it (`wasm-tools validate` shows details)"),
            ),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Contracts { graph, packages })
    }
}

/// The component of a stage Weld generates from the pipeline (`http:`).
fn generated(
    manifest: &Manifest,
    wit: Option<&WitDir>,
    stage: &crate::manifest::Stage,
) -> Result<(Vec<u8>, PathBuf), Diagnostic> {
    let bytes = crate::glue::component(stage, wit)
        .expect("a generated stage")
        .map_err(|e| {
            let mut d = Diagnostic::error(format!("stage `{}`: {e}", stage.name)).at_opt(
                &manifest.source,
                manifest.key_span(&["stages", stage.name.as_str()]),
                "",
            );
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                d = d.note(cause.to_string());
                source = cause.source();
            }
            d
        })?;
    Ok((bytes, stage.path.clone()))
}

/// The stand-in component for a source stage's declared world.
fn world_component(
    manifest: &Manifest,
    wit: Option<&WitDir>,
    stage: &StageName,
) -> Result<(Vec<u8>, PathBuf), Diagnostic> {
    let name = stage.as_str();
    let st = &manifest.stages[stage];
    let world_name = st.world.as_deref().unwrap_or_default();
    let span = manifest.value_span(&["stages", name, "world"]);
    let wit =
        wit.ok_or_else(|| Diagnostic::error(format!("stage `{name}` needs a WIT directory")))?;
    let world = wit.world(world_name).map_err(|e| {
        let mut d = Diagnostic::error(format!(
            "stage `{name}`: world `{world_name}` not found in `{}`",
            wit.path.display()
        ))
        .at_opt(&manifest.source, span, "no such world")
        .note(e);
        let names = wit.world_names();
        if let Some(s) = did_you_mean(world_name, names.iter().map(String::as_str)) {
            d = d.help(s);
        } else if !names.is_empty() {
            d = d.help(format!("worlds available: {}", names.join(", ")));
        }
        d
    })?;
    let bytes = wit.stand_in_component(world).map_err(|e| {
        Diagnostic::error(format!(
            "stage `{name}`: cannot make a component from world `{world_name}`: {e:#}"
        ))
        .at_opt(&manifest.source, span, "")
    })?;
    Ok((bytes, wit.path.join(format!("{world_name}.wit"))))
}

/// The innermost message of an error chain: what the user can act on.
fn root_cause(e: &anyhow::Error) -> String {
    e.chain()
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}
