//! Least privilege inside the artifact: two stages built from the same probe code sit
//! side by side in one artifact, one granted environment, a directory, HTTP to one
//! host and configuration, the other nothing. What each reaches is decided inside the
//! artifact by the guard Weld generated for it, on a host that offers everything.

use std::{
    io::{Read as _, Write as _},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use weld_e2e::{bin, component_imports, copy_dir, repo, text, weld};

/// The fixture, copied and composed once for every test here.
fn composed() -> &'static (PathBuf, PathBuf) {
    static COMPOSED: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        copy_dir(&repo().join("tests/fixtures/grants"), &dir);
        let out = weld(&dir, &["compose", "-o", "grants.wasm"]);
        assert!(out.status.success(), "{}", text(&out));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("note.txt"), "granted reading\n").unwrap();
        (dir.join("grants.wasm"), dir)
    })
}

/// `weld-shim invoke` with a host environment holding both a granted and a hidden
/// variable, and the configuration both stages need.
fn invoke(artifact: &Path, data: &Path, call: &str, extra: &[&str]) -> Output {
    Command::new(bin("weld-shim"))
        .arg("invoke")
        .arg(artifact)
        .arg("--dir")
        .arg(format!("{}::/data", data.display()))
        .args(extra)
        .arg(call)
        .env("PROBE_VISIBLE", "yes")
        .env("PROBE_HIDDEN", "no")
        .output()
        .expect("weld-shim runs")
}

