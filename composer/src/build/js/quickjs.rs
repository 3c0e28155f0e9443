//! JS stages on QuickJS (`engine: quickjs`): componentize-qjs, the engine behind `jco
//! componentize --backend quickjs`, run by `tools/js/componentize-quickjs.mjs`.
//!
//! componentize-qjs links its QuickJS runtime (a core module) with bindings generated
//! for the world, then pre-initializes the result itself: its Wizer calls the
//! component's `init` export, which creates the engine and evaluates the stage's module,
//! and snapshots the memory. That Wizer runs inside componentize-qjs's native Node addon
//! with the host's clocks and entropy, and the runtime reads them while it starts: Rust's
//! hash map seeds (`wasi:random/insecure-seed`), QuickJS's `Math.random` and hash seeds
//! (the wall clock) and its `performance` time origin (the monotonic clock). So no two
//! builds had the same bytes, and weld-wizer cannot step in: the snapshot is of a whole
//! component, taken in-process. What Weld controls is the runtime module componentize-qjs
//! embeds (its `runtime` option). Weld takes the non-async runtime componentize-qjs
//! ships (its native addon embeds it byte for byte; [`RUNTIME_SHA256`] pins which),
//! answers those three imports inside the module with fixed values (the seed Weld's
//! Wizer uses, a wall clock at `SOURCE_DATE_EPOCH`, a monotonic clock that advances one
//! microsecond per reading) and hands that to componentize-qjs. The snapshot then
//! depends on the sources only. Running stages see the same frozen clock and seeds as
//! SpiderMonkey stages do (README, "Reproducible builds"). Every other WASI import is
//! answered inside the module too, with a trap (a resource drop with nothing), so the
//! stage imports only its world. componentize-qjs's own `stubWasi` gives the same
//! answers from a separate component of stubs with its own memory, linked in front of
//! the runtime through the preview 1 adapter: answering inside the module leaves both
//! out, which halves what a QuickJS stage costs to instantiate.
//!
//! `init` (`init(shim, script, entry-path, disable-gc)`) is meant to be called once,
//! before any other export, and only by componentize-qjs's Wizer: it has run by the time
//! componentize-qjs returns, and calling it again would evaluate the module a second
//! time. componentize-qjs leaves it exported anyway; Weld wraps the component in one that
//! exports everything else ([`without_export`]), so the stage exports exactly its world,
//! as the other languages do, and nothing can call `init` on a running stage. The
//! exports the world needs are checked against the module before building (a missing
//! one would build, then trap on its first call with nothing said: the stage's stderr is
//! a stub like the rest of WASI). The snapshot leaves some 5 000
//! data segments in the module that owns the memory; compacting them as weld-wizer does
//! for SpiderMonkey stages (`memory_image`) made no difference to start-up here, so
//! they are left as componentize-qjs writes them.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, Result, bail};
use sha2::{Digest as _, Sha256};
use wasm_encoder::reencode::{self, Reencode};

use super::super::{BuildContext, BuildFailure, absolute, run, toolchain::js_tools_dir};
use crate::manifest::WarmUp;

/// sha256 of the QuickJS runtime Weld builds on: `prebuilt/runtime-sync.wasm` of
/// componentize-qjs 0.4.5 (the non-async runtime: Weld's hosts run components without
/// the component-model async ABI). Another componentize-qjs must be checked (which
/// clock and random imports its runtime reads while it starts) before this changes.
const RUNTIME_SHA256: &str = "25703f010b80efb806f9c35daf9ee6524ad60320c9781b0bae4e234264f8dac5";
/// Its length in bytes.
const RUNTIME_LEN: usize = 1_497_910;

/// Part of a QuickJS stage's cache key: changes whenever this builder changes what it
/// does to the runtime or the component, so components built the old way are not reused.
pub const REVISION: &str = concat!(
    "5: runtime-sync with fixed seed, clocks and empty environment, stdout and stderr kept and every other WASI import answered inside it, `none` as undefined, console prelude (live after the snapshot) and stdout/stderr world, function table owned by the runtime, module-loader stub taken out, module exports checked, wrapped without `init`; runtime ",
    "25703f010b80efb806f9c35daf9ee6524ad60320c9781b0bae4e234264f8dac5"
);

/// QuickJS's `null` and `undefined` as the runtime's code writes them: on wasm32 a
/// `JSValue` is NaN-boxed into a u64 with its tag (`JS_TAG_NULL` 2, `JS_TAG_UNDEFINED` 3)
/// in the high half.
const JS_NULL: i64 = 2 << 32;
const JS_UNDEFINED: i64 = 3 << 32;
/// How many `null`s the pinned runtime's `wit_dylib_push_option` writes: one where a
/// plain `option` is `none`, one where the value stack is first grown (both paths of
/// componentize-qjs's `push_option`, inlined).
const PUSH_OPTION_NULLS: u32 = 2;

