//! A Go stage called many times on one instance, as `serve` does with instance reuse:
//! its collector runs while the host allocates the next call's argument, and must not
//! trap there (Go reads the wall clock when a collection ends; an import called while
//! the host allocates is refused by the component model).

use weld_e2e::{copy_dir, repo, text, weld};
use weld_shim::{
    Capabilities, EngineOptions, LoadOptions, WeldEngine, invoke::Prepared, load,
    wasmtime::component::Val,
};

/// Calls on one instance. With the fixture's 20 000-byte argument (320 KB of garbage a
/// call), the unmodified adapter trapped at call 1790 here: a collection ended inside
/// the host's allocation of the argument.
const CALLS: u64 = 6000;

#[test]
fn a_go_stage_answers_every_call_on_one_instance_while_its_collector_runs() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/go-gc"), tmp.path());
    let out = weld(tmp.path(), &["compose", "pipeline.yaml", "-o", "gc.wasm"]);
    assert!(out.status.success(), "compose failed:\n{}", text(&out));
    let artifact = tmp.path().join("gc.wasm");

    let engine = WeldEngine::new(&EngineOptions::default()).unwrap();
    let loaded = load(&engine, &artifact, &LoadOptions::default()).unwrap();
    let prepared = Prepared::new(
        &engine,
        &artifact,
        &loaded.component,
        Capabilities::default(),
    )
    .unwrap();
    let argument = "x".repeat(20_000);
    let call = prepared
        .parse_call(&format!("test:gc/churn.churn(\"{argument}\")"))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut store, instance) = prepared.instantiate().await.unwrap();
        for n in 1..=CALLS {
            let results = prepared
                .call(&mut store, &instance, &call)
                .await
                .unwrap_or_else(|e| panic!("call {n} of {CALLS} on one instance failed: {e:?}"));
            assert_eq!(results, [Val::U64(n * argument.len() as u64)], "call {n}");
        }
    });
}
