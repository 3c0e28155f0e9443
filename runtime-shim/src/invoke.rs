//! `invoke`: call one exported function with arguments written in WAVE
//! (`demo:text/pipeline.process("Hello")`) and print its results in WAVE.
//!
//! [`invoke`] is the whole command: load, pre-instantiate, parse the call
//! against the function's type, instantiate in a fresh store, call. The
//! steps are public as [`Prepared`] and [`Call`] so that repeated calls
//! (the benchmark, `weld test`) pay for loading and linking once.

use std::path::PathBuf;

use wasmtime::Store;
use wasmtime::component::wasm_wave::wasm::{DisplayFuncResults, DisplayType};
use wasmtime::component::{Component, Instance, InstancePre, Type, Val};

use crate::capabilities::{Capabilities, Stdio};
use crate::diagnose::{GuestError, classify};
use crate::engine::{EngineOptions, WeldEngine};
use crate::exports::{ExportedFunc, Exports, ResolveError};
use crate::host::{Host, new_store};
use crate::limits::{EpochSampler, Limits, arm_epoch};
use crate::loader::LoadOptions;
use crate::prepare::{PrepareError, instantiate_pre, open};

/// Options for [`invoke`].
#[derive(Debug, Clone)]
pub struct InvokeOptions {
    /// The component or precompiled component to call into.
    pub artifact: PathBuf,
    /// `<interface>.<function>(<args>)` or `<function>(<args>)`, arguments
    /// in WAVE.
    pub call: String,
    /// What the guest may reach on the host.
    pub capabilities: Capabilities,
    /// Timeout and memory limit of the call.
    pub limits: Limits,
    /// Cache behaviour.
    pub load: LoadOptions,
}

