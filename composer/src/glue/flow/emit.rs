//! The core module of the flow glue, emitted from a [`Plan`] with wasm-encoder.
//!
//! Each exported function lifts its parameters into this module's memory, calls the
//! steps' functions (lowered imports) one after the other, and returns the last value.
//! Values between steps stay where the canonical ABI puts them: a step's result in a
//! return area of this memory, read as the next step's flat parameters ("load flat"),
//! or copied as a whole where a memory image is needed. Memory is a bump allocator,
//! reset by each function's post-return, so nothing is freed one by one.

use indexmap::IndexSet;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemArg,
    MemorySection, MemoryType, Module, NameMap, NameSection, TypeSection, ValType,
};
use wit_parser::{
    FlagsRepr, Function as WitFunction, Int, InterfaceId, ManglingAndAbi, Resolve, SizeAlign, Type,
    TypeDefKind, WasmExport, WasmExportKind, WasmImport, WorldKey,
    abi::{AbiVariant, FlatTypes, WasmSignature, WasmType},
};

use super::{
    constant::{Data, Flat},
    plan::{Arg, Body, ErrorExit, FlowPlan, Plan, Return, StepPlan, interface_name},
};

/// Where the data segment starts: address 0 stays unused, so no value lives at null.
const DATA_BASE: u32 = 16;

/// The names the module's imports and exports use (wit-component's standard mangling).
const MANGLING: ManglingAndAbi = ManglingAndAbi::Standard32;

/// The core module implementing `plan`.
pub fn module(resolve: &Resolve, plan: &Plan) -> Vec<u8> {
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve).expect("sizes of a resolved WIT");
    let mut e = Emitter {
        resolve,
        sizes,
        data: Data::new(DATA_BASE),
        types: IndexSet::new(),
        imports: IndexSet::new(),
        current: String::new(),
        traps: Vec::new(),
        // After realloc, each exported function and its post-return.
        trap_base: 1 + 2 * plan
            .exports
            .iter()
            .map(|e| e.functions.len() as u32)
            .sum::<u32>(),
    };

    // Imports first: their indices come before the functions defined here.
    for export in &plan.exports {
        for (function, body) in &export.functions {
            match body {
                Body::Flow(flow) => {
                    for step in &flow.steps {
                        e.import(step.interface, &step.function);
                    }
                }
                Body::Forward => {
                    e.import(export.id, function);
                }
            }
        }
    }

    const REALLOC: u32 = 0;
    let mut bodies: Vec<(String, u32, Vec<Instruction<'static>>, Vec<ValType>)> = Vec::new();
    let mut exported: Vec<(String, u32)> = Vec::new();
    let mut post_returns = Vec::new();
    for export in &plan.exports {
        let key = WorldKey::Interface(export.id);
        let iface = interface_name(resolve, export.id);
        for (function, body) in &export.functions {
            let sig = resolve.wasm_signature(AbiVariant::GuestExport, function);
            let ty = e.func_type(&sig.params, &sig.results);
            let forward;
            let (flow, label) = match body {
                Body::Flow(flow) => (flow, "flow"),
                Body::Forward => {
                    forward = forward_plan(plan, export.id, function);
                    (&forward, "forward")
                }
            };
            let mut f = FuncBody::new(&sig.params);
            e.current = format!("{iface}.{}", function.name);
            e.flow(&mut f, function, flow);
            let index = bodies.len() as u32 + 1;
            bodies.push((
                format!("{label} {iface}.{}", function.name),
                ty,
                f.code,
                f.locals,
            ));
            exported.push((
                resolve.wasm_export_name(
                    MANGLING,
                    WasmExport::Func {
                        interface: Some(&key),
                        func: function,
                        kind: WasmExportKind::Normal,
                    },
                ),
                index,
            ));
            post_returns.push((
                resolve.wasm_export_name(
                    MANGLING,
                    WasmExport::Func {
                        interface: Some(&key),
                        func: function,
                        kind: WasmExportKind::PostReturn,
                    },
                ),
                format!("post-return {iface}.{}", function.name),
                e.func_type(&sig.results, &[]),
            ));
        }
    }
    let heap_base = e.data.end().next_multiple_of(8);
    let post_return_code = vec![
        Instruction::I32Const(heap_base as i32),
        Instruction::GlobalSet(0),
    ];
    let first_post_return = bodies.len() as u32 + 1;
    for (i, (name, label, ty)) in post_returns.into_iter().enumerate() {
        exported.push((name, first_post_return + i as u32));
        bodies.push((label, ty, post_return_code.clone(), Vec::new()));
    }
    // A flow that cannot return a step's error traps in a function whose name says so,
    // so the trap's stack explains itself.
    let trap_ty = e.func_type(&[], &[]);
    debug_assert_eq!(bodies.len() as u32 + 1, e.trap_base);
    for name in std::mem::take(&mut e.traps) {
        bodies.push((name, trap_ty, vec![Instruction::Unreachable], Vec::new()));
    }
    let realloc_ty = e.func_type(
        &[WasmType::I32, WasmType::I32, WasmType::I32, WasmType::I32],
        &[WasmType::I32],
    );

    // Sections, in the order the binary format wants them.
    let imported = e.imports.len() as u32;
    let mut module = Module::new();
    let mut types = TypeSection::new();
    for (params, results) in &e.types {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
    module.section(&types);
    let mut imports = ImportSection::new();
    for (module_name, field, ty) in &e.imports {
        imports.import(module_name, field, EntityType::Function(*ty));
    }
    module.section(&imports);
    let mut functions = FunctionSection::new();
    functions.function(realloc_ty);
    for (_, ty, _, _) in &bodies {
        functions.function(*ty);
    }
    module.section(&functions);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: u64::from(heap_base.div_ceil(65536).max(1)),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memories);
    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(heap_base as i32),
    );
    module.section(&globals);
    let mut exports = ExportSection::new();
    exports.export(
        &resolve.wasm_export_name(MANGLING, WasmExport::Memory),
        ExportKind::Memory,
        0,
    );
    exports.export(
        &resolve.wasm_export_name(MANGLING, WasmExport::Realloc),
        ExportKind::Func,
        imported + REALLOC,
    );
    for (name, index) in &exported {
        exports.export(name, ExportKind::Func, imported + index);
    }
    module.section(&exports);
    let mut code = CodeSection::new();
    code.function(&realloc());
    for (_, _, insns, locals) in &bodies {
        let mut f = Function::new_with_locals_types(locals.iter().copied());
        for insn in insns {
            f.instruction(insn);
        }
        f.instruction(&Instruction::End);
        code.function(&f);
    }
    module.section(&code);
    let mut data = DataSection::new();
    data.active(
        0,
        &ConstExpr::i32_const(e.data.base() as i32),
        e.data.bytes().iter().copied(),
    );
    module.section(&data);

    // Names, so a trap's backtrace says which flow it went through.
    let mut names = NameMap::new();
    for (i, (module_name, field, _)) in e.imports.iter().enumerate() {
        names.append(i as u32, &format!("{module_name}.{field}"));
    }
    names.append(imported + REALLOC, "weld-flows realloc");
    for (i, (name, _, _, _)) in bodies.iter().enumerate() {
        names.append(imported + 1 + i as u32, &format!("weld-flows {name}"));
    }
    let mut name_section = NameSection::new();
    name_section.module("weld-flows");
    name_section.functions(&names);
    module.section(&name_section);
    module.finish()
}

