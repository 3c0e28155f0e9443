//! The WASI preview 1 adapter a Go stage is encoded with, its wall clock held while its
//! monotonic clock is paused.
//!
//! wit-bindgen-go's `cabi_realloc` allocates from Go's heap, and an allocation may finish
//! a garbage collection that is under way. Finishing one reads the wall clock
//! (`gcMarkTermination` calls `time.now`). While the host is allocating in a component
//! the component may not call an import, so that read traps (`cannot leave component
//! instance`): a Go stage asked many times on one instance (instance reuse, or a big
//! argument) failed at random. The Go package pauses the adapter's *monotonic* clock
//! around the allocation (wasmtime#13563), but the adapter of wasmtime 48 still asks the
//! host for the wall clock (wasmtime#14319 is the upstream fix, not released).
//!
//! So Weld rewrites the pinned adapter: every call to `wasi:clocks/wall-clock.now` goes
//! through a function that answers the last time it read while the clock is paused, and
//! `adapter_monotonic_clock_set_paused` records the pause before doing what it did. The
//! time only feeds the collector's statistics while paused.

use anyhow::{Context as _, Result, bail};
use wasm_encoder::{
    ValType,
    reencode::{self, Reencode},
};

/// The adapter's export that Go's `cabi_realloc` calls around its allocation.
const SET_PAUSED: &str = "adapter_monotonic_clock_set_paused";

/// The pinned preview 1 adapter a Go stage is encoded with (the proxy one for a
/// `wasi:http` artifact, else the reactor one), its wall clock held while paused.
pub fn preview1(http_proxy: bool) -> Result<Vec<u8>> {
    use wasi_preview1_component_adapter_provider as adapters;
    with_held_wall_clock(if http_proxy {
        adapters::WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER
    } else {
        adapters::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER
    })
}

/// `adapter` with its wall clock held while paused.
fn with_held_wall_clock(adapter: &[u8]) -> Result<Vec<u8>> {
    let mut rewrite = HeldWallClock::read(adapter)?;
    let mut module = wasm_encoder::Module::new();
    rewrite
        .parse_core_module(&mut module, wasmparser::Parser::new(0), adapter)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("failed to rewrite the WASI adapter")?;
    if rewrite.redirected == 0 {
        bail!("the WASI adapter never reads the wall clock; Weld's rewrite of it is out of date");
    }
    Ok(module.finish())
}

/// What the rewrite needs to know of the adapter, and what it added.
#[derive(Debug, Default)]
struct HeldWallClock {
    /// The imported `wall-clock.now` and its type (`(param i32)`: where to write).
    now: u32,
    now_type: u32,
    /// The original `adapter_monotonic_clock_set_paused` and its type (`(param i32)`).
    set_paused: u32,
    set_paused_type: u32,
    /// Functions (imported and defined) and globals before the rewrite.
    functions: u32,
    globals: u32,
    /// Whether the adapter has a global section for the new globals to join.
    global_section: bool,
    /// Calls to `now` sent to the holding function.
    redirected: usize,
}