/// The result of a successful call.
#[derive(Debug, Clone)]
pub struct InvokeOutput {
    /// The function called, fully qualified.
    pub function: String,
    /// The results as values.
    pub results: Vec<Val>,
    /// The results in WAVE: one value as is, several as a tuple, none as
    /// `()`.
    pub wave: String,
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The engine, the artifact or its imports are not right.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The call is not `name(args)` in WAVE.
    #[error(
        "invalid call `{call}`: {reason} (expected `<interface>.<function>(<args>)` with arguments in WAVE, e.g. `demo:text/pipeline.process(\"Hello\")`)"
    )]
    Syntax {
        /// The call as written.
        call: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The name does not resolve to one function.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The number of arguments does not match.
    #[error("`{function}` takes {expected} argument{}, {given} given\n  signature: {signature}\n{exports}", if *expected == 1 { "" } else { "s" })]
    Arity {
        /// The function.
        function: String,
        /// Parameters it declares.
        expected: usize,
        /// Arguments given.
        given: usize,
        /// Its signature.
        signature: String,
        /// What the artifact exports.
        exports: Exports,
    },
    /// An argument does not have the parameter's type.
    #[error("arguments do not match `{function}`: {reason}\n  signature: {signature}\n{exports}")]
    ArgumentType {
        /// The function.
        function: String,
        /// Which argument and why.
        reason: String,
        /// Its signature.
        signature: String,
        /// What the artifact exports.
        exports: Exports,
    },
    /// The guest failed: trap, deadline, memory limit.
    #[error(transparent)]
    Guest(#[from] GuestError),
    /// The profiler could not start.
    #[cfg(feature = "profiling")]
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    /// The results cannot be written as WAVE.
    #[error("cannot print the results of `{function}` as WAVE")]
    Print {
        /// The function.
        function: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Runs the whole `invoke` command.
pub fn invoke(options: &InvokeOptions) -> Result<InvokeOutput, InvokeError> {
    let (prepared, call, _) = prepare_call(options, &EngineOptions::one_shot(options.limits))?;
    run_call(&prepared, &call)
}

/// [`invoke`] under wasmtime's guest profiler: instantiation and the call are sampled
/// and the profile is written even when the call fails (a profile of a trap or a
/// deadline is worth having). Returns the call's outcome and the profile's summary.
#[cfg(feature = "profiling")]
pub fn invoke_profiled(
    options: &InvokeOptions,
    profile: crate::profile::ProfileOptions,
) -> (
    Result<InvokeOutput, InvokeError>,
    Option<Result<crate::profile::ProfileSummary, crate::profile::ProfileError>>,
) {
    let engine_options = EngineOptions {
        sample_interval: Some(profile.interval),
        ..EngineOptions::one_shot(options.limits)
    };
    let (mut prepared, call, component) = match prepare_call(options, &engine_options) {
        Ok(prepared) => prepared,
        Err(error) => return (Err(error), None),
    };
    let name = options.artifact.display().to_string();
    let profile =
        match crate::profile::GuestProfile::start(&prepared.engine, &name, &component, profile) {
            Ok(profile) => profile,
            Err(error) => return (Err(InvokeError::Profile(error)), None),
        };
    prepared.sample_with(profile.sampler());
    let result = run_call(&prepared, &call);
    (result, profile.finish().transpose())
}

/// Loads, links and pre-instantiates the artifact and parses the call against it.
fn prepare_call(
    options: &InvokeOptions,
    engine_options: &EngineOptions,
) -> Result<(Prepared, Call, Component), InvokeError> {
    let (engine, loaded) = open(engine_options, &options.artifact, &options.load)?;
    let prepared = Prepared::new(
        &engine,
        &options.artifact,
        &loaded.component,
        options.capabilities.clone(),
    )?;
    let call = prepared.parse_call(&options.call)?;
    Ok((prepared, call, loaded.component))
}

/// Instantiates in a fresh store and makes the call.
fn run_call(prepared: &Prepared, call: &Call) -> Result<InvokeOutput, InvokeError> {
    block_on(async {
        let (mut store, instance) = prepared.instantiate().await?;
        let results = prepared.call(&mut store, &instance, call).await?;
        call.output(results)
    })
}

/// A component linked and pre-instantiated: each [`Prepared::instantiate`]
/// is a fresh, isolated instance.
pub struct Prepared {
    engine: WeldEngine,
    artifact: PathBuf,
    pre: InstancePre<Host>,
    exports: Exports,
    capabilities: Capabilities,
    sampler: Option<EpochSampler<Host>>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("artifact", &self.artifact)
            .field("exports", &self.exports)
            .finish_non_exhaustive()
    }
}

/// A call parsed and type-checked against the function it names.
#[derive(Debug, Clone)]
pub struct Call {
    func: ExportedFunc,
    params: Vec<Val>,
}

impl Call {
    /// The function this call resolves to.
    pub fn func(&self) -> &ExportedFunc {
        &self.func
    }

    /// The parsed arguments.
    pub fn params(&self) -> &[Val] {
        &self.params
    }

    fn output(&self, results: Vec<Val>) -> Result<InvokeOutput, InvokeError> {
        let wave = render_results(&results).map_err(|source| InvokeError::Print {
            function: self.func.qualified_name(),
            source,
        })?;
        Ok(InvokeOutput {
            function: self.func.qualified_name(),
            results,
            wave,
        })
    }
}

impl Prepared {
    /// Links `component` against WASI (granting `capabilities`) and
    /// pre-instantiates it.
    pub fn new(
        engine: &WeldEngine,
        artifact: &std::path::Path,
        component: &Component,
        capabilities: Capabilities,
    ) -> Result<Self, InvokeError> {
        let pre = instantiate_pre(engine, artifact, component, &capabilities)?;
        Ok(Self {
            engine: engine.clone(),
            artifact: artifact.to_path_buf(),
            exports: Exports::of(engine.engine(), component),
            pre,
            capabilities,
            sampler: None,
        })
    }

    /// Hands every store [`Prepared::instantiate`] creates from now on to `sampler`
    /// at each epoch tick (the guest profiler), instantiation included.
    pub fn sample_with(&mut self, sampler: EpochSampler<Host>) {
        self.sampler = Some(sampler);
    }

    /// What the component exports.
    pub fn exports(&self) -> &Exports {
        &self.exports
    }

    /// Parses `call` (`name(args)`, arguments in WAVE) and checks it against the
    /// function's parameters. The name is the export's, versioned or not, or a bare
    /// function name that only one export has.
    pub fn parse_call(&self, call: &str) -> Result<Call, InvokeError> {
        let syntax = |e: weld_call::CallError| InvokeError::Syntax {
            call: call.to_string(),
            reason: e.with_snippet(call),
        };
        let text = weld_call::split(call, false).map_err(syntax)?;
        let func = self.exports.find(text.name())?.clone();
        let types: Vec<Type> = func.ty.params().map(|(_, ty)| ty).collect();
        let spans = text.arg_spans().map_err(syntax)?;
        let required = weld_call::required_params(&types);
        if spans.len() > types.len() || spans.len() < required {
            return Err(InvokeError::Arity {
                function: func.qualified_name(),
                expected: types.len(),
                given: spans.len(),
                signature: func.signature(),
                exports: self.exports.clone(),
            });
        }
        let params = text.params::<Val>(&types).map_err(|e| {
            let mut reason = e.with_snippet(call);
            // Say which parameter the offending text was meant for.
            let position = spans
                .iter()
                .position(|arg| arg.start <= e.span.start && e.span.end <= arg.end);
            if let Some((name, ty)) = position.and_then(|i| func.ty.params().nth(i)) {
                reason.push_str(&format!(
                    " (parameter `{name}` is a `{}`)",
                    DisplayType(&ty)
                ));
            }
            InvokeError::ArgumentType {
                function: func.qualified_name(),
                reason,
                signature: func.signature(),
                exports: self.exports.clone(),
            }
        })?;
        Ok(Call { func, params })
    }

    /// A fresh store (capabilities granted, limits armed) and instance.
    pub async fn instantiate(&self) -> Result<(Store<Host>, Instance), InvokeError> {
        let host = Host::new(&self.capabilities, &[], Stdio::Logs, self.engine.limits())
            .map_err(PrepareError::from)?;
        let mut store = new_store(&self.engine, host);
        if let Some(sampler) = &self.sampler {
            arm_epoch(
                &mut store,
                self.engine.limits().timeout,
                Some(sampler.clone()),
            );
        }
        let instance =
            self.pre
                .instantiate_async(&mut store)
                .await
                .map_err(|e| match classify(e) {
                    // Limits and traps during start-up are the guest's failure.
                    GuestError::Other(source) => PrepareError::Instantiate {
                        artifact: self.artifact.clone(),
                        source,
                    }
                    .into(),
                    guest => InvokeError::Guest(guest),
                })?;
        Ok((store, instance))
    }

    /// Calls `call` on `instance`, returning its results.
    ///
    /// The store's deadline was armed when it was created; to call again on
    /// the same store under a timeout, re-arm it with
    /// [`crate::limits::arm_deadline`].
    pub async fn call(
        &self,
        store: &mut Store<Host>,
        instance: &Instance,
        call: &Call,
    ) -> Result<Vec<Val>, InvokeError> {
        let func = instance
            .get_func(&mut *store, call.func.index)
            .ok_or_else(|| ResolveError::NotFound {
                name: call.func.qualified_name(),
                exports: self.exports.clone(),
            })?;
        let mut results = vec![Val::Bool(false); call.func.ty.results().len()];
        func.call_async(&mut *store, &call.params, &mut results)
            .await
            .map_err(classify)?;
        Ok(results)
    }
}

/// Results in WAVE, as `wasmtime run --invoke` prints them.
pub fn render_results(results: &[Val]) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    use std::fmt::Write;
    let mut out = String::new();
    write!(out, "{}", DisplayFuncResults(results))
        .map_err(|_| "a value has no WAVE representation (e.g. a resource handle)")?;
    Ok(out)
}

/// Runs a future on a current-thread runtime: one call needs no worker pool.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime only fails to build when out of file descriptors")
        .block_on(future)
}
