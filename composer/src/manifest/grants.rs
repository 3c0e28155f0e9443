//! A stage's `grants:` and `config:`: what it may reach beyond the ambient set.
//!
//! ```yaml
//! tokens:
//!   config:
//!     secret: { secret: true }    # required, supplied at run time, never embedded
//!     issuer: weld                # a default, embedded in the artifact
//!     region: {}                  # required, not secret
//!   grants:
//!     env: [LOG_LEVEL]            # these host environment variables ("*": all)
//!     args: true                  # command-line arguments and working directory
//!     files: [{ guest: /data, host: ./data, mode: read-only }]   # or just `/data`
//!     http: [api.example.com, "*.example.com", "localhost:8080"] # outgoing HTTP ("*": any)
//!     network: true               # wasi:sockets
//!     host: [wasi:keyvalue/store] # any other host interface, passed through as is
//! ```
//!
//! Parsed into the record the artifact carries ([`StageGrants`]), so what the pipeline
//! says and what the host reads are one type.

use indexmap::IndexMap;
use serde::{Deserialize, de};
pub use weld_shim::grants::{ConfigKey, FileGrant, StageGrants};

/// `grants:` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGrants {
    #[serde(default)]
    env: OneOrMany,
    #[serde(default)]
    args: bool,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    http: OneOrMany,
    #[serde(default)]
    network: bool,
    #[serde(default)]
    host: Vec<String>,
}

/// A list, or `"*"` on its own.
#[derive(Default)]
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(String),
            Many(Vec<String>),
        }
        match Form::deserialize(d)
            .map_err(|_| de::Error::custom("expected a list of names, or \"*\" for all"))?
        {
            Form::One(s) if s == "*" => Ok(OneOrMany(vec![s])),
            Form::One(s) => Err(de::Error::custom(format!(
                "expected a list (write `[{s}]`), or \"*\" for all"
            ))),
            Form::Many(v) => Ok(OneOrMany(v)),
        }
    }
}

/// One `files:` entry: a guest path, or the long form.
enum RawFile {
    Short(String),
    Long(LongFile),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongFile {
    guest: String,
    host: Option<String>,
    #[serde(default)]
    mode: Mode,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    #[default]
    ReadOnly,
    ReadWrite,
}

impl<'de> Deserialize<'de> for RawFile {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(d)?;
        match value {
            serde_yaml::Value::String(s) => Ok(RawFile::Short(s)),
            other => LongFile::deserialize(other)
                .map(RawFile::Long)
                .map_err(de::Error::custom),
        }
    }
}

/// One `config:` entry: a default, nothing (required), or `{ secret, default }`.
pub(super) struct RawConfig {
    secret: bool,
    default: Option<String>,
}

impl<'de> Deserialize<'de> for RawConfig {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Long {
            #[serde(default)]
            secret: bool,
            default: Option<String>,
        }
        let value = serde_yaml::Value::deserialize(d)?;
        match value {
            serde_yaml::Value::Null => Ok(RawConfig {
                secret: false,
                default: None,
            }),
            serde_yaml::Value::String(s) => Ok(RawConfig {
                secret: false,
                default: Some(s),
            }),
            serde_yaml::Value::Bool(_) | serde_yaml::Value::Number(_) => Err(de::Error::custom(
                "a configuration default is a string: quote it",
            )),
            other => {
                let long = Long::deserialize(other).map_err(de::Error::custom)?;
                if long.secret && long.default.is_some() {
                    return Err(de::Error::custom(
                        "a secret has no default: secrets are never embedded in the artifact",
                    ));
                }
                Ok(RawConfig {
                    secret: long.secret,
                    default: long.default,
                })
            }
        }
    }
}

/// The record of one stage's `grants:` and `config:`.
pub(super) fn stage_grants(
    grants: Option<RawGrants>,
    config: IndexMap<String, RawConfig>,
    stateless: bool,
) -> StageGrants {
    let grants = grants.unwrap_or_default();
    StageGrants {
        config: config
            .into_iter()
            .map(|(key, c)| ConfigKey {
                key,
                secret: c.secret,
                default: c.default,
            })
            .collect(),
        env: grants.env.0,
        args: grants.args,
        files: grants
            .files
            .into_iter()
            .map(|f| match f {
                RawFile::Short(guest) => FileGrant {
                    guest,
                    host: None,
                    read_only: true,
                },
                RawFile::Long(l) => FileGrant {
                    guest: l.guest,
                    host: l.host,
                    read_only: matches!(l.mode, Mode::ReadOnly),
                },
            })
            .collect(),
        // Host names compare case-insensitively; the guard compares lower case.
        http: grants
            .http
            .0
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
        network: grants.network,
        host: grants.host,
        stateless,
    }
}

/// Why a granted HTTP host is not one: `None` when it is fine.
pub(super) fn http_host_problem(host: &str) -> Option<&'static str> {
    if host == "*" {
        return None;
    }
    if host.contains('/') {
        return Some("write the host alone, without scheme or path (`api.example.com`)");
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let (name, port) = match name.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (name, None),
    };
    if name.is_empty() {
        return Some("the host name is empty");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
    {
        return Some(
            "a host is a name like `api.example.com`, `*.example.com` or `host:8080`, without scheme or path",
        );
    }
    if port.is_some_and(|p| p.is_empty() || p.parse::<u16>().is_err()) {
        return Some("the port is not a number");
    }
    None
}
