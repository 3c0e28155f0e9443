//! `pipeline.yaml`, as `weld check` reads it.
//!
//! Any text is parsed by `Manifest::parse`; a pipeline that parses is checked
//! (contracts, wiring, graph, types: `check` never builds) and every diagnostic is
//! rendered. Nothing may panic.
//!
//! So that the checker gets past "no such file", the pipeline sits in a folder of stage
//! components made once at start-up from the golden cases (`composer/tests/golden`):
//! each case's files are copied to `<tmp>/<case>/`, and the first copy of each file name
//! also to `<tmp>/`, and every single-world `*.wit` becomes `<stem>.wasm`. A pipeline
//! whose first line is `# case: <name>` is placed in that case's folder (the corpus is
//! seeded this way), any other at `<tmp>/pipeline.yaml`.

#![no_main]

mod common;

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
    sync::{LazyLock, Mutex},
};

use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;
use weld::{
    diagnostic::{Diagnostic, Diagnostics},
    manifest::Manifest,
    pipeline,
    wit::WitDir,
};

struct Fixture {
    /// Deleted when the process ends (kept alive by the static).
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../composer/tests/golden");
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let root = fs::canonicalize(tmp.path()).unwrap();
    let mut cases: Vec<PathBuf> = fs::read_dir(&golden)
        .expect("composer/tests/golden exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    for case in &cases {
        let dir = root.join(case.file_name().unwrap());
        copy_dir(case, &dir);
        make_components(&dir);
        for entry in fs::read_dir(&dir).unwrap() {
            let from = entry.unwrap().path();
            let to = root.join(from.file_name().unwrap());
            if from.is_file() && !to.exists() {
                fs::copy(&from, &to).unwrap();
            }
        }
    }
    copy_dir(&golden.join("error-world-not-found/wit"), &root.join("wit"));
    Fixture { _tmp: tmp, root }
});

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            fs::copy(&path, &dest).unwrap();
        }
    }
}

/// `<stem>.wasm` for every `*.wit` of `dir` holding exactly one world.
fn make_components(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wit")
            && let Ok(bytes) = WitDir::stand_in_from_file(&path)
        {
            fs::write(path.with_extension("wasm"), bytes).unwrap();
        }
    }
}

/// Parsed WIT folders by path: parsing one per input would dominate the run.
static WIT: LazyLock<Mutex<HashMap<PathBuf, WitDir>>> = LazyLock::new(Default::default);

fn wit_dir(path: &Path) -> Result<WitDir, String> {
    let mut cache = WIT.lock().unwrap();
    if !cache.contains_key(path) {
        let wit = WitDir::load(path).map_err(|e| format!("{e:#}"))?;
        cache.insert(path.to_path_buf(), wit);
    }
    let wit = &cache[path];
    Ok(WitDir {
        path: wit.path.clone(),
        resolve: wit.resolve.clone(),
        package: wit.package,
    })
}

/// Whether `path` may be read: inside the fixture, or not there at all. A pipeline may
/// name any path, and reading `/dev/zero` would never end.
fn inside(root: &Path, path: &Path) -> bool {
    fs::canonicalize(path).map_or(true, |p| p.starts_with(root))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = &FIXTURE.root;
    let dir = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# case: "))
        .map(str::trim)
        .filter(|case| {
            !case.is_empty() && case.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(|case| root.join(case))
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| root.clone());
    let path = dir.join("pipeline.yaml");
    let manifest = match Manifest::parse(&path, text.to_owned()) {
        Ok(manifest) => manifest,
        Err(diags) => return common::render(&diags),
    };
    let paths = manifest
        .stages
        .values()
        .map(|s| &s.path)
        .chain(&manifest.wit);
    if !paths.into_iter().all(|p| inside(root, p)) {
        return;
    }
    let wit = match &manifest.wit {
        Some(dir) => match wit_dir(dir) {
            Ok(wit) => Some(wit),
            Err(e) => {
                let d = Diagnostic::error(e).at_opt(
                    &manifest.source,
                    manifest.value_span(&["wit"]),
                    "",
                );
                return common::render(&d.into());
            }
        },
        None => None,
    };
    let _ = manifest.key_span(&["stages"]);
    match pipeline::check(manifest, wit, &IndexMap::new()) {
        Ok(checked) => {
            let _ = checked.summary();
            common::render(&Diagnostics(checked.warnings));
        }
        Err(diags) => common::render(&diags),
    }
});