/// The WAVE value a call returns.
fn value(artifact: &Path, data: &Path, call: &str) -> String {
    let out = invoke(
        artifact,
        data,
        call,
        &[
            "--config",
            "granted.secret=s3cret",
            "--config",
            "denied.colour=red",
        ],
    );
    assert!(out.status.success(), "{call}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A loopback HTTP server answering every request `204 No Content`.
fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    port
}

#[test]
fn each_stage_reaches_only_what_its_grants_allow() {
    let (artifact, dir) = composed();
    let data = dir.join("data");
    let v = |call: &str| value(artifact, &data, call);

    // Environment: only the granted name, only for the granted stage.
    assert_eq!(
        v(r#"test:grants/granted.env("PROBE_VISIBLE")"#),
        r#"some("yes")"#
    );
    assert_eq!(v(r#"test:grants/granted.env("PROBE_HIDDEN")"#), "none");
    assert_eq!(v("test:grants/granted.env-names()"), r#"["PROBE_VISIBLE"]"#);
    assert_eq!(v("test:grants/denied.env-names()"), "[]");

    // Files: the granted stage reads the preopened directory; the other has none.
    assert_eq!(
        v(r#"test:grants/granted.read-file("/data/note.txt")"#),
        r#"ok("granted reading\n")"#
    );
    let refused = v(r#"test:grants/denied.read-file("/data/note.txt")"#);
    assert!(
        refused.starts_with("err(") && refused.contains("No such file"),
        "{refused}"
    );

    // Outgoing HTTP: to the granted host only; the interface's own refusal otherwise.
    let port = http_server();
    assert_eq!(
        v(&format!(
            r#"test:grants/granted.fetch("http://127.0.0.1:{port}/")"#
        )),
        "ok(204)"
    );
    let denied = r#"err("ErrorCode::HttpRequestDenied")"#;
    assert_eq!(
        v(&format!(
            r#"test:grants/granted.fetch("http://localhost:{port}/")"#
        )),
        denied
    );
    assert_eq!(
        v(&format!(
            r#"test:grants/denied.fetch("http://127.0.0.1:{port}/")"#
        )),
        denied
    );

    // Configuration: each stage sees its own keys, a default fills in, and another
    // stage's keys do not exist.
    assert_eq!(
        v(r#"test:grants/granted.config("greeting")"#),
        r#"ok(some("hello"))"#
    );
    assert_eq!(
        v(r#"test:grants/granted.config("secret")"#),
        r#"ok(some("s3cret"))"#
    );
    assert_eq!(v(r#"test:grants/granted.config("colour")"#), "ok(none)");
    assert_eq!(v(r#"test:grants/denied.config("secret")"#), "ok(none)");
    assert_eq!(
        v("test:grants/granted.config-all()"),
        r#"ok([("greeting", "hello"), ("secret", "s3cret")])"#
    );
    assert_eq!(
        v("test:grants/denied.config-all()"),
        r#"ok([("colour", "red")])"#
    );
}

#[test]
fn a_missing_secret_stops_start_up_naming_stage_and_key() {
    let (artifact, dir) = composed();
    let out = invoke(
        artifact,
        &dir.join("data"),
        "test:grants/denied.env-names()",
        &["--config", "denied.colour=red"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`granted`") && stderr.contains("`secret`"),
        "{stderr}"
    );
    assert!(stderr.contains("--config granted.secret=VALUE"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out));
}

/// Whether an import (unversioned) is one every artifact may need: no authority.
fn ambient(import: &str) -> bool {
    let unversioned = import.split('@').next().unwrap();
    [
        "wasi:io/",
        "wasi:clocks/",
        "wasi:random/",
        "wasi:http/types",
    ]
    .iter()
    .any(|p| unversioned.starts_with(p))
        || (unversioned.starts_with("wasi:cli/") && unversioned != "wasi:cli/environment")
}

fn capability_imports(artifact: &[u8]) -> Vec<String> {
    let mut names: Vec<String> = component_imports(artifact)
        .into_iter()
        .filter(|i| !ambient(i))
        .map(|i| i.split('@').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_artifact_imports_what_is_granted_and_nothing_more() {
    let (artifact, _) = composed();
    assert_eq!(
        capability_imports(&std::fs::read(artifact).unwrap()),
        [
            "wasi:cli/environment",
            "wasi:config/store",
            "wasi:filesystem/preopens",
            "wasi:filesystem/types",
            "wasi:http/outgoing-handler",
        ]
    );

    // The same stages with no grants and no configuration: the guards refuse
    // everything and import none of it.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/grants"), tmp.path());
    let pipeline = tmp.path().join("pipeline.yaml");
    let text_before = std::fs::read_to_string(&pipeline).unwrap();
    let stripped: String = strip_grants(&text_before);
    assert_ne!(stripped, text_before);
    std::fs::write(&pipeline, stripped).unwrap();
    let out = weld(tmp.path(), &["compose", "-o", "none.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    let bare = std::fs::read(tmp.path().join("none.wasm")).unwrap();
    assert_eq!(capability_imports(&bare), Vec::<String>::new());

    // `weld check` shows the same: every capability of both stages denied.
    let check = weld(tmp.path(), &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    let table = String::from_utf8_lossy(&check.stdout);
    assert!(table.contains("<- guard  (denied: not granted)"), "{table}");
}

/// The fixture's pipeline without any `grants:` or `config:` block.
fn strip_grants(pipeline: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in pipeline.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("grants:") || trimmed.starts_with("config:") {
            skipping = true;
            continue;
        }
        if skipping && indent > 4 {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn a_prebuilt_stage_gets_nothing_unless_granted_and_a_refused_call_names_the_grant() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/grants"), tmp.path());
    let write = |grants: &str| {
        std::fs::write(
            tmp.path().join("logger.yaml"),
            format!(
                "version: 1\nname: logger\nstages:\n  logger:\n    lang: wasm\n    path: stages/logger.wat\n{grants}exports:\n  test:grants/logger: logger\n"
            ),
        )
        .unwrap();
    };

    write("");
    let out = weld(tmp.path(), &["compose", "logger.yaml", "-o", "logger.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    let artifact = tmp.path().join("logger.wasm");
    assert!(
        !component_imports(&std::fs::read(&artifact).unwrap())
            .iter()
            .any(|i| i.starts_with("wasi:logging/")),
        "a refused interface is not imported"
    );
    let out = Command::new(bin("weld-shim"))
        .args(["invoke", artifact.to_str().unwrap(), "greet()"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "stage `logger` used `wasi:logging/logging#log`, which pipeline.yaml does not grant it"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("grants: { host: [wasi:logging/logging] }"),
        "{stderr}"
    );

    // Granted, the interface passes to the host as it is.
    write("    grants:\n      host: [wasi:logging/logging]\n");
    let out = weld(tmp.path(), &["compose", "logger.yaml", "-o", "logger.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        component_imports(&std::fs::read(&artifact).unwrap())
            .contains(&"wasi:logging/logging@0.1.0-draft".to_string())
    );
}
