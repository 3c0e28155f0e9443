//! The wasmtime [`Engine`] every command shares: its configuration (pooling
//! allocator, epoch interruption, copy-on-write memory images) and the ticker
//! thread that drives timeouts.
//!
//! Everything that changes the machine code lives here and is fixed, so that
//! a component precompiled or cached by one command loads in every other;
//! what varies per invocation ([`Limits`]) only sizes the allocator pools.
//! [`crate::loader`] compiles with this engine and [`crate::host`] creates
//! stores on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::limits::Limits;

/// How often the ticker thread bumps the engine's epoch when a timeout is
/// set. Deadlines are checked at this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Wasm page size; pool slot sizes are whole pages.
const WASM_PAGE: u64 = 64 * 1024;

/// How much of each linear memory a pool slot keeps resident between
/// instances when the kernel can report dirty pages (`PAGEMAP_SCAN`).
///
/// Only the pages the last instance wrote are copied back from the memory
/// image; the rest stay mapped, so the next instance takes no page faults on
/// them. Without this, the three-language sample spends most of its start-up
/// faulting in pages of the JS and Go heaps that the previous request had
/// already touched. Bounds the resident set a warm slot holds on to.
const KEEP_RESIDENT_MEMORY: usize = 16 << 20;

/// The same for tables (JS engines carry tables of thousands of entries).
const KEEP_RESIDENT_TABLE: usize = 1 << 20;

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Allocator {
    /// Pre-reserved slots reused across instances: the fast path for
    /// per-request instantiation. Falls back to [`Allocator::OnDemand`] when
    /// the host refuses the virtual address space (e.g. `ulimit -v`).
    #[default]
    Pooling,
    /// A fresh `mmap` per instance.
    OnDemand,
}

/// Options for [`WeldEngine::new`].
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Limits each call or request will be held to; sizes the pool and starts
    /// the epoch ticker when a timeout is set.
    pub limits: Limits,
    /// The instance allocator.
    pub allocator: Allocator,
    /// How many component instances may be alive at once with the pooling
    /// allocator: bounds concurrent `serve` requests. `None` keeps the default
    /// (1000).
    pub max_instances: Option<u32>,
    /// Tick at least this often, for the guest profiler's samples (`--profile`).
    pub sample_interval: Option<Duration>,
}

impl EngineOptions {
    /// Options for a process that instantiates once (`invoke`, `run`).
    ///
    /// A pool only pays off when slots are reused; setting one up costs a
    /// guard-page `mprotect` per pre-reserved stack, milliseconds that a
    /// one-shot process would spend for nothing.
    pub fn one_shot(limits: Limits) -> Self {
        Self {
            limits,
            allocator: Allocator::OnDemand,
            max_instances: None,
            sample_interval: None,
        }
    }
}

/// The engine could not be created.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Wasmtime refused the configuration.
    #[error("failed to configure the wasmtime engine")]
    Config(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A configured [`Engine`] plus the ticker that makes timeouts fire.
///
/// Cheap to clone; the ticker stops when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct WeldEngine {
    engine: Engine,
    limits: Limits,
    allocator: Allocator,
    _ticker: Option<Arc<EpochTicker>>,
}

impl WeldEngine {
    /// Creates the engine for `options`.
    pub fn new(options: &EngineOptions) -> Result<Self, EngineError> {
        let (engine, allocator) = match options.allocator {
            Allocator::Pooling => match Engine::new(&config(options, Allocator::Pooling)) {
                Ok(engine) => (engine, Allocator::Pooling),
                // Reserving the pool's address space can fail under a
                // restrictive `ulimit -v`; running slower beats not running.
                Err(_) => (
                    Engine::new(&config(options, Allocator::OnDemand))
                        .map_err(|e| EngineError::Config(e.into_boxed_dyn_error()))?,
                    Allocator::OnDemand,
                ),
            },
            Allocator::OnDemand => (
                Engine::new(&config(options, Allocator::OnDemand))
                    .map_err(|e| EngineError::Config(e.into_boxed_dyn_error()))?,
                Allocator::OnDemand,
            ),
        };
        let period = match (options.limits.timeout, options.sample_interval) {
            (None, None) => None,
            (Some(_), None) => Some(EPOCH_TICK),
            (None, Some(interval)) => Some(interval),
            (Some(_), Some(interval)) => Some(interval.min(EPOCH_TICK)),
        };
        let ticker = period.map(|period| Arc::new(EpochTicker::spawn(engine.clone(), period)));
        Ok(Self {
            engine,
            limits: options.limits,
            allocator,
            _ticker: ticker,
        })
    }

