//! What the guest may touch on the host, denied by default.
//!
//! A [`Capabilities`] value is built from flags (`--dir`, `--env`,
//! `--allow-outgoing-http`, `--allow-network`, and the configuration values
//! of [`crate::config`]), plus, for an artifact that records what its stages
//! were granted, [`Capabilities::apply_grants`]. It is turned into a fresh
//! [`WasiCtx`] (and the `wasi:config/store` values) for every store by
//! [`crate::host::Host::new`]. Without flags or grants the guest sees no
//! directories, no environment variables, no configuration, no sockets and
//! no outgoing HTTP; stdout and stderr are always inherited so stages can log.
//!
//! With grants the host hands over the union of what the stages were granted;
//! the components Weld generated inside the artifact narrow that to each
//! stage's own grants.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::grants::ArtifactGrants;
use crate::guest_output::TaggedStdio;

/// Host resources granted to the guest.
#[derive(Clone, Default)]
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

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Configuration values and environment values may be secrets: keys only.
        let keys = |pairs: &[(String, String)]| pairs.iter().map(|(k, _)| k.clone()).collect();
        f.debug_struct("Capabilities")
            .field("dirs", &self.dirs)
            .field("env", &keys(&self.env) as &Vec<String>)
            .field("allow_outgoing_http", &self.allow_outgoing_http)
            .field("allow_network", &self.allow_network)
            .field("config", &keys(&self.config) as &Vec<String>)
            .finish()
    }
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
    /// A stage is granted a directory the pipeline gives no host directory
    /// for, and no `--dir` does either.
    #[error(
        "stage `{stage}` is granted the directory `{guest}`, but no host directory is given for it\nhelp: pass --dir HOST_DIR::{guest}"
    )]
    NoHostDir {
        /// The first stage (by name) granted it.
        stage: String,
        /// The directory as the stage sees it.
        guest: String,
    },
    /// Two stages are granted the same guest directory from different host
    /// directories; one preopen cannot be both.
    #[error(
        "stages `{}` and `{}` are granted the directory `{guest}` from different host directories (`{}` and `{}`)\nhelp: pass --dir HOST_DIR::{guest} to choose one",
        first.0, second.0, first.1, second.1
    )]
    HostDirConflict {
        /// The directory as the stages see it.
        guest: String,
        /// One stage and its host directory.
        first: (String, String),
        /// Another stage and its, different, host directory.
        second: (String, String),
    },
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

/// One thing [`Capabilities::apply_grants`] handed over, for `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    /// A host environment variable (its value is not kept here).
    Env {
        /// The variable.
        name: String,
        /// The stages granted it.
        stages: Vec<String>,
    },
    /// A granted variable the host does not have (or not as UTF-8): left out.
    EnvUnset {
        /// The variable.
        name: String,
        /// The stages granted it.
        stages: Vec<String>,
    },
    /// The whole environment (`env: ["*"]`) but the `WELD_CONFIG_*` variables.
    EnvAll {
        /// How many variables.
        count: usize,
        /// The stages granted it.
        stages: Vec<String>,
    },
    /// A preopened directory.
    Dir {
        /// The directory on the host.
        host: PathBuf,
        /// Where the stages see it.
        guest: String,
        /// Writes refused.
        read_only: bool,
        /// Chosen by `--dir` rather than by the pipeline.
        from_flag: bool,
        /// The stages granted it.
        stages: Vec<String>,
    },
    /// Outgoing HTTP.
    Http {
        /// Each stage with the hosts it may reach.
        stages: Vec<(String, Vec<String>)>,
    },
    /// Sockets and name lookup.
    Network {
        /// The stages granted it.
        stages: Vec<String>,
    },
}

impl Granted {
    /// The status line's verb: `Granted`, or `Skipped` for what the host lacks.
    pub fn verb(&self) -> &'static str {
        match self {
            Granted::EnvUnset { .. } => "Skipped",
            _ => "Granted",
        }
    }
}

impl std::fmt::Display for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stages = |stages: &[String]| {
            stages
                .iter()
                .map(|stage| format!("`{stage}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Granted::Env { name, stages: s } => {
                write!(f, "environment variable `{name}` to {}", stages(s))
            }
            Granted::EnvUnset { name, stages: s } => write!(
                f,
                "environment variable `{name}` to {}: not set on the host, left out",
                stages(s)
            ),
            Granted::EnvAll { count, stages: s } => write!(
                f,
                "the whole environment ({count} variables) to {}",
                stages(s)
            ),
            Granted::Dir {
                host,
                guest,
                read_only,
                from_flag,
                stages: s,
            } => write!(
                f,
                "directory `{}` as `{guest}`{}{} to {}",
                host.display(),
                if *read_only { ", read-only" } else { "" },
                if *from_flag { " (from --dir)" } else { "" },
                stages(s)
            ),
            Granted::Http { stages: s } => {
                let each: Vec<String> = s
                    .iter()
                    .map(|(stage, hosts)| format!("`{stage}` ({})", hosts.join(", ")))
                    .collect();
                write!(f, "outgoing HTTP to {}", each.join(", "))
            }
            Granted::Network { stages: s } => write!(f, "sockets to {}", stages(s)),
        }
    }
}

