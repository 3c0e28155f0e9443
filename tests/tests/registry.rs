//! Deploying through a real OCI registry (Debian's `docker-registry` on loopback) and
//! checking with a real client (`skopeo`): push and pull, digests, credentials, and
//! `weld-shim` running an artifact by reference. The component is a small WAT fixture,
//! so these tests need no guest toolchain, except the one that verifies a pulled
//! artifact against its sources (one small Rust stage).

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use weld_e2e::{
    bin,
    registry::{Registry, raw_manifest, skopeo},
    repo, text,
};

/// The fixture component as a binary `app.wasm` in a fresh folder, with a build record
/// next to it as `weld compose` writes one.
fn artifact() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let wasm = wat::parse_file(repo().join("runtime-shim/tests/fixtures/pipeline.wat")).unwrap();
    let path = dir.path().join("app.wasm");
    std::fs::write(&path, wasm).unwrap();
    std::fs::write(
        dir.path().join("app.build.json"),
        r#"{"pipeline":"app","stages":[{"stage":"clean","source_hash":"abc","component_hash":"def"}]}"#,
    )
    .unwrap();
    (dir, path)
}

fn weld_in(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(bin("weld"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Credentials only from what each test gives.
        .env("DOCKER_CONFIG", dir.join("no-docker-config"))
        .env("REGISTRY_AUTH_FILE", dir.join("no-auth.json"))
        .env_remove("WELD_REGISTRY_USERNAME")
        .env_remove("WELD_REGISTRY_PASSWORD")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weld runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn weld(dir: &Path, args: &[&str]) -> Output {
    weld_in(dir, args, None, &[])
}

/// Asserts failure and returns stderr.
fn fails(out: Output) -> String {
    assert!(!out.status.success(), "expected failure:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn stdout(out: Output) -> String {
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `<shim> invoke <reference> process("Hello")` with its store in `cache`.
fn invoke_process(shim: &Path, cache: &Path, reference: &str) -> Output {
    Command::new(shim)
        .args([
            "invoke",
            reference,
            r#"demo:text/pipeline.process("Hello")"#,
        ])
        .env("WELD_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn push_writes_the_wasm_artifact_layout_and_pull_gives_identical_bytes() {
    let registry = Registry::anonymous();
    let (dir, app) = artifact();
    let reference = format!("{}:v1", registry.repo("acme/app"));
    let digest = stdout(weld(dir.path(), &["push", "app.wasm", &reference]));
    assert!(digest.starts_with("sha256:"), "{digest}");

    // What another tool sees: the CNCF Wasm artifact layout, our build record.
    let manifest = raw_manifest(&reference);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    let record = manifest["annotations"]["dev.weld.build-record"]
        .as_str()
        .unwrap();
    assert!(record.contains(r#""source_hash":"abc""#), "{record}");
    // The digest printed is the digest of the manifest the registry serves.
    let by_digest = raw_manifest(&format!("{}@{digest}", registry.repo("acme/app")));
    assert_eq!(by_digest, manifest);

    let out = weld(dir.path(), &["pull", &reference, "-o", "pulled/app.wasm"]);
    assert_eq!(stdout(out), digest);
    assert_eq!(
        std::fs::read(dir.path().join("pulled/app.wasm")).unwrap(),
        std::fs::read(&app).unwrap()
    );
    let pulled_record = std::fs::read_to_string(dir.path().join("pulled/app.build.json")).unwrap();
    assert!(pulled_record.contains("\"abc\""), "{pulled_record}");

    // Same artifact, same digest: nothing in the push depends on the time.
    let again = stdout(weld(dir.path(), &["push", "app.wasm", &reference]));
    assert_eq!(again, digest);
}

#[test]
fn an_artifact_pulled_from_the_registry_verifies_against_its_sources() {
    let registry = Registry::anonymous();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    weld_e2e::copy_dir(&repo().join("tests/fixtures/path-dependency"), dir);
    let compose = weld(dir, &["compose", "-o", "out.wasm"]);
    assert!(compose.status.success(), "{}", text(&compose));
    let reference = format!("{}:v1", registry.repo("acme/greeter"));
    stdout(weld(dir, &["push", "out.wasm", &reference]));
    // What was deployed, fetched back: its build record comes with it.
    stdout(weld(dir, &["pull", &reference, "-o", "deployed/app.wasm"]));
    let verified = weld(dir, &["verify", "--artifact", "deployed/app.wasm"]);
    assert!(verified.status.success(), "{}", text(&verified));
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert!(stderr.contains("reproduced byte for byte"), "{stderr}");
}

#[test]
fn a_tampered_blob_is_refused_and_nothing_is_written() {
    let registry = Registry::anonymous();
    let (dir, app) = artifact();
    let reference = format!("{}:v1", registry.repo("acme/app"));
    stdout(weld(dir.path(), &["push", "app.wasm", &reference]));
    let layer = raw_manifest(&reference)["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = std::fs::read(&app).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(registry.blob_file(&layer), bytes).unwrap();

    let stderr = fails(weld(dir.path(), &["pull", &reference, "-o", "out.wasm"]));
    assert!(stderr.contains("does not match its digest"), "{stderr}");
    assert!(stderr.contains(&layer), "{stderr}");
    assert!(!dir.path().join("out.wasm").exists());
    assert!(!dir.path().join("out.build.json").exists());
}

#[test]
fn unknown_repositories_and_a_registry_that_is_down_are_clear_errors() {
    let registry = Registry::anonymous();
    let (dir, _app) = artifact();
    let missing = format!("{}:v1", registry.repo("acme/nothing-here"));
    let stderr = fails(weld(dir.path(), &["pull", &missing, "-o", "out.wasm"]));
    assert!(
        stderr.contains("does not exist in the registry"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.wasm").exists());

    let addr = registry.addr.clone();
    registry.stop();
    let stderr = fails(weld(
        dir.path(),
        &["push", "app.wasm", &format!("{addr}/acme/app:v1")],
    ));
    assert!(
        stderr.contains(&format!("cannot reach the registry `{addr}`")),
        "{stderr}"
    );

    let stderr = fails(weld(dir.path(), &["push", "app.wasm", "acme/app:v1"]));
    assert!(stderr.contains("does not name a registry"), "{stderr}");
}

#[test]
fn credentials_come_from_flags_the_environment_or_docker_config_and_bad_ones_are_refused() {
    let registry = Registry::with_users(&[("deployer", "s3cret")]);
    let (dir, _app) = artifact();
    let reference = format!("{}:v1", registry.repo("acme/app"));

    let stderr = fails(weld(dir.path(), &["push", "app.wasm", &reference]));
    assert!(stderr.contains("refused access to `acme/app`"), "{stderr}");
    assert!(stderr.contains("no credentials"), "{stderr}");

    let stderr = fails(push_as_deployer(dir.path(), &reference, "wrong"));
    assert!(stderr.contains("refused access"), "{stderr}");
    assert!(stderr.contains("--username"), "{stderr}");

    let digest = stdout(push_as_deployer(dir.path(), &reference, "s3cret"));

    let env = [
        ("WELD_REGISTRY_USERNAME", "deployer"),
        ("WELD_REGISTRY_PASSWORD", "s3cret"),
    ];
    let out = weld_in(
        dir.path(),
        &["pull", &reference, "-o", "env.wasm"],
        None,
        &env,
    );
    assert_eq!(stdout(out), digest);

    // Docker's config.json, as `docker login` writes it.
    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"ZGVwbG95ZXI6czNjcmV0"}}}}}}"#,
            registry.addr
        ),
    )
    .unwrap();
    let docker = docker.to_str().unwrap();
    let out = weld_in(
        dir.path(),
        &["pull", &reference, "-o", "docker.wasm"],
        None,
        &[("DOCKER_CONFIG", docker)],
    );
    assert_eq!(stdout(out), digest);

    // skopeo with the same credentials sees the same manifest.
    let out = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        "--creds",
        "deployer:s3cret",
        &format!("docker://{reference}"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

/// `weld push app.wasm <reference> --username deployer --password-stdin`.
fn push_as_deployer(dir: &Path, reference: &str, password: &str) -> Output {
    let args = [
        "push",
        "app.wasm",
        reference,
        "--username",
        "deployer",
        "--password-stdin",
    ];
    weld_in(dir, &args, Some(&format!("{password}\n")), &[])
}

#[test]
fn weld_shim_runs_a_reference_and_a_pinned_one_without_the_registry() {
    let registry = Registry::anonymous();
    let (dir, _app) = artifact();
    let reference = format!("{}:v1", registry.repo("acme/app"));
    let digest = stdout(weld(dir.path(), &["push", "app.wasm", &reference]));
    let pinned = format!("{}@{digest}", registry.repo("acme/app"));
    let cache = dir.path().join("cache");
    let shim = bin("weld-shim");
    let invoke = |reference: &str| invoke_process(&shim, &cache, reference);
    let out = invoke(&reference);
    assert_eq!(stdout(out), r#"ok("HELLO")"#);
    // The first start by digest fills the store from the registry...
    let out = invoke(&pinned);
    assert_eq!(stdout(out), r#"ok("HELLO")"#);

    // ...so with the registry gone a pinned reference still runs, and a tag (which
    // may have moved) says why it cannot.
    registry.stop();
    let out = invoke(&pinned);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no network"),
        "{}",
        text(&out)
    );
    assert_eq!(stdout(out), r#"ok("HELLO")"#);
    let out = invoke(&reference);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot reach the registry"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_runtime_only_shim_runs_a_precompiled_artifact_by_reference() {
    let registry = Registry::anonymous();
    let (dir, _app) = artifact();
    let portable = format!("{}:v1", registry.repo("acme/app"));
    let aot = format!("{}:v1-aot", registry.repo("acme/app"));
    stdout(weld(dir.path(), &["push", "app.wasm", &portable]));
    stdout(weld(dir.path(), &["push", "--aot", "app.wasm", &aot]));
    let manifest = raw_manifest(&aot);
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.weld.precompiled.config.v1+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.weld.precompiled.cwasm.v1"
    );

    let shim = weld_e2e::runtime_shim();
    let cache = dir.path().join("cache");
    let invoke = |reference: &str| invoke_process(&shim, &cache, reference);
    assert_eq!(stdout(invoke(&aot)), r#"ok("HELLO")"#);
    let stderr = fails(invoke(&portable));
    assert!(
        stderr.contains("runtime-only") && stderr.contains("weld push --aot"),
        "{stderr}"
    );
}
