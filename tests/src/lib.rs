//! Helpers for the end-to-end tests: find (or build) the `weld` and `weld-shim`
//! binaries, run them, mint tokens for the edge-api sample, and talk HTTP/1.1 to a
//! server on loopback without extra dependencies.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::Once,
    time::Duration,
};

use sha2::Digest as _;

pub mod registry;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The folder Cargo puts this profile's binaries in.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test binary>
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

static BUILD: Once = Once::new();

/// Path of a workspace binary, building `weld` and `weld-shim` once if needed.
pub fn bin(name: &str) -> PathBuf {
    BUILD.call_once(|| {
        let profile_release = bin_dir().ends_with("release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-p", "weld", "-p", "weld-shim"])
            .current_dir(repo());
        if profile_release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building weld and weld-shim failed");
    });
    bin_dir().join(name)
}

/// The runtime-only, statically linked weld-shim that ships (`scripts/build-runtime-shim`),
/// built once per test process.
pub fn runtime_shim() -> PathBuf {
    static SHIM: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SHIM.get_or_init(|| {
        // target/<profile> -> target
        let target_dir = bin_dir().parent().unwrap().to_path_buf();
        let out = Command::new(repo().join("scripts/build-runtime-shim"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/build-runtime-shim runs");
        assert!(
            out.status.success(),
            "building the runtime-only shim failed"
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// Runs `weld` with `args` in `dir`.
pub fn weld(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin("weld"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("weld runs")
}

/// Runs `weld-shim` with `args`.
pub fn shim(args: &[&str]) -> Output {
    Command::new(bin("weld-shim"))
        .args(args)
        .output()
        .expect("weld-shim runs")
}

/// stdout and stderr of an output, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "command failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The secret the edge-api sample is run with in tests (configuration, not built in).
pub const EDGE_API_SECRET: &str = "weld-demo-secret";

/// The `weld-shim` flags that give the edge-api artifact its token secret.
pub const EDGE_API_CONFIG: [&str; 2] = ["--config", "tokens.secret=weld-demo-secret"];

/// A token the edge-api sample's `tokens` stage accepts when run with
/// [`EDGE_API_CONFIG`]: `<subject>.<expiry>.<hmac hex>` (HMAC-SHA256 of
/// `<subject>.<expiry>` under [`EDGE_API_SECRET`]).
pub fn mint_token(subject: &str, expires_at: u64) -> String {
    let payload = format!("{subject}.{expires_at}");
    format!(
        "{payload}.{}",
        hmac_sha256_hex(EDGE_API_SECRET.as_bytes(), payload.as_bytes())
    )
}

fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A `weld-shim serve` process on a free loopback port, stopped when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    /// Where its metrics are served, when started with `--metrics`.
    pub metrics: Option<String>,
    /// What it wrote to stderr after its address (access log, errors, guest output).
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts serving `artifact` and waits for the address it prints.
    pub fn start(artifact: &Path, extra: &[&str]) -> Server {
        Server::start_with(&bin("weld-shim"), artifact, extra)
    }

    /// Starts serving `artifact` with the shim binary `shim`.
    pub fn start_with(shim: &Path, artifact: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(shim)
            .arg("serve")
            .arg(artifact)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("weld-shim serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut metrics = None;
        let addr = loop {
            let line = lines
                .next()
                .expect("weld-shim serve printed its address before exiting")
                .unwrap();
            if let Some(rest) = line.trim().strip_prefix("Metrics http://") {
                metrics = Some(rest.trim_end_matches("/metrics").to_string());
            }
            if let Some(rest) = line.trim().strip_prefix("Serving http://") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        // Keep draining the access log so the server never blocks on a full pipe.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            addr,
            metrics,
            log,
        }
    }

    /// The value of the unlabelled sample `name` in its metrics (started with `--metrics`).
    pub fn metric(&self, name: &str) -> f64 {
        let addr = self.metrics.as_deref().expect("started with --metrics");
        let (status, body) = http_request(addr, "GET", "/metrics", &[], "");
        assert_eq!(status, 200, "{body}");
        body.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` in\n{body}"))
    }

    /// The server's stderr from its first line up to the one containing `until`
    /// (waiting for it, at most a minute).
    pub fn log_until(&self, until: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let lines = self.log.lock().unwrap().clone();
            if let Some(end) = lines.iter().position(|l| l.contains(until)) {
                return lines[..=end].join("\n");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server never wrote `{until}`:\n{}",
                lines.join("\n")
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends one request and returns (status, body).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        http_request(&self.addr, method, path, headers, body)
    }

    /// Sends SIGTERM and waits; returns whether the server exited cleanly.
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        status.success()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one HTTP/1.1 request to `addr` (`host:port`) and returns (status, body).
pub fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let response = http_exchange(addr, method, path, headers, body);
    (response.status, response.body)
}

/// An HTTP response as the tests read it.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body, dechunked.
    pub body: String,
}

impl HttpResponse {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request to `addr` (`host:port`) and returns the whole response.
pub fn http_exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
        addr,
        body.len()
    );
    for (k, v) in headers {
        req += &format!("{k}: {v}\r\n");
    }
    req += "\r\n";
    req += body;
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out += &rest[..n];
        body = &rest[n + 2..];
    }
    out
}

/// Copies `samples/<name>` and `wit/` into a fresh temporary folder, keeping their
/// layout so the samples' relative paths still hold, and returns (temp dir, sample dir).
pub fn copy_sample(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("wit"), &tmp.path().join("wit"));
    let sample = tmp.path().join("samples").join(name);
    copy_dir(&repo().join("samples").join(name), &sample);
    (tmp, sample)
}

/// Copies a folder, skipping build output and Weld's work folder.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if matches!(
            name_str.as_ref(),
            ".weld" | "build" | "target" | "node_modules"
        ) {
            continue;
        }
        let target = to.join(&name);
        // Follows symlinks: a fixture may link its `wit/deps` to the shared WASI WIT.
        if std::fs::metadata(entry.path()).unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The names a component imports at its top level.
pub fn component_imports(component: &[u8]) -> Vec<String> {
    top_level_names(component, true)
}

/// The names a component exports at its top level.
pub fn component_exports(component: &[u8]) -> Vec<String> {
    top_level_names(component, false)
}

/// The import (or export) names of `component` itself, not of what it nests.
fn top_level_names(component: &[u8], imports: bool) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload.expect("a valid component") {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 && imports => {
                for import in reader {
                    names.push(import.expect("a valid import").name.name.to_string());
                }
            }
            wasmparser::Payload::ComponentExportSection(reader) if depth == 0 && !imports => {
                for export in reader {
                    names.push(export.expect("a valid export").name.name.to_string());
                }
            }
            _ => {}
        }
    }
    names
}

/// Composes `pipeline.yaml` in `dir` without its `init: snapshot` lines, asserting that
/// `go_stage` was built again for it (see [`compose_without`]).
pub fn compose_without_snapshots(dir: &Path, go_stage: &str, artifact: &str) -> PathBuf {
    compose_without(dir, "init: snapshot", &format!("{go_stage} (go)"), artifact)
}

/// Composes `pipeline.yaml` in `dir` without the lines that contain `setting` (as
/// `<artifact stem>.yaml`, into `build/<artifact>`), asserts that `rebuilt` (`stage
/// (lang)`) was built again for it, and returns the artifact.
pub fn compose_without(dir: &Path, setting: &str, rebuilt: &str, artifact: &str) -> PathBuf {
    let pipeline = std::fs::read_to_string(dir.join("pipeline.yaml")).unwrap();
    assert!(pipeline.contains(setting), "{pipeline}");
    let without: String = pipeline
        .lines()
        .filter(|line| !line.contains(setting))
        .map(|line| format!("{line}\n"))
        .collect();
    let file = format!("{}.yaml", artifact.trim_end_matches(".wasm"));
    std::fs::write(dir.join(&file), without).unwrap();
    let out_path = format!("build/{artifact}");
    let out = weld(dir, &["compose", &file, "-o", &out_path]);
    assert!(out.status.success(), "compose failed:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("Compiling {rebuilt}")), "{stderr}");
    dir.join(out_path)
}

/// `wasmtime serve` on a free loopback port, killed when dropped.
#[derive(Debug)]
pub struct WasmtimeServe {
    child: std::process::Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
}

impl Drop for WasmtimeServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `wasmtime serve` (its standard `flags`, e.g. `-S config`) on `artifact` and
/// waits for the address it prints.
pub fn wasmtime_serve(artifact: &std::path::Path, flags: &[&str]) -> WasmtimeServe {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new("wasmtime")
        .arg("serve")
        .args(flags)
        .args(["--addr", "127.0.0.1:0"])
        .arg(artifact)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the wasmtime CLI runs (scripts/setup installs it)");
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("wasmtime serve printed its address before exiting")
            .unwrap();
        if let Some(rest) = line.trim().strip_prefix("Serving HTTP on http://") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    WasmtimeServe { child, addr }
}

/// Copies `tests/fixtures/<name>` into a fresh temporary folder and composes it to
/// `build/<artifact>`: (temp dir, fixture dir, artifact, what `weld compose` wrote to
/// stderr). Panics with the output when composing fails.
pub fn compose_fixture(
    name: &str,
    artifact: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&repo().join("tests/fixtures").join(name), &dir);
    let output = format!("build/{artifact}");
    let out = weld(&dir, &["compose", "pipeline.yaml", "-o", &output]);
    assert!(out.status.success(), "compose failed:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (tmp, dir.clone(), dir.join(output), stderr)
}

/// Composes `dir`'s pipeline.yaml again, without the build cache, and checks the bytes
/// are `artifact`'s.
pub fn assert_recomposes_identically(dir: &Path, artifact: &Path) {
    let out = weld(
        dir,
        &[
            "compose",
            "pipeline.yaml",
            "-o",
            "build/again.wasm",
            "--no-cache",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(dir.join("build/again.wasm")).unwrap(),
        std::fs::read(artifact).unwrap()
    );
}
