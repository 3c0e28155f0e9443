//! Imports lowered straight into a stage's memory, without wit-component's indirection.
//!
//! An import that passes a string or writes its result through a pointer is lowered
//! with the stage's memory, which exists only once the stage's module is instantiated,
//! and that module needs its imports first. wit-component breaks the cycle with a
//! `shim` module (a table and one `call_indirect` per such import) instantiated first,
//! and a `fixup` module instantiated last that writes the lowered functions into the
//! shim's table: three core instances per stage, and a function reference made per
//! table entry at every instantiation (BENCHMARKS.md, "Why Rust-only stays above
//! 10 µs").
//!
//! Weld breaks the cycle the other way round: the memory is defined by a module
//! instantiated first, with the stage's data segments (so it keeps its copy-on-write
//! image) and the fixup module's own functions (the refusals of
//! [`crate::guard::inline`]); the stage's module imports that memory; the imports are
//! lowered straight into it. An import that returns a list or a string also needs the
//! stage's `cabi_realloc`: the memory's module then has a one-entry table and a
//! `realloc` that calls through it, and the stage's module fills that table with its
//! allocator by an element segment. Two core instances instead of three.
//!
//! The stage's code keeps every instruction at its offset, so the DWARF of
//! `weld compose --debug` still points at it: it is copied byte for byte, or, when the
//! allocator's table is imported ahead of the stage's own, with each `call_indirect`'s
//! table immediate patched in place.
//!
//! Anything not shaped as expected leaves the component as it is (the stage then
//! instantiates as before), and a result that does not validate is never used.

use std::collections::HashMap;
use std::ops::Range;

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, ReencodeComponent};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentTypeRef,
    ExternalKind, Instance, Operator, Parser, Payload, TypeRef,
};

use crate::component::{CoreInstance, top_level_payloads, usize_range};

/// The name under which the stage's module imports its memory, as an instantiation
/// argument and as the import's module name.
const MEMORY_ARG: &str = "weld:memory";
/// The name of the stage's memory on the module that defines it.
const MEMORY: &str = "memory";
/// wit-component's name for the shim's table.
const TABLE: &str = "$imports";

/// `component` with its imports lowered straight into its memory, or `None` when it
/// does not have the shape this needs (nothing to do, or not what wit-component makes).
pub fn lower_directly(component: &[u8]) -> Option<Vec<u8>> {
    let payloads = top_level_payloads(component).ok()?;
    let spaces = Spaces::of(component, &payloads)?;
    let plan = Plan::of(component, &spaces)?;
    let bytes = rewrite(component, &payloads, &plan)?;
    crate::component::validate(&bytes).ok()?;
    Some(bytes)
}

/// What a top-level core function is.
#[derive(Debug, Clone)]
enum CoreFunc {
    Alias {
        instance: u32,
        name: String,
    },
    Lower {
        func: u32,
        options: Vec<CanonicalOption>,
    },
    Other,
}

/// A module's instantiation arguments: (name, core instance).
type ModuleArgs = [(String, u32)];

/// The top level's index spaces, as far as the rewrite needs them.
#[derive(Debug, Default)]
struct Spaces {
    /// Core modules defined here (their bytes' range), or imported/aliased (`None`).
    modules: Vec<Option<Range<usize>>>,
    core_instances: Vec<CoreInstance>,
    core_funcs: Vec<CoreFunc>,
    /// Core memories and tables: aliased (instance, export name), or something else.
    memories: Vec<Option<(u32, String)>>,
    tables: Vec<Option<(u32, String)>>,
    /// Component functions: aliased from a component instance (instance, name), or not.
    funcs: Vec<Option<(u32, String)>>,
    /// How many component instances existed when each core instance was made.
    instances_before: Vec<u32>,
    /// A nested component aliases an outer core module (whose index could move).
    outer_module_alias: bool,
}