/// A forwarded function, as a one-step flow calling the same function of the import.
fn forward_plan(plan: &Plan, interface: InterfaceId, function: &WitFunction) -> FlowPlan {
    FlowPlan {
        steps: vec![StepPlan {
            stage: plan.imports[&interface].clone(),
            interface,
            function: function.clone(),
            args: (0..function.params.len()).map(Arg::Param).collect(),
            on_err: None,
        }],
        ret: if function.result.is_some() {
            Return::Same
        } else {
            Return::Nothing
        },
        on_error: None,
    }
}

/// `cabi_realloc(old, old_size, align, new_size)`: a bump allocator that grows memory.
fn realloc() -> Function {
    use Instruction as I;
    let (old, old_size, align, new_size, ptr) = (0, 1, 2, 3, 4);
    let mut f = Function::new([(1, ValType::I32)]);
    for insn in [
        // ptr = (heap + align - 1) & -align
        I::GlobalGet(0),
        I::LocalGet(align),
        I::I32Add,
        I::I32Const(1),
        I::I32Sub,
        I::I32Const(0),
        I::LocalGet(align),
        I::I32Sub,
        I::I32And,
        I::LocalTee(ptr),
        I::LocalGet(new_size),
        I::I32Add,
        I::GlobalSet(0),
        // Grow to cover the new end; a failed grow traps.
        I::GlobalGet(0),
        I::MemorySize(0),
        I::I32Const(16),
        I::I32Shl,
        I::I32GtU,
        I::If(BlockType::Empty),
        I::GlobalGet(0),
        I::MemorySize(0),
        I::I32Const(16),
        I::I32Shl,
        I::I32Sub,
        I::I32Const(65535),
        I::I32Add,
        I::I32Const(16),
        I::I32ShrU,
        I::MemoryGrow(0),
        I::I32Const(-1),
        I::I32Eq,
        I::If(BlockType::Empty),
        I::Unreachable,
        I::End,
        I::End,
        // A reallocation keeps the old bytes.
        I::LocalGet(old),
        I::If(BlockType::Empty),
        I::LocalGet(ptr),
        I::LocalGet(old),
        I::LocalGet(old_size),
        I::LocalGet(new_size),
        I::LocalGet(old_size),
        I::LocalGet(new_size),
        I::I32LtU,
        I::Select,
        I::MemoryCopy {
            src_mem: 0,
            dst_mem: 0,
        },
        I::End,
        I::LocalGet(ptr),
        I::End,
    ] {
        f.instruction(&insn);
    }
    f
}

