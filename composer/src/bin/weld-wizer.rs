//! `weld-wizer`: the pre-initialization step of JS stages, made deterministic.
//!
//! componentize-js snapshots the JS engine after it has loaded the stage's script
//! (Wizer: run the module's init function, then write its memory and globals back as
//! data). The Wizer it bundles gives the engine the host's entropy and clocks, and
//! preopens a temporary folder with a random name; all of it lands in the snapshot, so
//! no two builds of the same stage had the same bytes. Weld's JS builder passes this
//! binary as componentize-js's `wizerBin`. It takes the same arguments and runs the same
//! snapshot (the `wasmtime-wizer` crate) with:
//! - randomness from a fixed seed (`wasi:random` and `random_get`),
//! - a wall clock fixed at `SOURCE_DATE_EPOCH` (else 1970) and a monotonic clock that
//!   advances one microsecond per reading,
//! - the scratch folder preopened under a fixed guest path, and the runtime arguments
//!   (read from stdin) rewritten to name that path and no host path.
//!
//! What this freezes, the bundled Wizer froze too (once per build instead of the same
//! for every build): the engine's hash seeds and `Math.random` state start the same in
//! every instance of the stage (README, "Reproducible builds").

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::{ArgAction, Parser};
use rand::SeedableRng as _;
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, Instance, Linker, Module, Store, Val, bail};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, HostMonotonicClock, HostWallClock, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

/// Where the scratch folder (`--dir`) appears inside the guest, whatever its host path.
const SCRATCH_GUEST_PATH: &str = "/weld-scratch";

/// The seed of every random number the engine draws while it initializes.
const SEED: u64 = 0x5745_4c44; // "WELD"

/// The Wizer command line componentize-js uses.
#[derive(Parser, Debug)]
#[command(name = "weld-wizer", version)]
struct Args {
    /// Give the module WASI (always on; accepted for compatibility).
    #[arg(long)]
    allow_wasi: bool,
    /// The function that initializes the module.
    #[arg(long, default_value = "wizer.initialize")]
    init_func: String,
    /// Preopen a host folder (the scratch folder holding the script).
    #[arg(long)]
    dir: Vec<PathBuf>,
    /// Preopen `HOST` as `GUEST`: `GUEST::HOST`.
    #[arg(long)]
    mapdir: Vec<String>,
    /// Accepted for compatibility: bulk memory is always on.
    #[arg(long, action = ArgAction::Set, default_value_t = true)]
    wasm_bulk_memory: bool,
    /// Pass this process's environment to the module.
    #[arg(long, action = ArgAction::Set, default_value_t = false)]
    inherit_env: bool,
    /// After the snapshot, export the function `SRC` as `DST` (`DST=SRC`). Go stages use
    /// it to make their reseeding function the `_initialize` that runs per instance.
    #[arg(long, value_parser = parse_rename)]
    rename_func: Vec<(String, String)>,
    /// Where to write the initialized module.
    #[arg(short = 'o')]
    output: PathBuf,
    /// The module to initialize.
    input: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The chain (a trap's wasm backtrace is one of its links), without the
            // Rust backtrace `{:?}` would add: it is about weld-wizer, not the stage.
            eprintln!("error: {error}");
            let mut causes = error.chain().skip(1).peekable();
            if causes.peek().is_some() {
                eprintln!("\nCaused by:");
            }
            for cause in causes {
                eprintln!("    {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> wasmtime::Result<()> {
    let wasm = std::fs::read(&args.input)
        .with_context(|| format!("reading `{}`", args.input.display()))?;
    let mut stdin = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut stdin).context("reading stdin")?;
    let stdin = String::from_utf8(stdin).context("the runtime arguments are not UTF-8")?;

    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stdout()
        .inherit_stderr()
        .secure_random(rand::rngs::StdRng::seed_from_u64(SEED))
        .insecure_random(rand::rngs::StdRng::seed_from_u64(SEED ^ 1))
        .insecure_random_seed(u128::from(SEED))
        .wall_clock(FixedWallClock(source_date_epoch()))
        .monotonic_clock(SteppingClock::default());
    if args.inherit_env {
        // Sorted, so the order does not depend on how the parent built the environment.
        let mut vars: Vec<(String, String)> = std::env::vars().collect();
        vars.sort();
        wasi.envs(&vars);
    }
    let mut runtime_args = stdin;
    for dir in &args.dir {
        wasi.preopened_dir(dir, SCRATCH_GUEST_PATH, FsPerms::ReadWrite)
            .with_context(|| format!("preopening `{}`", dir.display()))?;
        runtime_args = replace_path(&runtime_args, dir, SCRATCH_GUEST_PATH);
    }
    for mapping in &args.mapdir {
        let Some((guest, host)) = mapping.split_once("::") else {
            bail!("`--mapdir {mapping}`: expected `GUEST::HOST`");
        };
        wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
            .with_context(|| format!("preopening `{host}`"))?;
        runtime_args = replace_path(&runtime_args, Path::new(host), guest);
    }
    wasi.stdin(MemoryInputPipe::new(runtime_args.into_bytes()));

    let engine = Engine::new(&Config::new())?;
    let mut store = Store::new(&engine, wasi.build_p1());
    let mut wizer = Wizer::new();
    wizer.init_func(&args.init_func);
    for (new_name, old_name) in &args.rename_func {
        wizer.func_rename(new_name, old_name);
    }
    let (cx, instrumented) = wizer.instrument(&wasm)?;
    let module =
        Module::new(&engine, &instrumented).context("failed to compile the Wasm module")?;
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |cx| cx)?;
    // The engine also imports WASI 0.2 functions it only calls when serving; as the
    // bundled Wizer does, they trap if called during initialization.
    linker.define_unknown_imports_as_traps(&module)?;
    let instance = linker.instantiate(&mut store, &module)?;
    if let Some(initialize) = instance
        .get_typed_func::<(), ()>(&mut store, "_initialize")
        .ok()
        && args.init_func != "_initialize"
    {
        initialize
            .call(&mut store, ())
            .context("calling the Reactor initialization function")?;
    }
    instance
        .get_typed_func::<(), ()>(&mut store, &args.init_func)
        .with_context(|| format!("the module does not export `{}`", args.init_func))?
        .call(&mut store, ())
        .with_context(|| format!("the `{}` function trapped", args.init_func))?;

    let snapshot = tokio::runtime::Builder::new_current_thread()
        .build()?
        .block_on(wizer.snapshot(
            &cx,
            &mut Snapshot {
                store: &mut store,
                instance,
            },
        ))?;
    // The snapshot's memory as a few data segments instead of thousands (see the
    // module for why that matters at every instantiation).
    let snapshot = weld::build::memory_image::compact(&snapshot)
        .map_err(|e| wasmtime::Error::msg(format!("{e:#}")))?;
    std::fs::write(&args.output, snapshot)
        .with_context(|| format!("writing `{}`", args.output.display()))?;
    Ok(())
}

/// `DST=SRC`, as `--rename-func` takes it.
fn parse_rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((new_name, old_name)) if !new_name.is_empty() && !old_name.is_empty() => {
            Ok((new_name.to_string(), old_name.to_string()))
        }
        _ => Err(format!("`{s}`: expected `NEW=OLD`")),
    }
}