/// The `insecure-seed` the runtime gets: the seed weld-wizer gives JS engines ("WELD").
const SEED: (u64, u64) = (0x5745_4c44, 0x5745_4c44 ^ 1);

/// Componentizes the stage's entry module `source` on QuickJS.
pub fn build(cx: &BuildContext<'_>, source: &Path) -> Result<Vec<u8>, BuildFailure> {
    let runtime = pinned_runtime(&js_tools_dir()).map_err(|e| BuildFailure {
        help: Some(
            "run `scripts/setup` from the Weld repository, which installs the npm packages of `tools/js` from its lockfile"
                .into(),
        ),
        ..BuildFailure::from_error(cx.stage, e)
    })?;
    let (wit, wasi_version) = cx
        .world()
        .and_then(|world| super::console::stage_wit(&cx.wit.resolve, world, &runtime))
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?;
    let runtime = deterministic_runtime(&runtime, source_date_epoch())
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?;
    let dir = absolute(&cx.stage_dir());
    let runtime_path = dir.join("quickjs-runtime.wasm");
    let wit_path = dir.join("quickjs-stage.wit");
    let prelude_path = dir.join("quickjs-prelude.js");
    let epilogue_path = dir.join("quickjs-epilogue.js");
    let warm_up_path = dir.join("quickjs-warm-up.js");
    let out = dir.join("componentize-quickjs.out.wasm");
    let warm_up = match cx.stage.warm_up {
        Some(WarmUp::Tests) => Some(super::warm_up::statements(cx)?),
        None => None,
    };
    let mut inputs = vec![
        (&runtime_path, runtime),
        (&wit_path, wit.into_bytes()),
        (
            &prelude_path,
            super::console::prelude(&wasi_version).into_bytes(),
        ),
        (&epilogue_path, super::console::EPILOGUE.as_bytes().to_vec()),
    ];
    if let Some(statements) = warm_up {
        inputs.push((&warm_up_path, statements.into_bytes()));
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        BuildFailure::new(
            cx.stage,
            format!("failed to create `{}`: {e}", dir.display()),
        )
    })?;
    for (path, bytes) in &inputs {
        std::fs::write(path, bytes).map_err(|e| {
            BuildFailure::new(
                cx.stage,
                format!("failed to write `{}`: {e}", path.display()),
            )
        })?;
    }
    let exports = js_exports(cx).map_err(|e| BuildFailure::from_error(cx.stage, e))?;
    let mut cmd = super::componentize_command(
        "componentize-quickjs.mjs",
        source,
        &wit_path,
        super::console::WORLD,
        &out,
    );
    cmd.arg("--world-name")
        .arg(cx.stage.world.as_deref().unwrap_or_default())
        .arg("--prelude")
        .arg(&prelude_path)
        .arg("--epilogue")
        .arg(&epilogue_path)
        .arg("--runtime")
        .arg(&runtime_path)
        .args(
            exports
                .iter()
                .flat_map(|e| ["--export".to_string(), e.clone()]),
        )
        // componentize-qjs resolves the entry's imports from the current directory when
        // the entry is under it; the script names the entry's folder as the root anyway.
        .current_dir(source.parent().unwrap_or(Path::new(".")));
    if cx.stage.warm_up.is_some() {
        cmd.arg("--warm-up").arg(&warm_up_path);
    }
    run(cx, cmd, "componentize-qjs")?;
    for (path, _) in &inputs {
        let _ = std::fs::remove_file(path);
    }
    let bytes = super::take_output(cx, &out)?;
    let bytes = super::dylib_table::own_table(&bytes)
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?
        .unwrap_or(bytes);
    let bytes = super::loader_stub::without_loader_stub(&bytes)
        .map_err(|e| BuildFailure::from_error(cx.stage, e))?
        .unwrap_or(bytes);
    without_export(&bytes, "init")
        .map(Cow::into_owned)
        .map_err(|e| BuildFailure::from_error(cx.stage, e))
}

