//! Helpers shared by the tests: fixture components, running the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use weld_shim::grants::{ArtifactGrants, FORMAT, SECTION, StageGrants};

/// The fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A scratch directory for this test run's outputs, emptied at first use and
/// kept afterwards for inspection (under `target/tmp`).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shim-scratch");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

/// A fresh directory under [`scratch`] for one test.
pub fn test_dir(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tests/fixtures/<name>.wat` compiled to a component binary on disk.
pub fn wat_component(name: &str) -> PathBuf {
    let out = scratch().join(format!("{name}.wasm"));
    if !out.exists() {
        let bytes = wat::parse_file(fixtures().join(format!("{name}.wat")))
            .unwrap_or_else(|e| panic!("fixture `{name}.wat` does not parse: {e}"));
        let tmp = scratch().join(format!("{name}.wasm.{:?}", std::thread::current().id()));
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// The Rust fixture's components: (`wasi:http/proxy` handler, `echo` command).
pub fn rust_fixtures() -> (&'static Path, &'static Path) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (handler, echo) = BUILT.get_or_init(|| {
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shim-fixtures");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"])
            .arg(&target_dir)
            .current_dir(fixtures().join("http-handler"))
            // Flags meant for the host build must not leak into the guest's.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .output()
            .expect("run cargo to build the Rust fixture");
        assert!(
            output.status.success(),
            "building tests/fixtures/http-handler failed (is `rustup target add wasm32-wasip2` done?):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let release = target_dir.join("wasm32-wasip2/release");
        (release.join("weld_shim_fixture.wasm"), release.join("echo.wasm"))
    });
    (handler, echo)
}

/// The `weld-shim` binary with a private compilation cache.
pub fn shim() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weld-shim"));
    command.env("WELD_CACHE_DIR", scratch().join("cache"));
    command.env("NO_COLOR", "1");
    command
}

/// What a finished `weld-shim` run printed.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `weld-shim` with `args` and no stdin.
pub fn run_shim<I, S>(args: I) -> Ran
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    shim()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run weld-shim")
        .into()
}

/// `weld-shim invoke <pipeline.wat> <call> [extra...]`.
pub fn invoke_pipeline(call: &str, extra: &[&str]) -> Ran {
    let artifact = wat_component("pipeline");
    let mut args = vec![
        "invoke".to_string(),
        artifact.display().to_string(),
        call.to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run_shim(args)
}

/// `component` with `grants` appended as its top-level `weld:grants` section, as
/// `weld compose` writes it, saved as `out`.
pub fn with_grants(component: &Path, grants: &ArtifactGrants, out: &Path) -> PathBuf {
    use wasm_encoder::ComponentSection as _;
    let mut bytes = std::fs::read(component).unwrap();
    let data = grants.to_section();
    wasm_encoder::CustomSection {
        name: SECTION.into(),
        data: data.as_slice().into(),
    }
    .append_to_component(&mut bytes);
    std::fs::write(out, bytes).unwrap();
    out.to_path_buf()
}

/// A record of these stages' grants.
pub fn grants(stages: &[(&str, StageGrants)]) -> ArtifactGrants {
    ArtifactGrants {
        format: FORMAT,
        stages: stages
            .iter()
            .map(|(name, grants)| (name.to_string(), grants.clone()))
            .collect(),
    }
}
