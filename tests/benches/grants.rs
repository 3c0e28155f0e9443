//! What a stage's guard adds per call, side by side in one run: a host interface
//! called straight (`imports: host`), through a filtering guard (`env: [NAME]`,
//! `config:` keys) and through a refusing guard (no grant). The stage is
//! `tests/fixtures/grants-bench/looper.wat`, which calls the interface n times in one
//! instance; per-call time is (time of n calls - time of 0 calls) / n, each the median
//! of interleaved `weld-shim invoke` runs. The host has 16 environment variables; the
//! filter keeps one of them.
//!
//! Run: `cargo bench -p weld-e2e --bench grants`. Results go to BENCHMARKS.md by hand.

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use weld_e2e::{bin, repo, text};

const ROUNDS: usize = 7;
const CALLS: u32 = 200_000;
const CASES: [&str; 3] = ["direct", "filtered", "denied"];

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = repo().join("tests/fixtures/grants-bench");
    for case in CASES {
        let out = Command::new(bin("weld"))
            .args(["-q", "compose"])
            .arg(fixture.join(format!("{case}.yaml")))
            .arg("-o")
            .arg(tmp.path().join(format!("{case}.wasm")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    println!("per call, median of {ROUNDS} interleaved runs of {CALLS} calls:");
    println!("| interface | direct (host) | filtered | ratio | denied | ratio |");
    println!("|---|---|---|---|---|---|");
    for func in ["env-calls", "config-calls"] {
        let mut times: Vec<[Vec<Duration>; 2]> = CASES.iter().map(|_| [vec![], vec![]]).collect();
        for _ in 0..ROUNDS {
            for (i, case) in CASES.iter().enumerate() {
                let artifact = tmp.path().join(format!("{case}.wasm"));
                times[i][0].push(invoke(&artifact, &format!("{func}(0)")));
                times[i][1].push(invoke(&artifact, &format!("{func}({CALLS})")));
            }
        }
        let per_call: Vec<f64> = times
            .iter_mut()
            .map(|[zero, n]| {
                (median(n).as_secs_f64() - median(zero).as_secs_f64()) / f64::from(CALLS) * 1e9
            })
            .collect();
        println!(
            "| `{}` | {:.0} ns | {:.0} ns | {:.2}x | {:.0} ns | {:.2}x |",
            if func == "env-calls" {
                "wasi:cli/environment.get-environment"
            } else {
                "wasi:config/store.get"
            },
            per_call[0],
            per_call[1],
            per_call[1] / per_call[0],
            per_call[2],
            per_call[2] / per_call[0],
        );
    }
}

fn invoke(artifact: &Path, call: &str) -> Duration {
    let mut cmd = Command::new(bin("weld-shim"));
    cmd.arg("invoke").arg(artifact).arg(call);
    cmd.env("BENCH_VISIBLE", "1")
        .args(["--env", "BENCH_VISIBLE"]);
    for i in 1..16 {
        cmd.args(["--env", &format!("BENCH_V{i}=value{i}")]);
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = start.elapsed();
    assert!(out.status.success(), "{call}: {}", text(&out));
    elapsed
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}
