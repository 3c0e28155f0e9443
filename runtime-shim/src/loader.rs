//! Turning a file into a ready-to-instantiate [`Component`]: recognising
//! `.wasm` and precompiled `.cwasm` by their header, compiling once and
//! caching the result on disk, and ahead-of-time compilation
//! ([`precompile`]).
//!
//! Input is a path; output is a [`Component`] compiled for the given
//! [`WeldEngine`]. Nothing is instantiated here.
//!
//! The disk cache lives in `$WELD_CACHE_DIR`, else `$XDG_CACHE_HOME/weld`,
//! else `~/.cache/weld`; an entry is keyed by the BLAKE3 hash of the input
//! bytes and of the engine's compatibility hash (wasmtime version, target,
//! code-generation settings), so a change of any of them is a miss rather
//! than a failure. Entries are written to a temporary file and renamed into
//! place, so concurrent processes never see a partial one.

use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::{Engine, Precompiled};

use crate::engine::WeldEngine;
use crate::grants::GrantsError;
#[cfg(feature = "compiler")]
use crate::grants::{ArtifactGrants, sidecar_path};

/// Options for [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Compile `.wasm` input in memory without reading or writing the cache.
    pub no_cache: bool,
    /// The cache directory; `None` uses [`default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
}

/// How a component was obtained; reported by `-v` and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Deserialized from a precompiled file given by the user.
    Precompiled,
    /// Deserialized from the disk cache.
    CacheHit,
    /// Compiled now (and written to the cache unless disabled).
    Compiled,
}

/// A loaded component and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The component, compiled for the engine it was loaded with.
    pub component: Component,
    /// How it was obtained.
    pub source: Source,
}

