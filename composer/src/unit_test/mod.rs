//! `weld test`: unit tests of single stages, run as the very component that is linked.
//!
//! # Where cases live
//!
//! Next to the stage, in `<stage-name>.test.yaml`:
//! - `rust` and `go` stages: inside the stage's folder (the crate or module),
//!   e.g. `stages/orders/orders.test.yaml`;
//! - `js` and `wasm` stages: next to the entry or component file,
//!   e.g. `stages/style/style.test.yaml` for `path: stages/style/style.js`.
//!
//! A stage without such a file has no tests.
//!
//! # Format
//!
//! A list of cases. Values are WAVE (as `weld invoke` takes them), written as the
//! YAML scalar's own text: `"hi"` is the WAVE string `"hi"`, `["a", "b"]` a WAVE list;
//! put text containing `: ` or ` #` in single quotes (`'ok({words: 2})'`).
//!
//! ```yaml
//! - name: rejects an expired token
//!   call: demo:edge/tokens.verify("alice.1700003600.f56f...", 1700003600)
//!   expect: err(expired)              # or `expect-trap: "unreachable"`; neither: must return
//!   mocks:                            # canned answers of the stage's imports
//!     demo:text/clean.normalize: '"a b"'                 # the same on every call
//!     demo:text/clean.words: { sequence: ['["a"]', '[]'] }  # one per call, in order
//!     demo:text/style.apply:                           # by arguments
//!       match:
//!         - { args: '(["a"], title)', return: 'ok("A")' }
//!         - { args: '(_, upper)', return: 'ok("?")' }   # `_`: any value of that argument
//!       default: 'err("no")'
//!   expect-calls:                     # imports that must have been called
//!     - call: demo:text/clean.words("a")   # with these arguments (`_` for any one, or
//!       times: 1                           # `iface.func`: any); `times`: exactly, else
//!                                          # at least once
//!   config: { secret: s3cret }        # what `wasi:config/store` answers (key -> string)
//! ```
//!
//! Configuration for every case makes the file a mapping, `config:` and `cases:` (the list
//! above); a case's `config` is laid over the file's, and `key: ~` unsets one of its keys.
//! Keys are those the stage asks for: it runs alone, with no `<stage>.` prefix.
//!
//! # How it runs
//!
//! The stage is built (or taken from the build cache, the same bytes `weld compose`
//! links) and loaded alone into wasmtime. Before anything runs, every case's call,
//! expectation, mocks and expected calls are checked against the component's types; a
//! misfit is a diagnostic at its line. Then each case gets a fresh instance: WASI is
//! linked with every capability denied (stdout/stderr go to the terminal as logs) but the
//! case's configuration, and every other import answers from the case's mocks; an
//! unmocked import that is called fails the case, naming it.

pub mod cases;
mod junit;
mod runner;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use indexmap::IndexMap;

pub use cases::slug;

use crate::{
    build::{self, BuildFailure, BuildOptions},
    diagnostic::{Diagnostic, Diagnostics, did_you_mean},
    manifest::{Lang, Stage},
    pipeline,
    terminal::Terminal,
};

/// The test file of `stage`: `<stage dir>/<name>.test.yaml` for `rust` and `go`
/// stages, `<dir of the file>/<name>.test.yaml` for `js` and `wasm` stages.
pub fn test_file(stage: &Stage) -> PathBuf {
    let file = format!("{}.test.yaml", stage.name);
    match stage.lang {
        Lang::Rust | Lang::Go => stage.path.join(file),
        Lang::Js | Lang::Wasm => stage
            .path
            .parent()
            .map_or_else(|| PathBuf::from(&file), |dir| dir.join(&file)),
    }
}

/// What to test.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only this stage.
    pub stage: Option<String>,
    /// Only cases whose `stage::case` name contains this text.
    pub filter: Option<String>,
    /// How to build the stages.
    pub build: BuildOptions,
    /// How long one case may run.
    pub timeout: Option<Duration>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The stage.
    pub stage: String,
    /// The case's slug.
    pub case: String,
    /// The test file and line of the case.
    pub location: String,
    /// `None`: passed; else what went wrong.
    pub failure: Option<String>,
    /// How long it ran.
    pub duration: Duration,
}

impl CaseResult {
    /// `stage::case`.
    pub fn full_name(&self) -> String {
        format!("{}::{}", self.stage, self.case)
    }
}

/// Every case run.
#[derive(Debug, Clone, Default)]
pub struct TestReport {
    /// The pipeline's name.
    pub pipeline: String,
    /// Results in run order.
    pub results: Vec<CaseResult>,
    /// Cases left out by the filter.
    pub filtered_out: usize,
}

impl TestReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.failure.is_none()).count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// JUnit XML of the results, one `<testsuite>` per stage.
    pub fn junit(&self) -> String {
        junit::render(self)
    }
}

/// Why tests could not run.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// The pipeline or a test file is invalid, or a case does not fit its stage.
    #[error("{0}")]
    Invalid(Diagnostics),
    /// Stages failed to build.
    #[error("{} failed to build", crate::terminal::count(.0.len(), "stage"))]
    Build(Vec<BuildFailure>),
    /// Anything else (loading or linking a component).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Builds the pipeline's stages, checks every selected case, then runs them, calling