impl HeldWallClock {
    fn read(adapter: &[u8]) -> Result<Self> {
        let mut this = Self::default();
        let mut now = None;
        let mut set_paused = None;
        let mut function_types = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(adapter) {
            match payload? {
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        match import.ty {
                            wasmparser::TypeRef::Func(ty) => {
                                if import.module.starts_with("wasi:clocks/wall-clock@")
                                    && import.name == "now"
                                {
                                    now = Some((this.functions, ty));
                                }
                                function_types.push(ty);
                                this.functions += 1;
                            }
                            wasmparser::TypeRef::Global(_) => this.globals += 1,
                            _ => {}
                        }
                    }
                }
                wasmparser::Payload::FunctionSection(reader) => {
                    for ty in reader {
                        function_types.push(ty?);
                        this.functions += 1;
                    }
                }
                wasmparser::Payload::GlobalSection(reader) => {
                    this.global_section = true;
                    this.globals += reader.count();
                }
                wasmparser::Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.name == SET_PAUSED
                            && export.kind == wasmparser::ExternalKind::Func
                        {
                            set_paused = Some(export.index);
                        }
                    }
                }
                _ => {}
            }
        }
        let (now, now_type) = now.context("the WASI adapter does not import the wall clock")?;
        let set_paused = set_paused
            .with_context(|| format!("the WASI adapter does not export `{SET_PAUSED}`"))?;
        this.now = now;
        this.now_type = now_type;
        this.set_paused = set_paused;
        this.set_paused_type = *usize::try_from(set_paused)
            .ok()
            .and_then(|i| function_types.get(i))
            .with_context(|| format!("the WASI adapter's `{SET_PAUSED}` is not a function"))?;
        if !this.global_section {
            bail!("the WASI adapter has no global section; Weld expects one to extend");
        }
        Ok(this)
    }

    /// The function that reads the wall clock, or answers the last reading while paused.
    fn holding_now(&self) -> u32 {
        self.functions
    }

    /// The export `adapter_monotonic_clock_set_paused` becomes: records, then pauses.
    fn recording_set_paused(&self) -> u32 {
        self.functions + 1
    }

    /// Globals added: paused (i32), seconds (i64), nanoseconds (i32) of the last reading.
    fn paused(&self) -> u32 {
        self.globals
    }
    fn seconds(&self) -> u32 {
        self.globals + 1
    }
    fn nanoseconds(&self) -> u32 {
        self.globals + 2
    }

    fn holding_now_body(&self) -> wasm_encoder::Function {
        use wasm_encoder::{BlockType, Instruction as I, MemArg};
        // `wasi:clocks/wall-clock.datetime` as lowered: u64 seconds, then u32 nanoseconds.
        let seconds = MemArg {
            offset: 0,
            align: 3,
            memory_index: 0,
        };
        let nanoseconds = MemArg {
            offset: 8,
            align: 2,
            memory_index: 0,
        };
        let mut f = wasm_encoder::Function::new([]);
        f.instruction(&I::GlobalGet(self.paused()))
            .instruction(&I::If(BlockType::Empty))
            .instruction(&I::LocalGet(0))
            .instruction(&I::GlobalGet(self.seconds()))
            .instruction(&I::I64Store(seconds))
            .instruction(&I::LocalGet(0))
            .instruction(&I::GlobalGet(self.nanoseconds()))
            .instruction(&I::I32Store(nanoseconds))
            .instruction(&I::Else)
            .instruction(&I::LocalGet(0))
            .instruction(&I::Call(self.now))
            .instruction(&I::LocalGet(0))
            .instruction(&I::I64Load(seconds))
            .instruction(&I::GlobalSet(self.seconds()))
            .instruction(&I::LocalGet(0))
            .instruction(&I::I32Load(nanoseconds))
            .instruction(&I::GlobalSet(self.nanoseconds()))
            .instruction(&I::End)
            .instruction(&I::End);
        f
    }

    fn recording_set_paused_body(&self) -> wasm_encoder::Function {
        use wasm_encoder::Instruction as I;
        let mut f = wasm_encoder::Function::new([]);
        f.instruction(&I::LocalGet(0))
            .instruction(&I::GlobalSet(self.paused()))
            .instruction(&I::LocalGet(0))
            .instruction(&I::Call(self.set_paused))
            .instruction(&I::End);
        f
    }
}

type ReencodeResult = Result<(), reencode::Error>;

