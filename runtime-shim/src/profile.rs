//! Guest profiles (`invoke --profile`, `serve --profile`): wasmtime's guest profiler
//! samples the guest's stack at every epoch tick, and the result is written in the
//! Firefox Profiler's format (open it at <https://profiler.firefox.com>), with a short
//! per-stage summary read back from that same file.
//!
//! One profile collects the samples of every store it is attached to: `serve` attaches
//! it to each request's store, so the profile covers all requests (their samples are
//! interleaved on one thread track, which the profiler's call tree and flame graph
//! aggregate). Samples are taken only while guest code runs, at function entries and
//! loop headers (epoch checks), so time spent in the host is not in the profile.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{GuestProfiler, StoreContextMut};

use crate::diagnose::{GLUE, demangle, stage_of_module};
use crate::engine::WeldEngine;
use crate::limits::{EpochSampler, HumanDuration};
use crate::loader::write_atomically;

/// The sampling interval when none is given.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(1);

/// What to profile and where to write it.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// The Firefox Profiler JSON file to write.
    pub path: PathBuf,
    /// How often the guest's stack is sampled.
    pub interval: Duration,
    /// `serve`: stop profiling (and write the file) after this many requests.
    pub requests: Option<u64>,
    /// `serve`: stop profiling (and write the file) after this long.
    pub duration: Option<Duration>,
}

impl ProfileOptions {
    /// Profile into `path` at the default interval, with no bound.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            interval: DEFAULT_INTERVAL,
            requests: None,
            duration: None,
        }
    }
}

/// Why a profile could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Wasmtime's profiler refused the component.
    #[error("cannot profile the component")]
    Start(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The profile could not be serialized.
    #[error("cannot serialize the profile")]
    Serialize(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The file could not be written.
    #[error("cannot write the profile to `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A profile being recorded.
pub struct GuestProfile {
    profiler: Mutex<Option<GuestProfiler>>,
    options: ProfileOptions,
    /// Samples taken so far.
    samples: AtomicU64,
    /// `serve`: requests finished so far.
    requests: AtomicU64,
}

impl std::fmt::Debug for GuestProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestProfile")
            .field("options", &self.options)
            .field("samples", &self.samples)
            .finish_non_exhaustive()
    }
}

impl GuestProfile {
    /// Starts profiling `component` (every core module of every stage).
    pub fn start(
        engine: &WeldEngine,
        name: &str,
        component: &Component,
        options: ProfileOptions,
    ) -> Result<Arc<Self>, ProfileError> {
        let profiler = GuestProfiler::new_component(
            engine.engine(),
            name,
            options.interval,
            component.clone(),
            [],
        )
        .map_err(|e| ProfileError::Start(e.into_boxed_dyn_error()))?;
        Ok(Arc::new(Self {
            profiler: Mutex::new(Some(profiler)),
            options,
            samples: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }))
    }

    /// The options it was started with.
    pub fn options(&self) -> &ProfileOptions {
        &self.options
    }

    /// The sampler to arm a store's epoch callback with
    /// ([`crate::limits::arm_epoch`]).
    pub fn sampler<T: 'static>(self: &Arc<Self>) -> EpochSampler<T> {
        let profile = self.clone();
        Arc::new(move |store: StoreContextMut<'_, T>| {
            let mut profiler = profile.profiler.lock().unwrap_or_else(|e| e.into_inner());
            // `None` once finished: later samples are dropped.
            if let Some(profiler) = profiler.as_mut() {
                profiler.sample(&store, Duration::ZERO);
                profile.samples.fetch_add(1, Ordering::Relaxed);
            }
        })
    }

    /// Counts a finished request; true when that reaches `--profile-requests`.
    pub fn request_finished(&self) -> bool {
        let done = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        self.options.requests.is_some_and(|limit| done == limit)
    }

    /// Stops sampling, writes the file and returns its summary; `None` when the
    /// profile was already finished.
    pub fn finish(&self) -> Result<Option<ProfileSummary>, ProfileError> {
        let Some(profiler) = self
            .profiler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return Ok(None);
        };
        let mut json = Vec::new();
        profiler
            .finish(&mut json)
            .map_err(|e| ProfileError::Serialize(e.into_boxed_dyn_error()))?;
        write_atomically(&self.options.path, &json)
            .and_then(|()| {
                // Readable like any other output file (the temporary file was 0600).
                #[cfg(unix)]
                std::fs::set_permissions(
                    &self.options.path,
                    std::os::unix::fs::PermissionsExt::from_mode(0o644),
                )?;
                Ok(())
            })
            .map_err(|source| ProfileError::Write {
                path: self.options.path.clone(),
                source,
            })?;
        let value: serde_json::Value =
            serde_json::from_slice(&json).map_err(|e| ProfileError::Serialize(e.into()))?;
        let mut summary = ProfileSummary::of(&value);
        summary.path = self.options.path.clone();
        summary.interval = self.options.interval;
        Ok(Some(summary))
    }
}

/// Where the samples of a profile fell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileSummary {
    /// The file written.
    pub path: PathBuf,
    /// The sampling interval.
    pub interval: Duration,
    /// Samples with at least one guest frame.
    pub samples: u64,
    /// Per stage, most self samples first. Frames of modules that belong to no stage
    /// (adapters, glue) count as the stage `None`.
    pub stages: Vec<StageShare>,
    /// The functions most samples were innermost in: stage, function, samples.
    pub functions: Vec<(Option<String>, String, u64)>,
}