impl Spaces {
    fn of(component: &[u8], payloads: &[Payload<'_>]) -> Option<Self> {
        let mut s = Spaces::default();
        let mut instances = 0u32;
        for payload in payloads {
            match payload {
                Payload::Version { .. } | Payload::End(_) => {}
                Payload::ModuleSection {
                    unchecked_range, ..
                } => s.modules.push(Some(usize_range(unchecked_range.clone()))),
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    s.outer_module_alias |=
                        aliases_outer_modules(&component[usize_range(unchecked_range.clone())])?;
                }
                Payload::CoreTypeSection(_) | Payload::ComponentTypeSection(_) => {}
                Payload::CustomSection(_) => {}
                Payload::ComponentImportSection(reader) => {
                    for import in reader.clone() {
                        match import.ok()?.ty {
                            ComponentTypeRef::Instance(_) => instances += 1,
                            ComponentTypeRef::Func(_) => s.funcs.push(None),
                            ComponentTypeRef::Module(_) => s.modules.push(None),
                            _ => {}
                        }
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader.clone() {
                        match alias.ok()? {
                            ComponentAlias::InstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => match kind {
                                ComponentExternalKind::Func => {
                                    s.funcs.push(Some((instance_index, name.to_string())));
                                }
                                ComponentExternalKind::Instance => instances += 1,
                                ComponentExternalKind::Module => s.modules.push(None),
                                _ => {}
                            },
                            ComponentAlias::CoreInstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => {
                                let alias = (instance_index, name.to_string());
                                match kind {
                                    ExternalKind::Func | ExternalKind::FuncExact => {
                                        s.core_funcs.push(CoreFunc::Alias {
                                            instance: alias.0,
                                            name: alias.1,
                                        });
                                    }
                                    ExternalKind::Memory => s.memories.push(Some(alias)),
                                    ExternalKind::Table => s.tables.push(Some(alias)),
                                    _ => {}
                                }
                            }
                            ComponentAlias::Outer { kind, .. } => {
                                if kind == wasmparser::ComponentOuterAliasKind::CoreModule {
                                    s.modules.push(None);
                                }
                            }
                        }
                    }
                }
                Payload::ComponentCanonicalSection(reader) => {
                    for func in reader.clone() {
                        match func.ok()? {
                            CanonicalFunction::Lift { .. } => s.funcs.push(None),
                            CanonicalFunction::Lower {
                                func_index,
                                options,
                            } => s.core_funcs.push(CoreFunc::Lower {
                                func: func_index,
                                options: options.to_vec(),
                            }),
                            _ => s.core_funcs.push(CoreFunc::Other),
                        }
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader.clone() {
                        s.instances_before.push(instances);
                        s.core_instances.push(CoreInstance::from(instance.ok()?));
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    instances += reader.count();
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader.clone() {
                        match export.ok()?.kind {
                            ComponentExternalKind::Func => s.funcs.push(None),
                            ComponentExternalKind::Instance => instances += 1,
                            ComponentExternalKind::Module => s.modules.push(None),
                            _ => {}
                        }
                    }
                }
                // Start functions, values, anything newer: not wit-component's shape.
                _ => return None,
            }
        }
        Some(s)
    }

    fn module_bytes<'a>(&self, component: &'a [u8], module: u32) -> Option<&'a [u8]> {
        let range = self.modules.get(module as usize)?.clone()?;
        component.get(range)
    }

    fn instantiations_of(&self, module: u32) -> usize {
        self.core_instances
            .iter()
            .filter(|i| matches!(i, CoreInstance::Instantiate { module: m, .. } if *m == module))
            .count()
    }
}

/// Whether a nested component (at any depth) aliases a core module of an outer one.
fn aliases_outer_modules(component: &[u8]) -> Option<bool> {
    for payload in Parser::new(0).parse_all(component) {
        if let Payload::ComponentAliasSection(reader) = payload.ok()? {
            for alias in reader {
                if matches!(
                    alias.ok()?,
                    ComponentAlias::Outer {
                        kind: wasmparser::ComponentOuterAliasKind::CoreModule,
                        ..
                    }
                ) {
                    return Some(true);
                }
            }
        }
    }
    Some(false)
}

/// What fills one slot of the shim's table.
#[derive(Debug, Clone)]
enum Slot {
    /// A function lowered from the component function aliased as `alias`, with this
    /// string encoding, and with the stage's `cabi_realloc` if `realloc`.
    Lowered {
        alias: (u32, String),
        encoding: Option<CanonicalOption>,
        realloc: bool,
    },
    /// The fixup module's own function of this index among its defined functions.
    Own(u32),
}

/// The rewrite, decided.
struct Plan {
    /// Module and instance indices of the shim, the stage's module and the fixup.
    shim_module: u32,
    shim_instance: u32,
    main_module: u32,
    main_instance: u32,
    fixup_module: u32,
    fixup_instance: u32,
    /// The bags of exports the fixup module is instantiated with (removed with it).
    bags: Vec<u32>,
    /// The lowered functions the bags hand on (removed with them).
    lowered: Vec<u32>,
    /// The shim's export names, each with what fills its slot.
    slots: HashMap<String, Slot>,
    /// The module that defines the memory, in place of the shim.
    memory_module: Vec<u8>,
    /// The stage's module, importing its memory.
    main: Vec<u8>,
}

impl Plan {
    /// Whether a lowering needs the stage's allocator (the memory's module then
    /// exports [`REALLOC`]).
    fn needs_realloc(&self) -> bool {
        self.slots
            .values()
            .any(|slot| matches!(slot, Slot::Lowered { realloc: true, .. }))
    }

