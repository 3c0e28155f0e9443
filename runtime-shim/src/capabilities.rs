//! What the guest may touch on the host, denied by default.
//!
//! A [`Capabilities`] value is built from flags (`--dir`, `--env`,
//! `--allow-outgoing-http`, `--allow-network`) and turned into a fresh
//! [`WasiCtx`] for every store by [`crate::host::Host::new`]. Without flags
//! the guest sees no directories, no environment variables, no sockets and
//! no outgoing HTTP; stdout and stderr are always inherited so stages can log.

use std::path::PathBuf;

use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::guest_output::{RequestTag, Stream, TaggedOutput};

/// Host resources granted to the guest.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Preopened directories.
    pub dirs: Vec<DirGrant>,
    /// Environment variables, already resolved.
    pub env: Vec<(String, String)>,
    /// Let the guest send HTTP requests (`wasi:http/outgoing-handler`).
    pub allow_outgoing_http: bool,
    /// Let the guest open TCP/UDP sockets to any address and resolve names
    /// (`wasi:sockets`).
    pub allow_network: bool,
    /// Configuration values served through `wasi:config/store`, by the key the
    /// guest asks for (a composed artifact asks for `<stage>.<key>`).
    pub config: Vec<(String, String)>,
}

/// One `--dir host[::guest]` grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Refuse writes.
    pub read_only: bool,
}

/// A grant that could not be read or applied.
#[derive(Debug, thiserror::Error)]
pub enum CapabilityError {
    /// `--env KEY` names a variable the host does not have.
    #[error("environment variable `{0}` is not set on the host (pass `--env {0}=VALUE`)")]
    EnvNotSet(String),
    /// `--env` with an empty name.
    #[error("invalid `--env` value `{0}` (expected `KEY` or `KEY=VALUE`)")]
    EnvSyntax(String),
    /// `--dir` with an empty path.
    #[error("invalid `--dir` value `{0}` (expected `HOST_DIR` or `HOST_DIR::GUEST_DIR`)")]
    DirSyntax(String),
    /// The host directory cannot be opened.
    #[error("cannot open directory `{}` for the guest", path.display())]
    Dir {
        /// The host path.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DirGrant {
    /// Parses `HOST[::GUEST]`, with an optional `:ro` suffix for read-only.
    ///
    /// `::` separates the two paths because a single `:` is common in
    /// Windows paths and guest paths alike.
    pub fn parse(text: &str) -> Result<Self, CapabilityError> {
        let (spec, read_only) = match text.strip_suffix(":ro") {
            Some(spec) if !spec.ends_with(':') => (spec, true),
            _ => (text, false),
        };
        let (host, guest) = match spec.split_once("::") {
            Some((host, guest)) => (host, guest),
            None => (spec, spec),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(CapabilityError::DirSyntax(text.to_string()));
        }
        Ok(Self {
            host: PathBuf::from(host),
            guest: guest.to_string(),
            read_only,
        })
    }
}

/// Parses `KEY=VALUE`, or `KEY` to pass the host's value through.
pub fn parse_env(text: &str) -> Result<(String, String), CapabilityError> {
    let (key, value) = match text.split_once('=') {
        Some((key, value)) => (key, Some(value.to_string())),
        None => (text, None),
    };
    if key.is_empty() {
        return Err(CapabilityError::EnvSyntax(text.to_string()));
    }
    let value = match value {
        Some(value) => value,
        None => std::env::var(key).map_err(|_| CapabilityError::EnvNotSet(key.to_string()))?,
    };
    Ok((key.to_string(), value))
}

/// How the guest's standard streams are connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stdio {
    /// stdout/stderr inherited, stdin closed: functions called with
    /// arguments (`invoke`) and servers.
    #[default]
    Logs,
    /// stdin, stdout and stderr inherited: commands (`run`).
    Inherit,
    /// stdout/stderr line by line, each line tagged with the request it belongs to
    /// (`serve`); stdin closed.
    Tagged(RequestTag),
}

impl Capabilities {
    /// A WASI context granting exactly these capabilities.
    ///
    /// `args` become the guest's `wasi:cli/environment` arguments.
    pub fn wasi_ctx(&self, args: &[String], stdio: Stdio) -> Result<WasiCtx, CapabilityError> {
        let mut builder = WasiCtxBuilder::new();
        builder.args(args);
        match stdio {
            Stdio::Logs => {
                builder.inherit_stdout().inherit_stderr();
            }
            Stdio::Inherit => {
                builder.inherit_stdout().inherit_stderr().inherit_stdin();
            }
            Stdio::Tagged(tag) => {
                builder
                    .stdout(TaggedOutput::new(tag, Stream::Stdout))
                    .stderr(TaggedOutput::new(tag, Stream::Stderr));
            }
        }
        for (key, value) in &self.env {
            builder.env(key, value);
        }
        for dir in &self.dirs {
            let perms = if dir.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            builder
                .preopened_dir(&dir.host, &dir.guest, perms)
                .map_err(|e| CapabilityError::Dir {
                    path: dir.host.clone(),
                    source: e.into_boxed_dyn_error(),
                })?;
        }
        // TCP/UDP are usable but every address is denied unless granted; the
        // explicit switches keep it that way should the defaults change.
        if self.allow_network {
            builder
                .inherit_network()
                .allow_tcp(true)
                .allow_udp(true)
                .allow_ip_name_lookup(true);
        } else {
            builder
                .allow_tcp(false)
                .allow_udp(false)
                .allow_ip_name_lookup(false);
        }
        Ok(builder.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_grants() {
        let grant = DirGrant::parse("./data::/data").unwrap();
        assert_eq!(grant.host, PathBuf::from("./data"));
        assert_eq!(grant.guest, "/data");
        assert!(!grant.read_only);
        let grant = DirGrant::parse("data:ro").unwrap();
        assert_eq!(grant.guest, "data");
        assert!(grant.read_only);
        assert!(DirGrant::parse("::x").is_err());
    }

    #[test]
    fn env_grants() {
        assert_eq!(parse_env("A=1").unwrap(), ("A".into(), "1".into()));
        assert_eq!(parse_env("A=").unwrap(), ("A".into(), "".into()));
        assert!(parse_env("=1").is_err());
        assert!(matches!(
            parse_env("WELD_SURELY_UNSET_VARIABLE"),
            Err(CapabilityError::EnvNotSet(_))
        ));
    }
}