/// What the stage's module must export for its world, as `JS_NAME=WIT_NAME`: an object
/// per exported interface and a function per function the world exports itself, named
/// as componentize-qjs looks them up (the interface's short name or the function's name,
/// in lower camel case). Without one, the stage would build and trap on its first call
/// with nothing said (its stderr is stubbed), so the script checks them before building.
fn js_exports(cx: &BuildContext<'_>) -> Result<Vec<String>> {
    let resolve = &cx.wit.resolve;
    let world = &resolve.worlds[cx.world()?];
    Ok(world
        .exports
        .keys()
        .map(|key| {
            let wit_name = resolve.name_world_key(key);
            let short = match key {
                wit_parser::WorldKey::Interface(id) => {
                    resolve.interfaces[*id].name.clone().unwrap_or_default()
                }
                wit_parser::WorldKey::Name(name) => name.clone(),
            };
            format!("{}={wit_name}", lower_camel_case(&short))
        })
        .collect())
}

/// `letter-case` as `letterCase`.
pub(super) fn lower_camel_case(kebab: &str) -> String {
    let mut out = String::new();
    for (i, word) in kebab.split('-').filter(|w| !w.is_empty()).enumerate() {
        let word = word.to_lowercase();
        let mut chars = word.chars();
        if i > 0
            && let Some(first) = chars.next()
        {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        } else {
            out.push_str(&word);
        }
    }
    out
}

/// The runtime [`RUNTIME_SHA256`] names, out of componentize-qjs's native addon in
/// `tools` (`node_modules/@andreiltd/componentize-qjs-binding-<platform>/*.node`).
fn pinned_runtime(tools: &Path) -> Result<Vec<u8>> {
    let scope = tools.join("node_modules/@andreiltd");
    let addons: Vec<PathBuf> = std::fs::read_dir(&scope)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| {
            dir.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("componentize-qjs-binding-"))
        })
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten())
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|file| file.extension().is_some_and(|e| e == "node"))
        .collect();
    if addons.is_empty() {
        bail!(
            "the npm package `componentize-qjs` (and its native addon for this platform) is not installed in `{}`",
            tools.display()
        );
    }
    for addon in &addons {
        let bytes = std::fs::read(addon)
            .with_context(|| format!("failed to read `{}`", addon.display()))?;
        if let Some(runtime) = find_module(&bytes, RUNTIME_LEN, RUNTIME_SHA256) {
            return Ok(runtime.to_vec());
        }
    }
    bail!(
        "componentize-qjs in `{}` does not embed the QuickJS runtime Weld was built for (componentize-qjs 0.4.5, runtime sha256 {RUNTIME_SHA256})",
        tools.display()
    )
}

/// The `len` bytes in `haystack` that start like a core module and hash to `sha256`.
fn find_module<'a>(haystack: &'a [u8], len: usize, sha256: &str) -> Option<&'a [u8]> {
    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    let mut from = 0;
    while let Some(at) = haystack
        .get(from..)?
        .windows(HEADER.len())
        .position(|w| w == HEADER)
    {
        let start = from + at;
        let candidate = haystack.get(start..start + len)?;
        if hex::encode(Sha256::digest(candidate)) == sha256 {
            return Some(candidate);
        }
        from = start + 1;
    }
    None
}

/// `SOURCE_DATE_EPOCH` in seconds, else 0, as weld-wizer reads it.
fn source_date_epoch() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// An import of the runtime that Weld answers inside the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixed {
    /// `wasi:random/insecure-seed.insecure-seed: func() -> tuple<u64, u64>`, lowered
    /// as `(param $ret i32)`.
    InsecureSeed,
    /// `wasi:clocks/wall-clock.now: func() -> datetime`, lowered as `(param $ret i32)`.
    WallClock,
    /// `wasi:clocks/monotonic-clock.now: func() -> instant`, lowered as `(result i64)`.
    MonotonicClock,
    /// `wasi:cli/environment.get-environment: func() -> list<tuple<string, string>>`,
    /// lowered as `(param $ret i32)`: empty. The runtime's panic handler reads it (for
    /// `RUST_BACKTRACE`) before it prints a JS exception that ended a call; a trap there
    /// would lose the message. A stage without grants sees an empty environment anyway.
    Environment,
}

impl Fixed {
    fn of(module: &str, name: &str) -> Option<Self> {
        let interface = module.split('@').next().unwrap_or(module);
        match (interface, name) {
            ("wasi:random/insecure-seed", "insecure-seed") => Some(Fixed::InsecureSeed),
            ("wasi:clocks/wall-clock", "now") => Some(Fixed::WallClock),
            ("wasi:clocks/monotonic-clock", "now") => Some(Fixed::MonotonicClock),
            ("wasi:cli/environment", "get-environment") => Some(Fixed::Environment),
            _ => None,
        }
    }

    /// The core signature the canonical ABI lowers it to: (params, results).
    fn signature(
        self,
    ) -> (
        &'static [wasmparser::ValType],
        &'static [wasmparser::ValType],
    ) {
        use wasmparser::ValType::{I32, I64};
        match self {
            Fixed::InsecureSeed | Fixed::WallClock | Fixed::Environment => (&[I32], &[]),
            Fixed::MonotonicClock => (&[], &[I64]),
        }
    }