/// `text` with every occurrence of the host folder `host` (with or without a trailing
/// slash) spelled as `guest`.
fn replace_path(text: &str, host: &Path, guest: &str) -> String {
    let host = host.to_string_lossy();
    let host = host.trim_end_matches('/');
    if host.is_empty() {
        return text.to_string();
    }
    let guest = guest.trim_end_matches('/');
    text.replace(&format!("{host}/"), &format!("{guest}/"))
        .replace(host, if guest.is_empty() { "/" } else { guest })
}

fn source_date_epoch() -> Duration {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map(Duration::from_secs)
        .unwrap_or_default()
}

/// A wall clock that always reads the same time.
struct FixedWallClock(Duration);

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

/// A monotonic clock that advances one microsecond each time it is read, so code that
/// measures time spent sees time pass, the same way in every build.
#[derive(Default)]
struct SteppingClock(AtomicU64);

impl HostMonotonicClock for SteppingClock {
    fn resolution(&self) -> u64 {
        1_000
    }

    fn now(&self) -> u64 {
        self.0.fetch_add(1_000, Ordering::Relaxed)
    }
}

/// The initialized instance, as Wizer reads it back.
struct Snapshot<'a> {
    store: &'a mut Store<WasiP1Ctx>,
    instance: Instance,
}

impl InstanceState for Snapshot<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        let global = self
            .instance
            .get_global(&mut *self.store, name)
            .expect("Wizer asks only for globals its instrumentation exported");
        match global.get(&mut *self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            _ => panic!("global `{name}` has a type Wizer cannot snapshot"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .expect("Wizer asks only for memories its instrumentation exported");
        contents(memory.data(&*self.store));
    }
}