impl Reencode for HeldWallClock {
    type Error = std::convert::Infallible;

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> ReencodeResult {
        reencode::utils::parse_function_section(self, functions, section)?;
        functions.function(self.now_type);
        functions.function(self.set_paused_type);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> ReencodeResult {
        reencode::utils::parse_code_section(self, code, section)?;
        code.function(&self.holding_now_body());
        code.function(&self.recording_set_paused_body());
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> ReencodeResult {
        reencode::utils::parse_global_section(self, globals, section)?;
        // In the order of `paused()`, `seconds()`, `nanoseconds()`.
        for val_type in [ValType::I32, ValType::I64, ValType::I32] {
            let init = match val_type {
                ValType::I64 => wasm_encoder::ConstExpr::i64_const(0),
                _ => wasm_encoder::ConstExpr::i32_const(0),
            };
            let ty = wasm_encoder::GlobalType {
                val_type,
                mutable: true,
                shared: false,
            };
            globals.global(ty, &init);
        }
        Ok(())
    }

    fn parse_export(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        export: wasmparser::Export<'_>,
    ) -> ReencodeResult {
        if export.name == SET_PAUSED && export.kind == wasmparser::ExternalKind::Func {
            exports.export(
                export.name,
                wasm_encoder::ExportKind::Func,
                self.recording_set_paused(),
            );
            return Ok(());
        }
        reencode::utils::parse_export(self, exports, export)
    }

    fn instruction<'a>(
        &mut self,
        op: wasmparser::Operator<'a>,
    ) -> Result<wasm_encoder::Instruction<'a>, reencode::Error> {
        if matches!(op, wasmparser::Operator::Call { function_index } if function_index == self.now)
        {
            self.redirected += 1;
            return Ok(wasm_encoder::Instruction::Call(self.holding_now()));
        }
        reencode::utils::instruction(self, op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For each defined function (by index), the functions it calls.
    fn calls(module: &[u8]) -> Vec<(u32, Vec<u32>)> {
        let mut imported = 0;
        let mut out = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(module) {
            match payload.unwrap() {
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if matches!(import.unwrap().ty, wasmparser::TypeRef::Func(_)) {
                            imported += 1;
                        }
                    }
                }
                wasmparser::Payload::CodeSectionEntry(body) => {
                    let mut callees = Vec::new();
                    let mut ops = body.get_operators_reader().unwrap();
                    while !ops.eof() {
                        if let wasmparser::Operator::Call { function_index } = ops.read().unwrap() {
                            callees.push(function_index);
                        }
                    }
                    out.push((imported + out.len() as u32, callees));
                }
                _ => {}
            }
        }
        out
    }

    fn exported(module: &[u8], name: &str) -> u32 {
        for payload in wasmparser::Parser::new(0).parse_all(module) {
            if let wasmparser::Payload::ExportSection(reader) = payload.unwrap() {
                for export in reader {
                    let export = export.unwrap();
                    if export.name == name {
                        return export.index;
                    }
                }
            }
        }
        panic!("no export `{name}`")
    }

    #[test]
    fn the_pinned_adapters_read_the_wall_clock_only_through_the_holding_function() {
        use wasi_preview1_component_adapter_provider as adapters;
        for adapter in [
            adapters::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            adapters::WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
        ] {
            let before = HeldWallClock::read(adapter).unwrap();
            let callers_before: Vec<u32> = calls(adapter)
                .into_iter()
                .filter(|(_, callees)| callees.contains(&before.now))
                .map(|(f, _)| f)
                .collect();
            assert!(!callers_before.is_empty());

            let rewritten = with_held_wall_clock(adapter).unwrap();
            wasmparser::Validator::new()
                .validate_all(&rewritten)
                .unwrap();
            let after = calls(&rewritten);
            let holding = before.holding_now();
            // Only the holding function asks the host; it is called wherever the import was.
            let asking: Vec<u32> = after
                .iter()
                .filter(|(_, callees)| callees.contains(&before.now))
                .map(|(f, _)| *f)
                .collect();
            assert_eq!(asking, [holding]);
            let holding_callers: Vec<u32> = after
                .iter()
                .filter(|(_, callees)| callees.contains(&holding))
                .map(|(f, _)| *f)
                .collect();
            assert_eq!(holding_callers, callers_before);
            // The export records the pause, then does what it did.
            let recording = exported(&rewritten, SET_PAUSED);
            assert_eq!(recording, before.recording_set_paused());
            let (_, recording_calls) = &after[after.len() - 1];
            assert_eq!(recording_calls, &[before.set_paused]);
            // Same bytes twice.
            assert_eq!(with_held_wall_clock(adapter).unwrap(), rewritten);
        }
    }
}
