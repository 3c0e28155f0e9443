//! Runs Weld-composed components on wasmtime: the deploy half of Weld.
//!
//! One function per command, each taking an options struct:
//! [`invoke()`] (call one exported function with WAVE arguments),
//! [`run()`] (a `wasi:cli/run` command), [`serve()`] (a
//! `wasi:http/incoming-handler` server) and [`precompile()`] (ahead-of-time
//! compilation to a `.cwasm`).
//!
//! The pieces are reusable on their own, e.g. by `weld test` to run a single
//! stage with mocked imports:
//! - [`engine`]: the shared engine configuration (pooling allocator, epoch
//!   interruption, copy-on-write memory images) and the timeout ticker;
//! - [`loader`]: `.wasm`/`.cwasm` loading with the on-disk compilation cache;
//! - [`host`]: the store state, a linker with WASI, `wasi:http` and
//!   `wasi:config/store`, and store creation with limits armed;
//! - [`capabilities`]: what the guest may touch on the host, denied by default,
//!   and what an artifact's grants add to it;
//! - [`grants`]: the `weld:grants` record of what each stage was granted, read
//!   from the artifact (or next to a `.cwasm`);
//! - [`config`]: configuration values from flags, a file and the environment,
//!   checked against the stages' declared keys;
//! - [`limits`]: timeout and memory limit;
//! - [`exports`]: listing and resolving exported functions;
//! - [`diagnose`]: naming the stage a trap or limit hit happened in, and the
//!   grant a stage lacked when Weld's guard refused a call;
//! - [`guest_output`]: a served request's guest output, tagged with the request;
//! - [`warm`]: `serve`'s opt-in reuse of instances of stateless pipelines;
//! - `profile` (feature `profiling`): guest profiles for the Firefox Profiler.
//!
//! Running one stage with a mocked import, as `weld test` would:
//!
//! ```no_run
//! use weld_shim::capabilities::Stdio;
//! use weld_shim::host::{Host, linker, new_store};
//! use weld_shim::wasmtime::component::Val;
//! use weld_shim::{Capabilities, EngineOptions, Limits, WeldEngine};
//!
//! # async fn example() -> anyhow::Result<()> {
//! let engine = WeldEngine::new(&EngineOptions::default())?;
//! let stage = weld_shim::load(&engine, "build/validate.wasm".as_ref(), &Default::default())?;
//! // WASI is linked with every capability denied; mocks go on top.
//! let mut linker = linker(&engine)?;
//! linker
//!     .instance("demo:text/clean")?
//!     .func_new("apply", |_store, _ty, params, results| {
//!         results[0] = Val::Result(Ok(Some(Box::new(params[0].clone()))));
//!         Ok(())
//!     })?;
//! let pre = linker.instantiate_pre(&stage.component)?;
//! let host = Host::new(&Capabilities::default(), &[], Stdio::Logs, &Limits::default())?;
//! let mut store = new_store(&engine, host);
//! let instance = pre.instantiate_async(&mut store).await?;
//! let exports = weld_shim::exports::Exports::of(engine.engine(), &stage.component);
//! let process = exports.find("demo:text/pipeline.process")?;
//! let func = instance.get_func(&mut store, process.index).expect("exported");
//! let mut results = [Val::Bool(false)];
//! func.call_async(&mut store, &[Val::String("hi".into())], &mut results)
//!     .await
//!     .map_err(weld_shim::diagnose::classify)?;
//! # Ok(()) }
//! ```
//!
//! This crate depends on wasmtime only; it knows nothing of how artifacts
//! are built.

#![deny(missing_docs)]

pub mod capabilities;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod engine;
pub mod exports;
pub mod grants;
pub mod guest_output;
pub mod host;
pub mod invoke;
pub mod js_exception;
pub mod limits;
pub mod loader;
pub mod metrics;
pub mod prepare;
#[cfg(feature = "profiling")]
pub mod profile;
pub mod run;
pub mod serve;
pub mod warm;

pub use capabilities::{Capabilities, DirGrant};
pub use diagnose::{GuestError, Origin};
pub use engine::{Allocator, EngineOptions, WeldEngine};
pub use grants::ArtifactGrants;
pub use invoke::{InvokeError, InvokeOptions, InvokeOutput, invoke};
pub use limits::Limits;
pub use loader::{LoadError, LoadOptions, PrecompileError, load};
#[cfg(feature = "compiler")]
pub use loader::{precompile, precompile_bytes};
pub use run::{RunError, RunOptions, run};
pub use serve::{ServeError, ServeOptions, Server, serve};

/// Re-exported so embedders use the exact wasmtime this crate was built with.
pub use wasmtime;
