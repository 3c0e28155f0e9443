//! Validated names: a bad name fails while parsing, where its position is known.

use std::{fmt, str::FromStr};

use serde::Deserialize;

/// The word that wires an import to the host in `imports:`; no stage may have it as name.
pub const HOST: &str = "host";

/// A stage's name: lowercase kebab-case (`auth`, `json-shaper`), unique in a pipeline.
///
/// Stage names become instance names in the composed component, so they follow the
/// component model's rules for plain names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StageName(String);

impl StageName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StageName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let valid = !name.is_empty()
            && name.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && name.starts_with(|c: char| c.is_ascii_lowercase());
        if name == HOST {
            Err(format!(
                "`{HOST}` cannot be a stage name: in `imports:` it means the host (rename the stage)"
            ))
        } else if valid {
            Ok(Self(name))
        } else {
            Err(format!(
                "invalid stage name `{name}`: use lowercase kebab-case, starting with a letter (e.g. `json-shaper`)"
            ))
        }
    }
}

impl FromStr for StageName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s.to_string())
    }
}

impl<'de> Deserialize<'de> for StageName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::try_from(s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for StageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The language a stage is written in, which picks its builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// A Cargo crate built for `wasm32-wasip2`.
    Rust,
    /// A Go module built with stock Go for `wasip1`.
    Go,
    /// A JavaScript module componentized with componentize-js.
    Js,
    /// A prebuilt component (`.wasm`, or `.wat` text).
    Wasm,
}

impl Lang {
    /// The name used in `pipeline.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Go => "go",
            Lang::Js => "js",
            Lang::Wasm => "wasm",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a stage's instances start (`init:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// Every instance runs the stage's start-up (Go: the runtime's `_initialize`).
    #[default]
    Start,
    /// The start-up runs once, at build time; instances start from its memory image.
    Snapshot,
}

impl Init {
    /// The name used in `pipeline.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Init::Start => "start",
            Init::Snapshot => "snapshot",
        }
    }
}

/// What a stage runs at build time, after its start-up and before its snapshot
/// (`warm-up:`), so every instance starts with what that first run made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarmUp {
    /// The calls of the stage's `weld test` cases (`<stage>.test.yaml`).
    Tests,
}

impl WarmUp {
    /// The name used in `pipeline.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarmUp::Tests => "tests",
        }
    }
}

/// The JavaScript engine a JS stage is built with (`engine:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JsEngine {
    /// SpiderMonkey, through componentize-js.
    Spidermonkey,
    /// QuickJS, through jco's `componentize --backend quickjs`: the default, as it is
    /// smaller, starts and answers sooner and uses less memory (README, "JS engines").
    #[default]
    Quickjs,
}

impl JsEngine {
    /// The name used in `pipeline.yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            JsEngine::Spidermonkey => "spidermonkey",
            JsEngine::Quickjs => "quickjs",
        }
    }
}

/// Strips a trailing `@version` from an import or export name.
pub fn unversioned(name: &str) -> &str {
    // A version follows the last `@`; plain names such as `go` have none.
    match name.rfind('@') {
        Some(at) if name[..at].contains('/') => &name[..at],
        _ => name,
    }
}

/// Whether the name a user wrote refers to the import or export `actual`: the same
/// name, or the same name without its version.
pub fn names_match(written: &str, actual: &str) -> bool {
    written == actual || (!written.contains('@') && written == unversioned(actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names() {
        for ok in ["a", "auth", "json-shaper", "v2", "a1-b2"] {
            assert!(StageName::from_str(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Auth", "a_b", "-a", "a-", "a--b", "1a", "a b", "host"] {
            assert!(StageName::from_str(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(unversioned("wasi:http/types@0.2.6"), "wasi:http/types");
        assert_eq!(unversioned("go"), "go");
        assert!(names_match("wasi:http/types", "wasi:http/types@0.2.6"));
        assert!(!names_match(
            "wasi:http/types@0.2.0",
            "wasi:http/types@0.2.6"
        ));
    }
}