    fn body(self, epoch: u64, counter: u32) -> wasm_encoder::Function {
        use wasm_encoder::MemArg;
        let at = |offset, align| MemArg {
            offset,
            align,
            memory_index: 0,
        };
        let mut f = wasm_encoder::Function::new([]);
        let mut code = f.instructions();
        match self {
            Fixed::InsecureSeed => {
                code.local_get(0)
                    .i64_const(SEED.0 as i64)
                    .i64_store(at(0, 3))
                    .local_get(0)
                    .i64_const(SEED.1 as i64)
                    .i64_store(at(8, 3));
            }
            Fixed::WallClock => {
                // datetime { seconds: u64, nanoseconds: u32 }
                code.local_get(0)
                    .i64_const(epoch as i64)
                    .i64_store(at(0, 3))
                    .local_get(0)
                    .i32_const(0)
                    .i32_store(at(8, 2));
            }
            Fixed::Environment => {
                // list { ptr: u32, len: u32 }, both 0: no allocation for an empty list.
                code.local_get(0).i64_const(0).i64_store(at(0, 2));
            }
            Fixed::MonotonicClock => {
                code.global_get(counter)
                    .i64_const(1_000)
                    .i64_add()
                    .global_set(counter)
                    .global_get(counter);
            }
        }
        code.end();
        f
    }
}

/// Whether the runtime's import `module`.`name` is one it writes to stdout or stderr
/// with: those stay imports, answered by the host (they are ambient), so what the
/// runtime prints reaches the stage's stderr: a JS exception that ends a call (the
/// runtime panics with its message and stack) as much as Weld's `console`.
fn writes_output(module: &str, name: &str) -> bool {
    let interface = module.split('@').next().unwrap_or(module);
    match interface {
        "wasi:cli/stdout" | "wasi:cli/stderr" | "wasi:io/error" | "wasi:io/poll" => true,
        "wasi:io/streams" => name.contains("output-stream"),
        _ => false,
    }
}

/// What a replaced import of the runtime does, now a function of the runtime itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// A fixed value: the seed or a clock.
    Fixed(Fixed),
    /// Nothing: a `[resource-drop]` of a WASI resource (no handle of one can exist, as
    /// every function that would hand one out traps) and the preview 1 adapter's
    /// `reset_adapter_state` (there is no adapter, so no state to reset).
    Nothing,
    /// A trap, as componentize-qjs's WASI stubs did: every other WASI function.
    Trap,
}

impl Answer {
    /// The answer for the runtime's import `module`.`name` of core type `ty`, or `None`
    /// for an import the runtime keeps (its memory, table and globals from `env` and
    /// `GOT.*`, and componentize-qjs's `local:init/module-loader`).
    fn of(module: &str, name: &str, ty: &wasmparser::FuncType) -> Option<Self> {
        if let Some(fixed) = Fixed::of(module, name) {
            return Some(Answer::Fixed(fixed));
        }
        let wasi = module.starts_with("wasi:") || module == "wasi_snapshot_preview1";
        if !wasi || writes_output(module, name) {
            return None;
        }
        let forgettable = name.starts_with("[resource-drop]") || name == "reset_adapter_state";
        Some(if forgettable && ty.results().is_empty() {
            Answer::Nothing
        } else {
            Answer::Trap
        })
    }

    fn body(self, epoch: u64, counter: u32) -> wasm_encoder::Function {
        match self {
            Answer::Fixed(fixed) => fixed.body(epoch, counter),
            Answer::Nothing => {
                let mut f = wasm_encoder::Function::new([]);
                f.instructions().end();
                f
            }
            Answer::Trap => {
                let mut f = wasm_encoder::Function::new([]);
                f.instructions().unreachable().end();
                f
            }
        }
    }
}

