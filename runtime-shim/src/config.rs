//! Configuration values for `wasi:config/store`: what `--config STAGE.KEY=VALUE`,
//! a `--config-file` and `WELD_CONFIG_<STAGE>_<KEY>` variables supply, checked
//! against the keys each stage declares in the artifact's grants.
//!
//! Input is a [`ConfigSources`] and the artifact's [`ArtifactGrants`], if it has
//! any; output is a [`Config`] whose [`Config::values`] become
//! [`crate::Capabilities::config`]. A flag beats the file, the file beats the
//! environment. Defaults are not applied here: the component Weld generates
//! inside the artifact applies them, so a key with a default needs nothing from
//! the host, and one without must be supplied before anything runs.
//!
//! Values may be secrets: nothing here prints one. Errors and [`Supplied`]'s
//! `Display` name keys and where they came from, never what they hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::grants::{ArtifactGrants, StageGrants};

/// The prefix of the environment variables that supply configuration values.
pub const ENV_PREFIX: &str = "WELD_CONFIG_";

/// Where configuration values come from.
#[derive(Clone, Default)]
pub struct ConfigSources {
    /// `--config` values as written: `STAGE.KEY=VALUE` (any `KEY=VALUE` for an
    /// artifact without grants).
    pub flags: Vec<String>,
    /// `--config-file`: TOML, one table per stage.
    pub file: Option<PathBuf>,
    /// The `WELD_CONFIG_*` environment variables, by name.
    pub env: BTreeMap<String, String>,
}

impl std::fmt::Debug for ConfigSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Flags and variables hold values, which may be secrets.
        f.debug_struct("ConfigSources")
            .field("flags", &self.flags.len())
            .field("file", &self.file)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ConfigSources {
    /// `flags` and `file` as given, and this process's `WELD_CONFIG_*` variables.
    pub fn new(flags: Vec<String>, file: Option<PathBuf>) -> Result<Self, ConfigError> {
        let mut env = BTreeMap::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|name| name.starts_with(ENV_PREFIX)) else {
                continue;
            };
            let value = value
                .into_string()
                .map_err(|_| ConfigError::EnvNotUnicode(name.to_string()))?;
            env.insert(name.to_string(), value);
        }
        Ok(Self { flags, file, env })
    }
}

/// Where a value was supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A `--config` flag.
    Flag,
    /// The `--config-file`.
    File(PathBuf),
    /// An environment variable.
    Env(String),
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::Flag => f.write_str("--config"),
            ConfigSource::File(path) => write!(f, "--config-file `{}`", path.display()),
            ConfigSource::Env(name) => write!(f, "environment variable `{name}`"),
        }
    }
}

/// One value handed to the guest.
#[derive(Clone, PartialEq, Eq)]
pub struct Supplied {
    /// The key the artifact asks the host for (`<stage>.<key>` for a composed one).
    pub key: String,
    /// The value.
    pub value: String,
    /// Where it came from.
    pub source: ConfigSource,
    /// Declared secret by its stage; unknown (and so treated as one) without grants.
    pub secret: bool,
}

impl std::fmt::Debug for Supplied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supplied")
            .field("key", &self.key)
            .field("source", &self.source)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Supplied {
    /// `` `tokens.region` = "eu" (from --config) ``; a secret's value is left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "`{}` (secret, from {})", self.key, self.source)
        } else {
            write!(
                f,
                "`{}` = {:?} (from {})",
                self.key, self.value, self.source
            )
        }
    }
}

/// The configuration to serve.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Every value supplied, by key.
    pub supplied: Vec<Supplied>,
    /// `WELD_CONFIG_*` variables no declared key reads (with grants only).
    pub unused_env: Vec<String>,
}

impl Config {
    /// The values as [`crate::Capabilities::config`] takes them.
    pub fn values(&self) -> Vec<(String, String)> {
        self.supplied
            .iter()
            .map(|s| (s.key.clone(), s.value.clone()))
            .collect()
    }
}

