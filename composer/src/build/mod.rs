//! Builds source stages into components, each with its own toolchain, offline, cached.
//!
//! Every `rust`, `go` and `js` stage is built independently, so they run in parallel.
//! A stage's cache key hashes everything that decides its bytes: its sources, the WIT
//! directory, its world, the toolchain's version and Weld's version. A hit skips the
//! build (`Fresh`); `--no-cache` forces it. Output leaves as one component per stage,
//! with the facts the build record keeps.

mod cache;
mod go;
mod js;
pub mod memory_image;
mod rust;
pub mod toolchain;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{Arc, Mutex},
};

use indexmap::IndexMap;
use serde::Serialize;

use crate::{
    manifest::{Init, JsEngine, Lang, Manifest, Stage, StageName, WarmUp},
    terminal::Terminal,
    wit::WitDir,
};

pub use cache::sha256_hex;
pub use toolchain::Toolchains;

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Rebuild every stage even when its inputs did not change.
    pub no_cache: bool,
    /// How many stages to build at once (0: one per core).
    pub jobs: usize,
    /// The work folder (build cache, toolchain scratch) [default: `.weld/` next to the
    /// pipeline]; `weld verify` builds in a fresh one.
    pub work_dir: Option<PathBuf>,
    /// Build with debug info and keep it (`weld compose --debug`), so traps name
    /// source lines: optimised code plus DWARF, for the stages whose toolchain emits it.
    pub debug: bool,
}

/// A stage's component and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct BuiltStage {
    /// The stage.
    pub stage: String,
    /// Its language.
    pub lang: Lang,
    /// The component file (in the pipeline's `.weld/` folder, or the prebuilt file).
    pub component: PathBuf,
    /// sha256 of the inputs: sources, WIT, world, toolchain and Weld versions.
    pub source_hash: String,
    /// sha256 of the component's bytes.
    pub component_hash: String,
    /// The toolchain that built it (`rustc 1.95.0 ...`), `weld <version> (generated)` for
    /// generated stages, empty for prebuilt ones.
    pub toolchain: String,
    /// The world it was built for.
    pub world: Option<String>,
    /// The WASI preview 1 adapter it was encoded with (Go stages).
    pub adapter: Option<String>,
    /// sha256 of Weld's npm lockfile, which pins componentize-js and its engine (JS stages).
    pub npm_lockfile: Option<String>,
    /// Built from a snapshot of its start-up (`init: snapshot`).
    pub init: Init,
    /// The engine of a JS stage.
    pub engine: Option<JsEngine>,
    /// What ran before its snapshot (`warm-up:`).
    pub warm_up: Option<WarmUp>,
    /// Built with debug info (`--debug`).
    pub debug: bool,
    /// Whether the cached component was reused.
    pub fresh: bool,
    /// The component's bytes, read once: the cache entry behind `component` may be
    /// dropped by another compose of the same folder before this one links.
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
}

/// A stage that failed to build, with the compiler's full output.
#[derive(Debug)]
pub struct BuildFailure {
    /// The stage.
    pub stage: StageName,
    /// Its language.
    pub lang: Lang,
    /// What failed, in one line.
    pub message: String,
    /// The compiler's output (stdout and stderr), shown in full.
    pub output: String,
    /// What to do about it, when Weld knows.
    pub help: Option<String>,
}

impl BuildFailure {
    fn new(stage: &Stage, message: impl Into<String>) -> Self {
        Self {
            stage: stage.name.clone(),
            lang: stage.lang,
            message: message.into(),
            output: String::new(),
            help: None,
        }
    }

    fn from_error(stage: &Stage, e: anyhow::Error) -> Self {
        Self::new(stage, format!("{e:#}"))
    }
}

/// What a builder gets.
struct BuildContext<'a> {
    wit: &'a WitDir,
    stage: &'a Stage,
    /// The pipeline's work folder, `.weld/` next to pipeline.yaml.
    work_dir: PathBuf,
    /// The folder of pipeline.yaml: source paths in the stage are written relative to it.
    pipeline_dir: &'a Path,
    /// Keep debug info (`--debug`).
    debug: bool,
    /// The pipeline's name.
    pipeline: &'a str,
    toolchain: &'a str,
    term: &'a Terminal,
    /// The pipeline serves HTTP: adapt WASI preview 1 with the proxy adapter, so the
    /// artifact imports only what `wasi:http/proxy` hosts (such as `wasmtime serve`)
    /// provide, instead of the reactor adapter's wasi:cli and filesystem imports.
    http_proxy: bool,
}