    /// The underlying wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The limits stores created on this engine enforce.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The allocator actually in use (pooling may have fallen back).
    pub fn allocator(&self) -> Allocator {
        self.allocator
    }
}

/// The wasmtime configuration for `options`.
///
/// Public so tools can reproduce it, e.g. to precompile elsewhere; anything
/// touching code generation must stay independent of `options` so artifacts
/// stay interchangeable between commands.
pub fn config(options: &EngineOptions, allocator: Allocator) -> Config {
    let mut config = Config::new();
    // Always instrumented, even without `--timeout`: the check is a load and
    // compare at loop headers and function entries, and keeping it on means
    // one compiled artifact serves every set of flags.
    config.epoch_interruption(true);
    // Memory images are mapped copy-on-write instead of copying data
    // segments at each instantiation: most of the fast-start budget.
    config.memory_init_cow(true);
    // Stage-named traps are built from the backtrace's module names; the
    // innermost frames are the ones that matter, 64 is plenty.
    config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(64));
    // Source locations in trap stacks for stages built with DWARF (`file:line`). Costs
    // nothing for stages without it; for those with it, only compile time, once.
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Enable);
    // Wasm proposals are left at the defaults of wasmtime's cargo features, which
    // are the same with and without `compiler`: a `.cwasm` precompiled by the full
    // shim records them and loads in the runtime-only one.
    if allocator == Allocator::Pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(options)));
    }
    config
}

fn pooling(options: &EngineOptions) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::default();
    let instances = options.max_instances.unwrap_or(1000);
    // A composed artifact holds several core instances and memories per
    // stage (the stage itself, adapters, shims), so core-level pools are
    // sized at a multiple of component instances.
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(4))
        .total_memories(instances.saturating_mul(2))
        .total_tables(instances.saturating_mul(4))
        .total_stacks(instances)
        .max_core_instances_per_component(200)
        .max_memories_per_component(64)
        .max_tables_per_component(256)
        // Guest languages with big function tables (JS engines) exceed the
        // default 20 000 elements.
        .table_elements(100_000)
        .max_component_instance_size(4 << 20)
        .max_core_instance_size(4 << 20);
    // Without `PAGEMAP_SCAN` (Linux before 6.7, other systems) keeping memory
    // resident means resetting all of it with `memset` on every release,
    // which costs more than the page faults it saves: keep wasmtime's
    // default of returning the pages with `madvise`.
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT_MEMORY)
            .table_keep_resident(KEEP_RESIDENT_TABLE);
    }
    if let Some(limit) = options.limits.max_memory {
        // Same bound as the store's limiter so the pool never lets a memory
        // grow past what the limiter allows, and the limiter (which gives the
        // clear error) is always the one to refuse first.
        let rounded = limit.div_ceil(WASM_PAGE).saturating_mul(WASM_PAGE);
        let capped = rounded.min(4 << 30);
        pool.max_memory_size(usize::try_from(capped).unwrap_or(usize::MAX));
    }
    pool
}

/// Bumps the engine's epoch every period ([`EPOCH_TICK`], or the profiler's
/// interval) until dropped.
#[derive(Debug)]
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn spawn(engine: Engine, period: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        // Holding a weak handle lets the engine be freed even if this thread
        // is mid-sleep when the last `WeldEngine` goes away.
        let weak = engine.weak();
        drop(engine);
        std::thread::Builder::new()
            .name("weld-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(period);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .expect("spawning a thread only fails when the OS is out of resources");
        Self { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
