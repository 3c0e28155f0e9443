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
    /// A file could not be written.
    #[error("failed to write `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
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
fn created() -> Result<String, DeployError> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| DeployError::SourceDateEpoch(text.clone()))?,
        Err(_) => 0,
    };
    let time = chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| DeployError::SourceDateEpoch(seconds.to_string()))?;
    Ok(time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The build record `weld compose` wrote next to `artifact`, compacted, if any.
fn build_record(artifact: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(artifact.with_extension("build.json")).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    serde_json::to_string(&value).ok()
}

/// The artifact as a `.cwasm`: precompiled now with this Weld's engine settings, which
/// the shim of the same version shares, or read as is when already precompiled.
pub(crate) fn precompiled(artifact: &Path) -> Result<Vec<u8>, DeployError> {
    let bytes = std::fs::read(artifact).map_err(|source| {
        DeployError::Read(crate::component::ReadError::Io {
            path: artifact.to_path_buf(),
            source,
        })
    })?;
    let engine =
        weld_shim::WeldEngine::new(&weld_shim::EngineOptions::one_shot(Default::default()))
            .map_err(|e| DeployError::Precompile {
                path: artifact.to_path_buf(),
                source: weld_shim::PrecompileError::Load(weld_shim::LoadError::Invalid {
                    path: artifact.to_path_buf(),
                    source: Box::new(e),
                }),
            })?;
    if bytes.starts_with(b"\x7fELF") {
        // Loading it is the check that the shim of this version will accept it (same
        // wasmtime, same engine settings), here rather than at the container's start.
        weld_shim::load(&engine, artifact, &Default::default()).map_err(|source| {
            DeployError::Precompile {
                path: artifact.to_path_buf(),
                source: weld_shim::PrecompileError::Load(source),
            }
        })?;
        return Ok(bytes);
    }
    crate::component::read(artifact)?;
    let out = tempfile::NamedTempFile::new().map_err(|source| DeployError::Write {
        path: std::env::temp_dir(),
        source,
    })?;
    weld_shim::precompile(&engine, artifact, out.path()).map_err(|source| {
        DeployError::Precompile {
            path: artifact.to_path_buf(),
            source,
        }
    })?;
    std::fs::read(out.path()).map_err(|source| DeployError::Write {
        path: out.path().to_path_buf(),
        source,
    })
}