impl BuildContext<'_> {
    /// The stage's own scratch folder and cache, per pipeline: two pipelines in
    /// one folder may both have a stage `style` built from different sources.
    fn stage_dir(&self) -> PathBuf {
        self.work_dir
            .join("stages")
            .join(self.pipeline)
            .join(self.stage.name.as_str())
    }

    fn world(&self) -> anyhow::Result<wit_parser::WorldId> {
        let name = self.stage.world.as_deref().unwrap_or_default();
        self.wit.world(name).map_err(anyhow::Error::msg)
    }
}

/// Builds every source stage of `manifest` (prebuilt stages are read as they are).
/// Returns each stage's component, or every failure.
pub fn build_all(
    manifest: &Manifest,
    wit: Option<&WitDir>,
    options: &BuildOptions,
    term: &Terminal,
) -> Result<IndexMap<StageName, BuiltStage>, Vec<BuildFailure>> {
    build_selected(manifest, wit, options, term, &|_| true)
}

/// Builds the stages `selected` picks, as [`build_all`] would build them (same
/// adapters, same cache entries): `weld test --stage` builds only what it tests.
pub fn build_selected(
    manifest: &Manifest,
    wit: Option<&WitDir>,
    options: &BuildOptions,
    term: &Terminal,
    selected: &dyn Fn(&Stage) -> bool,
) -> Result<IndexMap<StageName, BuiltStage>, Vec<BuildFailure>> {
    let work_dir = options
        .work_dir
        .clone()
        .unwrap_or_else(|| manifest.dir.join(".weld"));
    let sources: Vec<&Stage> = manifest
        .stages
        .values()
        .filter(|s| s.lang != Lang::Wasm && selected(s))
        .collect();

    // Every toolchain problem is reported before anything is built.
    let langs: Vec<Lang> = sources.iter().map(|s| s.lang).collect();
    let toolchains = match Toolchains::detect_cached(
        &langs,
        &work_dir.join("toolchains.json"),
        options.no_cache,
    ) {
        Ok(t) => t,
        Err(problems) => {
            return Err(problems
                .into_iter()
                .map(|p| {
                    let stage = sources
                        .iter()
                        .find(|s| s.lang == p.lang)
                        .expect("a stage needs it");
                    BuildFailure {
                        help: Some(p.help),
                        ..BuildFailure::new(stage, p.message)
                    }
                })
                .collect());
        }
    };

    let http_proxy = manifest
        .exports
        .keys()
        .any(|e| crate::manifest::unversioned(e) == "wasi:http/incoming-handler");
    let results: Mutex<IndexMap<StageName, Result<BuiltStage, BuildFailure>>> =
        Mutex::new(IndexMap::new());
    let queue = Mutex::new(
        sources
            .iter()
            .copied()
            .collect::<std::collections::VecDeque<_>>(),
    );
    let jobs = match options.jobs {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .min(sources.len().max(1));

    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let Some(stage) = queue.lock().unwrap().pop_front() else {
                        break;
                    };
                    let Some(wit) = wit else {
                        let failure =
                            BuildFailure::new(stage, "the pipeline has no `wit` directory");
                        results
                            .lock()
                            .unwrap()
                            .insert(stage.name.clone(), Err(failure));
                        continue;
                    };
                    let cx = BuildContext {
                        wit,
                        stage,
                        work_dir: work_dir.clone(),
                        pipeline_dir: &manifest.dir,
                        debug: options.debug,
                        pipeline: &manifest.name,
                        toolchain: toolchains.version(stage.lang),
                        term,
                        http_proxy,
                    };
                    let result = build_stage(&cx, options);
                    results.lock().unwrap().insert(stage.name.clone(), result);
                }
            });
        }
    });

    let mut results = results.into_inner().unwrap();
    let mut built = IndexMap::new();
    let mut failures = Vec::new();
    for stage in manifest.stages.values().filter(|s| selected(s)) {
        if stage.lang == Lang::Wasm {
            match prebuilt(stage, wit, &work_dir) {
                Ok(b) => {
                    built.insert(stage.name.clone(), b);
                }
                Err(f) => failures.push(f),
            }
            continue;
        }
        match results
            .shift_remove(&stage.name)
            .expect("every stage was built")
        {
            Ok(b) => {
                built.insert(stage.name.clone(), b);
            }
            Err(f) => failures.push(f),
        }
    }
    if failures.is_empty() {
        Ok(built)
    } else {
        Err(failures)
    }
}

