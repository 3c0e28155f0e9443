//! Precompiled artifacts and the compilation cache.

use weld_shim::engine::Allocator;
use weld_shim::loader::Source;
use weld_shim::wasmtime;
use weld_shim::{EngineOptions, LoadError, LoadOptions, WeldEngine, load};

use super::common::{run_shim, shim, test_dir, wat_component};

#[test]
fn precompiled_artifact_runs_like_the_original() {
    let dir = test_dir("precompile");
    let cwasm = dir.join("pipeline.cwasm");
    let ran = run_shim([
        "precompile".as_ref(),
        wat_component("pipeline").as_os_str(),
        "-o".as_ref(),
        cwasm.as_os_str(),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("Finished"), "{}", ran.stderr);

    for extra in [&[][..], &["--max-memory", "2MiB", "--timeout", "5s"][..]] {
        let ran = shim()
            .arg("invoke")
            .arg(&cwasm)
            .arg("demo:text/pipeline.process(\"aot\")")
            .args(extra)
            .env("WELD_CACHE_DIR", dir.join("unused-cache"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&ran.stdout);
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        assert_eq!(stdout, "ok(\"AOT\")\n");
    }
    // Loading a `.cwasm` compiles nothing, so nothing is cached.
    assert!(!dir.join("unused-cache").exists());

    let engine = WeldEngine::new(&EngineOptions::default()).unwrap();
    let loaded = load(&engine, &cwasm, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.source, Source::Precompiled);
}

#[test]
fn precompiled_by_another_configuration_is_refused() {
    let dir = test_dir("stale");
    let stale = dir.join("stale.cwasm");
    // Another embedder's engine: no epoch interruption.
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(false);
    // Otherwise as Weld's, so epoch interruption is the difference reported.
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Enable);
    let other = wasmtime::Engine::new(&config).unwrap();
    let bytes = std::fs::read(wat_component("pipeline")).unwrap();
    std::fs::write(&stale, other.precompile_component(&bytes).unwrap()).unwrap();

    let ran = run_shim(["invoke".as_ref(), stale.as_os_str(), "add(1, 2)".as_ref()]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains(
            "was precompiled by a different wasmtime version or engine configuration; \
             recompile it from the `.wasm` with this shim"
        ),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("Caused by:"), "{}", ran.stderr);
    assert!(ran.stderr.contains("epoch interruption"), "{}", ran.stderr);

    let engine = WeldEngine::new(&EngineOptions::default()).unwrap();
    let error = load(&engine, &stale, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, LoadError::Incompatible { .. }), "{error:?}");
}

#[test]
fn precompiled_by_another_wasmtime_version_is_refused() {
    let dir = test_dir("other-version");
    // Our exact configuration, but recorded as made by wasmtime 47.
    let mut config = weld_shim::engine::config(&EngineOptions::default(), Allocator::OnDemand);
    config
        .module_version(wasmtime::ModuleVersionStrategy::Custom("47".into()))
        .unwrap();
    let older = wasmtime::Engine::new(&config).unwrap();
    let bytes = std::fs::read(wat_component("pipeline")).unwrap();
    let theirs = dir.join("theirs.cwasm");
    std::fs::write(&theirs, older.precompile_component(&bytes).unwrap()).unwrap();

    let engine = WeldEngine::new(&EngineOptions::default()).unwrap();
    let error = load(&engine, &theirs, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, LoadError::Incompatible { .. }), "{error:?}");
    assert!(error.to_string().contains("recompile it"), "{error}");
    let mut causes = String::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        causes.push_str(&format!("{cause}\n"));
        source = cause.source();
    }
    assert!(causes.contains("incompatible version '47'"), "{causes}");
}

#[test]
fn wasm_is_compiled_once_then_served_from_the_cache() {
    let dir = test_dir("cache");
    let cache = dir.join("cache");
    let engine = WeldEngine::new(&EngineOptions::default()).unwrap();
    let options = LoadOptions {
        no_cache: false,
        cache_dir: Some(cache.clone()),
    };
    let artifact = wat_component("pipeline");
    assert_eq!(
        load(&engine, &artifact, &options).unwrap().source,
        Source::Compiled
    );
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(entries.len(), 1, "one entry, no temporary files left");
    assert_eq!(
        load(&engine, &artifact, &options).unwrap().source,
        Source::CacheHit
    );

    // A corrupt entry is a miss, replaced by a good one.
    let entry = entries[0].as_ref().unwrap().path();
    std::fs::write(&entry, b"garbage").unwrap();
    assert_eq!(
        load(&engine, &artifact, &options).unwrap().source,
        Source::Compiled
    );
    assert_eq!(
        load(&engine, &artifact, &options).unwrap().source,
        Source::CacheHit
    );

    // `--no-cache` neither reads nor writes.
    let uncached = dir.join("uncached");
    let ran = shim()
        .args(["invoke", "--no-cache"])
        .arg(&artifact)
        .arg("add(1, 2)")
        .env("WELD_CACHE_DIR", &uncached)
        .output()
        .unwrap();
    assert!(ran.status.success());
    assert!(!uncached.exists());

    // The binary uses `$WELD_CACHE_DIR`.
    let ran = shim()
        .arg("invoke")
        .arg(&artifact)
        .arg("add(1, 2)")
        .env("WELD_CACHE_DIR", &uncached)
        .output()
        .unwrap();
    assert!(ran.status.success());
    assert_eq!(std::fs::read_dir(&uncached).unwrap().count(), 1);
}