/// A function being emitted: its code and the locals it needs.
struct FuncBody {
    params: u32,
    locals: Vec<ValType>,
    code: Vec<Instruction<'static>>,
}

impl FuncBody {
    fn new(params: &[WasmType]) -> Self {
        FuncBody {
            params: params.len() as u32,
            locals: Vec::new(),
            code: Vec::new(),
        }
    }

    fn local(&mut self, ty: ValType) -> u32 {
        self.locals.push(ty);
        self.params + self.locals.len() as u32 - 1
    }

    fn push(&mut self, insn: Instruction<'static>) {
        self.code.push(insn);
    }
}

/// A value during a flow: in locals (flat), or in memory at a local's address plus an
/// offset (its canonical-ABI image).
#[derive(Clone)]
enum Place {
    Flat(Vec<u32>),
    Mem { addr: u32, offset: u32 },
}

struct Emitter<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    data: Data,
    types: IndexSet<(Vec<ValType>, Vec<ValType>)>,
    /// Imported functions: module, field, type index.
    imports: IndexSet<(String, String, u32)>,
    /// The function being emitted, `<interface>.<function>`, for names.
    current: String,
    /// The names of the functions a flow traps in, defined after the post-returns.
    traps: Vec<String>,
    /// The index of the first of them, counting from realloc.
    trap_base: u32,
}

