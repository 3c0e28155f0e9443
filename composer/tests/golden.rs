//! Golden tests: one folder per case under `tests/golden/`, run by the library.
//!
//! A case holds a `pipeline.yaml` and the components it names, as WAT text (`*.wat`,
//! which Weld reads directly) or as WIT: every `*.wit` file at the top of the case folder
//! holding exactly one world becomes `<stem>.wasm`, a component with that world's
//! imports and exports (made with `wit_component::dummy_module`). Folders such as `wit/`
//! are copied as they are, for stages that declare a world.
//!
//! The case runs `check`, then links. Expected results, next to the inputs:
//! - `error.txt`: the rendered diagnostics when checking or linking fails;
//! - `wiring.txt`: the summary `weld check` prints, and `warnings.txt` if any;
//! - `composed.wat`: the linked component, printed as text. Linking runs twice and the
//!   two artifacts must be byte-for-byte identical. A pipeline with `http:` gives
//!   `composed.txt` instead, the artifact's imports and exports: its text would hold the
//!   whole prebuilt router, whose own tests are in composer/glue/http-router.
//!
//! Each case is its own test, named after its folder, so `cargo test -p weld --test golden
//! -- fan` runs only the cases whose name contains `fan`, and a failure names its case.
//! `BLESS=1 cargo test -p weld --test golden` rewrites the expected files.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use libtest_mimic::Trial;
use weld::{diagnostic::Diagnostics, pipeline};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/golden exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("pipeline.yaml").exists())
        .collect();
    cases.sort();
    assert!(
        !cases.is_empty(),
        "no golden cases found in {}",
        root.display()
    );

    let bless = std::env::var_os("BLESS").is_some();
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || {
                run_case(&case, bless)
                    .map_err(|e| format!("{e}\n\n(BLESS=1 to accept the new output)").into())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn run_case(case: &Path, bless: bool) -> Result<(), String> {
    // The copy keeps the case's folder name: it is the pipeline's default name.
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let work = tmp.path().join(case.file_name().unwrap());
    std::fs::create_dir_all(&work).unwrap();
    copy_dir(case, &work);
    make_wit_components(&work)?;

    let prefix = format!("{}/", work.display());
    let clean = |text: String| text.replace(&prefix, "");
    let pipeline_path = work.join("pipeline.yaml");
    let out = work.join("out.wasm");

    let result = pipeline::load(&pipeline_path)
        .and_then(|(m, wit)| pipeline::check(m, wit, &IndexMap::new()));
    let mut actual: Vec<(&str, String)> = Vec::new();
    match result {
        Err(diags) => actual.push(("error.txt", clean(diags.render(false)))),
        Ok(checked) => {
            let http = checked.manifest.http.is_some();
            actual.push(("wiring.txt", checked.summary()));
            if !checked.warnings.is_empty() {
                let w = Diagnostics(checked.warnings.clone());
                actual.push(("warnings.txt", clean(w.render(false))));
            }
            match pipeline::link_checked(checked, &out) {
                Err(e) => actual.push(("error.txt", clean(format!("{e:#}\n")))),
                Ok(_) => {
                    let first = std::fs::read(&out).unwrap();
                    let (m, wit) = pipeline::load(&pipeline_path).map_err(|d| d.render(false))?;
                    let again =
                        pipeline::check(m, wit, &IndexMap::new()).map_err(|d| d.render(false))?;
                    pipeline::link_checked(again, &out).map_err(|e| format!("{e:#}"))?;
                    if std::fs::read(&out).unwrap() != first {
                        return Err("linking the same inputs twice gave different bytes".into());
                    }
                    if http {
                        actual.push(("composed.txt", imports_and_exports(&first)));
                    } else {
                        let wat = wasmprinter::print_bytes(&first).map_err(|e| e.to_string())?;
                        actual.push(("composed.wat", wat));
                    }
                }
            }
        }
    }

    let mut problems = Vec::new();
    for file in [
        "error.txt",
        "wiring.txt",
        "warnings.txt",
        "composed.wat",
        "composed.txt",
    ] {
        let expected_path = case.join(file);
        let expected = std::fs::read_to_string(&expected_path).ok();
        let got = actual
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, t)| t.clone());
        if expected == got {
            continue;
        }
        if bless {
            match &got {
                Some(text) => std::fs::write(&expected_path, text).unwrap(),
                None => std::fs::remove_file(&expected_path).unwrap(),
            }
            continue;
        }
        problems.push(match (expected, got) {
            (None, Some(got)) => format!("unexpected `{file}`:\n{got}"),
            (Some(_), None) => format!("expected `{file}`, but none was produced"),
            (Some(exp), Some(got)) => {
                format!("`{file}` differs:\n--- expected\n{exp}\n--- actual\n{got}")
            }
            (None, None) => unreachable!(),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Copies a case, following symlinks (cases share WIT folders through them).
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if std::fs::metadata(entry.path()).unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Turns each top-level `*.wit` file into a component with that world.
fn make_wit_components(dir: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wit") {
            continue;
        }
        let bytes = weld::wit::WitDir::stand_in_from_file(&path)
            .map_err(|e| format!("{}: {e:#}", path.display()))?;
        std::fs::write(path.with_extension("wasm"), bytes).unwrap();
    }
    Ok(())
}

/// The artifact's top-level imports and exports, one per line.
fn imports_and_exports(component: &[u8]) -> String {
    let mut out = String::from("imports:\n");
    for name in weld::guard::report::component_imports(component) {
        out += &format!("  {name}\n");
    }
    out += "exports:\n";
    for name in weld::guard::report::component_exports(component) {
        out += &format!("  {name}\n");
    }
    out
}
