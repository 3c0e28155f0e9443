//! Runs the steps in order: manifest, WIT, contracts, wiring, graph, types, link.
//!
//! [`check`] stops before building or linking and is what `weld check` and `weld graph`
//! show; [`link_checked`] links a pipeline whose stages all have components.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use indexmap::IndexMap;

use crate::{
    contract::{self, ComponentSource, Contracts},
    diagnostic::{Diagnostic, Diagnostics},
    graph::StageGraph,
    link,
    manifest::{Manifest, StageName},
    typecheck,
    wiring::{self, WireOrigin, Wiring},
    wit::WitDir,
};

/// A pipeline whose wiring and types have been checked.
#[derive(Debug)]
pub struct Checked {
    /// The manifest.
    pub manifest: Manifest,
    /// The WIT directory, if the pipeline has one.
    pub wit: Option<WitDir>,
    /// Every stage's contract.
    pub contracts: Contracts,
    /// Who satisfies what.
    pub wiring: Wiring,
    /// The stage graph.
    pub graph: StageGraph,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
    /// The linked, validated component: of the stand-ins when only checking.
    pub artifact: Vec<u8>,
    /// Source stages checked against their declared worlds (not built): their
    /// toolchains' own imports (environment, files) are not known yet.
    pub stand_ins: Vec<StageName>,
}

impl Checked {
    /// The wiring as a person reads it: per stage, where each import comes from.
    pub fn summary(&self) -> String {
        let checked = self;
        let mut out = String::new();
        let wiring = &checked.wiring;
        let plans: IndexMap<&StageName, crate::guard::StagePlan> = checked
            .manifest
            .stages
            .values()
            .map(|stage| (&stage.name, crate::guard::StagePlan::of(stage, wiring)))
            .collect();
        let refused = |h: &wiring::HostImport| {
            matches!(
                plans[&h.stage].guarded.get(&h.name),
                Some(crate::guard::Guarded::Deny(_))
            )
        };
        let _ = writeln!(out, "pipeline `{}`", checked.manifest.name);
        let _ = writeln!(out, "\nstages:");
        for stage in checked.manifest.stages.values() {
            let note = if checked.graph.unreachable.contains(&stage.name) {
                "  (unused)"
            } else {
                ""
            };
            let stateless = if stage.grants.stateless {
                ", stateless"
            } else {
                ""
            };
            let _ = writeln!(out, "  {} ({}{stateless}){note}", stage.name, stage.lang);
            for w in wiring.wires.iter().filter(|w| w.importer == stage.name) {
                let how = if w.origin == WireOrigin::Explicit {
                    "explicit"
                } else {
                    "by name"
                };
                let _ = writeln!(
                    out,
                    "    import {} <- {}.{}  ({how})",
                    w.import, w.exporter, w.export
                );
            }
            for h in wiring.host_imports.iter().filter(|h| h.stage == stage.name) {
                let how = match (plans[&stage.name].guarded.get(&h.name), h.origin) {
                    (Some(crate::guard::Guarded::Deny(_)), _) => "guard  (denied: not granted)",
                    (Some(_), _) => "guard <- host  (filtered by the grants)",
                    (None, wiring::HostOrigin::Explicit) => "host  (explicit)",
                    (None, wiring::HostOrigin::Types) => {
                        "weld-types  (types only, defined inside the artifact)"
                    }
                    (None, _) => "host",
                };
                let _ = writeln!(out, "    import {} <- {how}", h.name);
            }
        }
        let _ = writeln!(out, "\nexports:");
        for e in &wiring.exports {
            let why = match &e.types_for {
                Some(user) => format!("  (exported because `{user}` uses its types)"),
                None => String::new(),
            };
            let _ = writeln!(out, "  {} <- {}.{}{why}", e.name, e.stage, e.export);
        }
        let _ = writeln!(
            out,
            "\ncapabilities (granted, denied inside the artifact, or - not imported):"
        );
        out.push_str(&crate::guard::report::render(&checked.manifest, wiring));
        if !checked.stand_ins.is_empty() {
            let names: Vec<&str> = checked.stand_ins.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(
                out,
                "  note: {} checked against {} declared world{}: what {} toolchain adds (the \
                 environment, files) is guarded too, and shows once built (`weld compose`)",
                names.join(", "),
                if names.len() == 1 { "its" } else { "their" },
                if names.len() == 1 { "" } else { "s" },
                if names.len() == 1 { "its" } else { "each" },
            );
        }
        // What the linked component really imports: guards import only what they pass on.
        let mut passed = wiring.clone();
        passed.host_imports.retain(|h| !refused(h));
        let host = passed.merged_host_imports();
        let imports = crate::guard::report::component_imports(&checked.artifact);
        let _ = writeln!(
            out,
            "\nhost imports (the artifact needs these from its host):"
        );
        if imports.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for name in imports {
            let users = host
                .iter()
                .find(|(n, _)| {
                    crate::manifest::unversioned(n) == crate::manifest::unversioned(&name)
                })
                .map(|(_, (origin, stages))| {
                    let by: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
                    format!("  [{}; used by {}]", origin.label(), by.join(", "))
                })
                .unwrap_or_default();
            let _ = writeln!(out, "  {name}{users}");
        }
        let not_stateless: Vec<&str> = checked
            .manifest
            .stages
            .values()
            .filter(|s| !s.grants.stateless && !checked.graph.unreachable.contains(&s.name))
            .map(|s| s.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\ninstances (`weld-shim serve --max-instance-reuse-count N` may reuse them only if every stage is stateless):"
        );
        if not_stateless.is_empty() {
            let _ = writeln!(out, "  reusable: every stage is declared `stateless: true`");
        } else {
            let _ = writeln!(
                out,
                "  one per request: not declared `stateless: true`: {}",
                not_stateless.join(", ")
            );
        }
        out
    }
}

