//! The build cache: a stage's component, keyed by a hash of everything that decides it.
//!
//! Components live in `.weld/stages/<pipeline>/<stage>/<key>.wasm` next to the
//! pipeline. The key hashes the stage's source files (skipping build output, unit-test
//! cases and the bindings Weld itself generates) and, for Rust, those of its path
//! dependencies; the WIT directory, the world, the language, the toolchain's version,
//! Weld's version and the revision of the flags Weld passes to the toolchains.
//! Writes go through a temporary file, so a crash never leaves a half-written component
//! behind a valid key.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::BuildContext;
use crate::manifest::Lang;

/// Changes whenever a builder starts passing other flags to its toolchain, so cached
/// components built the old way are not reused (Weld's version alone does not change
/// between such commits).
const BUILDERS_REVISION: &str = "5: rust sources remapped relative to the pipeline; go -trimpath \
     -buildvcs=false -buildid= and a relative go.work; js fixed clock/random and weld-wizer; \
     go and js data segments compacted; 6: go adapter's wall clock held while paused";

/// sha256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The cache key of the stage in `cx`.
pub fn input_hash(cx: &BuildContext<'_>) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    let mut add = |label: &str, data: &[u8]| {
        h.update((label.len() as u64).to_le_bytes());
        h.update(label.as_bytes());
        h.update((data.len() as u64).to_le_bytes());
        h.update(data);
    };
    add("weld", env!("CARGO_PKG_VERSION").as_bytes());
    add("builders", BUILDERS_REVISION.as_bytes());
    add(
        "merge-gap",
        &(super::memory_image::MERGE_GAP as u64).to_le_bytes(),
    );
    add("lang", cx.stage.lang.as_str().as_bytes());
    add(
        "world",
        cx.stage.world.as_deref().unwrap_or_default().as_bytes(),
    );
    add("toolchain", cx.toolchain.as_bytes());
    add("adapter", if cx.http_proxy { b"proxy" } else { b"reactor" });
    add("profile", if cx.debug { b"debug" } else { b"release" });
    add("init", cx.stage.init.as_str().as_bytes());
    if let Some(warm_up) = cx.stage.warm_up {
        add("warm-up", warm_up.as_str().as_bytes());
        // Test files are left out of the sources below; these cases are built in.
        let tests = crate::unit_test::test_file(cx.stage);
        add("warm-up/tests", &std::fs::read(&tests).unwrap_or_default());
    }
    if cx.stage.lang == Lang::Go && cx.stage.init == crate::manifest::Init::Snapshot {
        add("go-snapshot", super::go::SNAPSHOT_SOURCE.as_bytes());
    }
    if let Some(engine) = cx.stage.engine {
        add("engine", engine.as_str().as_bytes());
        if engine == crate::manifest::JsEngine::Quickjs {
            add("quickjs", super::js::QUICKJS_REVISION.as_bytes());
        }
    }
    if cx.stage.lang == Lang::Js {
        let wizer = super::weld_wizer().is_some();
        add("wizer", if wizer { b"weld-wizer" } else { b"bundled" });
        // Weld's own scripts drive componentize-js and componentize-qjs: a changed script
        // must not find the components the old one made.
        for (name, bytes) in js_drivers() {
            add(&format!("js-driver/{name}"), bytes);
        }
    }
    for (path, bytes) in files(&cx.wit.path)? {
        add(&format!("wit/{path}"), &bytes);
    }
    let source_root = match cx.stage.lang {
        // A JS stage is an entry file; the modules next to it may be imported too.
        Lang::Js => cx
            .stage
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        _ => cx.stage.path.clone(),
    };
    for (path, bytes) in files(&source_root)? {
        add(&format!("src/{path}"), &bytes);
    }
    if cx.stage.lang == Lang::Rust {
        // Relative to the crate, as Cargo.toml names them: a checkout elsewhere (a CI
        // cache restored into another path) has the same key.
        let own = super::rust::canonical(&cx.stage.path);
        // A workspace above the crate decides its profile and dependency versions.
        let root = super::rust::workspace_root(&cx.stage.path);
        if root != own {
            for file in ["Cargo.toml", "Cargo.lock"] {
                if let Ok(bytes) = std::fs::read(root.join(file)) {
                    add(&format!("workspace/{file}"), &bytes);
                }
            }
        }
        for (i, dir) in super::rust::path_dependencies(&cx.stage.path)
            .iter()
            .enumerate()
        {
            let relative = pathdiff::diff_paths(dir, &own).unwrap_or_else(|| dir.clone());
            add(
                &format!("path-dependency/{i}"),
                relative.to_string_lossy().as_bytes(),
            );
            for (path, bytes) in files(dir)? {
                add(&format!("path-dependency/{i}/{path}"), &bytes);
            }
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// The scripts (`*.mjs`) in Weld's JS tools folder, by name, in name order, read once
/// per process (every JS stage's key uses them). A folder that cannot be read gives
/// none: the build itself then says what is missing.
fn js_drivers() -> &'static [(String, Vec<u8>)] {
    static DRIVERS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    DRIVERS.get_or_init(|| {
        let Ok(entries) = std::fs::read_dir(super::toolchain::js_tools_dir()) else {
            return Vec::new();
        };
        let mut drivers: Vec<(String, Vec<u8>)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "mjs"))
            .filter_map(|e| {
                let bytes = std::fs::read(e.path()).ok()?;
                Some((e.file_name().to_string_lossy().into_owned(), bytes))
            })
            .collect();
        drivers.sort();
        drivers
    })
}

