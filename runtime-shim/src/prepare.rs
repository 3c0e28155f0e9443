//! The steps every command takes before its first instance: create the
//! engine, load the artifact, check the granted capabilities, link WASI and
//! pre-instantiate.
//!
//! Input is a path and the command's options; output is an
//! [`InstancePre`] from which each call or request instantiates in a fresh
//! store. What differs between `invoke`, `run` and `serve` (which export
//! they need, how they call it) starts after this.

use std::path::{Path, PathBuf};

use wasmtime::component::{Component, InstancePre};

use crate::capabilities::{Capabilities, CapabilityError, Stdio};
use crate::engine::{EngineError, EngineOptions, WeldEngine};
use crate::host::{Host, LinkError, linker};
use crate::loader::{LoadError, LoadOptions, Loaded, load};

/// Why an artifact could not be made ready to instantiate.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The engine could not be set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The artifact could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// WASI could not be linked.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A capability could not be granted.
    #[error(transparent)]
    Capability(#[from] CapabilityError),
    /// The artifact imports something the host does not provide.
    #[error("cannot instantiate `{}`", artifact.display())]
    Instantiate {
        /// The artifact.
        artifact: PathBuf,
        /// Wasmtime's explanation, naming the missing import.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Creates the engine for `engine_options` and loads `artifact` with it.
pub fn open(
    engine_options: &EngineOptions,
    artifact: &Path,
    load_options: &LoadOptions,
) -> Result<(WeldEngine, Loaded), PrepareError> {
    let engine = WeldEngine::new(engine_options)?;
    let loaded = load(&engine, artifact, load_options)?;
    Ok((engine, loaded))
}

/// Links `component` against WASI and pre-instantiates it.
///
/// `capabilities` are checked first (a `--dir` that does not exist fails
/// here, once, rather than in every instance).
pub fn instantiate_pre(
    engine: &WeldEngine,
    artifact: &Path,
    component: &Component,
    capabilities: &Capabilities,
) -> Result<InstancePre<Host>, PrepareError> {
    capabilities.wasi_ctx(&[], Stdio::Logs)?;
    linker(engine)?
        .instantiate_pre(component)
        .map_err(|e| PrepareError::Instantiate {
            artifact: artifact.to_path_buf(),
            source: e.into_boxed_dyn_error(),
        })
}
