//! Start-up and throughput benchmark of weld-shim (a measurement, not a test).
//!
//! ```text
//! cargo bench -p weld-shim --bench startup
//! cargo bench -p weld-shim --bench startup -- \
//!     --invoke rust-only=samples/text-pipeline/app.wasm::'demo:text/pipeline.process("Hello")' \
//!     --serve samples/edge-api/app.wasm --path /health --config tokens.secret=weld-demo-secret
//! ```
//!
//! For each `--invoke LABEL=ARTIFACT::CALL` it reports, in process:
//! - instantiate + first call, fresh store each time (p50/p90/p99), the figure
//!   the fast-start goals are stated in;
//! - a call on a warm instance (p50/p99);
//!
//! then the same with wasmtime's on-demand allocator as the reference, unless
//! `--pool-only` (to profile weld-shim's configuration alone under `perf`).
//!
//! For each `--serve ARTIFACT` it runs `weld-shim serve` and measures
//! requests per second with keep-alive clients sending one request over and over
//! (`GET /`, or what `--method`, `--path`, `--header 'NAME: VALUE'` (repeatable) and
//! `--body TEXT` say; a non-200 answer counts as an error); `--config STAGE.KEY=VALUE` is given to
//! both servers (`-S config -S config-var=...` for `wasmtime serve`) and to the in-process
//! `--invoke` runs, and so is `--reuse N`
//! (`--max-instance-reuse-count N`: an instance answers up to N requests). With `--observability` it also
//! measures what `--metrics`, the access log (text, JSON) and `--profile` cost:
//! each variant against `-q` with all of them off, interleaved over
//! [`OBSERVABILITY_ROUNDS`] rounds so that drift on a busy machine hits all alike;
//! `--baseline-shim PATH` adds another weld-shim build (e.g. of the commit before a
//! change) with all of them off, to measure what the request path costs when off.
//!
//! Without arguments it uses stand-ins built from the test fixtures: the
//! three-stage `pipeline.wat` (composed shape), a Rust `wit-bindgen` stage
//! and the Rust `wasi:http` handler.
//!
//! When `wasmtime` is on `PATH`, the same artifacts are also run with
//! `wasmtime run --invoke` (process wall time, both sides as processes) and
//! `wasmtime serve`, and the ratios are printed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use weld_shim::invoke::Prepared;
use weld_shim::{Allocator, EngineOptions, LoadOptions, WeldEngine, load};

const INSTANTIATIONS: usize = 3000;
const WARM_CALLS: usize = 20_000;
const PROCESS_RUNS: usize = 20;
const SERVE_SECONDS: u64 = 5;
const SERVE_CONNECTIONS: usize = 16;

struct InvokeCase {
    label: String,
    artifact: PathBuf,
    call: String,
}