/// Why an artifact could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("failed to read `{}`", path.display())]
    Read {
        /// The artifact path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a wasm binary at all.
    #[error("`{}` is not a WebAssembly component (no `\\0asm` header)", path.display())]
    NotWasm {
        /// The artifact path.
        path: PathBuf,
    },
    /// A core module where a component was expected.
    #[error("`{}` is a core WebAssembly module, not a component (build it as a component, e.g. with `weld compose`)", path.display())]
    CoreModule {
        /// The artifact path.
        path: PathBuf,
    },
    /// A precompiled core module.
    #[error("`{}` is a precompiled core module, not a precompiled component", path.display())]
    PrecompiledModule {
        /// The artifact path.
        path: PathBuf,
    },
    /// The binary is malformed or truncated, or fails validation.
    #[error("`{}` is not a valid component", path.display())]
    Invalid {
        /// The artifact path.
        path: PathBuf,
        /// What wasmtime found.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A `.wasm` given to a shim built without a compiler.
    #[error("`{}` is not precompiled, and this weld-shim is runtime-only (built without a compiler): precompile it with a full weld-shim of the same version (`weld-shim precompile {} -o app.cwasm`, or `weld compose --aot`) and run the `.cwasm`", path.display(), path.display())]
    NeedsCompiler {
        /// The artifact path.
        path: PathBuf,
    },
    /// A `.cwasm` made by another wasmtime version or engine configuration.
    #[error("`{}` was precompiled by a different wasmtime version or engine configuration; recompile it from the `.wasm` with this shim (`weld-shim precompile` or `weld compose --aot`)", path.display())]
    Incompatible {
        /// The artifact path.
        path: PathBuf,
        /// Wasmtime's reason.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why [`precompile`] failed.
#[derive(Debug, thiserror::Error)]
pub enum PrecompileError {
    /// The input cannot be read or compiled.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The input's `weld:grants` section is not valid.
    #[error(transparent)]
    Grants(#[from] GrantsError),
    /// The input is already precompiled.
    #[error("`{}` is already precompiled", path.display())]
    AlreadyPrecompiled {
        /// The input path.
        path: PathBuf,
    },
    /// The output cannot be written.
    #[error("failed to write `{}`", path.display())]
    Write {
        /// The output path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Loads the artifact at `path`: a precompiled component is deserialized
/// without compiling; a `.wasm` component is compiled, through the cache.
pub fn load(engine: &WeldEngine, path: &Path, options: &LoadOptions) -> Result<Loaded, LoadError> {
    let bytes = map(path)?;
    match Engine::detect_precompiled(&bytes) {
        Some(Precompiled::Component) => {
            let component =
                deserialize(engine.engine(), path).map_err(|e| LoadError::Incompatible {
                    path: path.to_path_buf(),
                    source: e.into_boxed_dyn_error(),
                })?;
            return Ok(Loaded {
                component,
                source: Source::Precompiled,
            });
        }
        Some(Precompiled::Module) => {
            return Err(LoadError::PrecompiledModule {
                path: path.to_path_buf(),
            });
        }
        None => {}
    }
    check_component_header(path, &bytes)?;
    #[cfg(feature = "compiler")]
    return compile_cached(engine, path, &bytes, options);
    #[cfg(not(feature = "compiler"))]
    {
        let _ = options;
        Err(LoadError::NeedsCompiler {
            path: path.to_path_buf(),
        })
    }
}

#[cfg(feature = "compiler")]
/// Compiles the component `bytes` (read from `path`, named in errors) through the
/// compilation cache: a cached entry is deserialized, otherwise it is compiled and
/// stored.
pub fn compile_cached(
    engine: &WeldEngine,
    path: &Path,
    bytes: &[u8],
    options: &LoadOptions,
) -> Result<Loaded, LoadError> {
    let cache_entry = if options.no_cache {
        None
    } else {
        options
            .cache_dir
            .clone()
            .or_else(default_cache_dir)
            .map(|dir| dir.join(format!("{}.cwasm", cache_key(engine.engine(), bytes))))
    };
    if let Some(entry) = &cache_entry
        && entry.is_file()
        // A corrupt or stale entry is only a miss: compile and replace it.
        && let Ok(component) = deserialize(engine.engine(), entry)
    {
        return Ok(Loaded {
            component,
            source: Source::CacheHit,
        });
    }

    let component = compile(engine.engine(), path, bytes)?;
    if let Some(entry) = &cache_entry {
        // The cache is an optimisation: a read-only or full disk must not
        // stop the artifact from running.
        let _ = write_cache_entry(entry, &component);
    }
    Ok(Loaded {
        component,
        source: Source::Compiled,
    })
}

#[cfg(feature = "compiler")]
/// Compiles the component at `input` ahead of time and writes the result to
/// `output`, loadable by [`load`] with an engine of the same configuration.
///
/// The input's grants (its `weld:grants` section) are written next to the
/// output as `<output>.grants.json`, where [`crate::grants::read_artifact`]
/// finds them: ship both files together.
pub fn precompile(engine: &WeldEngine, input: &Path, output: &Path) -> Result<(), PrecompileError> {
    let bytes = std::fs::read(input).map_err(|source| LoadError::Read {
        path: input.to_path_buf(),
        source,
    })?;
    if Engine::detect_precompiled(&bytes).is_some() {
        return Err(PrecompileError::AlreadyPrecompiled {
            path: input.to_path_buf(),
        });
    }
    let serialized = precompile_bytes(engine, input, &bytes)?;
    let grants = ArtifactGrants::read(&bytes)?;
    write_atomically(output, &serialized)
        .and_then(|()| make_readable(output))
        .map_err(|source| PrecompileError::Write {
            path: output.to_path_buf(),
            source,
        })?;
    // A `.cwasm` keeps no custom sections: the grants go next to it. One left
    // by an earlier precompile of another input must not apply to this one.
    let sidecar = sidecar_path(output);
    let written = match grants {
        Some(grants) => {
            write_atomically(&sidecar, &grants.to_section()).and_then(|()| make_readable(&sidecar))
        }
        None => match std::fs::remove_file(&sidecar) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        },
    };
    written.map_err(|source| PrecompileError::Write {
        path: sidecar,
        source,
    })
}

/// Compiles the component `bytes` (read from `input`, named in errors) ahead of time:
/// what [`precompile`] writes, for callers that keep the result in memory.
#[cfg(feature = "compiler")]
pub fn precompile_bytes(
    engine: &WeldEngine,
    input: &Path,
    bytes: &[u8],
) -> Result<Vec<u8>, PrecompileError> {
    check_component_header(input, bytes)?;
    Ok(engine
        .engine()
        .precompile_component(bytes)
        .map_err(|e| LoadError::Invalid {
            path: input.to_path_buf(),
            source: e.into_boxed_dyn_error(),
        })?)
}

#[cfg(feature = "compiler")]
/// Temporary files are created owner-only; an artifact is meant to be
/// shipped, so give it the usual `0644`.
#[cfg(unix)]
fn make_readable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
}

#[cfg(all(feature = "compiler", not(unix)))]
fn make_readable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// `$WELD_CACHE_DIR`, else `$XDG_CACHE_HOME/weld`, else `~/.cache/weld`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("WELD_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("weld"));
    }
    non_empty("HOME").map(|home| PathBuf::from(home).join(".cache").join("weld"))
}

#[cfg(feature = "compiler")]
/// The cache key of `bytes` compiled by `engine`: hex BLAKE3 over the
/// engine's compatibility hash and the bytes.
///
/// Every load of a `.wasm` hashes the whole artifact, so the hash is on the
/// start-up path: BLAKE3 is several times faster than SHA-256 here.
pub fn cache_key(engine: &Engine, bytes: &[u8]) -> String {
    use std::hash::Hash as _;
    let mut hasher = KeyHasher(blake3::Hasher::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let mut digest = hasher.0;
    digest.update(b"\0weld-component\0");
    digest.update(bytes);
    digest.finalize().to_hex().to_string()
}

/// Feeds `Hash` output into BLAKE3, giving a key that is stable across
/// processes and Rust versions (unlike `DefaultHasher`).
#[cfg(feature = "compiler")]
struct KeyHasher(blake3::Hasher);

#[cfg(feature = "compiler")]
impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        // Never read: the key is the digest.
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn check_component_header(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm {
            path: path.to_path_buf(),
        });
    }
    // Bytes 4..8 are version + layer; layer 0 is a core module.
    if bytes[6..8] == [0, 0] {
        return Err(LoadError::CoreModule {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// The file's bytes, mapped rather than read: on a cache hit they are only
/// hashed, and copying a multi-megabyte artifact into fresh memory first
/// cost a one-shot `invoke` more than everything else it does.
#[allow(unsafe_code)]
pub(crate) fn map(path: &Path) -> Result<memmap2::Mmap, LoadError> {
    let read_error = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    // SAFETY: the mapping is read-only and private to this process; as with
    // wasmtime's own `deserialize_file`, the file must not be truncated while
    // it is loaded (the loader holds it only until the component is built).
    unsafe { memmap2::Mmap::map(&file) }.map_err(read_error)
}

#[cfg(feature = "compiler")]
fn compile(engine: &Engine, path: &Path, bytes: &[u8]) -> Result<Component, LoadError> {
    Component::from_binary(engine, bytes).map_err(|e| LoadError::Invalid {
        path: path.to_path_buf(),
        source: e.into_boxed_dyn_error(),
    })
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: `deserialize_file` trusts the file to be the output of
    // `precompile_component`, since it maps the machine code as executable.
    // The files we get here are either the user's own `.cwasm` (running it is
    // what they asked for, as with any executable) or entries of the user's
    // own cache written by `write_cache_entry`; wasmtime still checks the
    // header, version and configuration and refuses mismatches.
    unsafe { Component::deserialize_file(engine, path) }
}

#[cfg(feature = "compiler")]
fn write_cache_entry(entry: &Path, component: &Component) -> std::io::Result<()> {
    let serialized = component.serialize().map_err(std::io::Error::other)?;
    write_atomically(entry, &serialized)
}

#[cfg(any(feature = "compiler", feature = "profiling"))]
/// Writes through a temporary file in the destination directory and renames
/// it over `path`, so readers see the old file or the whole new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
