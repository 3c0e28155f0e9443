//! What each stage of a composed artifact was granted, as `weld compose` records it
//! in the artifact's `weld:grants` custom section.
//!
//! The grants are enforced inside the artifact by the components Weld generated;
//! this record is for the host. It tells the shim which configuration keys must be
//! supplied before the first request (and under which names), which directories
//! and environment variables to hand over, and whether outgoing HTTP or sockets are
//! used at all. `weld compose` writes it with [`ArtifactGrants::to_section`]; the
//! shim reads it with [`ArtifactGrants::read`] (a component's bytes) or
//! [`read_artifact`] (a file, `.wasm` or `.cwasm`).
//!
//! A precompiled `.cwasm` keeps no custom sections, so [`crate::precompile()`]
//! writes the record next to it as `<file>.grants.json` ([`sidecar_path`]) and
//! [`read_artifact`] reads that back. How the host applies the record is
//! [`crate::Capabilities::apply_grants`] (directories, environment, network) and
//! [`crate::config`] (configuration keys).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wasmparser::{Chunk, Parser, Payload};

/// The custom section holding an [`ArtifactGrants`] as JSON.
pub const SECTION: &str = "weld:grants";

/// The format version this shim reads.
pub const FORMAT: u32 = 1;

/// Every stage's grants, by stage name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactGrants {
    /// Always [`FORMAT`].
    pub format: u32,
    /// Per stage, sorted by name so the section's bytes are deterministic.
    pub stages: BTreeMap<String, StageGrants>,
}

/// What one stage may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StageGrants {
    /// Its configuration keys (`wasi:config/store`). The stage asks for `key`; the
    /// host is asked for `<stage>.<key>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<ConfigKey>,
    /// Host environment variables it sees; `*` means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Command-line arguments and the initial working directory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub args: bool,
    /// Directories it sees.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileGrant>,
    /// Hosts it may send HTTP requests to (`host`, `host:port`, `*.domain`, `*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<String>,
    /// TCP/UDP sockets and name lookup (`wasi:sockets`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub network: bool,
    /// Other host interfaces passed through as they are (unversioned names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host: Vec<String>,
    /// Declared `stateless: true`: nothing the stage keeps between calls changes an
    /// answer or belongs to a caller, so `serve` may hand a warm instance the next
    /// request (`--max-instance-reuse-count`). Not a capability; recorded here because
    /// this is the host's per-stage record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stateless: bool,
}

/// The kinds of grant a stage may lack, as named in pipeline.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// `grants: { env: [...] }`.
    Env,
    /// `grants: { args: true }`.
    Args,
    /// `grants: { files: [...] }`.
    Files,
    /// `grants: { http: [...] }`.
    Http,
    /// `grants: { network: true }`.
    Network,
    /// The stage's `config:` keys.
    Config,
    /// `grants: { host: [...] }`: other host interfaces.
    Host,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 7] = [
        Capability::Env,
        Capability::Args,
        Capability::Files,
        Capability::Http,
        Capability::Network,
        Capability::Config,
        Capability::Host,
    ];

    /// Its word in pipeline.yaml, in generated function names and in `weld check`.
    pub fn label(self) -> &'static str {
        match self {
            Capability::Env => "env",
            Capability::Args => "args",
            Capability::Files => "files",
            Capability::Http => "http",
            Capability::Network => "network",
            Capability::Config => "config",
            Capability::Host => "host",
        }
    }

    /// The capability a [`Capability::label`] names.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.label() == label)
    }
}

/// One configuration key of a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKey {
    /// The key as the stage asks for it.
    pub key: String,
    /// A secret: never embedded, never printed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// The value used when the host supplies none (never set for a secret). A key
    /// without a default is required: the host must supply it before start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// One directory grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileGrant {
    /// Where the stage sees it.
    pub guest: String,
    /// The host directory the pipeline suggests, relative to where the host runs;
    /// `None` when it is chosen at run time (`--dir HOST::GUEST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Writes refused (by the host: the preopen is opened read-only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

impl ArtifactGrants {
    /// The name the host is asked for a stage's configuration key.
    pub fn host_key(stage: &str, key: &str) -> String {
        format!("{stage}.{key}")
    }

    /// The JSON for the custom section.
    pub fn to_section(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("grants serialize")
    }