fn main() {
    let mut invokes = Vec::new();
    let mut serves = Vec::new();
    let mut observability = false;
    let mut pool_only = false;
    let mut baseline_shim: Option<PathBuf> = None;
    let mut request = RequestSpec::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--invoke" => {
                let spec = args.next().expect("--invoke LABEL=ARTIFACT::CALL");
                let (label, rest) = spec.split_once('=').expect("--invoke LABEL=ARTIFACT::CALL");
                let (artifact, call) = rest
                    .split_once("::")
                    .expect("--invoke LABEL=ARTIFACT::CALL");
                invokes.push(InvokeCase {
                    label: label.to_string(),
                    artifact: artifact.into(),
                    call: call.to_string(),
                });
            }
            "--serve" => serves.push(PathBuf::from(args.next().expect("--serve ARTIFACT"))),
            "--observability" => observability = true,
            // Only weld-shim's own configuration, for `perf`: the on-demand reference
            // would otherwise make half of what a profile records.
            "--pool-only" => pool_only = true,
            "--baseline-shim" => {
                baseline_shim = Some(args.next().expect("--baseline-shim PATH").into());
            }
            "--config" => {
                let pair = args.next().expect("--config STAGE.KEY=VALUE");
                CONFIG.lock().unwrap().push(pair);
            }
            "--reuse" => {
                let n: u32 = args.next().and_then(|n| n.parse().ok()).expect("--reuse N");
                let _ = REUSE.set(n);
            }
            "--method" => request.method = args.next().expect("--method GET|POST|..."),
            "--header" => request
                .headers
                .push(args.next().expect("--header 'NAME: VALUE'")),
            "--body" => request.body = args.next().expect("--body TEXT"),
            "--path" => {
                request.path = args.next().expect("--path /URL-PATH");
            }
            // `cargo bench` passes `--bench`; libtest-style filters are ignored.
            _ => {}
        }
    }
    let _ = REQUEST.set(request.to_bytes());
    if invokes.is_empty() && serves.is_empty() {
        let fixtures = build_fixtures();
        invokes.push(InvokeCase {
            label: "wat 3-stage pipeline (composed shape)".into(),
            artifact: fixtures.pipeline,
            call: "demo:text/pipeline.process(\"hello\")".into(),
        });
        invokes.push(InvokeCase {
            label: "rust stage (wit-bindgen, wasi)".into(),
            artifact: fixtures.rust_stage,
            call: "demo:text/pipeline.process(\"hello\")".into(),
        });
        serves.push(fixtures.http_handler);
    }

    let wasmtime_cli = which("wasmtime");
    println!("weld-shim startup benchmark");
    println!(
        "  wasmtime CLI: {}",
        wasmtime_cli
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "not on PATH (side-by-side comparison skipped)".into())
    );
    for case in &invokes {
        bench_invoke(case, wasmtime_cli.as_deref(), pool_only);
    }
    for artifact in &serves {
        bench_serve(artifact, wasmtime_cli.as_deref());
        if observability {
            bench_observability(artifact, baseline_shim.as_deref());
        }
    }
}

fn bench_invoke(case: &InvokeCase, wasmtime_cli: Option<&Path>, pool_only: bool) {
    println!("\n== invoke: {} ==", case.label);
    println!("  artifact: {}", case.artifact.display());
    println!("  call:     {}", case.call);
    println!("  weld-shim (pooling allocator, InstancePre, CoW images, resident slots):");
    let ours = in_process(case, Allocator::Pooling);
    if pool_only {
        return;
    }
    // The reference: wasmtime's default instance allocator (what `wasmtime
    // run` uses), everything else equal, on the same artifact in the same run.
    println!("  reference (wasmtime's default on-demand allocator):");
    let reference = in_process(case, Allocator::OnDemand);
    println!(
        "  ratios reference/weld-shim (p50): instantiate + first call {:.2}, warm call {:.2}",
        reference.first_call.as_secs_f64() / ours.first_call.as_secs_f64(),
        reference.warm_call.as_secs_f64() / ours.warm_call.as_secs_f64(),
    );

    if let Some(cli) = wasmtime_cli {
        let ours = process_time(|| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_weld-shim"));
            c.arg("invoke").arg(&case.artifact).arg(&case.call);
            c
        });
        let theirs = process_time(|| {
            let mut c = Command::new(cli);
            c.args(["run", "--invoke", &case.call]).arg(&case.artifact);
            c
        });
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            println!(
                "  process wall time p50: weld-shim {ours:.2?}, wasmtime {theirs:.2?}, ratio wasmtime/weld-shim {:.2}",
                theirs.as_secs_f64() / ours.as_secs_f64()
            );
        }
    }
}

/// p50 figures of one in-process run.
struct InProcess {
    first_call: Duration,
    warm_call: Duration,
}