impl Emitter<'_> {
    fn func_type(&mut self, params: &[WasmType], results: &[WasmType]) -> u32 {
        let key = (
            params.iter().map(|t| val_type(*t)).collect(),
            results.iter().map(|t| val_type(*t)).collect(),
        );
        self.types.insert_full(key).0 as u32
    }

    /// The index of the import of `function` of `interface`, added if new.
    fn import(&mut self, interface: InterfaceId, function: &WitFunction) -> u32 {
        let sig = self
            .resolve
            .wasm_signature(AbiVariant::GuestImport, function);
        let ty = self.func_type(&sig.params, &sig.results);
        let (module, field) = self.resolve.wasm_import_name(
            MANGLING,
            WasmImport::Func {
                interface: Some(&WorldKey::Interface(interface)),
                func: function,
            },
        );
        self.imports.insert_full((module, field, ty)).0 as u32
    }

    fn size(&self, ty: &Type) -> u32 {
        self.sizes.size(ty).size_wasm32() as u32
    }

    fn align(&self, ty: &Type) -> u32 {
        self.sizes.align(ty).align_wasm32() as u32
    }

    /// The flat core types of `ty`.
    fn flat(&self, ty: &Type) -> Vec<WasmType> {
        let mut storage = vec![WasmType::I32; 4096];
        let mut flat = FlatTypes::new(&mut storage);
        self.resolve.push_flat(ty, &mut flat);
        flat.to_vec()
    }

    /// The body of an exported function implemented by `flow`.
    fn flow(&mut self, f: &mut FuncBody, function: &WitFunction, flow: &FlowPlan) {
        let sig = self
            .resolve
            .wasm_signature(AbiVariant::GuestExport, function);
        let param_types: Vec<Type> = function.params.iter().map(|p| p.ty).collect();
        let params: Vec<Place> = if sig.indirect_params {
            self.sizes
                .field_offsets(&param_types)
                .into_iter()
                .map(|(offset, _)| Place::Mem {
                    addr: 0,
                    offset: offset.size_wasm32() as u32,
                })
                .collect()
        } else {
            let mut next = 0;
            param_types
                .iter()
                .map(|ty| {
                    let n = self.flat(ty).len() as u32;
                    let locals = (next..next + n).collect();
                    next += n;
                    Place::Flat(locals)
                })
                .collect()
        };
        let mut flowing: Option<(Type, Place)> =
            function.params.first().map(|p| (p.ty, params[0].clone()));

        for step in &flow.steps {
            let callee = self
                .resolve
                .wasm_signature(AbiVariant::GuestImport, &step.function);
            let index = self.import(step.interface, &step.function);
            let mut args = Vec::new();
            for (arg, param) in step.args.iter().zip(&step.function.params) {
                let place = match arg {
                    Arg::Flowing => flowing
                        .as_ref()
                        .map(|(_, p)| p.clone())
                        .expect("checked: a value flows in"),
                    Arg::Param(k) => params[*k].clone(),
                    Arg::Const(c) => {
                        let values = c.flat(self.resolve, &self.sizes, &mut self.data);
                        let locals = values
                            .iter()
                            .map(|v| {
                                let l = f.local(flat_val_type(v));
                                f.push(flat_const(v));
                                f.push(Instruction::LocalSet(l));
                                l
                            })
                            .collect();
                        Place::Flat(locals)
                    }
                };
                args.push((param.ty, place));
            }
            if callee.indirect_params {
                let types: Vec<Type> = step.function.params.iter().map(|p| p.ty).collect();
                let info = self.sizes.record(&types);
                let record = self.alloc(
                    f,
                    info.size.size_wasm32() as u32,
                    info.align.align_wasm32() as u32,
                );
                let offsets = self.sizes.field_offsets(&types);
                for ((ty, place), (offset, _)) in args.iter().zip(offsets) {
                    self.store(f, ty, place, record, offset.size_wasm32() as u32);
                }
                f.push(Instruction::LocalGet(record));
            } else {
                for (ty, place) in &args {
                    self.push_value(f, ty, place);
                }
            }
            let result = step.function.result;
            let value = match result {
                Some(ty) if callee.retptr => {
                    let area = self.alloc(f, self.size(&ty), self.align(&ty));
                    f.push(Instruction::LocalGet(area));
                    f.push(Instruction::Call(index));
                    Some((
                        ty,
                        Place::Mem {
                            addr: area,
                            offset: 0,
                        },
                    ))
                }
                Some(ty) => {
                    f.push(Instruction::Call(index));
                    let l = f.local(val_type(self.flat(&ty)[0]));
                    f.push(Instruction::LocalSet(l));
                    Some((ty, Place::Flat(vec![l])))
                }
                None => {
                    f.push(Instruction::Call(index));
                    None
                }
            };
            flowing = match (step.on_err, value) {
                (Some(exit), Some((ty, place))) => {
                    let written = format!("{}.{}", step.stage, step.function.name);
                    self.on_err(f, function, flow, &written, exit, &ty, &place, &sig);
                    let (ok, _) =
                        super::plan::result_cases(self.resolve, &ty).expect("checked: a result");
                    ok.map(|ok| {
                        let Place::Mem { addr, offset } = place else {
                            unreachable!("a result with a payload is not flat-1")
                        };
                        (
                            ok,
                            Place::Mem {
                                addr,
                                offset: offset + self.payload_offset(&ty),
                            },
                        )
                    })
                }
                (_, value) => value,
            };
        }
        self.ret(f, function, flow.ret, flowing, sig.retptr);
    }

    /// Leaves the flow when the result of a step at `place` is an error.
    #[allow(clippy::too_many_arguments)]
    fn on_err(
        &mut self,
        f: &mut FuncBody,
        function: &WitFunction,
        flow: &FlowPlan,
        step: &str,
        exit: ErrorExit,
        ty: &Type,
        place: &Place,
        sig: &WasmSignature,
    ) {
        match place {
            Place::Flat(locals) => f.push(Instruction::LocalGet(locals[0])),
            Place::Mem { addr, offset } => {
                f.push(Instruction::LocalGet(*addr));
                f.push(Instruction::I32Load8U(mem_arg(*offset, 0)));
            }
        }
        f.push(Instruction::If(BlockType::Empty));
        match exit {
            ErrorExit::Trap => {
                let index = self.imports.len() as u32 + self.trap_base + self.traps.len() as u32;
                self.traps.push(format!(
                    "error: `{step}` failed, and the flow `{}` cannot return its error (give the flow `on-error:`)",
                    self.current
                ));
                f.push(Instruction::Call(index));
                f.push(Instruction::Unreachable);
            }
            ErrorExit::OnError => {
                let c = flow.on_error.as_ref().expect("checked: on-error given");
                if sig.retptr {
                    let at = c.image(self.resolve, &self.sizes, &mut self.data);
                    f.push(Instruction::I32Const(at as i32));
                } else {
                    for v in c.flat(self.resolve, &self.sizes, &mut self.data) {
                        f.push(flat_const(&v));
                    }
                }
                f.push(Instruction::Return);
            }
            ErrorExit::Propagate => {
                let result = function.result.expect("checked: the flow returns a result");
                if sig.retptr {
                    let area = self.alloc(f, self.size(&result), self.align(&result));
                    f.push(Instruction::LocalGet(area));
                    f.push(Instruction::I32Const(1));
                    f.push(Instruction::I32Store8(mem_arg(0, 0)));
                    let (_, err) = super::plan::result_cases(self.resolve, ty).expect("a result");
                    if let (Some(err), Place::Mem { addr, offset }) = (err, place) {
                        f.push(Instruction::LocalGet(area));
                        f.push(Instruction::I32Const(self.payload_offset(&result) as i32));
                        f.push(Instruction::I32Add);
                        f.push(Instruction::LocalGet(*addr));
                        f.push(Instruction::I32Const(
                            (offset + self.payload_offset(ty)) as i32,
                        ));
                        f.push(Instruction::I32Add);
                        f.push(Instruction::I32Const(self.size(&err) as i32));
                        f.push(Instruction::MemoryCopy {
                            src_mem: 0,
                            dst_mem: 0,
                        });
                    }
                    f.push(Instruction::LocalGet(area));
                } else {
                    f.push(Instruction::I32Const(1));
                }
                f.push(Instruction::Return);
            }
        }
        f.push(Instruction::End);
    }

    /// Returns the last value as the flow's result.
    fn ret(
        &mut self,
        f: &mut FuncBody,
        function: &WitFunction,
        ret: Return,
        value: Option<(Type, Place)>,
        retptr: bool,
    ) {
        let Some(result) = function.result else {
            return;
        };
        match ret {
            Return::Nothing => {}
            Return::Same => {
                let (ty, place) = value.expect("checked: a value to return");
                match (retptr, &place) {
                    (false, _) => self.push_value(f, &ty, &place),
                    (true, Place::Mem { addr, offset }) => {
                        f.push(Instruction::LocalGet(*addr));
                        if *offset != 0 {
                            f.push(Instruction::I32Const(*offset as i32));
                            f.push(Instruction::I32Add);
                        }
                    }
                    (true, Place::Flat(_)) => {
                        let area = self.alloc(f, self.size(&ty), self.align(&ty));
                        self.store(f, &ty, &place, area, 0);
                        f.push(Instruction::LocalGet(area));
                    }
                }
            }
            Return::Ok | Return::Some => {
                let discriminant = if ret == Return::Ok { 0 } else { 1 };
                if !retptr {
                    // Only a result without payloads is one flat value.
                    f.push(Instruction::I32Const(discriminant));
                    return;
                }
                let area = self.alloc(f, self.size(&result), self.align(&result));
                f.push(Instruction::LocalGet(area));
                f.push(Instruction::I32Const(discriminant));
                f.push(Instruction::I32Store8(mem_arg(0, 0)));
                if let Some((ty, place)) = value {
                    let offset = self.payload_offset(&result);
                    self.store(f, &ty, &place, area, offset);
                }
                f.push(Instruction::LocalGet(area));
            }
        }
    }

    /// Where the payload of variant-like `ty` starts.
    fn payload_offset(&self, ty: &Type) -> u32 {
        let kind = super::plan::kind(self.resolve, ty).expect("a variant-like type");
        let offset = match kind {
            TypeDefKind::Result(r) => self
                .sizes
                .payload_offset(Int::U8, [r.ok.as_ref(), r.err.as_ref()]),
            TypeDefKind::Option(t) => self.sizes.payload_offset(Int::U8, [None, Some(t)]),
            TypeDefKind::Variant(v) => self
                .sizes
                .payload_offset(v.tag(), v.cases.iter().map(|c| c.ty.as_ref())),
            _ => unreachable!("not variant-like"),
        };
        offset.size_wasm32() as u32
    }

    /// Allocates `size` bytes aligned to `align`; the address is in the returned local.
    fn alloc(&mut self, f: &mut FuncBody, size: u32, align: u32) -> u32 {
        let local = f.local(ValType::I32);
        f.push(Instruction::I32Const(0));
        f.push(Instruction::I32Const(0));
        f.push(Instruction::I32Const(align.max(1) as i32));
        f.push(Instruction::I32Const(size as i32));
        f.push(Instruction::Call(self.imports.len() as u32));
        f.push(Instruction::LocalSet(local));
        local
    }

    /// Pushes the flat values of a value of type `ty` at `place`.
    fn push_value(&mut self, f: &mut FuncBody, ty: &Type, place: &Place) {
        match place {
            Place::Flat(locals) => {
                for l in locals {
                    f.push(Instruction::LocalGet(*l));
                }
            }
            Place::Mem { addr, offset } => self.load_flat(f, ty, *addr, *offset),
        }
    }

    /// Writes a value of type `ty` at `place` into memory at local `dst` + `offset`.
    fn store(&mut self, f: &mut FuncBody, ty: &Type, place: &Place, dst: u32, offset: u32) {
        match place {
            Place::Flat(locals) => {
                self.store_flat(f, ty, locals, dst, offset);
            }
            Place::Mem { addr, offset: from } => {
                f.push(Instruction::LocalGet(dst));
                f.push(Instruction::I32Const(offset as i32));
                f.push(Instruction::I32Add);
                f.push(Instruction::LocalGet(*addr));
                f.push(Instruction::I32Const(*from as i32));
                f.push(Instruction::I32Add);
                f.push(Instruction::I32Const(self.size(ty) as i32));
                f.push(Instruction::MemoryCopy {
                    src_mem: 0,
                    dst_mem: 0,
                });
            }
        }
    }

    /// Pushes the flat values of the value of type `ty` in memory at `addr` + `offset`
    /// (the canonical ABI's "load" followed by "lower_flat").
    fn load_flat(&mut self, f: &mut FuncBody, ty: &Type, addr: u32, offset: u32) {
        use Instruction as I;
        let load =
            |f: &mut FuncBody, insn: fn(MemArg) -> Instruction<'static>, at: u32, align: u32| {
                f.push(I::LocalGet(addr));
                f.push(insn(mem_arg(at, align)));
            };
        let kind = match ty {
            Type::Bool | Type::U8 => return load(f, I::I32Load8U, offset, 0),
            Type::S8 => return load(f, I::I32Load8S, offset, 0),
            Type::U16 => return load(f, I::I32Load16U, offset, 1),
            Type::S16 => return load(f, I::I32Load16S, offset, 1),
            Type::U32 | Type::S32 | Type::Char | Type::ErrorContext => {
                return load(f, I::I32Load, offset, 2);
            }
            Type::U64 | Type::S64 => return load(f, I::I64Load, offset, 3),
            Type::F32 => return load(f, I::F32Load, offset, 2),
            Type::F64 => return load(f, I::F64Load, offset, 3),
            Type::String => {
                load(f, I::I32Load, offset, 2);
                return load(f, I::I32Load, offset + 4, 2);
            }
            Type::Id(id) => &self.resolve.types[*id].kind,
        };
        match kind {
            TypeDefKind::Type(t) => self.load_flat(f, t, addr, offset),
            TypeDefKind::Record(r) => {
                let types: Vec<Type> = r.fields.iter().map(|f| f.ty).collect();
                self.load_fields(f, &types, addr, offset);
            }
            TypeDefKind::Tuple(t) => {
                let types = t.types.clone();
                self.load_fields(f, &types, addr, offset);
            }
            TypeDefKind::FixedLengthList(t, n) => {
                let types = vec![*t; *n as usize];
                self.load_fields(f, &types, addr, offset);
            }
            TypeDefKind::List(_) | TypeDefKind::Map(..) => {
                load(f, I::I32Load, offset, 2);
                load(f, I::I32Load, offset + 4, 2);
            }
            TypeDefKind::Handle(_) | TypeDefKind::Future(_) | TypeDefKind::Stream(_) => {
                load(f, I::I32Load, offset, 2);
            }
            TypeDefKind::Flags(flags) => match flags.repr() {
                FlagsRepr::U8 => load(f, I::I32Load8U, offset, 0),
                FlagsRepr::U16 => load(f, I::I32Load16U, offset, 1),
                FlagsRepr::U32(n) => {
                    for k in 0..n as u32 {
                        load(f, I::I32Load, offset + 4 * k, 2);
                    }
                }
            },
            TypeDefKind::Enum(e) => load_tag(f, e.tag(), addr, offset),
            TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                let (tag, cases) = variant_cases(kind);
                let joined = self.flat(ty)[1..].to_vec();
                let discriminant = f.local(ValType::I32);
                load_tag(f, tag, addr, offset);
                f.push(I::LocalSet(discriminant));
                let slots: Vec<u32> = joined.iter().map(|t| f.local(val_type(*t))).collect();
                let payload = offset + self.payload_offset(ty);
                for (c, case) in cases.iter().enumerate() {
                    let Some(case) = case else { continue };
                    f.push(I::LocalGet(discriminant));
                    f.push(I::I32Const(c as i32));
                    f.push(I::I32Eq);
                    f.push(I::If(BlockType::Empty));
                    self.load_flat(f, case, addr, payload);
                    let own = self.flat(case);
                    for k in (0..own.len()).rev() {
                        widen(f, own[k], joined[k]);
                        f.push(I::LocalSet(slots[k]));
                    }
                    f.push(I::End);
                }
                f.push(I::LocalGet(discriminant));
                for s in slots {
                    f.push(I::LocalGet(s));
                }
            }
            TypeDefKind::Resource | TypeDefKind::Unknown => {
                unreachable!("checked: no resources by value")
            }
        }
    }

    fn load_fields(&mut self, f: &mut FuncBody, types: &[Type], addr: u32, offset: u32) {
        for (at, ty) in self.sizes.field_offsets(types) {
            self.load_flat(f, ty, addr, offset + at.size_wasm32() as u32);
        }
    }

    /// Writes the value of type `ty` whose flat values are in `locals` into memory at
    /// local `dst` + `offset` (the canonical ABI's "lift_flat" followed by "store").
    fn store_flat(&mut self, f: &mut FuncBody, ty: &Type, locals: &[u32], dst: u32, offset: u32) {
        use Instruction as I;
        let store = |f: &mut FuncBody,
                     insn: fn(MemArg) -> Instruction<'static>,
                     value: u32,
                     at: u32,
                     align: u32| {
            f.push(I::LocalGet(dst));
            f.push(I::LocalGet(value));
            f.push(insn(mem_arg(at, align)));
        };
        let kind = match ty {
            Type::Bool | Type::U8 | Type::S8 => {
                return store(f, I::I32Store8, locals[0], offset, 0);
            }
            Type::U16 | Type::S16 => return store(f, I::I32Store16, locals[0], offset, 1),
            Type::U32 | Type::S32 | Type::Char | Type::ErrorContext => {
                return store(f, I::I32Store, locals[0], offset, 2);
            }
            Type::U64 | Type::S64 => return store(f, I::I64Store, locals[0], offset, 3),
            Type::F32 => return store(f, I::F32Store, locals[0], offset, 2),
            Type::F64 => return store(f, I::F64Store, locals[0], offset, 3),
            Type::String => {
                store(f, I::I32Store, locals[0], offset, 2);
                return store(f, I::I32Store, locals[1], offset + 4, 2);
            }
            Type::Id(id) => &self.resolve.types[*id].kind,
        };
        match kind {
            TypeDefKind::Type(t) => self.store_flat(f, t, locals, dst, offset),
            TypeDefKind::Record(r) => {
                let types: Vec<Type> = r.fields.iter().map(|f| f.ty).collect();
                self.store_fields(f, &types, locals, dst, offset);
            }
            TypeDefKind::Tuple(t) => {
                let types = t.types.clone();
                self.store_fields(f, &types, locals, dst, offset);
            }
            TypeDefKind::FixedLengthList(t, n) => {
                let types = vec![*t; *n as usize];
                self.store_fields(f, &types, locals, dst, offset);
            }
            TypeDefKind::List(_) | TypeDefKind::Map(..) => {
                store(f, I::I32Store, locals[0], offset, 2);
                store(f, I::I32Store, locals[1], offset + 4, 2);
            }
            TypeDefKind::Handle(_) | TypeDefKind::Future(_) | TypeDefKind::Stream(_) => {
                store(f, I::I32Store, locals[0], offset, 2);
            }
            TypeDefKind::Flags(flags) => match flags.repr() {
                FlagsRepr::U8 => store(f, I::I32Store8, locals[0], offset, 0),
                FlagsRepr::U16 => store(f, I::I32Store16, locals[0], offset, 1),
                FlagsRepr::U32(n) => {
                    for (k, local) in locals[..n].iter().enumerate() {
                        store(f, I::I32Store, *local, offset + 4 * k as u32, 2);
                    }
                }
            },
            TypeDefKind::Enum(e) => store_tag(f, e.tag(), locals[0], dst, offset),
            TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                let (tag, cases) = variant_cases(kind);
                let joined = self.flat(ty)[1..].to_vec();
                let discriminant = locals[0];
                store_tag(f, tag, discriminant, dst, offset);
                let payload = offset + self.payload_offset(ty);
                for (c, case) in cases.iter().enumerate() {
                    let Some(case) = case else { continue };
                    f.push(I::LocalGet(discriminant));
                    f.push(I::I32Const(c as i32));
                    f.push(I::I32Eq);
                    f.push(I::If(BlockType::Empty));
                    let own = self.flat(case);
                    let narrowed: Vec<u32> = own
                        .iter()
                        .enumerate()
                        .map(|(k, t)| {
                            let l = f.local(val_type(*t));
                            f.push(I::LocalGet(locals[1 + k]));
                            narrow(f, joined[k], *t);
                            f.push(I::LocalSet(l));
                            l
                        })
                        .collect();
                    self.store_flat(f, case, &narrowed, dst, payload);
                    f.push(I::End);
                }
            }
            TypeDefKind::Resource | TypeDefKind::Unknown => {
                unreachable!("checked: no resources by value")
            }
        }
    }

    fn store_fields(
        &mut self,
        f: &mut FuncBody,
        types: &[Type],
        locals: &[u32],
        dst: u32,
        offset: u32,
    ) {
        let mut next = 0;
        for (at, ty) in self.sizes.field_offsets(types) {
            let n = self.flat(ty).len();
            self.store_flat(
                f,
                ty,
                &locals[next..next + n],
                dst,
                offset + at.size_wasm32() as u32,
            );
            next += n;
        }
    }
}