/// Configuration that cannot be read or does not fit the artifact.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` without `=` or without a key. The value is not repeated: it may
    /// be a secret.
    #[error("invalid `--config` value `{shown}` (expected `{expected}`)")]
    Syntax {
        /// The flag with its value left out: `name=…`.
        shown: String,
        /// The form expected.
        expected: &'static str,
    },
    /// A `WELD_CONFIG_*` variable's value is not UTF-8.
    #[error("environment variable `{0}` is not valid UTF-8")]
    EnvNotUnicode(String),
    /// The `--config-file` cannot be read.
    #[error("failed to read `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The `--config-file` is not TOML. Only the parser's message and the
    /// position are kept: its usual snippet would show the line, which may hold
    /// a secret.
    #[error("`{}` is not valid TOML: {message} (at line {line}, column {column})", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// What the parser found wrong.
        message: String,
        /// Where, 1-based.
        line: usize,
        /// Where, 1-based, in characters.
        column: usize,
    },
    /// The `--config-file` is TOML but not a table of values per stage.
    #[error("`{}`: {problem}\nhelp: write one table per stage, e.g. `[tokens]` then `secret = \"...\"`", path.display())]
    FileShape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A value for a stage the artifact does not have.
    #[error(
        "the artifact has no stage `{stage}` (given by {given_by}); its stages: {}{}",
        list(stages),
        help(stage, stages)
    )]
    UnknownStage {
        /// The stage as written.
        stage: String,
        /// Where it was written.
        given_by: ConfigSource,
        /// The artifact's stages.
        stages: Vec<String>,
    },
    /// A value for a key the stage does not declare.
    #[error(
        "stage `{stage}` has no configuration key `{key}` (given by {given_by}); {}{}",
        declared(keys),
        help(key, keys)
    )]
    UnknownKey {
        /// The stage.
        stage: String,
        /// The key as written.
        key: String,
        /// Where it was written.
        given_by: ConfigSource,
        /// The keys the stage declares.
        keys: Vec<String>,
    },
    /// Required keys (no default) that nothing supplies.
    #[error("{}", missing(.0))]
    Missing(Vec<(String, String)>),
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn declared(keys: &[String]) -> String {
    if keys.is_empty() {
        "it declares none (add them under `config:` of the stage in pipeline.yaml)".to_string()
    } else {
        format!("it declares {}", list(keys))
    }
}

/// `help: did you mean ...?` when one of `candidates` is close to `name`.
fn help(name: &str, candidates: &[String]) -> String {
    match did_you_mean(name, candidates.iter().map(String::as_str)) {
        Some(close) => format!("\nhelp: did you mean `{close}`?"),
        None => String::new(),
    }
}

fn missing(keys: &[(String, String)]) -> String {
    match keys {
        [(stage, key)] => format!(
            "stage `{stage}` needs the configuration key `{key}`\nhelp: pass --config {}=VALUE, put `{key}` under [{stage}] in --config-file, or set {}",
            ArtifactGrants::host_key(stage, key),
            env_name(stage, key)
        ),
        _ => format!(
            "stages need configuration keys nothing supplies: {}\nhelp: pass --config STAGE.KEY=VALUE, put KEY under [STAGE] in --config-file, or set WELD_CONFIG_<STAGE>_<KEY> (e.g. {})",
            keys.iter()
                .map(|(stage, key)| format!("`{}`", ArtifactGrants::host_key(stage, key)))
                .collect::<Vec<_>>()
                .join(", "),
            keys.first()
                .map(|(stage, key)| env_name(stage, key))
                .unwrap_or_default()
        ),
    }
}

/// The environment variable that supplies `key` of `stage`:
/// `WELD_CONFIG_<STAGE>_<KEY>`, upper-cased, `-` and `.` turned into `_`.
pub fn env_name(stage: &str, key: &str) -> String {
    let part = |name: &str| name.to_uppercase().replace(['-', '.'], "_");
    format!("{ENV_PREFIX}{}_{}", part(stage), part(key))
}

/// The candidate closest to `name`, if one is close enough to be a typo.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_string())
}

/// One value as written, before it is checked against the grants.
struct Given {
    stage: Option<String>,
    key: String,
    value: String,
    source: ConfigSource,
}

/// Reads every source and checks it against `grants`.
///
/// With grants, each value must name a stage of the artifact and a key that
/// stage declares, and every key without a default must be supplied; values
/// are served as `<stage>.<key>`. Without grants, `--config` and the file's
/// `[stage] key` pass through as written (`stage.key`), and the environment is
/// not read: with no declared keys, a variable's name cannot say which key it
/// meant.
pub fn resolve(
    sources: &ConfigSources,
    grants: Option<&ArtifactGrants>,
) -> Result<Config, ConfigError> {
    // The file first, then the flags: a later value of a key replaces an
    // earlier one, so a flag beats the file and the last flag wins.
    let mut given = match &sources.file {
        Some(path) => read_file(path)?,
        None => Vec::new(),
    };
    for flag in &sources.flags {
        given.push(parse_flag(flag, grants.is_some())?);
    }
    let Some(grants) = grants else {
        return Ok(Config {
            supplied: pass_through(given),
            unused_env: Vec::new(),
        });
    };

    let mut by_key: BTreeMap<(String, String), Given> = BTreeMap::new();
    for value in given {
        let stage = value.stage.clone().unwrap_or_default();
        let stage_grants = declared_stage(grants, &stage, &value.source)?;
        if !stage_grants.config.iter().any(|k| k.key == value.key) {
            let keys: Vec<String> = stage_grants.config.iter().map(|k| k.key.clone()).collect();
            return Err(ConfigError::UnknownKey {
                stage,
                key: value.key,
                given_by: value.source,
                keys,
            });
        }
        by_key.insert((stage, value.key.clone()), value);
    }

    let mut supplied = Vec::new();
    let mut missing = Vec::new();
    let mut read_env = BTreeSet::new();
    for (stage, stage_grants) in &grants.stages {
        for declared in &stage_grants.config {
            let var = env_name(stage, &declared.key);
            let value = match by_key.remove(&(stage.clone(), declared.key.clone())) {
                Some(given) => Some((given.value, given.source)),
                None => sources
                    .env
                    .get(&var)
                    .map(|value| (value.clone(), ConfigSource::Env(var.clone()))),
            };
            read_env.insert(var);
            match value {
                Some((value, source)) => supplied.push(Supplied {
                    key: ArtifactGrants::host_key(stage, &declared.key),
                    value,
                    source,
                    secret: declared.secret,
                }),
                None if declared.default.is_none() => {
                    missing.push((stage.clone(), declared.key.clone()));
                }
                None => {}
            }
        }
    }
    if !missing.is_empty() {
        return Err(ConfigError::Missing(missing));
    }
    let unused_env = sources
        .env
        .keys()
        .filter(|name| !read_env.contains(*name))
        .cloned()
        .collect();
    Ok(Config {
        supplied,
        unused_env,
    })
}