impl Capabilities {
    /// Adds what the stages of an artifact were granted, on top of what flags
    /// granted already: the granted environment variables the host has (an
    /// explicit `--env` of the same name wins; `*` is every variable but
    /// `WELD_CONFIG_*`), a preopen for every granted
    /// directory (a `--dir` for its guest path wins over the pipeline's host
    /// directory), outgoing HTTP if any stage may send requests, sockets if any
    /// stage may use the network.
    ///
    /// A directory is read-only when every stage granted it read-only, or its
    /// `--dir` says `:ro`. Returns what was handed over, for `-v`.
    pub fn apply_grants(
        &mut self,
        grants: &ArtifactGrants,
    ) -> Result<Vec<Granted>, CapabilityError> {
        let mut granted = Vec::new();
        self.grant_env(grants, &mut granted);
        self.grant_dirs(grants, &mut granted)?;

        let http: Vec<(String, Vec<String>)> = grants
            .stages
            .iter()
            .filter(|(_, stage)| !stage.http.is_empty())
            .map(|(name, stage)| (name.clone(), stage.http.clone()))
            .collect();
        if !http.is_empty() {
            // The guard inside the artifact checks each request's host.
            self.allow_outgoing_http = true;
            granted.push(Granted::Http { stages: http });
        }
        let network: Vec<String> = grants
            .stages
            .iter()
            .filter(|(_, stage)| stage.network)
            .map(|(name, _)| name.clone())
            .collect();
        if !network.is_empty() {
            self.allow_network = true;
            granted.push(Granted::Network { stages: network });
        }
        Ok(granted)
    }