/// The discriminant type and case payloads of a variant, option or result.
fn variant_cases(kind: &TypeDefKind) -> (Int, Vec<Option<Type>>) {
    match kind {
        TypeDefKind::Variant(v) => (v.tag(), v.cases.iter().map(|c| c.ty).collect()),
        TypeDefKind::Option(t) => (Int::U8, vec![None, Some(*t)]),
        TypeDefKind::Result(r) => (Int::U8, vec![r.ok, r.err]),
        _ => unreachable!("not variant-like"),
    }
}

fn load_tag(f: &mut FuncBody, tag: Int, addr: u32, offset: u32) {
    f.push(Instruction::LocalGet(addr));
    f.push(match tag {
        Int::U8 => Instruction::I32Load8U(mem_arg(offset, 0)),
        Int::U16 => Instruction::I32Load16U(mem_arg(offset, 1)),
        Int::U32 | Int::U64 => Instruction::I32Load(mem_arg(offset, 2)),
    });
}

fn store_tag(f: &mut FuncBody, tag: Int, value: u32, dst: u32, offset: u32) {
    f.push(Instruction::LocalGet(dst));
    f.push(Instruction::LocalGet(value));
    f.push(match tag {
        Int::U8 => Instruction::I32Store8(mem_arg(offset, 0)),
        Int::U16 => Instruction::I32Store16(mem_arg(offset, 1)),
        Int::U32 | Int::U64 => Instruction::I32Store(mem_arg(offset, 2)),
    });
}