/// Reads a pipeline and its WIT directory.
pub fn load(path: &Path) -> Result<(Manifest, Option<WitDir>), Diagnostics> {
    let manifest = Manifest::load(path)?;
    let wit = load_wit(&manifest)?;
    Ok((manifest, wit))
}

fn load_wit(manifest: &Manifest) -> Result<Option<WitDir>, Diagnostics> {
    let Some(dir) = &manifest.wit else {
        return Ok(None);
    };
    WitDir::load(dir).map(Some).map_err(|e| {
        let mut d = Diagnostic::error(format!("{e}"))
            .at_opt(&manifest.source, manifest.value_span(&["wit"]), "")
            .help("`wit` is a folder holding one WIT package and its `deps/`, relative to the pipeline file");
        for cause in e.chain().skip(1) {
            d = d.note(cause.to_string());
        }
        d.into()
    })
}

/// Checks contracts, wiring, graph and types. `built` gives the components of stages
/// already built; other source stages are checked against their declared worlds.
pub fn check(
    manifest: Manifest,
    wit: Option<WitDir>,
    built: &IndexMap<StageName, ComponentSource>,
) -> Result<Checked, Diagnostics> {
    check_built(manifest, wit, built, None)
}

/// Like [`check`]; with `declared` (the contracts of the declared worlds), each built
/// stage is first checked against its world, so a stage that does not implement it is
/// named as such rather than as a wiring error.
fn check_built(
    manifest: Manifest,
    wit: Option<WitDir>,
    built: &IndexMap<StageName, ComponentSource>,
    declared: Option<&Contracts>,
) -> Result<Checked, Diagnostics> {
    let mut manifest = manifest;
    let flow_warnings = crate::glue::flow::check(&mut manifest, wit.as_ref())?;
    let contracts = contract::load(&manifest, wit.as_ref(), built)?;
    crate::glue::http::check_stages(&manifest, &contracts)?;
    if let Some(declared) = declared {
        typecheck::check_conformance(&manifest, declared, &contracts)?;
    }
    let mut wiring = wiring::resolve(&manifest, &contracts, declared)?;
    let (graph, graph_warnings) = StageGraph::build(&manifest, &wiring)?;
    typecheck::check(&manifest, &contracts, &wiring)?;
    wiring::check_resource_origins(&manifest, &contracts, &wiring)?;
    wiring::export_used_types(&manifest, &contracts, &mut wiring)?;
    // Built stages show what they really import; declared worlds leave out what
    // language runtimes add, so a grant looks unused there when it is not.
    if declared.is_some() {
        wiring
            .warnings
            .extend(crate::guard::report::unused_grants(&manifest, &wiring));
    }
    // Linking is part of checking: whatever wac would refuse at compose time is found
    // here, on the stand-ins, and reported against the pipeline.
    let artifact = link::link(&manifest, &contracts, &wiring, &graph)
        .map_err(|e| Diagnostics::from(link::diagnose(&manifest, &wiring, &e)))?;
    let mut warnings = flow_warnings;
    warnings.extend(std::mem::take(&mut wiring.warnings));
    warnings.extend(graph_warnings);
    let stand_ins = manifest
        .stages
        .values()
        .filter(|s| s.lang != crate::manifest::Lang::Wasm && !built.contains_key(&s.name))
        .map(|s| s.name.clone())
        .collect();
    Ok(Checked {
        stand_ins,
        manifest,
        wit,
        contracts,
        wiring,
        graph,
        warnings,
        artifact,
    })
}