/// A prebuilt stage as it is, or a generated one made and written under `work_dir`.
fn prebuilt(
    stage: &Stage,
    wit: Option<&WitDir>,
    work_dir: &Path,
) -> Result<BuiltStage, BuildFailure> {
    // A generated component is made by Weld itself: its version is the toolchain.
    let toolchain = match stage.generated {
        Some(_) => format!("weld {} (generated)", env!("CARGO_PKG_VERSION")),
        None => String::new(),
    };
    let (bytes, component) = match crate::glue::component(stage, wit) {
        None => (
            crate::component::read(&stage.path)
                .map_err(|e| BuildFailure::new(stage, e.to_string()))?,
            stage.path.clone(),
        ),
        Some(generated) => {
            let bytes = generated.map_err(|e| BuildFailure::from_error(stage, e.into()))?;
            let path = work_dir
                .join("generated")
                .join(format!("{}.wasm", stage.name));
            if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
                crate::link::write_atomically(&path, &bytes)
                    .map_err(|e| BuildFailure::from_error(stage, e))?;
            }
            (bytes, path)
        }
    };
    let hash = cache::sha256_hex(&bytes);
    Ok(BuiltStage {
        bytes: bytes.into(),
        stage: stage.name.to_string(),
        lang: Lang::Wasm,
        component,
        source_hash: hash.clone(),
        component_hash: hash,
        toolchain,
        world: None,
        adapter: None,
        npm_lockfile: None,
        init: Init::Start,
        engine: None,
        warm_up: None,
        debug: false,
        fresh: true,
    })
}

fn build_stage(cx: &BuildContext<'_>, options: &BuildOptions) -> Result<BuiltStage, BuildFailure> {
    let stage = cx.stage;
    let key = cache::input_hash(cx).map_err(|e| BuildFailure::from_error(stage, e))?;
    if !options.no_cache
        && let Some(bytes) = cache::load(cx, &key)
    {
        cx.term
            .note("Fresh", format!("{} ({})", stage.name, stage.lang));
        return Ok(finish(cx, key, bytes, true));
    }
    cx.term
        .status("Compiling", format!("{} ({})", stage.name, stage.lang));
    let spinner = cx
        .term
        .spinner(format!("building {} ({})", stage.name, stage.lang));
    let bytes = match stage.lang {
        Lang::Rust => rust::build(cx),
        Lang::Go => go::build(cx),
        Lang::Js => js::build(cx),
        Lang::Wasm => unreachable!("prebuilt stages are not built"),
    };
    spinner.finish_and_clear();
    let bytes = bytes?;
    cache::store(cx, &key, &bytes).map_err(|e| BuildFailure::from_error(stage, e))?;
    Ok(finish(cx, key, bytes, false))
}

fn finish(cx: &BuildContext<'_>, key: String, bytes: Vec<u8>, fresh: bool) -> BuiltStage {
    let stage = cx.stage;
    BuiltStage {
        stage: stage.name.to_string(),
        lang: stage.lang,
        component: cache::component_path(cx, &key),
        source_hash: key,
        component_hash: cache::sha256_hex(&bytes),
        toolchain: cx.toolchain.to_string(),
        world: stage.world.clone(),
        adapter: (stage.lang == Lang::Go).then(|| adapter_name(cx.http_proxy)),
        npm_lockfile: (stage.lang == Lang::Js)
            .then(|| {
                std::fs::read(toolchain::js_tools_dir().join("package-lock.json"))
                    .ok()
                    .map(|b| cache::sha256_hex(&b))
            })
            .flatten(),
        init: stage.init,
        engine: stage.engine,
        warm_up: stage.warm_up,
        debug: cx.debug,
        fresh,
        bytes: bytes.into(),
    }
}

/// The adapter a Go stage is encoded with, as the build record names it.
fn adapter_name(http_proxy: bool) -> String {
    format!(
        "wasi_snapshot_preview1 {} (wasmtime {})",
        if http_proxy { "proxy" } else { "reactor" },
        ADAPTER_VERSION
    )
}

/// The version of `wasi-preview1-component-adapter-provider` (equal to wasmtime's).
const ADAPTER_VERSION: &str = "48.0.8";

/// Runs a toolchain command; on failure the error carries its full output.
fn run(
    cx: &BuildContext<'_>,
    mut cmd: Command,
    what: &str,
) -> Result<std::process::Output, BuildFailure> {
    cx.term.verbose("Running", format!("{cmd:?}"));
    let output = cmd.output().map_err(|e| {
        BuildFailure::new(
            cx.stage,
            format!(
                "failed to run {what} (`{}`): {e}",
                cmd.get_program().to_string_lossy()
            ),
        )
    })?;
    if output.status.success() {
        return Ok(output);
    }
    // Cargo's JSON messages (`--message-format=json-render-diagnostics`) are for Weld;
    // the diagnostics they carry are rendered on stderr.
    let mut text: String = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.starts_with("{\"reason\":"))
        .flat_map(|line| [line, "\n"])
        .collect();
    text += &String::from_utf8_lossy(&output.stderr);
    Err(BuildFailure {
        output: text,
        ..BuildFailure::new(cx.stage, format!("{what} failed ({})", output.status))
    })
}