/// Where one stage's samples fell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageShare {
    /// The stage; `None` for modules of no stage.
    pub stage: Option<String>,
    /// Samples whose innermost frame ran in the stage: time spent in its own code.
    pub own: u64,
    /// Samples with the stage anywhere on the stack: time in it and in what it called.
    pub total: u64,
}

/// How many functions the summary lists.
const TOP_FUNCTIONS: usize = 10;

impl ProfileSummary {
    /// Reads a Firefox Profiler ("processed profile") JSON document: each sample's
    /// innermost frame, its function and the library (core module) it belongs to.
    pub fn of(profile: &serde_json::Value) -> Self {
        let mut stages: Vec<StageShare> = Vec::new();
        let mut functions: Vec<(Option<String>, String, u64)> = Vec::new();
        let mut samples = 0;
        let empty = Vec::new();
        let threads = profile["threads"].as_array().unwrap_or(&empty);
        for thread in threads {
            let column = |table: &str, name: &str| -> Vec<Option<u64>> {
                thread[table][name]
                    .as_array()
                    .unwrap_or(&empty)
                    .iter()
                    .map(serde_json::Value::as_u64)
                    .collect()
            };
            let strings: Vec<&str> = thread["stringArray"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(|s| s.as_str().unwrap_or(""))
                .collect();
            let string = |index: Option<u64>| {
                index
                    .and_then(|i| strings.get(i as usize).copied())
                    .unwrap_or("")
            };
            let stack_frame = column("stackTable", "frame");
            let stack_prefix = column("stackTable", "prefix");
            let frame_func = column("frameTable", "func");
            let func_name = column("funcTable", "name");
            let func_resource = column("funcTable", "resource");
            let resource_name = column("resourceTable", "name");
            let at = |column: &[Option<u64>], index: Option<u64>| {
                index.and_then(|i| column.get(i as usize).copied().flatten())
            };
            let stage_of_func = |func: u64| {
                let module = string(at(&resource_name, at(&func_resource, Some(func))));
                stage_of_module(module).map(str::to_string)
            };
            for stack in column("samples", "stack") {
                // A sample with no guest frame has no stack.
                let Some(func) = at(&frame_func, at(&stack_frame, stack)) else {
                    continue;
                };
                samples += 1;
                let stage = stage_of_func(func);
                let function = demangle(string(at(&func_name, Some(func))));
                // Every stage on the stack, innermost first, each once.
                let mut on_stack: Vec<Option<String>> = Vec::new();
                let mut frame = stack;
                while let Some(index) = frame {
                    if let Some(func) = at(&frame_func, at(&stack_frame, Some(index))) {
                        let stage = stage_of_func(func);
                        if !on_stack.contains(&stage) {
                            on_stack.push(stage);
                        }
                    }
                    frame = at(&stack_prefix, Some(index));
                }
                for (depth, stage) in on_stack.into_iter().enumerate() {
                    let share = match stages.iter().position(|s| s.stage == stage) {
                        Some(i) => &mut stages[i],
                        None => {
                            stages.push(StageShare {
                                stage,
                                own: 0,
                                total: 0,
                            });
                            stages.last_mut().expect("just pushed")
                        }
                    };
                    share.total += 1;
                    if depth == 0 {
                        share.own += 1;
                    }
                }
                match functions
                    .iter_mut()
                    .find(|(s, f, _)| *s == stage && *f == function)
                {
                    Some((_, _, n)) => *n += 1,
                    None => functions.push((stage, function, 1)),
                }
            }
        }
        stages.sort_by(|a, b| {
            (b.own, b.total)
                .cmp(&(a.own, a.total))
                .then_with(|| a.stage.cmp(&b.stage))
        });
        functions.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        functions.truncate(TOP_FUNCTIONS);
        Self {
            samples,
            stages,
            functions,
            ..Self::default()
        }
    }

    /// How `stage`'s samples fell, if any did.
    pub fn stage(&self, stage: &str) -> Option<&StageShare> {
        self.stages
            .iter()
            .find(|s| s.stage.as_deref() == Some(stage))
    }
}
impl std::fmt::Display for ProfileSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Continuation lines line up under the text of a cargo-style status line.
        const INDENT: &str = "             ";
        write!(
            f,
            "{} samples, one every {}, in `{}` (open it at https://profiler.firefox.com)",
            self.samples,
            HumanDuration(self.interval),
            self.path.display()
        )?;
        if self.samples == 0 {
            return write!(
                f,
                "\n{INDENT}no sample fell in guest code: it ran for less than the interval (try a smaller `--profile-interval`)"
            );
        }
        let share = |n: u64| 100.0 * n as f64 / self.samples as f64;
        let stage_name = |stage: &Option<String>| match stage {
            Some(stage) => format!("stage `{stage}`"),
            None => GLUE.to_string(),
        };
        write!(f, "\n{INDENT}  own  total")?;
        for share_of in &self.stages {
            write!(
                f,
                "\n{INDENT}{:4.0}%  {:4.0}%  {}",
                share(share_of.own),
                share(share_of.total),
                stage_name(&share_of.stage)
            )?;
        }
        write!(f, "\n{INDENT}top functions (own time):")?;
        for (stage, function, n) in &self.functions {
            write!(
                f,
                "\n{INDENT}{:4.0}%  {}: {function}",
                share(*n),
                stage_name(stage)
            )?;
        }
        Ok(())
    }
}
