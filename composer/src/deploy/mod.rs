//! Deploying the one artifact: through OCI registries ([`artifact`]) and as a
//! container image that any container platform runs ([`image`]).
//!
//! The registry protocol, credentials and digest checks live in `weld-oci`, shared
//! with `weld-shim` (which runs artifacts by reference); this module decides what is
//! pushed: the Wasm artifact's config and annotations, and the image's layers.

pub mod artifact;
pub mod image;

use std::path::{Path, PathBuf};

pub use weld_oci::{OciError, RegistryOptions};

/// Why a deploy step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The artifact cannot be used.
    #[error("{0}")]
    Read(crate::component::ReadError),
    /// A precompiled artifact where a portable component is needed.
    #[error(
        "`{}` is precompiled for one machine and wasmtime version; push the `.wasm` component it was made from",
        path.display()
    )]
    Precompiled {
        /// The file.
        path: PathBuf,
    },
    /// The registry step failed.
    #[error(transparent)]
    Registry(#[from] OciError),
    /// The reference cannot be parsed.
    #[error(transparent)]
    Reference(#[from] weld_oci::reference::ReferenceError),
    /// An output file could not be written (the error names it).
    #[error(transparent)]
    Write(anyhow::Error),
    /// An image layer could not be assembled.
    #[error("failed to build an image layer")]
    Layer(#[source] std::io::Error),
    /// The engine to precompile with could not be set up.
    #[error(transparent)]
    Engine(#[from] weld_shim::engine::EngineError),
    /// The shim given for an image cannot run in it.
    #[error("`{}` cannot be the image's shim: {reason}", path.display())]
    Shim {
        /// The shim binary.
        path: PathBuf,
        /// Why not, and what to do.
        reason: String,
    },
    /// The artifact could not be precompiled for the image.
    #[error("failed to precompile `{}` for the image", path.display())]
    Precompile {
        /// The artifact.
        path: PathBuf,
        /// Why.
        #[source]
        source: weld_shim::PrecompileError,
    },
    /// `SOURCE_DATE_EPOCH` is set but not a number of seconds.
    #[error(
        "SOURCE_DATE_EPOCH is `{0}`, not a number of seconds since 1970-01-01 (unset it or fix it)"
    )]
    SourceDateEpoch(String),
    /// Neither a registry nor a layout folder was given.
    #[error(
        "nothing to write the image to: give a registry reference, `--oci-layout DIR`, or both"
    )]
    NoDestination,
}

// By hand rather than `#[from]`: the read error is the message itself, not a cause to
// print a second time under it.
impl From<crate::component::ReadError> for DeployError {
    fn from(error: crate::component::ReadError) -> Self {
        Self::Read(error)
    }
}

/// Runs one registry operation to completion on a small runtime of its own: the
/// build side is synchronous everywhere else.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds unless the OS is out of resources")
        .block_on(future)
}

/// The time recorded in configs and images: `SOURCE_DATE_EPOCH` when set, else the
/// Unix epoch, so the same artifact always gives the same digests (a wall-clock
/// time would make every push a new manifest).
fn created() -> Result<chrono::DateTime<chrono::Utc>, DeployError> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| DeployError::SourceDateEpoch(text.clone()))?,
        Err(_) => 0,
    };
    chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| DeployError::SourceDateEpoch(seconds.to_string()))
}

/// `time` as configs and annotations write it: RFC 3339, whole seconds, UTC.
fn rfc3339(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The build record `weld compose` wrote next to `artifact`, compacted, if any.
fn build_record(artifact: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(artifact.with_extension("build.json")).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    serde_json::to_string(&value).ok()
}

/// Whether `path` is a precompiled `.cwasm` (machine code in an ELF file), from its
/// first four bytes.
fn is_precompiled(path: &Path) -> bool {
    use std::io::Read as _;
    let mut magic = [0; 4];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"\x7fELF")
}

/// An engine with the settings every weld-shim of this version uses.
fn engine() -> Result<weld_shim::WeldEngine, DeployError> {
    Ok(weld_shim::WeldEngine::new(
        &weld_shim::EngineOptions::one_shot(Default::default()),
    )?)
}

/// `component` (read from `artifact`) compiled ahead of time, for the shim of this
/// version.
fn precompile(artifact: &Path, component: &[u8]) -> Result<Vec<u8>, DeployError> {
    weld_shim::precompile_bytes(&engine()?, artifact, component).map_err(|source| {
        DeployError::Precompile {
            path: artifact.to_path_buf(),
            source,
        }
    })
}

/// The `.cwasm` at `artifact`, after checking that it loads: the shim of this version
/// (same wasmtime, same engine settings) will accept it, which is better found here
/// than when a container starts.
fn read_precompiled(artifact: &Path) -> Result<Vec<u8>, DeployError> {
    let load_error = |source| DeployError::Precompile {
        path: artifact.to_path_buf(),
        source: weld_shim::PrecompileError::Load(source),
    };
    weld_shim::load(&engine()?, artifact, &Default::default()).map_err(load_error)?;
    std::fs::read(artifact).map_err(|source| {
        load_error(weld_shim::LoadError::Read {
            path: artifact.to_path_buf(),
            source,
        })
    })
}