    fn grant_env(&mut self, grants: &ArtifactGrants, granted: &mut Vec<Granted>) {
        let mut names: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (stage, stage_grants) in &grants.stages {
            for name in &stage_grants.env {
                names.entry(name).or_default().push(stage.clone());
            }
        }
        if let Some(stages) = names.remove("*") {
            // Unicode only: WASI hands the guest strings. `WELD_CONFIG_*` are
            // the host's, each meant for one stage's key (and often secret): a
            // stage granted everything must not read another's configuration.
            let vars: Vec<(String, String)> = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| !k.starts_with(crate::config::ENV_PREFIX))
                .collect();
            granted.push(Granted::EnvAll {
                count: vars.len(),
                stages,
            });
            for (name, value) in vars {
                self.add_env(name, value);
            }
        }
        for (name, stages) in names {
            if self.env.iter().any(|(k, _)| k == name) {
                granted.push(Granted::Env {
                    name: name.to_string(),
                    stages,
                });
                continue;
            }
            match std::env::var(name) {
                Ok(value) => {
                    self.env.push((name.to_string(), value));
                    granted.push(Granted::Env {
                        name: name.to_string(),
                        stages,
                    });
                }
                Err(_) => granted.push(Granted::EnvUnset {
                    name: name.to_string(),
                    stages,
                }),
            }
        }
    }

    /// `value` for `name` unless an explicit `--env` set it already.
    fn add_env(&mut self, name: String, value: String) {
        if !self.env.iter().any(|(k, _)| *k == name) {
            self.env.push((name, value));
        }
    }

    fn grant_dirs(
        &mut self,
        grants: &ArtifactGrants,
        granted: &mut Vec<Granted>,
    ) -> Result<(), CapabilityError> {
        struct Wanted {
            stages: Vec<String>,
            host: Option<(String, String)>,
            read_only: bool,
        }
        let mut wanted: BTreeMap<&str, Wanted> = BTreeMap::new();
        for (stage, stage_grants) in &grants.stages {
            for file in &stage_grants.files {
                let entry = wanted.entry(&file.guest).or_insert(Wanted {
                    stages: Vec::new(),
                    host: None,
                    read_only: true,
                });
                entry.stages.push(stage.clone());
                entry.read_only &= file.read_only;
                match (&entry.host, &file.host) {
                    (None, Some(host)) => entry.host = Some((stage.clone(), host.clone())),
                    // Only a conflict if no `--dir` settles it.
                    (Some(first), Some(host))
                        if first.1 != *host && !self.dirs.iter().any(|d| d.guest == file.guest) =>
                    {
                        return Err(CapabilityError::HostDirConflict {
                            guest: file.guest.clone(),
                            first: first.clone(),
                            second: (stage.clone(), host.clone()),
                        });
                    }
                    _ => {}
                }
            }
        }
        for (guest, want) in wanted {
            if let Some(dir) = self.dirs.iter_mut().find(|d| d.guest == guest) {
                dir.read_only |= want.read_only;
                granted.push(Granted::Dir {
                    host: dir.host.clone(),
                    guest: guest.to_string(),
                    read_only: dir.read_only,
                    from_flag: true,
                    stages: want.stages,
                });
                continue;
            }
            let Some((_, host)) = want.host else {
                return Err(CapabilityError::NoHostDir {
                    stage: want.stages[0].clone(),
                    guest: guest.to_string(),
                });
            };
            // Relative to the current directory, as `--dir` is.
            let dir = DirGrant {
                host: PathBuf::from(host),
                guest: guest.to_string(),
                read_only: want.read_only,
            };
            granted.push(Granted::Dir {
                host: dir.host.clone(),
                guest: dir.guest.clone(),
                read_only: dir.read_only,
                from_flag: false,
                stages: want.stages,
            });
            self.dirs.push(dir);
        }
        Ok(())
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
#[derive(Debug, Clone, Default)]
pub enum Stdio {
    /// stdout/stderr inherited, stdin closed: functions called with
    /// arguments (`invoke`) and servers.
    #[default]
    Logs,
    /// stdin, stdout and stderr inherited: commands (`run`).
    Inherit,
    /// stdout/stderr line by line, each line tagged with the request it belongs to
    /// (`serve`); stdin closed.
    Tagged(TaggedStdio),
    /// stdout/stderr kept in memory, for the caller to show or not (`weld test`, as
    /// `cargo test` shows a test's output only when it fails); stdin closed.
    Captured(CapturedStdio),
}

/// A guest's stdout and stderr, kept in memory (at most [`CapturedStdio::LIMIT`] bytes
/// each: a guest writing more gets a write error).
#[derive(Debug, Clone)]
pub struct CapturedStdio {
    /// What the guest wrote to stdout.
    pub stdout: wasmtime_wasi::p2::pipe::MemoryOutputPipe,
    /// What the guest wrote to stderr.
    pub stderr: wasmtime_wasi::p2::pipe::MemoryOutputPipe,
}

impl CapturedStdio {
    /// How much of each stream is kept.
    pub const LIMIT: usize = 1 << 20;

    /// Two empty streams.
    pub fn new() -> Self {
        Self {
            stdout: wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(Self::LIMIT),
            stderr: wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(Self::LIMIT),
        }
    }
}

impl Default for CapturedStdio {
    fn default() -> Self {
        Self::new()
    }
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
            Stdio::Tagged(stdio) => {
                builder.stdout(stdio.stdout).stderr(stdio.stderr);
            }
            Stdio::Captured(stdio) => {
                builder.stdout(stdio.stdout).stderr(stdio.stderr);
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
    fn granted_directories_are_one_preopen_per_guest_path() {
        use crate::grants::{FORMAT, FileGrant, StageGrants};
        let file = |guest: &str, host: Option<&str>, read_only| FileGrant {
            guest: guest.into(),
            host: host.map(Into::into),
            read_only,
        };
        let stage = |files, network| StageGrants {
            files,
            network,
            ..Default::default()
        };
        let mut grants = ArtifactGrants {
            format: FORMAT,
            ..Default::default()
        };
        grants.stages.insert(
            "a".into(),
            stage(
                vec![
                    file("/data", Some("data"), true),
                    file("/logs", None, false),
                ],
                false,
            ),
        );
        grants
            .stages
            .insert("b".into(), stage(vec![file("/data", None, false)], true));

        // `/logs` has no host directory: `--dir` must give one.
        let error = Capabilities::default().apply_grants(&grants).unwrap_err();
        assert!(
            matches!(&error, CapabilityError::NoHostDir { stage, guest } if stage == "a" && guest == "/logs"),
            "{error}"
        );

        let mut capabilities = Capabilities {
            dirs: vec![DirGrant::parse("/tmp/logs::/logs").unwrap()],
            ..Default::default()
        };
        capabilities.apply_grants(&grants).unwrap();
        let dirs: Vec<_> = capabilities
            .dirs
            .iter()
            .map(|d| (d.host.to_str().unwrap(), d.guest.as_str(), d.read_only))
            .collect();
        // `b` may write to `/data`, so the one preopen must allow it.
        assert_eq!(
            dirs,
            [("/tmp/logs", "/logs", false), ("data", "/data", false)]
        );
        assert!(capabilities.allow_network);
        assert!(!capabilities.allow_outgoing_http);

        grants.stages.get_mut("b").unwrap().files = vec![file("/data", Some("other"), true)];
        let mut capabilities = Capabilities {
            dirs: vec![DirGrant::parse("/tmp/logs::/logs").unwrap()],
            ..Default::default()
        };
        let error = capabilities.apply_grants(&grants).unwrap_err();
        assert!(
            matches!(error, CapabilityError::HostDirConflict { .. }),
            "{error}"
        );
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