/// Instantiate + first call in a fresh store `INSTANTIATIONS` times, then
/// `WARM_CALLS` calls on one instance, with the given allocator.
fn in_process(case: &InvokeCase, allocator: Allocator) -> InProcess {
    let engine = WeldEngine::new(&EngineOptions {
        allocator,
        ..EngineOptions::default()
    })
    .expect("engine");
    let started = Instant::now();
    let loaded = load(&engine, &case.artifact, &LoadOptions::default()).expect("load");
    println!("    load ({:?}): {:.2?}", loaded.source, started.elapsed());
    // `--config STAGE.KEY=VALUE` is served as the key `STAGE.KEY`, as a composed
    // artifact asks for it (what `weld-shim invoke --config` resolves it to).
    let config = CONFIG
        .lock()
        .unwrap()
        .iter()
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    let prepared = Prepared::new(
        &engine,
        &case.artifact,
        &loaded.component,
        weld_shim::Capabilities {
            config,
            ..Default::default()
        },
    )
    .expect("link");
    let call = prepared.parse_call(&case.call).expect("call");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Warm up caches and the allocator pool.
        for _ in 0..100 {
            let (mut store, instance) = prepared.instantiate().await.unwrap();
            prepared.call(&mut store, &instance, &call).await.unwrap();
        }
        let mut instantiate = Vec::with_capacity(INSTANTIATIONS);
        let mut first_call = Vec::with_capacity(INSTANTIATIONS);
        let mut release = Vec::with_capacity(INSTANTIATIONS);
        for _ in 0..INSTANTIATIONS {
            let t0 = Instant::now();
            let (mut store, instance) = prepared.instantiate().await.unwrap();
            let t1 = Instant::now();
            prepared.call(&mut store, &instance, &call).await.unwrap();
            let t2 = Instant::now();
            // Dropping the store (resetting the slot and returning it to the
            // pool) is part of the per-request cost but not of the latency a
            // caller sees: reported apart.
            drop(store);
            let t3 = Instant::now();
            instantiate.push(t1 - t0);
            first_call.push(t2 - t0);
            release.push(t3 - t2);
        }
        report("instantiate", &mut instantiate);
        let first_call = report("instantiate + first call", &mut first_call);
        report("release (store dropped)", &mut release);

        let (mut store, instance) = prepared.instantiate().await.unwrap();
        let mut warm = Vec::with_capacity(WARM_CALLS);
        for _ in 0..WARM_CALLS {
            let t0 = Instant::now();
            prepared.call(&mut store, &instance, &call).await.unwrap();
            warm.push(t0.elapsed());
        }
        let warm_call = report("call on a warm instance", &mut warm);
        InProcess {
            first_call,
            warm_call,
        }
    })
}