/// `core`, built for the stage's world, encoded as a component, its WASI preview 1
/// imports adapted by `adapter`.
fn encode_component(
    cx: &BuildContext<'_>,
    mut core: Vec<u8>,
    embed: bool,
    adapter: &[u8],
) -> Result<Vec<u8>, BuildFailure> {
    let world = cx
        .world()
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?;
    if embed {
        wit_component::embed_component_metadata(
            &mut core,
            &cx.wit.resolve,
            world,
            wit_component::StringEncoding::UTF8,
            false,
        )
        .map_err(|e| BuildFailure::from_error(cx.stage, e.context("failed to embed the world")))?;
    }
    wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|e| {
            e.adapter(
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
                adapter,
            )
        })
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| {
            BuildFailure::from_error(cx.stage, e.context("failed to encode the component"))
        })
}

/// `weld-wizer`, next to the running `weld` (Cargo builds and installs the two binaries
/// of the package together), or one folder up from a test harness in `deps/`.
fn weld_wizer() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = format!("weld-wizer{}", std::env::consts::EXE_SUFFIX);
    let dir = exe.parent()?;
    std::iter::once(dir.join(&name))
        .chain(dir.parent().map(|up| up.join(&name)))
        .find(|wizer| wizer.is_file())
}

/// Absolute form of a path, for tools run in another directory.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The build record written next to the artifact: per stage, what went in and out.
/// Paths are relative to the pipeline, so a record made in one checkout compares with
/// one made in another.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct BuildRecord {
    /// The pipeline's name.
    pub pipeline: String,
    /// The Weld that composed it.
    pub weld_version: String,
    /// sha256 of everything linking depends on: the pipeline file, Weld's version and
    /// every stage's component; equal keys give equal artifacts.
    pub link_key: String,
    /// sha256 of the composed artifact.
    pub artifact_hash: String,
    /// Stages were built with debug info (`weld compose --debug`); `weld verify`
    /// rebuilds the same way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub debug: bool,
    /// Every stage, in manifest order.
    pub stages: Vec<StageRecord>,
}

/// One stage in the build record: every input that decides its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StageRecord {
    /// The stage.
    pub stage: String,
    /// Its language.
    pub lang: String,
    /// Its component, relative to the pipeline file's folder.
    pub component: String,
    /// sha256 of the inputs: sources, WIT, world, toolchain and Weld versions.
    pub source_hash: String,
    /// sha256 of the component's bytes.
    pub component_hash: String,
    /// The toolchain that built it, empty for prebuilt stages.
    pub toolchain: String,
    /// The world it was built for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<String>,
    /// The WASI adapter it was encoded with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapter: Option<String>,
    /// sha256 of Weld's npm lockfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npm_lockfile: Option<String>,
    /// `snapshot` when built from a snapshot of its start-up.
    #[serde(default, skip_serializing_if = "is_start")]
    pub init: Init,
    /// The engine of a JS stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<JsEngine>,
    /// `tests` when the stage's test calls ran before its snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_up: Option<WarmUp>,
}

fn is_start(init: &Init) -> bool {
    *init == Init::Start
}

impl BuildRecord {
    /// The record of stages built for the pipeline in `dir`.
    pub fn new(
        dir: &Path,
        pipeline: &str,
        link_key: String,
        artifact_hash: String,
        stages: &IndexMap<StageName, BuiltStage>,
    ) -> Self {
        Self {
            pipeline: pipeline.to_string(),
            weld_version: env!("CARGO_PKG_VERSION").to_string(),
            link_key,
            artifact_hash,
            debug: stages.values().any(|b| b.debug),
            stages: stages.values().map(|b| StageRecord::new(dir, b)).collect(),
        }
    }
}

impl StageRecord {
    /// The record of `built`, its paths relative to `dir`.
    pub fn new(dir: &Path, built: &BuiltStage) -> Self {
        let dir = absolute(dir);
        let component = pathdiff::diff_paths(absolute(&built.component), &dir)
            .unwrap_or_else(|| built.component.clone());
        Self {
            stage: built.stage.clone(),
            lang: built.lang.to_string(),
            component: component.to_string_lossy().into_owned(),
            source_hash: built.source_hash.clone(),
            component_hash: built.component_hash.clone(),
            toolchain: built.toolchain.clone(),
            world: built.world.clone(),
            adapter: built.adapter.clone(),
            npm_lockfile: built.npm_lockfile.clone(),
            init: built.init,
            engine: built.engine,
            warm_up: built.warm_up,
        }
    }
}