/// `runtime` with every WASI import answered by a function of its own ([`Answer`]): the
/// fixed seed, a wall clock at `epoch` seconds, a monotonic clock that advances one
/// microsecond each time it is read; resource drops do nothing and every other WASI
/// function traps. The runtime then imports no WASI at all, so componentize-qjs links
/// neither the preview 1 adapter nor a component of WASI stubs: the stage is one memory
/// and a handful of core instances (BENCHMARKS.md, "QuickJS stages without WASI").
///
/// The replaced imports leave the function index space, and their replacements come
/// first among the defined functions, so only the indices of the imports after them
/// change and every defined function keeps its index.
pub fn deterministic_runtime(runtime: &[u8], epoch: u64) -> Result<Vec<u8>> {
    let mut plan = Deterministic {
        epoch,
        ..Deterministic::default()
    };
    plan.read(runtime)
        .context("failed to read the QuickJS runtime")?;
    for wanted in [Fixed::InsecureSeed, Fixed::WallClock, Fixed::MonotonicClock] {
        if !plan
            .replaced
            .iter()
            .any(|r| r.answer == Answer::Fixed(wanted))
        {
            bail!(
                "the QuickJS runtime does not import {wanted:?}: it is not the runtime Weld was built for"
            );
        }
    }
    let mut module = wasm_encoder::Module::new();
    plan.parse_core_module(&mut module, wasmparser::Parser::new(0), runtime)
        .map_err(|e| anyhow::anyhow!("failed to rewrite the QuickJS runtime: {e:?}"))?;
    if plan.nones != PUSH_OPTION_NULLS {
        bail!(
            "the QuickJS runtime's `wit_dylib_push_option` writes `null` {} times, not {PUSH_OPTION_NULLS}: it is not the runtime Weld was built for",
            plan.nones
        );
    }
    let bytes = module.finish();
    crate::component::validate(&bytes).context("the rewritten QuickJS runtime is not valid")?;
    Ok(bytes)
}

#[derive(Debug)]
struct Replaced {
    /// Its index among the functions, as an import.
    import: u32,
    type_index: u32,
    answer: Answer,
}

#[derive(Debug, Default)]
struct Deterministic {
    epoch: u64,
    replaced: Vec<Replaced>,
    func_imports: u32,
    /// Imported and defined globals: the monotonic clock's counter comes next.
    globals: u32,
    has_globals: bool,
    /// The function behind the runtime's `wit_dylib_push_option` export, which hands an
    /// incoming `option` to JS: its `none` is rewritten from `null` to `undefined`.
    push_option: Option<u32>,
    /// The index of the function whose body is being rewritten.
    body: u32,
    /// How many `null`s of `push_option` became `undefined`.
    nones: u32,
}

impl Deterministic {
    fn read(&mut self, wasm: &[u8]) -> Result<()> {
        let mut types = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload? {
                wasmparser::Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        types.push(ty?);
                    }
                }
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        match import.ty {
                            wasmparser::TypeRef::Func(type_index) => {
                                let ty = usize::try_from(type_index)
                                    .ok()
                                    .and_then(|i| types.get(i))
                                    .context("an import names a type that does not exist")?;
                                if let Some(answer) = Answer::of(import.module, import.name, ty) {
                                    if let Answer::Fixed(fixed) = answer {
                                        let (params, results) = fixed.signature();
                                        if ty.params() != params || ty.results() != results {
                                            bail!(
                                                "`{}`.`{}` has the type {ty}, not the canonical lowering Weld answers",
                                                import.module,
                                                import.name
                                            );
                                        }
                                    }
                                    self.replaced.push(Replaced {
                                        import: self.func_imports,
                                        type_index,
                                        answer,
                                    });
                                }
                                self.func_imports += 1;
                            }
                            wasmparser::TypeRef::Global(_) => self.globals += 1,
                            _ => {}
                        }
                    }
                }
                wasmparser::Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.name == "wit_dylib_push_option"
                            && export.kind == wasmparser::ExternalKind::Func
                        {
                            self.push_option = Some(export.index);
                        }
                    }
                }
                wasmparser::Payload::GlobalSection(reader) => {
                    self.has_globals = true;
                    self.globals += reader.count();
                }
                wasmparser::Payload::MemorySection(reader) if reader.count() > 0 => {
                    bail!("the QuickJS runtime defines a memory; Weld expects it to import one")
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn new_global(&self) -> (wasm_encoder::GlobalType, wasm_encoder::ConstExpr) {
        (
            wasm_encoder::GlobalType {
                val_type: wasm_encoder::ValType::I64,
                mutable: true,
                shared: false,
            },
            wasm_encoder::ConstExpr::i64_const(0),
        )
    }
}

type ReencodeResult = Result<(), reencode::Error>;