/// The grants of `stage`, or the error naming the artifact's stages.
fn declared_stage<'a>(
    grants: &'a ArtifactGrants,
    stage: &str,
    source: &ConfigSource,
) -> Result<&'a StageGrants, ConfigError> {
    grants
        .stages
        .get(stage)
        .ok_or_else(|| ConfigError::UnknownStage {
            stage: stage.to_string(),
            given_by: source.clone(),
            stages: grants.stages.keys().cloned().collect(),
        })
}

/// Without grants: every value under the name it was given, the last of a
/// name winning.
fn pass_through(given: Vec<Given>) -> Vec<Supplied> {
    let mut supplied: Vec<Supplied> = Vec::new();
    for value in given {
        let key = match &value.stage {
            Some(stage) => ArtifactGrants::host_key(stage, &value.key),
            None => value.key,
        };
        supplied.retain(|s| s.key != key);
        supplied.push(Supplied {
            key,
            value: value.value,
            source: value.source,
            secret: true,
        });
    }
    supplied
}

/// `STAGE.KEY=VALUE`; with `need_stage` false, `NAME=VALUE` taken whole.
fn parse_flag(flag: &str, need_stage: bool) -> Result<Given, ConfigError> {
    let expected = if need_stage {
        "STAGE.KEY=VALUE"
    } else {
        "KEY=VALUE"
    };
    let Some((name, value)) = flag.split_once('=') else {
        // No `=`: there is no value in it to keep quiet about.
        return Err(ConfigError::Syntax {
            shown: flag.to_string(),
            expected,
        });
    };
    let syntax = |name: &str| ConfigError::Syntax {
        shown: format!("{name}=…"),
        expected,
    };
    if name.is_empty() {
        return Err(syntax(name));
    }
    let (stage, key) = match name.split_once('.') {
        Some((stage, key)) if need_stage => {
            if stage.is_empty() || key.is_empty() {
                return Err(syntax(name));
            }
            (Some(stage.to_string()), key.to_string())
        }
        None if need_stage => return Err(syntax(name)),
        _ => (None, name.to_string()),
    };
    Ok(Given {
        stage,
        key,
        value: value.to_string(),
        source: ConfigSource::Flag,
    })
}

/// The values of a `--config-file`: a table per stage; nested tables are dotted
/// keys (`db.url = "..."` under `[tokens]` is the key `db.url`).
fn read_file(path: &Path) -> Result<Vec<Given>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
        let at = error.span().map_or(0, |span| span.start.min(text.len()));
        let before = text.get(..at).unwrap_or_default();
        ConfigError::Toml {
            path: path.to_path_buf(),
            message: error.message().trim().to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
        }
    })?;
    let shape = |problem: String| ConfigError::FileShape {
        path: path.to_path_buf(),
        problem,
    };
    let mut given = Vec::new();
    for (stage, values) in table {
        let toml::Value::Table(values) = values else {
            return Err(shape(format!(
                "`{stage}` is not a table of its stage's keys"
            )));
        };
        let mut flat = Vec::new();
        flatten(&stage, "", values, &mut flat).map_err(shape)?;
        given.extend(flat.into_iter().map(|(key, value)| Given {
            stage: Some(stage.clone()),
            key,
            value,
            source: ConfigSource::File(path.to_path_buf()),
        }));
    }
    Ok(given)
}

