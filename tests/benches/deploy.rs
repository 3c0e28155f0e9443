//! Deploy benchmarks, each beside its reference in the same run:
//! - push and pull of the edge-api artifact through a registry on loopback, `weld
//!   pull` against `skopeo copy` of the same artifact;
//! - start to first response of `weld-shim serve` on the precompiled artifact: the
//!   runtime-only shim against the full one.
//!
//! Run: `scripts/demo` (composes samples/edge-api/build/edge-api.wasm), then
//! `cargo bench -p weld-e2e --bench deploy`. Results go to BENCHMARKS.md by hand.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use weld_e2e::{bin, registry::Registry, repo, runtime_shim};

const RUNS: usize = 15;

fn main() {
    let artifact = repo().join("samples/edge-api/build/edge-api.wasm");
    if !artifact.is_file() {
        eprintln!(
            "error: `{}` is missing; run scripts/demo first",
            artifact.display()
        );
        std::process::exit(1);
    }
    let size = std::fs::metadata(&artifact).unwrap().len();
    println!(
        "edge-api artifact: {:.1} MiB, {RUNS} runs each, p50 (p90)",
        size as f64 / 1048576.0
    );
    registry(&artifact);
    start(&artifact);
}

fn registry(artifact: &Path) {
    let registry = Registry::anonymous();
    let tmp = tempfile::tempdir().unwrap();
    let mut push = Vec::new();
    for i in 0..RUNS {
        // A fresh repository each time, so every blob is uploaded.
        let reference = format!("{}:v1", registry.repo(&format!("bench/push-{i}")));
        push.push(time(|| {
            run(Command::new(bin("weld"))
                .args(["-q", "push"])
                .arg(artifact)
                .arg(&reference))
        }));
    }
    let reference = format!("{}:v1", registry.repo("bench/push-0"));
    let out = tmp.path().join("pulled.wasm");
    let pull = (0..RUNS)
        .map(|_| {
            time(|| {
                run(Command::new(bin("weld"))
                    .args(["-q", "pull", &reference, "-o"])
                    .arg(&out))
            })
        })
        .collect();
    let skopeo = (0..RUNS)
        .map(|i| {
            let dest = format!(
                "oci:{}:v1",
                tmp.path().join(format!("skopeo-{i}")).display()
            );
            time(|| {
                run(Command::new("skopeo").args([
                    "copy",
                    "-q",
                    "--src-tls-verify=false",
                    &format!("docker://{reference}"),
                    &dest,
                ]))
            })
        })
        .collect();
    report("weld push (all blobs new)", push, None);
    let pull = report("weld pull -o", pull, None);
    report(
        "skopeo copy docker:// -> oci: (reference)",
        skopeo,
        Some(pull),
    );
}

fn start(artifact: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let cwasm = tmp.path().join("app.cwasm");
    run(Command::new(bin("weld-shim"))
        .args(["-q", "precompile"])
        .arg(artifact)
        .arg("-o")
        .arg(&cwasm));
    let full = bin("weld-shim");
    let runtime_only = runtime_shim();
    for (name, shim) in [("full", &full), ("runtime-only", &runtime_only)] {
        println!(
            "{name} weld-shim: {:.1} MiB on disk",
            std::fs::metadata(shim).unwrap().len() as f64 / 1048576.0
        );
    }
    let first = |shim: &Path| -> Vec<Duration> {
        (0..RUNS)
            .map(|_| start_to_first_response(shim, &cwasm))
            .collect()
    };
    let full_times = first(&full);
    let runtime_times = first(&runtime_only);
    let full_p50 = report(
        "full weld-shim serve: start to first response",
        full_times,
        None,
    );
    report(
        "runtime-only weld-shim serve: start to first response",
        runtime_times,
        Some(full_p50),
    );
}

/// Spawns `serve` on a free port, waits for the address it prints, sends `GET /health`
/// and reads the whole response: the time from spawn to the last byte.
fn start_to_first_response(shim: &Path, cwasm: &Path) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(shim)
        .args(["serve", "--addr", "127.0.0.1:0", "-q"])
        .args(weld_e2e::EDGE_API_CONFIG)
        .arg(cwasm)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.trim().strip_prefix("Serving http://") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let elapsed = started.elapsed();
    assert!(
        response.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn run(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", weld_e2e::text(&out));
}

fn time(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// Prints p50 and p90, and the ratio to `reference`'s p50; returns the p50.
fn report(what: &str, mut times: Vec<Duration>, reference: Option<Duration>) -> Duration {
    times.sort();
    let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let (p50, p90) = (p(0.5), p(0.9));
    let ratio = reference
        .map(|r| {
            format!(
                "  [{:.2}x of the line above]",
                p50.as_secs_f64() / r.as_secs_f64()
            )
        })
        .unwrap_or_default();
    println!("{what:<58} {:>9.2?} ({:.2?}){ratio}", p50, p90);
    p50
}