    fn of(component: &[u8], s: &Spaces) -> Option<Self> {
        // The shim: a module instantiated with nothing, which only calls through its
        // table.
        let shims: Vec<(u32, u32, ShimModule)> = s
            .core_instances
            .iter()
            .enumerate()
            .filter_map(|(index, instance)| match instance {
                CoreInstance::Instantiate { module, args } if args.is_empty() => {
                    let shim = ShimModule::parse(s.module_bytes(component, *module)?)?;
                    Some((index as u32, *module, shim))
                }
                _ => None,
            })
            .collect();
        let [(shim_instance, shim_module, shim)] = <[_; 1]>::try_from(shims).ok()?;
        // The fixup: instantiated with the shim's table, from the shim itself
        // (wit-component 0.262) or through a bag of exports (0.245).
        let hands_table = |instance: u32| match s.core_instances.get(instance as usize) {
            _ if instance == shim_instance => true,
            Some(CoreInstance::FromExports(exports)) => exports.iter().any(|(name, kind, i)| {
                name == TABLE
                    && *kind == ExternalKind::Table
                    && s.tables.get(*i as usize).cloned().flatten()
                        == Some((shim_instance, TABLE.to_string()))
            }),
            _ => false,
        };
        let fixups: Vec<(u32, u32, &ModuleArgs)> = s
            .core_instances
            .iter()
            .enumerate()
            .filter_map(|(index, instance)| match instance {
                CoreInstance::Instantiate { module, args }
                    if args.iter().any(|(_, i)| hands_table(*i)) =>
                {
                    Some((index as u32, *module, args.as_slice()))
                }
                _ => None,
            })
            .collect();
        let [(fixup_instance, fixup_module, fixup_args)] = fixups.as_slice() else {
            return None;
        };
        let fixup = FixupModule::parse(s.module_bytes(component, *fixup_module)?)?;

        // What each bag hands on: lowered functions, all into one memory of the
        // stage's module, none needing its `cabi_realloc`; the table; the memory.
        let mut bags = Vec::new();
        let mut memory: Option<(u32, String)> = None;
        let mut same_memory = |alias: (u32, String)| {
            let same = memory.as_ref().is_none_or(|seen| *seen == alias);
            memory = Some(alias);
            same
        };
        let mut lowered = Vec::new();
        // The stage's allocator, as the lowerings that need it name it.
        let mut realloc_alias: Option<(u32, String)> = None;
        let mut by_import: HashMap<(&str, &str), Slot> = HashMap::new();
        for (arg, bag) in fixup_args.iter() {
            if *bag == shim_instance {
                continue;
            }
            let CoreInstance::FromExports(exports) = s.core_instances.get(*bag as usize)? else {
                return None;
            };
            bags.push(*bag);
            for (name, kind, index) in exports {
                match kind {
                    ExternalKind::Func | ExternalKind::FuncExact => {
                        let CoreFunc::Lower { func, options } =
                            s.core_funcs.get(*index as usize)?
                        else {
                            return None;
                        };
                        let mut encoding = None;
                        let mut realloc = false;
                        for option in options {
                            match option {
                                CanonicalOption::Memory(m) => {
                                    if !same_memory(s.memories.get(*m as usize)?.clone()?) {
                                        return None;
                                    }
                                }
                                CanonicalOption::UTF8
                                | CanonicalOption::UTF16
                                | CanonicalOption::CompactUTF16 => encoding = Some(*option),
                                CanonicalOption::Realloc(f) => {
                                    let CoreFunc::Alias { instance, name } =
                                        s.core_funcs.get(*f as usize)?
                                    else {
                                        return None;
                                    };
                                    let alias = (*instance, name.clone());
                                    if realloc_alias.as_ref().is_some_and(|seen| *seen != alias) {
                                        return None;
                                    }
                                    realloc_alias = Some(alias);
                                    realloc = true;
                                }
                                _ => return None,
                            }
                        }
                        let alias = s.funcs.get(*func as usize)?.clone()?;
                        lowered.push(*index);
                        by_import.insert(
                            (arg, name),
                            Slot::Lowered {
                                alias,
                                encoding,
                                realloc,
                            },
                        );
                    }
                    ExternalKind::Table if hands_table(*bag) => {}
                    ExternalKind::Memory => {
                        if !same_memory(s.memories.get(*index as usize)?.clone()?) {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
        }
        let (main_instance, memory_name) = memory?;
        if memory_name != MEMORY {
            return None;
        }
        let CoreInstance::Instantiate {
            module: main_module,
            args: main_args,
        } = s.core_instances.get(main_instance as usize)?
        else {
            return None;
        };
        if main_args.iter().any(|(name, _)| name == MEMORY_ARG) {
            return None;
        }
        // Each of the three made once, in the order that lets the memory come first.
        let (main_module, fixup_module) = (*main_module, *fixup_module);
        if [shim_module, main_module, fixup_module]
            .iter()
            .any(|m| s.instantiations_of(*m) != 1)
            || !(shim_instance < main_instance && main_instance < *fixup_instance)
            || shim_module == main_module
            || (s.outer_module_alias && fixup_module + 1 < s.modules.len() as u32)
        {
            return None;
        }
        // The lowered functions' component functions must exist before the shim does
        // (they are imports' exports).
        let before = s.instances_before[shim_instance as usize];
        for slot in by_import.values() {
            if let Slot::Lowered { alias, .. } = slot
                && alias.0 >= before
            {
                return None;
            }
        }

        // Every slot of the shim, filled by the fixup.
        let mut slots = HashMap::new();
        for (name, slot) in &shim.slots {
            let filled = *fixup.table.get(slot)?;
            let slot = match fixup.imports.get(filled as usize) {
                Some((arg, import)) => by_import.get(&(arg.as_str(), import.as_str()))?.clone(),
                None => Slot::Own(filled - fixup.imports.len() as u32),
            };
            slots.insert(name.clone(), slot);
        }

        let main = MainModule::parse(s.module_bytes(component, main_module)?)?;
        // The allocator is the stage module's own export.
        let realloc = match realloc_alias {
            Some((instance, name)) if instance == main_instance => {
                Some(*main.functions.get(&name)?)
            }
            Some(_) => return None,
            None => None,
        };
        let memory_module = memory_module(&fixup, &main, &slots, realloc.is_some())?;
        let main = main.importing_memory(realloc)?;
        Some(Plan {
            shim_module,
            shim_instance,
            main_module,
            main_instance,
            fixup_module,
            fixup_instance: *fixup_instance,
            bags,
            lowered,
            slots,
            memory_module,
            main,
        })
    }
}

/// wit-component's shim: each export calls one slot of the table.
struct ShimModule {
    /// Export name -> slot.
    slots: HashMap<String, u32>,
}

impl ShimModule {
    fn parse(module: &[u8]) -> Option<Self> {
        let mut exports = Vec::new();
        let mut targets = Vec::new();
        for payload in Parser::new(0).parse_all(module) {
            match payload.ok()? {
                Payload::ImportSection(_)
                | Payload::MemorySection(_)
                | Payload::StartSection { .. } => {
                    return None;
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.ok()?;
                        match export.kind {
                            ExternalKind::Func => {
                                exports.push((export.name.to_string(), export.index))
                            }
                            ExternalKind::Table if export.name == TABLE => {}
                            _ => return None,
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    // `local.get`s, the slot, `call_indirect` on table 0, and nothing else.
                    let mut slot = None;
                    let mut called = false;
                    for op in body.get_operators_reader().ok()? {
                        match op.ok()? {
                            Operator::LocalGet { .. } if slot.is_none() => {}
                            Operator::I32Const { value } if slot.is_none() => {
                                slot = Some(u32::try_from(value).ok()?);
                            }
                            Operator::CallIndirect { table_index: 0, .. }
                                if slot.is_some() && !called =>
                            {
                                called = true;
                            }
                            Operator::End if called => {}
                            _ => return None,
                        }
                    }
                    targets.push(slot?);
                }
                _ => {}
            }
        }
        let slots = exports
            .into_iter()
            .map(|(name, func)| Some((name, *targets.get(func as usize)?)))
            .collect::<Option<_>>()?;
        Some(Self { slots })
    }
}

/// wit-component's fixup module, possibly with Weld's refusals as its own functions.
struct FixupModule<'a> {
    /// Its function imports (module, name), in order.
    imports: Vec<(String, String)>,
    /// Slot -> function index.
    table: HashMap<u32, u32>,
    types: Option<Range<usize>>,
    /// Its own functions' type indices and bodies.
    functions: Vec<u32>,
    bodies: Vec<wasmparser::FunctionBody<'a>>,
    /// The module name and function names of its `name` section.
    module_name: Option<String>,
    function_names: Vec<(u32, String)>,
    module: &'a [u8],
}

impl<'a> FixupModule<'a> {
    fn parse(module: &'a [u8]) -> Option<Self> {
        let mut f = FixupModule {
            imports: Vec::new(),
            table: HashMap::new(),
            types: None,
            functions: Vec::new(),
            bodies: Vec::new(),
            module_name: None,
            function_names: Vec::new(),
            module,
        };
        let mut memories = 0;
        for payload in Parser::new(0).parse_all(module) {
            match payload.ok()? {
                Payload::Version { .. } | Payload::End(_) | Payload::CodeSectionStart { .. } => {}
                Payload::TypeSection(reader) => f.types = Some(usize_range(reader.range())),
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.ok()?;
                        match import.ty {
                            TypeRef::Func(_) => f
                                .imports
                                .push((import.module.to_string(), import.name.to_string())),
                            TypeRef::Table(_) if import.name == TABLE => {}
                            TypeRef::Memory(_) => memories += 1,
                            _ => return None,
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    f.functions = reader.into_iter().collect::<Result<_, _>>().ok()?;
                }
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element.ok()?;
                        let wasmparser::ElementKind::Active {
                            table_index: None | Some(0),
                            offset_expr,
                        } = element.kind
                        else {
                            return None;
                        };
                        let offset = const_offset(&offset_expr)?;
                        let wasmparser::ElementItems::Functions(items) = element.items else {
                            return None;
                        };
                        for (i, func) in items.into_iter().enumerate() {
                            f.table.insert(offset + i as u32, func.ok()?);
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => f.bodies.push(body),
                Payload::CustomSection(section) => {
                    if let wasmparser::KnownCustom::Name(reader) = section.as_known() {
                        for name in reader {
                            match name.ok()? {
                                wasmparser::Name::Module { name, .. } => {
                                    f.module_name = Some(name.to_string());
                                }
                                wasmparser::Name::Function(map) => {
                                    for naming in map {
                                        let naming = naming.ok()?;
                                        f.function_names
                                            .push((naming.index, naming.name.to_string()));
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                // Exports, globals, memories or data of its own: not wit-component's.
                _ => return None,
            }
        }
        (memories <= 1 && f.functions.len() == f.bodies.len()).then_some(f)
    }
}

/// An `i32.const` offset.
fn const_offset(expr: &wasmparser::ConstExpr<'_>) -> Option<u32> {
    let mut ops = expr.get_operators_reader();
    let Operator::I32Const { value } = ops.read().ok()? else {
        return None;
    };
    matches!(ops.read().ok()?, Operator::End).then_some(())?;
    u32::try_from(value).ok()
}

/// The stage's own module: it defines one memory, exported as [`MEMORY`].
struct MainModule<'a> {
    module: &'a [u8],
    memory: wasm_encoder::MemoryType,
    /// Its data section, when it can move to the memory's module (active segments at
    /// constant offsets, or passive ones, and no data count section that instructions
    /// could use them by).
    data: Option<Range<usize>>,
    /// Its exported functions by name.
    functions: HashMap<String, u32>,
}

/// The memory's module's table for the stage's allocator, and the function that calls
/// through it.
const REALLOC_TABLE: &str = "realloc-table";
const REALLOC: &str = "realloc";

impl<'a> MainModule<'a> {
    fn parse(module: &'a [u8]) -> Option<Self> {
        let mut memory = None;
        let mut exported = false;
        let mut data = None;
        let mut data_count = false;
        let mut movable = true;
        let mut imports = false;
        let mut functions = HashMap::new();
        for payload in Parser::new(0).parse_all(module) {
            match payload.ok()? {
                Payload::ImportSection(reader) => {
                    imports = true;
                    for import in reader.into_imports() {
                        // An imported table would take the index the allocator's needs.
                        if matches!(import.ok()?.ty, TypeRef::Memory(_) | TypeRef::Table(_)) {
                            return None;
                        }
                    }
                }
                Payload::MemorySection(reader) => {
                    let memories: Vec<_> = reader.into_iter().collect::<Result<_, _>>().ok()?;
                    let [ty] = memories.as_slice() else {
                        return None;
                    };
                    memory = Some(
                        wasm_encoder::reencode::RoundtripReencoder
                            .memory_type(*ty)
                            .ok()?,
                    );
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.ok()?;
                        match export.kind {
                            ExternalKind::Memory => {
                                exported |= export.name == MEMORY && export.index == 0;
                            }
                            ExternalKind::Func => {
                                functions.insert(export.name.to_string(), export.index);
                            }
                            _ => {}
                        }
                    }
                }
                Payload::DataCountSection { .. } => data_count = true,
                Payload::DataSection(reader) => {
                    data = Some(usize_range(reader.range()));
                    for segment in reader {
                        match segment.ok()?.kind {
                            wasmparser::DataKind::Passive => {}
                            wasmparser::DataKind::Active {
                                memory_index: 0,
                                offset_expr,
                            } => movable &= const_offset(&offset_expr).is_some(),
                            wasmparser::DataKind::Active { .. } => return None,
                        }
                    }
                }
                _ => {}
            }
        }
        // Without imports there is no import section to add the memory's to (and
        // nothing for wit-component to lower).
        if !(exported && imports) {
            return None;
        }
        Some(Self {
            module,
            memory: memory?,
            data: data.filter(|_| movable && !data_count),
            functions,
        })
    }

    /// The module with its memory imported and, if it moves, without its data; with
    /// `realloc`, it also imports the memory's module's table and writes that function
    /// into it, so the lowerings' allocator calls the stage's own.
    ///
    /// The code section is copied byte for byte, or with the table immediates patched
    /// in place (see [`patch_table_indices`]), so every instruction stays at its offset
    /// for the DWARF of `weld compose --debug`.
    fn importing_memory(&self, realloc: Option<u32>) -> Option<Vec<u8>> {
        let mut out = wasm_encoder::Module::new();
        // With the allocator's table imported, the module's own tables move up by one.
        let mut shift = ShiftTables(u32::from(realloc.is_some()));
        let mut wrote_elements = false;
        let add_realloc_segment = |elements: &mut wasm_encoder::ElementSection| {
            if let Some(func) = realloc {
                elements.active(
                    Some(0),
                    &wasm_encoder::ConstExpr::i32_const(0),
                    wasm_encoder::Elements::Functions(std::borrow::Cow::Owned(vec![func])),
                );
            }
        };
        for payload in Parser::new(0).parse_all(self.module) {
            let payload = payload.ok()?;
            let rank = payload
                .as_section()
                .map_or(0, |(id, _)| crate::component::section_rank_of_id(id));
            if realloc.is_some()
                && !wrote_elements
                && rank > crate::component::section_rank(wasm_encoder::SectionId::Element)
            {
                let mut elements = wasm_encoder::ElementSection::new();
                add_realloc_segment(&mut elements);
                out.section(&elements);
                wrote_elements = true;
            }
            match &payload {
                Payload::ImportSection(reader) => {
                    let mut imports = wasm_encoder::ImportSection::new();
                    for import in reader.clone().into_imports() {
                        let import = import.ok()?;
                        imports.import(
                            import.module,
                            import.name,
                            shift.entity_type(import.ty).ok()?,
                        );
                    }
                    imports.import(MEMORY_ARG, MEMORY, self.memory);
                    if realloc.is_some() {
                        imports.import(MEMORY_ARG, REALLOC_TABLE, realloc_table());
                    }
                    out.section(&imports);
                    continue;
                }
                Payload::MemorySection(_) => continue,
                Payload::DataSection(_) if self.data.is_some() => continue,
                Payload::ExportSection(reader) if realloc.is_some() => {
                    let mut exports = wasm_encoder::ExportSection::new();
                    shift
                        .parse_export_section(&mut exports, reader.clone())
                        .ok()?;
                    out.section(&exports);
                    continue;
                }
                Payload::ElementSection(reader) if realloc.is_some() => {
                    let mut elements = wasm_encoder::ElementSection::new();
                    shift
                        .parse_element_section(&mut elements, reader.clone())
                        .ok()?;
                    add_realloc_segment(&mut elements);
                    out.section(&elements);
                    wrote_elements = true;
                    continue;
                }
                Payload::CodeSectionStart { .. } if realloc.is_some() => {
                    let (id, range) = payload.as_section()?;
                    let code = patch_table_indices(self.module, usize_range(range))?;
                    out.section(&wasm_encoder::RawSection { id, data: &code });
                    continue;
                }
                Payload::CodeSectionEntry(_) => continue,
                _ => {}
            }
            if let Some((id, range)) = payload.as_section() {
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &self.module[usize_range(range)],
                });
            }
        }
        Some(out.finish())
    }
}

/// The table the memory's module holds the stage's allocator in: one entry.
fn realloc_table() -> wasm_encoder::TableType {
    wasm_encoder::TableType {
        element_type: wasm_encoder::RefType::FUNCREF,
        table64: false,
        minimum: 1,
        maximum: Some(1),
        shared: false,
    }
}

/// Re-encodes table references one index up.
struct ShiftTables(u32);

impl Reencode for ShiftTables {
    type Error = std::convert::Infallible;

    fn table_index(&mut self, table: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Ok(table + self.0)
    }
}

/// The code section at `range` of `module` with every `call_indirect` on table 0 made
/// to call table 1, or `None` if the code uses tables any other way.
///
/// Hand-written on purpose: re-encoding the code (wasm-encoder) would also re-encode
/// every LEB128 immediate, and wasm-ld pads many of them, so instructions would move
/// and `--debug`'s DWARF would point at the wrong ones. Here the table immediate, a
/// zero, gets its lowest bit set in place: the same number of bytes, whether padded
/// or not.
fn patch_table_indices(module: &[u8], range: Range<usize>) -> Option<Vec<u8>> {
    let section = module.get(range)?;
    let mut code = section.to_vec();
    // Offsets relative to the section, i.e. indices into `code`.
    let reader =
        wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(section, 0)).ok()?;
    for body in reader {
        let mut ops = body.ok()?.get_operators_reader().ok()?;
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset().ok()?;
            match op {
                Operator::CallIndirect { table_index, .. }
                | Operator::ReturnCallIndirect { table_index, .. } => {
                    if table_index != 0 {
                        return None;
                    }
                    // opcode, the type index's LEB128, then the table index's.
                    let mut at = usize::try_from(offset).ok()? + 1;
                    while code.get(at)? & 0x80 != 0 {
                        at += 1;
                    }
                    at += 1;
                    *code.get_mut(at)? |= 1;
                }
                Operator::TableGet { .. }
                | Operator::TableSet { .. }
                | Operator::TableSize { .. }
                | Operator::TableGrow { .. }
                | Operator::TableFill { .. }
                | Operator::TableCopy { .. }
                | Operator::TableInit { .. }
                | Operator::CallRef { .. }
                | Operator::ReturnCallRef { .. } => return None,
                _ => {}
            }
        }
    }
    Some(code)
}

/// The module instantiated first: the stage's memory (with its data, when it moves)
/// and the fixup module's own functions, each exported under the shim's name for its
/// slot; with `realloc`, also a one-entry table the stage's module fills with its
/// allocator, and a function that calls it (exported as [`REALLOC`]).
fn memory_module(
    fixup: &FixupModule<'_>,
    main: &MainModule<'_>,
    slots: &HashMap<String, Slot>,
    realloc: bool,
) -> Option<Vec<u8>> {
    let imported = fixup.imports.len() as u32;
    let mut out = wasm_encoder::Module::new();
    let mut types = wasm_encoder::TypeSection::new();
    if let Some(range) = &fixup.types {
        let reader = wasmparser::TypeSectionReader::new(wasmparser::BinaryReader::new(
            &fixup.module[range.clone()],
            0,
        ))
        .ok()?;
        wasm_encoder::reencode::RoundtripReencoder
            .parse_type_section(&mut types, reader)
            .ok()?;
    }
    let realloc_type = types.len();
    if realloc {
        let i32 = wasm_encoder::ValType::I32;
        types.ty().function([i32, i32, i32, i32], [i32]);
    }
    out.section(&types);
    let mut functions = wasm_encoder::FunctionSection::new();
    for ty in &fixup.functions {
        functions.function(*ty);
    }
    let realloc_index = fixup.functions.len() as u32;
    if realloc {
        functions.function(realloc_type);
    }
    out.section(&functions);
    if realloc {
        let mut tables = wasm_encoder::TableSection::new();
        tables.table(realloc_table());
        out.section(&tables);
    }
    let mut memories = wasm_encoder::MemorySection::new();
    memories.memory(main.memory);
    out.section(&memories);
    let mut exports = wasm_encoder::ExportSection::new();
    exports.export(MEMORY, wasm_encoder::ExportKind::Memory, 0);
    if realloc {
        exports.export(REALLOC_TABLE, wasm_encoder::ExportKind::Table, 0);
        exports.export(REALLOC, wasm_encoder::ExportKind::Func, realloc_index);
    }
    let mut names: Vec<(&String, u32)> = slots
        .iter()
        .filter_map(|(name, slot)| match slot {
            Slot::Own(func) => Some((name, *func)),
            Slot::Lowered { .. } => None,
        })
        .collect();
    names.sort();
    for (name, func) in names {
        exports.export(name, wasm_encoder::ExportKind::Func, func);
    }
    out.section(&exports);
    let mut code = wasm_encoder::CodeSection::new();
    let mut own = OwnFunctions { imported };
    for body in &fixup.bodies {
        own.parse_function_body(&mut code, body.clone()).ok()?;
    }
    if realloc {
        use wasm_encoder::Instruction as I;
        let mut f = wasm_encoder::Function::new([]);
        for param in 0..4 {
            f.instruction(&I::LocalGet(param));
        }
        f.instruction(&I::I32Const(0));
        f.instruction(&I::CallIndirect {
            type_index: realloc_type,
            table_index: 0,
        });
        f.instruction(&I::End);
        code.function(&f);
    }
    out.section(&code);
    if let Some(data) = &main.data {
        out.section(&wasm_encoder::RawSection {
            id: wasm_encoder::SectionId::Data as u8,
            data: &main.module[data.clone()],
        });
    }
    // The refusals' names, which the shim reads back from a trap's frame.
    let mut names = wasm_encoder::NameSection::new();
    if let Some(name) = &fixup.module_name {
        names.module(name);
    }
    let mut map = wasm_encoder::NameMap::new();
    for (index, name) in &fixup.function_names {
        if *index >= imported {
            map.append(index - imported, name);
        }
    }
    if realloc {
        map.append(realloc_index, "weld:realloc");
    }
    names.functions(&map);
    out.section(&names);
    Some(out.finish())
}

/// Re-encodes the fixup module's own functions for the memory's module: they keep
/// their types and memory 0; anything referring to the fixup's imports or table is
/// not expected there.
struct OwnFunctions {
    imported: u32,
}

/// The fixup module's function refers to something the memory's module lacks.
#[derive(Debug)]
struct Unexpected;

impl Reencode for OwnFunctions {
    type Error = Unexpected;

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<Self::Error>> {
        func.checked_sub(self.imported)
            .ok_or(ReencodeError::UserError(Unexpected))
    }

    fn table_index(&mut self, _: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Err(ReencodeError::UserError(Unexpected))
    }

    fn global_index(&mut self, _: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Err(ReencodeError::UserError(Unexpected))
    }
}

/// The rewrite's index maps, old index -> new (`None`: removed), filled as the items
/// are met: every reference points back to an item already met.
#[derive(Default)]
struct Remap {
    modules: Vec<Option<u32>>,
    core_instances: Vec<Option<u32>>,
    core_funcs: Vec<Option<u32>>,
    memories: Vec<Option<u32>>,
    tables: Vec<Option<u32>>,
    funcs: Vec<Option<u32>>,
    /// The next new index in each space.
    next: Next,
    /// A kept item referred to a removed one.
    broken: bool,
}

#[derive(Default)]
struct Next {
    modules: u32,
    core_instances: u32,
    core_funcs: u32,
    memories: u32,
    tables: u32,
    funcs: u32,
}

/// Records the next old item of a space as kept (returning its new index) or removed.
macro_rules! keep {
    ($remap:expr, $space:ident) => {{
        let new = $remap.next.$space;
        $remap.next.$space += 1;
        $remap.$space.push(Some(new));
        new
    }};
}

impl Remap {
    fn get(
        map: &[Option<u32>],
        index: u32,
    ) -> Result<u32, ReencodeError<<Self as Reencode>::Error>> {
        map.get(index as usize)
            .copied()
            .flatten()
            .ok_or(ReencodeError::UserError(Unexpected))
    }
}

impl Reencode for Remap {
    type Error = Unexpected;

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Self::get(&self.core_funcs, func)
    }

    fn memory_index(&mut self, memory: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Self::get(&self.memories, memory)
    }

    fn table_index(&mut self, table: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Self::get(&self.tables, table)
    }
}

impl ReencodeComponent for Remap {
    fn component_func_index(&mut self, func: u32) -> u32 {
        Self::get(&self.funcs, func).unwrap_or_else(|_| {
            self.broken = true;
            0
        })
    }

    fn module_index(&mut self, module: u32) -> u32 {
        Self::get(&self.modules, module).unwrap_or_else(|_| {
            self.broken = true;
            0
        })
    }

    fn instance_index(&mut self, instance: u32) -> u32 {
        Self::get(&self.core_instances, instance).unwrap_or_else(|_| {
            self.broken = true;
            0
        })
    }
}

/// The section being filled, written out when an item of another kind comes.
enum Pending {
    None,
    Aliases(wasm_encoder::ComponentAliasSection),
    Canonical(wasm_encoder::CanonicalFunctionSection),
    Instances(wasm_encoder::InstanceSection),
}

struct Writer {
    out: wasm_encoder::Component,
    pending: Pending,
}

/// `Writer::$name`: the pending section of kind `$variant`, started if another is.
macro_rules! pending_section {
    ($name:ident, $variant:ident, $section:ty) => {
        fn $name(&mut self) -> &mut $section {
            if !matches!(self.pending, Pending::$variant(_)) {
                self.flush();
                self.pending = Pending::$variant(Default::default());
            }
            let Pending::$variant(s) = &mut self.pending else {
                unreachable!("set just above")
            };
            s
        }
    };
}

impl Writer {
    fn flush(&mut self) {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::Aliases(s) => _ = self.out.section(&s),
            Pending::Canonical(s) => _ = self.out.section(&s),
            Pending::Instances(s) => _ = self.out.section(&s),
        }
    }

    pending_section!(aliases, Aliases, wasm_encoder::ComponentAliasSection);
    pending_section!(canonical, Canonical, wasm_encoder::CanonicalFunctionSection);
    pending_section!(instances, Instances, wasm_encoder::InstanceSection);

    fn raw(&mut self, id: u8, data: &[u8]) {
        self.flush();
        self.out.section(&wasm_encoder::RawSection { id, data });
    }
}

fn rewrite(component: &[u8], payloads: &[Payload<'_>], plan: &Plan) -> Option<Vec<u8>> {
    let mut r = Remap::default();
    let mut w = Writer {
        out: wasm_encoder::Component::new(),
        pending: Pending::None,
    };
    // The memory's alias on the first module's instance, and the component functions
    // aliased early for the lowered imports, by (instance, name).
    let mut memory = None;
    let mut realloc = None;
    let mut early: HashMap<(u32, String), u32> = HashMap::new();
    for payload in payloads {
        let section = payload.as_section();
        match payload {
            Payload::Version { .. } | Payload::End(_) => {}
            Payload::ModuleSection { .. } => {
                let (id, range) = section?;
                let old = r.modules.len() as u32;
                if old == plan.fixup_module {
                    r.modules.push(None);
                    continue;
                }
                keep!(r, modules);
                let data = if old == plan.shim_module {
                    &plan.memory_module[..]
                } else if old == plan.main_module {
                    &plan.main[..]
                } else {
                    &component[usize_range(range)]
                };
                w.raw(id, data);
            }
            Payload::ComponentImportSection(reader) => {
                for import in reader.clone() {
                    match import.ok()?.ty {
                        ComponentTypeRef::Func(_) => {
                            keep!(r, funcs);
                        }
                        ComponentTypeRef::Module(_) => {
                            keep!(r, modules);
                        }
                        _ => {}
                    }
                }
                let (id, range) = section?;
                w.raw(id, &component[usize_range(range)]);
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.clone() {
                    let alias = alias.ok()?;
                    match &alias {
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Func,
                            instance_index,
                            name,
                        } => {
                            if let Some(early) = early.get(&(*instance_index, name.to_string())) {
                                r.funcs.push(Some(*early));
                                continue;
                            }
                            keep!(r, funcs);
                        }
                        ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Module,
                            ..
                        }
                        | ComponentAlias::Outer {
                            kind: wasmparser::ComponentOuterAliasKind::CoreModule,
                            ..
                        } => {
                            keep!(r, modules);
                        }
                        ComponentAlias::CoreInstanceExport {
                            kind,
                            instance_index,
                            name,
                        } if *instance_index == plan.shim_instance => match kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                match plan.slots.get(*name)? {
                                    // The memory's module exports it under the same name.
                                    Slot::Own(_) => {}
                                    Slot::Lowered {
                                        alias,
                                        encoding,
                                        realloc: with_realloc,
                                    } => {
                                        let func = r.next.funcs;
                                        r.next.funcs += 1;
                                        early.insert(alias.clone(), func);
                                        w.aliases().alias(wasm_encoder::Alias::InstanceExport {
                                            instance: alias.0,
                                            kind: wasm_encoder::ComponentExportKind::Func,
                                            name: &alias.1,
                                        });
                                        let mut options =
                                            vec![wasm_encoder::CanonicalOption::Memory(memory?)];
                                        if *with_realloc {
                                            options.push(wasm_encoder::CanonicalOption::Realloc(
                                                realloc?,
                                            ));
                                        }
                                        if let Some(encoding) = encoding {
                                            options.push(r.canonical_option(*encoding).ok()?);
                                        }
                                        w.canonical().lower(func, options);
                                        keep!(r, core_funcs);
                                        continue;
                                    }
                                }
                                keep!(r, core_funcs);
                            }
                            ExternalKind::Table if *name == TABLE => {
                                r.tables.push(None);
                                continue;
                            }
                            _ => return None,
                        },
                        ComponentAlias::CoreInstanceExport { kind, .. } => match kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                keep!(r, core_funcs);
                            }
                            ExternalKind::Memory => {
                                keep!(r, memories);
                            }
                            ExternalKind::Table => {
                                keep!(r, tables);
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                    let alias = r.component_alias(alias).ok()?;
                    w.aliases().alias(alias);
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                for func in reader.clone() {
                    let func = func.ok()?;
                    if matches!(func, CanonicalFunction::Lift { .. }) {
                        keep!(r, funcs);
                    } else if plan.lowered.contains(&(r.core_funcs.len() as u32)) {
                        r.core_funcs.push(None);
                        continue;
                    } else {
                        keep!(r, core_funcs);
                    }
                    r.parse_component_canonical(w.canonical(), func).ok()?;
                }
            }
            Payload::InstanceSection(reader) => {
                for instance in reader.clone() {
                    let instance = instance.ok()?;
                    let old = r.core_instances.len() as u32;
                    if plan.bags.contains(&old) || old == plan.fixup_instance {
                        r.core_instances.push(None);
                        continue;
                    }
                    if old == plan.main_instance {
                        let Instance::Instantiate { module_index, args } = instance else {
                            return None;
                        };
                        let mut new_args = Vec::new();
                        for arg in args.iter() {
                            new_args.push((
                                arg.name,
                                wasm_encoder::ModuleArg::Instance(r.instance_index(arg.index)),
                            ));
                        }
                        let shim = r.instance_index(plan.shim_instance);
                        new_args.push((MEMORY_ARG, wasm_encoder::ModuleArg::Instance(shim)));
                        let module = r.module_index(module_index);
                        w.instances().instantiate(module, new_args);
                        keep!(r, core_instances);
                        continue;
                    }
                    r.parse_instance(w.instances(), instance).ok()?;
                    let new = keep!(r, core_instances);
                    if old == plan.shim_instance {
                        // The memory, aliased right away for the lowerings that follow.
                        w.aliases().alias(wasm_encoder::Alias::CoreInstanceExport {
                            instance: new,
                            kind: wasm_encoder::ExportKind::Memory,
                            name: MEMORY,
                        });
                        memory = Some(r.next.memories);
                        r.next.memories += 1;
                        if plan.needs_realloc() {
                            w.aliases().alias(wasm_encoder::Alias::CoreInstanceExport {
                                instance: new,
                                kind: wasm_encoder::ExportKind::Func,
                                name: REALLOC,
                            });
                            realloc = Some(r.next.core_funcs);
                            r.next.core_funcs += 1;
                        }
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                let mut instances = wasm_encoder::ComponentInstanceSection::new();
                for instance in reader.clone() {
                    r.parse_component_instance(&mut instances, instance.ok()?)
                        .ok()?;
                }
                w.flush();
                w.out.section(&instances);
            }
            Payload::ComponentExportSection(reader) => {
                let mut exports = wasm_encoder::ComponentExportSection::new();
                for export in reader.clone() {
                    let export = export.ok()?;
                    let kind = export.kind;
                    r.parse_component_export(&mut exports, export).ok()?;
                    match kind {
                        ComponentExternalKind::Func => {
                            keep!(r, funcs);
                        }
                        ComponentExternalKind::Module => {
                            keep!(r, modules);
                        }
                        _ => {}
                    }
                }
                w.flush();
                w.out.section(&exports);
            }
            Payload::CustomSection(custom) => {
                // Component-level names are by index, which moved; they only serve
                // tools that print the component.
                if custom.name() == "component-name" {
                    continue;
                }
                let (id, range) = section?;
                w.raw(id, &component[usize_range(range)]);
            }
            _ => {
                // Types and nested components refer to nothing that moves.
                let (id, range) = section?;
                w.raw(id, &component[usize_range(range)]);
            }
        }
    }
    w.flush();
    (!r.broken).then(|| w.out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::{Component, Linker};

    const WIT: &str = r#"
        package test:stage;
        interface host {
            greet: func(name: string) -> u32;
            pair: func() -> tuple<u64, u64>;
            names: func() -> list<string>;
        }
        world stage {
            import host;
            export run: func(n: u32) -> u64;
        }
    "#;

    /// The stage's module: `run(n)` is `pair().0 + pair().1 + greet("weld") + n + 7`,
    /// the string coming from its data segment and the 7 from a function its own table
    /// calls; with `names`, plus the length of `names()` and its first string's first
    /// byte (the list and the string written where its `cabi_realloc` says).
    fn module(names: bool) -> String {
        let (import, call) = if names {
            (
                r#"(import "test:stage/host" "names" (func $names (param i32)))"#,
                "(call $names (i32.const 96))
                 (i32.add (i32.load (i32.const 100)) (i32.load8_u (i32.load (i32.load (i32.const 96)))))",
            )
        } else {
            ("", "(i32.const 0)")
        };
        format!(
            r#"(module
                (import "test:stage/host" "greet" (func $greet (param i32 i32) (result i32)))
                (import "test:stage/host" "pair" (func $pair (param i32)))
                {import}
                (memory (export "memory") 1)
                (data (i32.const 16) "weld")
                (global $heap (mut i32) (i32.const 1024))
                (type $seven (func (result i32)))
                (table 1 funcref)
                (elem (i32.const 0) $seven)
                (func $seven (type $seven) (i32.const 7))
                (func (export "run") (param i32) (result i64)
                    (local $listed i32)
                    {call}
                    (local.set $listed)
                    (call $pair (i32.const 64))
                    (i64.add
                        (i64.add (i64.load (i32.const 64)) (i64.load (i32.const 72)))
                        (i64.extend_i32_u
                            (i32.add
                                (i32.add (call $greet (i32.const 16) (i32.const 4)) (local.get 0))
                                (i32.add (local.get $listed)
                                    (call_indirect (type $seven) (i32.const 0)))))))
                (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                    (global.get $heap)
                    (global.set $heap (i32.add (global.get $heap) (local.get 3))))
            )"#
        )
    }

    /// The component wit-component makes of [`module`]: with its shim and fixup.
    fn component(names: bool) -> Vec<u8> {
        let mut resolve = wit_parser::Resolve::default();
        let package = resolve.push_str("stage.wit", WIT).unwrap();
        let world = resolve.select_world(&[package], None).unwrap();
        let mut module = wat::parse_str(module(names)).unwrap();
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
            false,
        )
        .unwrap();
        wit_component::ComponentEncoder::default()
            .module(&module)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap()
    }

    /// `run(n)` of `component`, with the host answering `greet` with the sum of the
    /// name's bytes and `pair` with (1000, 20000).
    fn run(component: &[u8], n: u32) -> u64 {
        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, component).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        let mut host = linker.instance("test:stage/host").unwrap();
        host.func_wrap("greet", |_, (name,): (String,)| {
            Ok((name.bytes().map(u32::from).sum::<u32>(),))
        })
        .unwrap();
        host.func_wrap("pair", |_, (): ()| Ok(((1000u64, 20000u64),)))
            .unwrap();
        host.func_wrap("names", |_, (): ()| Ok((vec!["a".to_string()],)))
            .unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let run = instance
            .get_typed_func::<(u32,), (u64,)>(&mut store, "run")
            .unwrap();
        run.call(&mut store, (n,)).unwrap().0
    }

    /// How many core modules the component instantiates.
    fn instantiations(component: &[u8]) -> usize {
        top_level_payloads(component)
            .unwrap()
            .iter()
            .filter_map(|p| match p {
                Payload::InstanceSection(reader) => Some(
                    reader
                        .clone()
                        .into_iter()
                        .filter(|i| matches!(i, Ok(Instance::Instantiate { .. })))
                        .count(),
                ),
                _ => None,
            })
            .sum()
    }

    /// The code sections of every core module, in order.
    fn code_sections(component: &[u8]) -> Vec<Vec<u8>> {
        let mut code = Vec::new();
        for payload in Parser::new(0).parse_all(component) {
            let payload = payload.unwrap();
            if let (Payload::CodeSectionStart { .. }, Some((_, range))) =
                (&payload, payload.as_section())
            {
                code.push(component[usize_range(range)].to_vec());
            }
        }
        code
    }

    /// The stage's code section: the largest of the component's.
    fn stage_code(component: &[u8]) -> Vec<u8> {
        code_sections(component)
            .into_iter()
            .max_by_key(Vec::len)
            .unwrap()
    }

    #[test]
    fn the_imports_are_lowered_into_the_memory_and_answer_the_same() {
        let before = component(false);
        let after = lower_directly(&before).expect("wit-component's shape is rewritten");
        // "weld" is 119 + 101 + 108 + 100: the data segment moved with the memory.
        assert_eq!(run(&before, 5), 1000 + 20000 + 428 + 5 + 7);
        assert_eq!(run(&after, 5), run(&before, 5));
        assert_eq!(
            instantiations(&before),
            3,
            "the stage's module, the shim, the fixup"
        );
        assert_eq!(
            instantiations(&after),
            2,
            "the memory's module, the stage's module"
        );
    }

    #[test]
    fn the_stage_code_is_copied_byte_for_byte() {
        let before = component(false);
        let after = lower_directly(&before).unwrap();
        // The stage's code is the largest; --debug's DWARF points into it.
        assert_eq!(stage_code(&after), stage_code(&before));
    }

    #[test]
    fn the_same_component_gives_the_same_bytes() {
        let before = component(false);
        assert_eq!(lower_directly(&before), lower_directly(&before));
    }

    #[test]
    fn an_import_that_returns_a_list_allocates_with_the_stage_allocator() {
        let before = component(true);
        let after = lower_directly(&before).expect("rewritten, with the allocator's table");
        // `names()` is ["a"]: one element, first byte 97.
        assert_eq!(run(&before, 1), 1000 + 20000 + 428 + 1 + 7 + 1 + 97);
        assert_eq!(run(&after, 1), run(&before, 1));
        assert_eq!(instantiations(&after), 2);
        // The stage's `call_indirect` now names table 1, in place: same code size.
        assert_eq!(stage_code(&after).len(), stage_code(&before).len());
        assert_ne!(stage_code(&after), stage_code(&before));
    }

    #[test]
    fn a_refusal_of_the_fixup_module_traps_under_its_name_from_the_memory_module() {
        use crate::guard::{Capability, Guarded, StagePlan};
        let import = "test:stage/host";
        let plan = StagePlan {
            guarded: [(import.to_string(), Guarded::Deny(Capability::Host))]
                .into_iter()
                .collect(),
        };
        let inlined = crate::guard::inline::inline("s", &component(false), &plan)
            .expect("the denial is answered inside the stage");
        let direct = lower_directly(&inlined.bytes).expect("and the fixup's refusals move");
        assert_eq!(instantiations(&direct), 2);
        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, &direct).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let run = instance
            .get_typed_func::<(u32,), (u64,)>(&mut store, "run")
            .unwrap();
        let error = run.call(&mut store, (1,)).unwrap_err();
        let frames = error.downcast_ref::<wasmtime::WasmBacktrace>().unwrap();
        // `run` calls `pair` first; the shim names the grant from this frame.
        let name =
            weld_shim::diagnose::Denied::function_name("s", Capability::Host, import, "pair");
        assert_eq!(frames.frames()[0].func_name(), Some(name.as_str()));
    }

    #[test]
    fn a_component_without_the_indirection_is_left_alone() {
        let plain = wat::parse_str(
            r#"(component
                (core module $m (func (export "f")))
                (core instance (instantiate $m))
            )"#,
        )
        .unwrap();
        assert_eq!(lower_directly(&plain), None);
    }
}