fn flatten(
    stage: &str,
    prefix: &str,
    table: toml::Table,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let text = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::Table(nested) => {
                flatten(stage, &key, nested, out)?;
                continue;
            }
            toml::Value::Array(_) => {
                return Err(format!(
                    "`{key}` under [{stage}] is an array; a configuration value is a string, number or boolean"
                ));
            }
        };
        out.push((key, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::{ConfigKey, FORMAT};

    fn grants() -> ArtifactGrants {
        let key = |key: &str, secret, default: Option<&str>| ConfigKey {
            key: key.to_string(),
            secret,
            default: default.map(str::to_string),
        };
        let mut grants = ArtifactGrants {
            format: FORMAT,
            ..Default::default()
        };
        grants.stages.insert(
            "tokens".into(),
            StageGrants {
                config: vec![key("secret", true, None), key("region", false, Some("eu"))],
                ..Default::default()
            },
        );
        grants
            .stages
            .insert("web-front".into(), StageGrants::default());
        grants
    }

    fn sources(flags: &[&str], env: &[(&str, &str)]) -> ConfigSources {
        ConfigSources {
            flags: flags.iter().map(|f| f.to_string()).collect(),
            file: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn env_names() {
        assert_eq!(env_name("tokens", "secret"), "WELD_CONFIG_TOKENS_SECRET");
        assert_eq!(
            env_name("web-front", "db.url"),
            "WELD_CONFIG_WEB_FRONT_DB_URL"
        );
    }

    #[test]
    fn a_flag_beats_the_environment_and_defaults_stay_in_the_artifact() {
        let config = resolve(
            &sources(
                &["tokens.secret=from-flag"],
                &[
                    ("WELD_CONFIG_TOKENS_SECRET", "from-env"),
                    ("WELD_CONFIG_X", "1"),
                ],
            ),
            Some(&grants()),
        )
        .unwrap();
        assert_eq!(
            config.values(),
            [("tokens.secret".to_string(), "from-flag".to_string())]
        );
        assert_eq!(config.unused_env, ["WELD_CONFIG_X"]);
        assert!(!config.supplied[0].to_string().contains("from-flag"));
    }

    #[test]
    fn unknown_keys_and_stages_are_named_with_a_suggestion() {
        let error = resolve(&sources(&["tokens.secrt=x"], &[]), Some(&grants())).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("stage `tokens` has no configuration key `secrt`"),
            "{text}"
        );
        assert!(text.contains("`secret`, `region`"), "{text}");
        assert!(text.ends_with("help: did you mean `secret`?"), "{text}");

        let error = resolve(&sources(&["token.secret=x"], &[]), Some(&grants())).unwrap_err();
        assert!(
            error.to_string().contains("did you mean `tokens`?"),
            "{error}"
        );
    }

    #[test]
    fn missing_keys_are_all_named_without_values() {
        let error = resolve(&sources(&[], &[]), Some(&grants())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "stage `tokens` needs the configuration key `secret`\nhelp: pass --config tokens.secret=VALUE, put `secret` under [tokens] in --config-file, or set WELD_CONFIG_TOKENS_SECRET"
        );
    }

    #[test]
    fn several_missing_keys_are_named_at_once() {
        let mut grants = grants();
        grants
            .stages
            .get_mut("web-front")
            .unwrap()
            .config
            .push(ConfigKey {
                key: "db.url".into(),
                secret: false,
                default: None,
            });
        let error = resolve(&sources(&[], &[]), Some(&grants)).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "stages need configuration keys nothing supplies: `tokens.secret`, `web-front.db.url`\nhelp:"
            ),
            "{error}"
        );
        // The dotted key comes from the environment with `.` as `_`.
        let config = resolve(
            &sources(
                &["tokens.secret=x"],
                &[("WELD_CONFIG_WEB_FRONT_DB_URL", "postgres://db")],
            ),
            Some(&grants),
        )
        .unwrap();
        assert_eq!(config.values()[1].0, "web-front.db.url");
    }

    #[test]
    fn syntax_errors_do_not_repeat_the_value() {
        let error = resolve(&sources(&["tokens=hunter2"], &[]), Some(&grants())).unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(error.to_string().contains("STAGE.KEY=VALUE"), "{error}");
    }

    #[test]
    fn a_broken_file_is_reported_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[tokens]\nsecret = \"hunter2\nregion = \"eu\"\n").unwrap();
        let sources = ConfigSources {
            file: Some(path),
            ..sources(&[], &[])
        };
        let error = resolve(&sources, Some(&grants())).unwrap_err().to_string();
        assert!(error.contains("is not valid TOML: "), "{error}");
        assert!(error.contains("(at line 2, column "), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn without_grants_values_pass_through() {
        let config = resolve(&sources(&["a.b=c", "plain=1"], &[]), None).unwrap();
        assert_eq!(
            config.values(),
            [
                ("a.b".to_string(), "c".to_string()),
                ("plain".to_string(), "1".to_string())
            ]
        );
    }
}