/// `on_result` as each finishes.
pub fn run(
    path: &Path,
    options: &TestOptions,
    term: &Terminal,
    on_result: &mut dyn FnMut(&CaseResult),
) -> Result<TestReport, TestError> {
    let (manifest, wit) = pipeline::load(path).map_err(TestError::Invalid)?;
    if let Some(name) = &options.stage
        && !manifest.stages.keys().any(|s| s.as_str() == name)
    {
        let mut d = Diagnostic::error(format!("the pipeline has no stage `{name}`"));
        if let Some(help) = did_you_mean(name, manifest.stages.keys().map(|s| s.as_str())) {
            d = d.help(help);
        }
        return Err(TestError::Invalid(d.into()));
    }

    // Test files first: a broken file fails before minutes of building.
    let mut diags = Diagnostics::default();
    let mut files = IndexMap::new();
    for stage in manifest.stages.values() {
        if options
            .stage
            .as_deref()
            .is_some_and(|s| s != stage.name.as_str())
        {
            continue;
        }
        if stage.generated.is_some() {
            if options.stage.is_some() {
                diags.push(
                    Diagnostic::error(format!(
                        "stage `{}` is generated by Weld from `http:`, so it has no unit tests",
                        stage.name
                    ))
                    .help("test the handler and middleware stages it calls; serve the artifact (`weld-shim serve`) to try the routes"),
                );
            }
            continue;
        }
        let file = test_file(stage);
        if !file.exists() {
            if options.stage.is_some() {
                diags.push(
                    Diagnostic::error(format!("stage `{}` has no tests", stage.name))
                        .help(format!("write its cases in `{}`", file.display())),
                );
            } else {
                term.verbose(
                    "Skipping",
                    format!("{} (no `{}`)", stage.name, file.display()),
                );
            }
            continue;
        }
        match cases::load(&file) {
            Ok(f) => {
                files.insert(stage.name.clone(), f);
            }
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(TestError::Invalid(diags));
    }

    // Only the stages with cases to run are built.
    let built = build::build_selected(&manifest, wit.as_ref(), &options.build, term, &|stage| {
        files.contains_key(&stage.name)
    })
    .map_err(TestError::Build)?;

    let engine = weld_shim::WeldEngine::new(&weld_shim::EngineOptions {
        limits: weld_shim::Limits {
            timeout: options.timeout,
            max_memory: None,
        },
        ..Default::default()
    })
    .map_err(anyhow::Error::from)?;
    let mut stages = Vec::new();
    let mut filtered_out = 0;
    for (name, file) in &files {
        let component = &built[name];
        term.status(
            "Loading",
            format!("{name} (`{}`)", component.component.display()),
        );
        // Named as in a composed artifact, so a trap's stack says `stage `name``
        // instead of leaving the frames of modules without names unattributed.
        let tagged = crate::link::names::tag_stage_modules(&component.bytes, name.as_str());
        let loaded = load(&engine, &component.component, &tagged)
            .map_err(|e| e.context(format!("cannot load stage `{name}`")))?;
        let runner = runner::StageRunner::new(&engine, &loaded)
            .map_err(|e| e.context(format!("cannot link stage `{name}` for testing")))?;
        let mut checked = runner.check(file, &mut diags);
        // The stage sees only the keys it declares, with their defaults, as in the
        // composed artifact.
        let declared = &manifest.stages[name].grants.config;
        {
            for case in &mut checked {
                for key in case.apply_declared_config(declared) {
                    diags.push(
                        Diagnostic::error(format!(
                            "case `{}` sets configuration key `{key}`, which stage `{name}` does not declare",
                            case.slug
                        ))
                        .note(format!("at {}:{}", file.source.display_path.display(), case.line))
                        .help(format!(
                            "declare it under `config:` of stage `{name}` in pipeline.yaml, or remove it from the case"
                        )),
                    );
                }
            }
        }
        let selected: Vec<_> = checked
            .into_iter()
            .filter(|c| {
                let keep = options
                    .filter
                    .as_deref()
                    .is_none_or(|f| format!("{name}::{}", c.slug).contains(f));
                if !keep {
                    filtered_out += 1;
                }
                keep
            })
            .collect();
        stages.push((
            name.clone(),
            file.source.display_path.clone(),
            runner,
            selected,
        ));
    }
    if diags.has_errors() {
        return Err(TestError::Invalid(diags));
    }

    let mut report = TestReport {
        pipeline: manifest.name.clone(),
        results: Vec::new(),
        filtered_out,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::Error::from(e).context("cannot start an async runtime"))?;
    for (name, file, runner, cases) in &stages {
        for case in cases {
            let start = Instant::now();
            let outcome = rt.block_on(runner.run(case));
            let result = CaseResult {
                stage: name.to_string(),
                case: case.slug.clone(),
                location: format!("{}:{}", file.display(), case.line),
                failure: match outcome {
                    runner::Outcome::Pass => None,
                    runner::Outcome::Fail(text) => Some(text),
                },
                duration: start.elapsed(),
            };
            on_result(&result);
            report.results.push(result);
        }
    }
    Ok(report)
}

/// Loads a stage's component (its bytes as the build read them, so `.wat` stages work
/// as in `compose`) through the shim's compilation cache.
fn load(
    engine: &weld_shim::WeldEngine,
    path: &Path,
    bytes: &[u8],
) -> anyhow::Result<weld_shim::wasmtime::component::Component> {
    Ok(weld_shim::loader::compile_cached(engine, path, bytes, &Default::default())?.component)
}