/// p50 wall time of `PROCESS_RUNS` runs, `None` if a run fails.
fn process_time(command: impl Fn() -> Command) -> Option<Duration> {
    let mut times = Vec::new();
    for _ in 0..PROCESS_RUNS + 2 {
        let t0 = Instant::now();
        let out = command()
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("  run failed: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        times.push(t0.elapsed());
    }
    // The first runs fill the compilation caches.
    times.drain(..2);
    times.sort();
    Some(times[times.len() / 2])
}

fn bench_serve(artifact: &Path, wasmtime_cli: Option<&Path>) {
    println!("\n== serve: {} ==", artifact.display());
    let ours = {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_weld-shim"));
        child
            .args(["serve", "-q", "--addr", &format!("127.0.0.1:{port}")])
            .args(shim_flags())
            .arg(artifact);
        let server = Spawned::start(child, port);
        let result = load_test(server.addr);
        println!(
            "  weld-shim serve: {:.0} req/s, p50 {:.2?}, p99 {:.2?} ({} connections, {}s, {} errors)",
            result.rps, result.p50, result.p99, SERVE_CONNECTIONS, SERVE_SECONDS, result.errors
        );
        result
    };
    if let Some(cli) = wasmtime_cli {
        let port = free_port();
        let mut child = Command::new(cli);
        child
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(wasmtime_flags())
            .arg(artifact);
        let server = Spawned::start(child, port);
        let theirs = load_test(server.addr);
        println!(
            "  wasmtime serve:  {:.0} req/s, p50 {:.2?}, p99 {:.2?} ({} errors)",
            theirs.rps, theirs.p50, theirs.p99, theirs.errors
        );
        println!(
            "  throughput ratio weld-shim/wasmtime: {:.2}",
            ours.rps / theirs.rps
        );
    }
}

/// `--config STAGE.KEY=VALUE` pairs the served artifact needs (e.g. edge-api's token
/// secret), given to both servers in their own syntax.
static CONFIG: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// `--reuse N`: both servers let an instance answer up to N requests, with the flag
/// `wasmtime serve` named first.
static REUSE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

fn reuse_flags() -> Vec<String> {
    REUSE
        .get()
        .map(|n| vec!["--max-instance-reuse-count".to_string(), n.to_string()])
        .unwrap_or_default()
}

fn shim_flags() -> Vec<String> {
    let mut flags = reuse_flags();
    for pair in CONFIG.lock().unwrap().iter() {
        flags.extend(["--config".to_string(), pair.clone()]);
    }
    flags
}

fn wasmtime_flags() -> Vec<String> {
    let mut flags = reuse_flags();
    // `wasmtime serve` links only `wasi:http` and what it needs unless told otherwise;
    // weld-shim gives a component all of `wasi:cli`, and the fixtures import it.
    flags.extend(["-S".to_string(), "cli".to_string()]);
    let pairs = CONFIG.lock().unwrap();
    if !pairs.is_empty() {
        flags.extend(["-S".to_string(), "config".to_string()]);
    }
    for pair in pairs.iter() {
        flags.extend(["-S".to_string(), format!("config-var={pair}")]);
    }
    flags
}

/// Rounds of the observability comparison; the median round is reported.
const OBSERVABILITY_ROUNDS: usize = 5;

/// `serve` throughput with each observability feature on, against all of them off.
fn bench_observability(artifact: &Path, baseline_shim: Option<&Path>) {
    println!("\n== serve observability cost: {} ==", artifact.display());
    let scratch = tempfile::tempdir().unwrap();
    let profile = scratch.path().join("profile.json");
    let profile = profile.to_str().unwrap();
    let ours = Path::new(env!("CARGO_BIN_EXE_weld-shim"));
    let mut variants: Vec<(&str, &Path, Vec<&str>)> = vec![
        ("all off (-q)", ours, vec!["-q"]),
        ("--metrics", ours, vec!["-q", "--metrics", "127.0.0.1:0"]),
        ("access log, text", ours, vec![]),
        ("access log, json", ours, vec!["--log-format", "json"]),
        ("--profile (1ms)", ours, vec!["-q", "--profile", profile]),
    ];
    if let Some(baseline) = baseline_shim {
        variants.push(("baseline shim, -q", baseline, vec!["-q"]));
    }
    let mut rps: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for _ in 0..OBSERVABILITY_ROUNDS {
        for (i, (_, shim, flags)) in variants.iter().enumerate() {
            let port = free_port();
            let mut child = Command::new(shim);
            child
                .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
                .args(flags)
                .arg(artifact);
            let server = Spawned::start(child, port);
            rps[i].push(load_test(server.addr).rps);
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let baseline = median(&mut rps[0].clone());
    for ((label, _, _), runs) in variants.iter().zip(&mut rps) {
        let all = runs
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ");
        let m = median(runs);
        println!(
            "  {label:<18} {m:>7.0} req/s (median of {all}), {:+.1}% vs all off",
            (m / baseline - 1.0) * 100.0
        );
    }
}

struct Spawned {
    child: Child,
    addr: SocketAddr,
}

impl Spawned {
    fn start(mut command: Command, port: u16) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(addr).is_err() {
            // A server that exits (it refused the artifact, a flag) says why on stderr.
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!("{command:?} exited ({status}) before listening:\n{stderr}");
            }
            assert!(Instant::now() < deadline, "server did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        // From now on its stderr is drained and dropped, so a chatty server never blocks
        // on a full pipe (nor fails writing to a closed one).
        if let Some(mut pipe) = child.stderr.take() {
            std::thread::spawn(move || std::io::copy(&mut pipe, &mut std::io::sink()));
        }
        Self { child, addr }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct LoadResult {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
}

/// Keep-alive clients sending the request (`GET /` unless told) as fast as answers
/// come back.
fn load_test(addr: SocketAddr) -> LoadResult {
    // Warm-up: compile caches, pool slots.
    for _ in 0..50 {
        let _ = one_request(&mut connect(addr));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..SERVE_CONNECTIONS)
        .map(|_| {
            let stop = stop.clone();
            let errors = errors.clone();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut conn = connect(addr);
                while !stop.load(Ordering::Relaxed) {
                    let t0 = Instant::now();
                    match one_request(&mut conn) {
                        Ok(200) => latencies.push(t0.elapsed()),
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            conn = connect(addr);
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(SERVE_SECONDS));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    all.sort();
    let count = all.len().max(1);
    LoadResult {
        rps: all.len() as f64 / SERVE_SECONDS as f64,
        p50: all.get(count / 2).copied().unwrap_or_default(),
        p99: all.get(count * 99 / 100).copied().unwrap_or_default(),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

/// The request load tests send (`--method`, `--path`, `--header`, `--body`).
struct RequestSpec {
    method: String,
    path: String,
    headers: Vec<String>,
    body: String,
}

impl Default for RequestSpec {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            path: "/".into(),
            headers: Vec::new(),
            body: String::new(),
        }
    }
}

impl RequestSpec {
    /// The request as bytes on the wire (HTTP/1.1, keep-alive).
    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\nHost: bench\r\n", self.method, self.path);
        for header in &self.headers {
            head += &format!("{header}\r\n");
        }
        if !self.body.is_empty() {
            head += &format!("Content-Length: {}\r\n", self.body.len());
        }
        head += "\r\n";
        head += &self.body;
        head.into_bytes()
    }
}

static REQUEST: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// One keep-alive request; returns the status once the whole body is read.
fn one_request(conn: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let request = REQUEST.get_or_init(|| RequestSpec::default().to_bytes());
    conn.get_mut().write_all(request)?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut content_length = None;
    let mut chunked = false;
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        let header = line.trim_end().to_ascii_lowercase();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("content-length:") {
            content_length = value.trim().parse::<usize>().ok();
        }
        if header.starts_with("transfer-encoding:") && header.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(std::io::Error::other)?;
            let mut chunk = vec![0; size + 2];
            conn.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
        }
    } else if let Some(length) = content_length {
        let mut body = vec![0; length];
        conn.read_exact(&mut body)?;
    }
    Ok(status)
}

/// Prints p50/p90/p99 of `samples`; returns the p50.
fn report(what: &str, samples: &mut [Duration]) -> Duration {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "    {what:<26} p50 {:>9.2?}  p90 {:>9.2?}  p99 {:>9.2?}  (n={})",
        at(0.5),
        at(0.9),
        at(0.99),
        samples.len()
    );
    at(0.5)
}

struct Fixtures {
    pipeline: PathBuf,
    rust_stage: PathBuf,
    http_handler: PathBuf,
}

/// Builds the stand-in artifacts (cached under `target/`).
fn build_fixtures() -> Fixtures {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-fixtures");
    std::fs::create_dir_all(&out).unwrap();
    let pipeline = out.join("pipeline.wasm");
    let bytes =
        wat::parse_file(manifest.join("tests/fixtures/pipeline.wat")).expect("pipeline.wat");
    std::fs::write(&pipeline, bytes).unwrap();
    let cargo_build = |dir: &Path| {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--target-dir",
            ])
            .arg(&out)
            .current_dir(dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .expect("run cargo");
        assert!(status.success(), "building {} failed", dir.display());
    };
    cargo_build(&manifest.join("benches/fixtures/text-stage"));
    cargo_build(&manifest.join("tests/fixtures/http-handler"));
    let release = out.join("wasm32-wasip2/release");
    Fixtures {
        pipeline,
        rust_stage: release.join("weld_shim_bench_stage.wasm"),
        http_handler: release.join("weld_shim_fixture.wasm"),
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}