/// Converts the value on the stack from a case's flat type to the joined type.
fn widen(f: &mut FuncBody, from: WasmType, to: WasmType) {
    use Instruction as I;
    match (val_type(from), val_type(to)) {
        (a, b) if a == b => {}
        (ValType::F32, ValType::I32) => f.push(I::I32ReinterpretF32),
        (ValType::I32, ValType::I64) => f.push(I::I64ExtendI32U),
        (ValType::F32, ValType::I64) => {
            f.push(I::I32ReinterpretF32);
            f.push(I::I64ExtendI32U);
        }
        (ValType::F64, ValType::I64) => f.push(I::I64ReinterpretF64),
        (a, b) => unreachable!("no join from {a:?} to {b:?}"),
    }
}

/// Converts the value on the stack from the joined flat type back to a case's type.
fn narrow(f: &mut FuncBody, from: WasmType, to: WasmType) {
    use Instruction as I;
    match (val_type(from), val_type(to)) {
        (a, b) if a == b => {}
        (ValType::I32, ValType::F32) => f.push(I::F32ReinterpretI32),
        (ValType::I64, ValType::I32) => f.push(I::I32WrapI64),
        (ValType::I64, ValType::F32) => {
            f.push(I::I32WrapI64);
            f.push(I::F32ReinterpretI32);
        }
        (ValType::I64, ValType::F64) => f.push(I::F64ReinterpretI64),
        (a, b) => unreachable!("no join from {a:?} to {b:?}"),
    }
}

fn mem_arg(offset: u32, align: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align,
        memory_index: 0,
    }
}

fn val_type(t: WasmType) -> ValType {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
        WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
        WasmType::F32 => ValType::F32,
        WasmType::F64 => ValType::F64,
    }
}

fn flat_val_type(v: &Flat) -> ValType {
    match v {
        Flat::I32(_) => ValType::I32,
        Flat::I64(_) => ValType::I64,
        Flat::F32(_) => ValType::F32,
        Flat::F64(_) => ValType::F64,
    }
}

fn flat_const(v: &Flat) -> Instruction<'static> {
    match *v {
        Flat::I32(x) => Instruction::I32Const(x),
        Flat::I64(x) => Instruction::I64Const(x),
        Flat::F32(x) => Instruction::F32Const(x.into()),
        Flat::F64(x) => Instruction::F64Const(x.into()),
    }
}