    /// The record in the top-level `weld:grants` section of the component
    /// `bytes`; `None` when there is none.
    ///
    /// Only the outer component's own sections are looked at: a stage nested
    /// inside may carry a section of the same name, which is not the
    /// artifact's. Bytes that are not a well-formed component have no record
    /// either; loading them reports what is wrong.
    pub fn read(bytes: &[u8]) -> Result<Option<Self>, GrantsError> {
        let mut parser = Parser::new(0);
        let mut rest = bytes;
        loop {
            let (consumed, payload) = match parser.parse(rest, true) {
                Ok(Chunk::Parsed { consumed, payload }) => (consumed, payload),
                Ok(Chunk::NeedMoreData(_)) | Err(_) => return Ok(None),
            };
            // A nested module or component comes as its header only; its
            // contents follow, for a nested parser that is never started.
            let nested = match payload {
                Payload::ModuleSection {
                    unchecked_range, ..
                }
                | Payload::ComponentSection {
                    unchecked_range, ..
                } => unchecked_range.end - unchecked_range.start,
                Payload::CustomSection(section) if section.name() == SECTION => {
                    return Self::from_section(section.data()).map(Some);
                }
                Payload::End(_) => return Ok(None),
                _ => 0,
            };
            let skip = usize::try_from(nested)
                .ok()
                .and_then(|nested| consumed.checked_add(nested))
                .filter(|&skip| skip <= rest.len());
            match skip {
                Some(skip) => rest = &rest[skip..],
                None => return Ok(None),
            }
        }
    }

    /// Reads the contents of a `weld:grants` section.
    pub fn from_section(data: &[u8]) -> Result<Self, GrantsError> {
        let grants: Self = serde_json::from_slice(data).map_err(GrantsError::Json)?;
        if grants.format != FORMAT {
            return Err(GrantsError::Format(grants.format));
        }
        Ok(grants)
    }
}

/// Where the grants of a precompiled `path` are kept: `<path>.grants.json`.
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".grants.json");
    PathBuf::from(name)
}

/// The grants of the artifact at `path`: its `weld:grants` section, or for a
/// precompiled component the record [`crate::precompile()`] wrote next to it.
/// `None` when it has none (an artifact Weld did not compose, or composed
/// before grants existed).
///
/// A file that cannot be read or is not a component has no record here
/// either: loading it reports that, with the error the user expects.
pub fn read_artifact(path: &Path) -> Result<Option<ArtifactGrants>, GrantsError> {
    let Ok(bytes) = crate::loader::map(path) else {
        return Ok(None);
    };
    if wasmtime::Engine::detect_precompiled(&bytes).is_none() {
        return ArtifactGrants::read(&bytes);
    }
    let sidecar = sidecar_path(path);
    let json = match std::fs::read(&sidecar) {
        Ok(json) => json,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GrantsError::ReadSidecar {
                path: sidecar,
                source,
            });
        }
    };
    ArtifactGrants::from_section(&json)
        .map(Some)
        .map_err(|source| GrantsError::Sidecar {
            path: sidecar,
            source: Box::new(source),
        })
}

/// The `weld:grants` section cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum GrantsError {
    /// Not the JSON this shim expects.
    #[error("the artifact's `weld:grants` section is not valid")]
    Json(#[source] serde_json::Error),
    /// Written by a newer Weld.
    #[error(
        "the artifact's grants are in format {0}; this weld-shim reads format {FORMAT} (update weld-shim)"
    )]
    Format(u32),
    /// The record kept next to a precompiled artifact cannot be read.
    #[error("failed to read `{}`", path.display())]
    ReadSidecar {
        /// The `.grants.json` file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The record kept next to a precompiled artifact is not valid.
    #[error("the grants in `{}` cannot be used (precompile the artifact again)", path.display())]
    Sidecar {
        /// The `.grants.json` file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: Box<GrantsError>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [u8; 8] = *b"\0asm\x0d\0\x01\0";

    fn section(id: u8, body: &[u8]) -> Vec<u8> {
        assert!(body.len() < 128, "one-byte LEB128 sizes only");
        let mut bytes = vec![id, body.len() as u8];
        bytes.extend_from_slice(body);
        bytes
    }

    fn custom(name: &str, data: &[u8]) -> Vec<u8> {
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(data);
        section(0, &body)
    }

    #[test]
    fn only_the_top_level_section_is_the_artifacts() {
        let json = br#"{"format":1,"stages":{"a":{"network":true}}}"#;
        // A stage's own section, inside a nested component (section id 4).
        let inner: Vec<u8> = HEADER
            .iter()
            .copied()
            .chain(custom(SECTION, json))
            .collect();
        let mut outer: Vec<u8> = HEADER.iter().copied().chain(section(4, &inner)).collect();
        assert_eq!(ArtifactGrants::read(&outer).unwrap(), None);

        outer.extend(custom(SECTION, br#"{"format":1,"stages":{"b":{}}}"#));
        let grants = ArtifactGrants::read(&outer).unwrap().unwrap();
        assert_eq!(grants.stages.keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn a_record_of_another_format_is_refused() {
        let bytes: Vec<u8> = HEADER
            .iter()
            .copied()
            .chain(custom(SECTION, br#"{"format":2,"stages":{}}"#))
            .collect();
        assert!(matches!(
            ArtifactGrants::read(&bytes),
            Err(GrantsError::Format(2))
        ));
        assert_eq!(ArtifactGrants::read(b"not wasm").unwrap(), None);
    }
}
