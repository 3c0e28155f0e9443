//! Benchmarks of the build side (not a test; run with `cargo bench -p weld --bench pipeline`).
//!
//! 1. `check` and `link` on a generated 50-stage pipeline: stage `s<i>` exports
//!    interface `bench:gen/step<i>` and imports `bench:gen/step<i-1>` and `bench:gen/step0`
//!    (a chain with a fan-in on the first stage), each a component made from WIT.
//! 2. A no-op `weld compose` of each sample (every stage fresh in the build cache),
//!    timed as the whole `weld` process, when the sample was composed before
//!    (`scripts/demo` or the end-to-end tests leave the cache warm).
//!
//! Prints min / median / max over the runs.

use std::{path::Path, process::Command, time::Instant};

use indexmap::IndexMap;
use weld::pipeline;

const STAGES: usize = 50;
const RUNS: usize = 20;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), STAGES);
    let yaml = dir.path().join("pipeline.yaml");
    let out = dir.path().join("out.wasm");

    let check = time(RUNS, || {
        let (m, wit) = pipeline::load(&yaml).unwrap();
        pipeline::check(m, wit, &IndexMap::new()).unwrap();
    });
    report(&format!("check, {STAGES} stages"), &check);

    let link = time(RUNS, || {
        let (m, wit) = pipeline::load(&yaml).unwrap();
        let checked = pipeline::check(m, wit, &IndexMap::new()).unwrap();
        pipeline::link_checked(checked, &out).unwrap();
    });
    report(&format!("check + link + write, {STAGES} stages"), &link);
    println!(
        "  artifact: {} KiB",
        std::fs::metadata(&out).unwrap().len() / 1024
    );

    let weld = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/weld");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    for sample in ["text-pipeline", "edge-api"] {
        let sample_dir = samples.join(sample);
        if !weld.exists() || !sample_dir.join(".weld").exists() {
            println!(
                "no-op compose of {sample}: skipped (run scripts/demo first to build target/release/weld and warm the cache)"
            );
            continue;
        }
        let runs = time(10, || {
            let status = Command::new(&weld)
                .args(["compose", "-q", "pipeline.yaml", "-o", "build/bench.wasm"])
                .current_dir(&sample_dir)
                .status()
                .unwrap();
            assert!(status.success());
        });
        report(
            &format!("no-op `weld compose` of {sample} (release binary, all stages fresh)"),
            &runs,
        );
    }
}

fn time(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    f(); // warm-up
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

fn report(what: &str, ms: &[f64]) {
    println!(
        "{what}: median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
        ms[ms.len() / 2],
        ms[0],
        ms[ms.len() - 1],
        ms.len()
    );
}

/// Writes the stages' WIT-made components and the pipeline.
fn generate(dir: &Path, n: usize) {
    let mut yaml = String::from("version: 1\nname: generated\nstages:\n");
    for i in 0..n {
        let mut wit = String::from("package bench:gen;\n");
        for j in 0..n {
            wit += &format!(
                "interface step{j} {{\n  record item {{ id: u32, tags: list<string>, note: option<string> }}\n  apply: func(input: list<item>) -> result<list<item>, string>;\n}}\n"
            );
        }
        wit += &format!("world stage{i} {{\n  export step{i};\n");
        if i > 0 {
            wit += &format!("  import step{};\n", i - 1);
        }
        if i > 1 {
            wit += "  import step0;\n";
        }
        wit += "}\n";
        let wit_file = dir.join(format!("s{i}.wit"));
        std::fs::write(&wit_file, &wit).unwrap();
        let bytes = weld::wit::WitDir::stand_in_from_file(&wit_file).unwrap();
        std::fs::write(dir.join(format!("s{i}.wasm")), bytes).unwrap();
        yaml += &format!("  s{i}:\n    lang: wasm\n    path: s{i}.wasm\n");
    }
    yaml += &format!("exports:\n  bench:gen/step{}: s{}\n", n - 1, n - 1);
    std::fs::write(dir.join("pipeline.yaml"), yaml).unwrap();
}