impl Reencode for Deterministic {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error> {
        if func >= self.func_imports {
            return Ok(func);
        }
        let kept_imports = self.func_imports - self.replaced.len() as u32;
        if let Some(k) = self.replaced.iter().position(|r| r.import == func) {
            return Ok(kept_imports + k as u32);
        }
        let before = self.replaced.iter().filter(|r| r.import < func).count() as u32;
        Ok(func - before)
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> ReencodeResult {
        let mut func = 0;
        for import in section.into_imports() {
            let import = import?;
            if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                func += 1;
                if self.replaced.iter().any(|r| r.import == func - 1) {
                    continue;
                }
            }
            let ty = self.entity_type(import.ty)?;
            imports.import(import.module, import.name, ty);
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> ReencodeResult {
        for r in &self.replaced {
            functions.function(r.type_index);
        }
        reencode::utils::parse_function_section(self, functions, section)
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> ReencodeResult {
        for r in &self.replaced {
            code.function(&r.answer.body(self.epoch, self.globals));
        }
        self.body = self.func_imports;
        reencode::utils::parse_code_section(self, code, section)
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> ReencodeResult {
        reencode::utils::parse_function_body(self, code, func)?;
        self.body += 1;
        Ok(())
    }

    fn instruction<'a>(
        &mut self,
        op: wasmparser::Operator<'a>,
    ) -> Result<wasm_encoder::Instruction<'a>, reencode::Error> {
        if Some(self.body) == self.push_option
            && matches!(op, wasmparser::Operator::I64Const { value } if value == JS_NULL)
        {
            self.nones += 1;
            return Ok(wasm_encoder::Instruction::I64Const(JS_UNDEFINED));
        }
        reencode::utils::instruction(self, op)
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> ReencodeResult {
        reencode::utils::parse_global_section(self, globals, section)?;
        let (ty, init) = self.new_global();
        globals.global(ty, &init);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> ReencodeResult {
        // A module without globals gets a global section for the counter, in its place.
        let rank = before.map_or(u8::MAX, crate::component::section_rank);
        let after_globals = rank > crate::component::section_rank(wasm_encoder::SectionId::Global);
        if !self.has_globals && after_globals {
            let mut globals = wasm_encoder::GlobalSection::new();
            let (ty, init) = self.new_global();
            globals.global(ty, &init);
            module.section(&globals);
            self.has_globals = true;
        }
        Ok(())
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut wasm_encoder::NameSection,
        section: wasmparser::Name<'_>,
    ) -> ReencodeResult {
        // Function names are listed by index, and the replaced imports move.
        let wasmparser::Name::Function(map) = section else {
            return reencode::utils::parse_custom_name_subsection(self, names, section);
        };
        let mut renamed = Vec::new();
        for naming in map {
            let naming = naming?;
            renamed.push((self.function_index(naming.index)?, naming.name));
        }
        renamed.sort_by_key(|(index, _)| *index);
        let mut map = wasm_encoder::NameMap::new();
        for (index, name) in renamed {
            map.append(index, name);
        }
        names.functions(&map);
        Ok(())
    }
}

/// `component` without its export `name` (`component` itself when it has none): a
/// component that instantiates it and exports everything else it exports. Removing the
/// entry from the export section in place would renumber the functions exported after
/// it (a world's own functions are), so the component is wrapped instead, as Weld links
/// stages; the nested instance costs nothing once wasmtime has compiled it.
pub fn without_export<'a>(component: &'a [u8], name: &str) -> Result<Cow<'a, [u8]>> {
    use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("weld:quickjs-stage", None, component, graph.types_mut())
        .context("failed to read the component")?;
    let exports: Vec<String> = graph.types()[package.ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    if !exports.iter().any(|e| e == name) {
        return Ok(Cow::Borrowed(component));
    }
    let package = graph.register_package(package)?;
    let instance = graph.instantiate(package);
    for export in exports.iter().filter(|e| *e != name) {
        let item = graph.alias_instance_export(instance, export)?;
        graph.export(item, export)?;
    }
    let bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .with_context(|| format!("failed to encode the component without its `{name}` export"))?;
    Ok(Cow::Owned(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module shaped like the runtime: an imported memory, the imports Weld answers
    /// with values, other WASI imports, the output imports it keeps, an import of
    /// componentize-qjs's own, an export `wit_dylib_push_option` writing `null` twice,
    /// and calls to all of them.
    const RUNTIME_LIKE: &str = r#"(module
        (type $ret (func (param i32)))
        (type $now (func (result i64)))
        (import "env" "memory" (memory 1))
        (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func $dirs (type $ret)))
        (import "wasi:random/insecure-seed@0.2.9" "insecure-seed" (func $seed (type $ret)))
        (import "local:init/module-loader" "load" (func $load (param i32) (result i64)))
        (import "wasi:clocks/monotonic-clock@0.2.0" "now" (func $mono (type $now)))
        (import "wasi:cli/exit@0.2.0" "exit" (func $exit (param i32)))
        (import "wasi:io/streams@0.2.0" "[resource-drop]input-stream" (func $drop (param i32)))
        (import "wasi:io/streams@0.2.0" "[method]output-stream.blocking-flush" (func $flush (param i32 i32)))
        (import "wasi:cli/stderr@0.2.0" "get-stderr" (func $stderr (result i32)))
        (import "wasi_snapshot_preview1" "reset_adapter_state" (func $reset))
        (import "wasi:cli/environment@0.2.0" "get-environment" (func $env (type $ret)))
        (import "wasi:clocks/wall-clock@0.2.0" "now" (func $wall (type $ret)))
        (func $seed_lo (export "seed-lo") (result i64)
            (call $seed (i32.const 64)) (i64.load (i32.const 64)))
        (func (export "seed-hi") (result i64)
            (call $seed (i32.const 64)) (i64.load (i32.const 72)))
        (func (export "wall") (result i64)
            (call $wall (i32.const 128)) (i64.load (i32.const 128)))
        (func (export "mono") (result i64) (call $mono))
        (func (export "indirect") (result i64) (call_indirect (type $now) (i32.const 0)))
        (func (export "exit") (result i64) (call $exit (i32.const 3)) (i64.const 0))
        (func (export "drop") (result i64) (call $drop (i32.const 5)) (call $reset) (i64.const 7))
        (func (export "load") (result i64) (call $load (i32.const 9)))
        (func (export "env") (result i64)
            (i64.store (i32.const 192) (i64.const -1))
            (call $env (i32.const 192)) (i64.load (i32.const 192)))
        (func (export "stderr") (result i64)
            (call $flush (call $stderr) (i32.const 0)) (i64.const 1))
        (func $push_option (export "wit_dylib_push_option") (param i32 i32 i32)
            (i64.store (i32.const 256) (i64.const 0x200000000))
            (if (local.get 2) (then (i64.store (i32.const 264) (i64.const 0x200000000)))))
        (func (export "none") (result i64)
            (call $push_option (i32.const 0) (i32.const 0) (i32.const 1))
            (i64.or (i64.load (i32.const 256)) (i64.load (i32.const 264))))
        (func (export "null") (result i64) (i64.const 0x200000000))
        (table 1 funcref)
        (elem (i32.const 0) func $mono)
    )"#;

    /// `func` of `wasm` called `calls` times, with the imports a rewritten runtime keeps
    /// besides its memory: `local:init/module-loader.load`, answering its argument times
    /// 100, and the stderr ones, answering stream 2 and flushing nothing.
    fn try_run(wasm: &[u8], func: &str, calls: usize) -> wasmtime::Result<Vec<i64>> {
        use wasmtime::{Engine, Linker, Memory, MemoryType, Module, Store};
        let engine = Engine::default();
        let module = Module::new(&engine, wasm)?;
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let memory = Memory::new(&mut store, MemoryType::new(1, None))?;
        linker.define(&store, "env", "memory", memory)?;
        linker.func_wrap("local:init/module-loader", "load", |n: i32| {
            i64::from(n) * 100
        })?;
        linker.func_wrap("wasi:cli/stderr@0.2.0", "get-stderr", || 2_i32)?;
        linker.func_wrap(
            "wasi:io/streams@0.2.0",
            "[method]output-stream.blocking-flush",
            |stream: i32, _ret: i32| assert_eq!(stream, 2),
        )?;
        let instance = linker.instantiate(&mut store, &module)?;
        let f = instance.get_typed_func::<(), i64>(&mut store, func)?;
        (0..calls).map(|_| f.call(&mut store, ())).collect()
    }

    fn run(wasm: &[u8], func: &str, calls: usize) -> Vec<i64> {
        try_run(wasm, func, calls).unwrap()
    }

    #[test]
    fn the_runtimes_wasi_is_answered_inside_it_and_nothing_else_moves() {
        let wasm = wat::parse_str(RUNTIME_LIKE).unwrap();
        let fixed = deterministic_runtime(&wasm, 1_700_000_000).unwrap();
        let imports: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(&fixed)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::ImportSection(r) => Some(
                    r.into_imports()
                        .map(|i| {
                            let i = i.unwrap();
                            format!("{}.{}", i.module, i.name)
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        // No WASI left to import but what writes to stderr (and stdout): componentize-qjs
        // links no adapter and no stubs.
        assert_eq!(
            imports,
            [
                "env.memory",
                "local:init/module-loader.load",
                "wasi:io/streams@0.2.0.[method]output-stream.blocking-flush",
                "wasi:cli/stderr@0.2.0.get-stderr",
            ]
        );
        assert_eq!(run(&fixed, "stderr", 1), [1]);
        // An empty environment: a list at 0 of length 0.
        assert_eq!(run(&fixed, "env", 1), [0]);
        // `none` reaches JS as `undefined`; the same constant elsewhere is left alone.
        assert_eq!(run(&fixed, "none", 1), [JS_UNDEFINED]);
        assert_eq!(run(&fixed, "null", 1), [JS_NULL]);
        assert_eq!(run(&fixed, "seed-lo", 1), [SEED.0 as i64]);
        assert_eq!(run(&fixed, "seed-hi", 1), [SEED.1 as i64]);
        assert_eq!(run(&fixed, "wall", 1), [1_700_000_000]);
        assert_eq!(run(&fixed, "mono", 3), [1_000, 2_000, 3_000]);
        // Through the table, which names the function by index too.
        assert_eq!(run(&fixed, "indirect", 2), [1_000, 2_000]);
        // A resource drop and the adapter's reset do nothing; any other WASI call traps.
        assert_eq!(run(&fixed, "drop", 1), [7]);
        let trap = try_run(&fixed, "exit", 1).unwrap_err();
        assert_eq!(
            trap.downcast_ref::<wasmtime::Trap>(),
            Some(&wasmtime::Trap::UnreachableCodeReached),
            "{trap:?}"
        );
        // The import kept among the replaced ones is still the one called.
        assert_eq!(run(&fixed, "load", 1), [900]);
        let text = wasmprinter::print_bytes(&fixed).unwrap();
        assert!(text.contains("call $load"), "{text}");
        // The same input, the same bytes.
        assert_eq!(deterministic_runtime(&wasm, 1_700_000_000).unwrap(), fixed);
    }

    #[test]
    fn js_names_are_lower_camel_case() {
        assert_eq!(lower_camel_case("style"), "style");
        assert_eq!(lower_camel_case("double-add"), "doubleAdd");
        assert_eq!(lower_camel_case("get-URL-v2"), "getUrlV2");
    }

    #[test]
    fn the_cache_revision_names_the_pinned_runtime() {
        assert!(REVISION.ends_with(RUNTIME_SHA256));
    }

    #[test]
    fn a_runtime_without_the_expected_imports_is_refused() {
        let wasm = wat::parse_str(r#"(module (import "env" "memory" (memory 1)))"#).unwrap();
        let err = deterministic_runtime(&wasm, 0).unwrap_err();
        assert!(format!("{err:#}").contains("not the runtime Weld was built for"));
    }

    #[test]
    fn a_seed_import_of_another_type_is_refused() {
        let wasm = wat::parse_str(
            r#"(module (import "wasi:random/insecure-seed@0.2.9" "insecure-seed" (func (result i64))))"#,
        )
        .unwrap();
        let err = deterministic_runtime(&wasm, 0).unwrap_err();
        assert!(format!("{err:#}").contains("canonical lowering"), "{err:#}");
    }

    #[test]
    fn a_module_is_found_by_its_hash_among_others() {
        let one = wat::parse_str("(module (func))").unwrap();
        let two = wat::parse_str("(module (memory 1))").unwrap();
        let mut haystack = b"ELF...\0asm".to_vec();
        haystack.extend_from_slice(&one);
        haystack.extend_from_slice(b"padding");
        haystack.extend_from_slice(&two);
        haystack.extend_from_slice(b"tail");
        let hash = hex::encode(Sha256::digest(&two));
        assert_eq!(find_module(&haystack, two.len(), &hash), Some(&two[..]));
        assert_eq!(find_module(&haystack, two.len() + 1, &hash), None);
    }

    fn top_level_exports(component: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let mut depth = 0usize;
        for payload in wasmparser::Parser::new(0).parse_all(component) {
            match payload.unwrap() {
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. } => depth += 1,
                wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
                wasmparser::Payload::ComponentExportSection(reader) if depth == 0 => {
                    names.extend(reader.into_iter().map(|e| e.unwrap().name.name.to_string()));
                }
                _ => {}
            }
        }
        names
    }

    #[test]
    fn an_export_is_removed_and_the_rest_kept() {
        let wasm = wat::parse_str(
            r#"(component
                (core module $m (func (export "f")) (func (export "g")))
                (core instance $i (instantiate $m))
                (type $t (func))
                (alias core export $i "f" (core func $f))
                (alias core export $i "g" (core func $g))
                (func $lf (type $t) (canon lift (core func $f)))
                (func $lg (type $t) (canon lift (core func $g)))
                (export "init" (func $lf))
                (export "run" (func $lg))
                (export "again" (func $lg))
            )"#,
        )
        .unwrap();
        let stripped = without_export(&wasm, "init").unwrap();
        assert_eq!(top_level_exports(&stripped), ["run", "again"]);
        // Still callable through the wrapper.
        let text = wasmprinter::print_bytes(&stripped).unwrap();
        assert!(text.contains("(instantiate"), "{text}");
        assert!(matches!(
            without_export(&stripped, "init").unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
