//! What each stage of a composed artifact was granted, as `weld compose` records it
//! in the artifact's `weld:grants` custom section.
//!
//! The grants are enforced inside the artifact by the components Weld generated;
//! this record is for the host. It tells the shim which configuration keys must be
//! supplied before the first request (and under which names), which directories
//! and environment variables to hand over, and whether outgoing HTTP or sockets are
//! used at all. `weld compose` writes it with [`ArtifactGrants::to_section`]; the
//! shim reads it with [`ArtifactGrants::read`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

    /// Reads the contents of a `weld:grants` section.
    pub fn from_section(data: &[u8]) -> Result<Self, GrantsError> {
        let grants: Self = serde_json::from_slice(data).map_err(GrantsError::Json)?;
        if grants.format != FORMAT {
            return Err(GrantsError::Format(grants.format));
        }
        Ok(grants)
    }
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
}