/// Writes a checked (and so linked) pipeline's component to `output` atomically.
pub fn link_checked(checked: Checked, output: &Path) -> anyhow::Result<LinkReport> {
    link::write_atomically(output, &checked.artifact)?;
    Ok(LinkReport {
        output: output.to_path_buf(),
        stages: checked.graph.order.len(),
        size: checked.artifact.len(),
    })
}

/// What linking produced.
#[derive(Debug, Clone)]
pub struct LinkReport {
    /// The artifact written.
    pub output: PathBuf,
    /// How many stages it holds.
    pub stages: usize,
    /// Its size in bytes.
    pub size: usize,
}

/// Why composing failed.
#[derive(Debug)]
pub enum ComposeError {
    /// The pipeline, its wiring or its types are wrong.
    Invalid(Diagnostics),
    /// Stages failed to build.
    Build(Vec<crate::build::BuildFailure>),
    /// Linking or writing failed.
    Other(anyhow::Error),
}

/// What `compose` produced.
#[derive(Debug)]
pub struct ComposeReport {
    /// The pipeline's name.
    pub name: String,
    /// The artifact and its size.
    pub link: LinkReport,
    /// The build record written next to the artifact.
    pub record: PathBuf,
    /// Each stage's build.
    pub stages: IndexMap<StageName, crate::build::BuiltStage>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

/// Checks the pipeline against declared worlds, builds every stage, checks the built
/// components against their worlds and the wires again, links, and writes the artifact
/// and its build record.
pub fn compose(
    path: &Path,
    output: Option<&Path>,
    options: &crate::build::BuildOptions,
    term: &crate::terminal::Terminal,
) -> Result<ComposeReport, ComposeError> {
    let built = build_stages(path, options, term)?;
    let manifest = &built.manifest;
    let output = output.map(Path::to_path_buf).unwrap_or_else(|| {
        manifest
            .dir
            .join("build")
            .join(format!("{}.wasm", manifest.name))
    });
    let record_path = output.with_extension("build.json");

    // Nothing changed since the last link: the artifact on disk is the one we would write.
    let link_key = link_key(manifest, &built.stages);
    if !options.no_cache
        && let Some(size) = up_to_date(&output, &record_path, &link_key)
    {
        term.note("Fresh", format!("{} (artifact unchanged)", manifest.name));
        return Ok(ComposeReport {
            name: manifest.name.clone(),
            link: LinkReport {
                output,
                stages: built.stages.len(),
                size,
            },
            record: record_path,
            stages: built.stages,
            warnings: built.warnings,
        });
    }
    let linked = link_built(built, term)?;
    let record = crate::build::BuildRecord::new(
        &linked.checked.manifest.dir,
        &linked.checked.manifest.name,
        link_key,
        crate::build::sha256_hex(&linked.checked.artifact),
        &linked.stages,
    );
    let name = record.pipeline.clone();
    let link = link_checked(linked.checked, &output).map_err(ComposeError::Other)?;
    let json = serde_json::to_vec_pretty(&record).expect("a build record serializes");
    link::write_atomically(&record_path, &json).map_err(ComposeError::Other)?;
    Ok(ComposeReport {
        name,
        link,
        record: record_path,
        stages: linked.stages,
        warnings: linked.warnings,
    })
}

/// A pipeline checked against its declared worlds, with every stage built.
#[derive(Debug)]
pub struct BuiltPipeline {
    /// The manifest.
    pub manifest: Manifest,
    wit: Option<WitDir>,
    declared: Contracts,
    /// Each stage's build.
    pub stages: IndexMap<StageName, crate::build::BuiltStage>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

/// A built pipeline, linked in memory.
#[derive(Debug)]
pub struct LinkedPipeline {
    /// The checked pipeline (its manifest) and its artifact.
    pub checked: Checked,
    /// Each stage's build.
    pub stages: IndexMap<StageName, crate::build::BuiltStage>,
    /// Warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

/// Loads and checks the pipeline at `path` (wiring mistakes surface before minutes of
/// compiling), then builds every stage.
pub fn build_stages(
    path: &Path,
    options: &crate::build::BuildOptions,
    term: &crate::terminal::Terminal,
) -> Result<BuiltPipeline, ComposeError> {
    let (manifest, wit) = load(path).map_err(ComposeError::Invalid)?;
    let Checked {
        manifest,
        wit,
        contracts: declared,
        warnings,
        ..
    } = check(manifest, wit, &IndexMap::new()).map_err(ComposeError::Invalid)?;
    let stages = crate::build::build_all(&manifest, wit.as_ref(), options, term)
        .map_err(ComposeError::Build)?;
    Ok(BuiltPipeline {
        manifest,
        wit,
        declared,
        stages,
        warnings,
    })
}

/// Checks the built components against their worlds and the wires again, and links.
pub fn link_built(
    built: BuiltPipeline,
    term: &crate::terminal::Terminal,
) -> Result<LinkedPipeline, ComposeError> {
    let BuiltPipeline {
        manifest,
        wit,
        declared,
        stages,
        warnings,
    } = built;
    let mut sources = IndexMap::new();
    for (name, b) in &stages {
        // Traps in the artifact then name the stage they happened in.
        let bytes = link::tag_stage_modules(&b.bytes, name.as_str());
        sources.insert(
            name.clone(),
            ComponentSource::Built {
                bytes,
                path: b.component.clone(),
            },
        );
    }
    term.status("Linking", &manifest.name);
    let checked =
        check_built(manifest, wit, &sources, Some(&declared)).map_err(ComposeError::Invalid)?;
    Ok(LinkedPipeline {
        checked,
        stages,
        warnings,
    })
}

/// Bumped whenever linking the same stages gives different bytes (guards, sections), so
/// an artifact linked by an older Weld of the same version is not taken as up to date.
const LINK_REVISION: u32 = 5;

/// The key of a link: the pipeline file, Weld's version and each stage's component.
fn link_key(manifest: &Manifest, built: &IndexMap<StageName, crate::build::BuiltStage>) -> String {
    let mut text = format!(
        "weld {} link {LINK_REVISION}\n{}\n",
        env!("CARGO_PKG_VERSION"),
        manifest.source.text
    );
    for (name, b) in built {
        let _ = writeln!(text, "{name} {}", b.component_hash);
    }
    crate::build::sha256_hex(text.as_bytes())
}

/// The artifact's size, when it and its build record are from a link with `key` and the
/// artifact was not changed since.
fn up_to_date(output: &Path, record: &Path, key: &str) -> Option<usize> {
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(record).ok()?).ok()?;
    if record["link_key"].as_str()? != key {
        return None;
    }
    let artifact = std::fs::read(output).ok()?;
    (record["artifact_hash"].as_str()? == crate::build::sha256_hex(&artifact))
        .then_some(artifact.len())
}