/// Where the component for `key` lives.
pub fn component_path(cx: &BuildContext<'_>, key: &str) -> PathBuf {
    cx.stage_dir().join(format!("{}.wasm", &key[..32]))
}

/// How many components a stage keeps. The variants a team switches between (release
/// and `--debug`, with and without a snapshot, two pipelines sharing a name) all stay
/// cached, and the oldest go once a stage's sources have changed often enough.
const KEPT_PER_STAGE: usize = 4;

/// The cached component for `key`, if there is one; a hit counts as a use, so the
/// entries kept are the ones used last.
pub fn load(cx: &BuildContext<'_>, key: &str) -> Option<Vec<u8>> {
    let path = component_path(cx, key);
    // Read, not checked then read: another compose of the same folder may drop the
    // entry in between, and then this stage is simply built again.
    let bytes = std::fs::read(&path).ok()?;
    if let Ok(file) = std::fs::File::options().write(true).open(&path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    Some(bytes)
}

/// Stores a freshly built component under `key`, then drops the stage's entries used
/// longest ago beyond [`KEPT_PER_STAGE`].
pub fn store(cx: &BuildContext<'_>, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = component_path(cx, key);
    crate::link::write_atomically(&path, bytes)?;
    prune(&cx.stage_dir(), &path, KEPT_PER_STAGE);
    Ok(())
}

/// Removes the components in `dir` beyond the `kept` used last, `current` among them.
fn prune(dir: &Path, current: &Path, kept: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut others: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm") && p != current)
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    // Newest first.
    others.sort_by(|a, b| b.cmp(a));
    for (_, old) in others.into_iter().skip(kept.saturating_sub(1)) {
        let _ = std::fs::remove_file(old);
    }
}

/// Every source file under `root` (sorted, relative paths), skipping build output,
/// dependencies, hidden folders, unit-test cases and files Weld generates.
fn files(root: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    if root.is_file() {
        let name = root
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        out.push((name, std::fs::read(root)?));
        return Ok(out);
    }
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("failed to read `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        // A stage's unit cases (`<stage>.test.yaml`, next to its sources) are read by
        // `weld test`, never built in: editing a case rebuilds nothing (unless the
        // stage runs them before its snapshot, `warm-up: tests`, keyed above).
        if name.ends_with(".test.yaml") {
            continue;
        }
        // `metadata` follows symlinks: a symlinked folder (say `wit/deps`) is hashed
        // like the folder it points to.
        if std::fs::metadata(&path)?.is_dir() {
            walk(root, &path, out)?;
            continue;
        }
        let bytes = std::fs::read(&path)?;
        if super::go::is_generated(&bytes) {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        out.push((rel, bytes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn prune_keeps_the_entries_used_last_and_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        // a.wasm used longest ago ... e.wasm last; `current` is the oldest of all, as a
        // hit on an old entry would be before its time is renewed.
        for (i, name) in ["current", "a", "b", "c", "d", "e"].iter().enumerate() {
            let path = dir.path().join(format!("{name}.wasm"));
            std::fs::write(&path, name).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(epoch + Duration::from_secs(i as u64))
                .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a component").unwrap();
        prune(dir.path(), &dir.path().join("current.wasm"), 4);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["c.wasm", "current.wasm", "d.wasm", "e.wasm", "notes.txt"]
        );
    }
}
