//! A dynamically linked component's function table, moved into the library that fills it.
//!
//! componentize-qjs links its QuickJS runtime as a shared library with wit-component's
//! linker. The linker's `main` module defines the memory and the function table; each
//! library imports them and fills its part of the table with an element segment at
//! `global.get $__table_base`. wasmtime can only prepare a table's contents ahead of
//! time (and fill it lazily, entry by entry, on first use) for a table the module
//! *defines*, at a constant offset. For an imported table it applies the segment at
//! every instantiation, making a function reference per entry: for the QuickJS runtime
//! (735 entries) that was most of a QuickJS stage's instantiation.
//!
//! [`own_table`] makes the library with the largest segment define the table instead,
//! at the constant offset its `__table_base` has in `main`, and hands that table to the
//! modules instantiated after it that shared `main`'s. `main` keeps its own table for its
//! own code (its `cabi_realloc` calls through one entry); the entries other modules write
//! into `main`'s table after the library exists (wit-component's fixup module) are
//! written into both tables. Function pointers keep their values: every module that
//! calls through them now reads the library's table.
//!
//! Anything not shaped as expected leaves the component as it is: the stage then
//! instantiates as before, only slower. The e2e suite checks the QuickJS stages of the
//! samples are rewritten.

use std::ops::Range;

use anyhow::{Context as _, Result};
use wasm_encoder::reencode::{self, Reencode};
use wasmparser::{Parser, Payload};

use crate::component::{
    CoreInstance, section_rank, section_rank_of_id, top_level_payloads, usize_range,
};

/// The export and import name of the shared table in wit-component's dynamic linking.
const TABLE: &str = "__indirect_function_table";
/// The import `__table_base` of a library: where its element segments start.
const TABLE_BASE: &str = "__table_base";

/// `component` (componentize-qjs's output) with the function table of each dynamically
/// linked component nested in it owned by the library that fills it, or `None` when no
/// nested component has that shape.
pub fn own_table(component: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut out = wasm_encoder::Component::new();
    let mut rewritten = false;
    for payload in top_level_payloads(component)? {
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let bytes = &component[usize_range(range)];
        if matches!(payload, Payload::ComponentSection { .. })
            && let Some(linked) = rewrite_linked(bytes)?
        {
            out.section(&wasm_encoder::RawSection { id, data: &linked });
            rewritten = true;
            continue;
        }
        out.section(&wasm_encoder::RawSection { id, data: bytes });
    }
    if !rewritten {
        return Ok(None);
    }
    let bytes = out.finish();
    crate::component::validate(&bytes)
        .context("the component with its function table moved is not valid")?;
    Ok(Some(bytes))
}

/// An item aliased from a core instance's exports.
struct Aliased {
    instance: u32,
    name: String,
}

/// What one module imports, defines and fills.
#[derive(Default)]
struct ModuleFacts {
    /// (module, name, kind) of each import, in order.
    imports: Vec<(String, String, wasmparser::TypeRef)>,
    tables: Vec<wasmparser::TableType>,
    /// Defined globals with an `i32.const` initializer: (index in the global space, value).
    const_globals: Vec<(u32, i32)>,
    exports: Vec<(String, wasmparser::ExternalKind, u32)>,
    /// Active element segments: (table, offset, number of entries).
    active_elements: Vec<(u32, Offset, u32)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Offset {
    Const(i32),
    Global(u32),
    Other,
}

impl ModuleFacts {
    fn read(module: &[u8]) -> Result<Self> {
        let mut facts = ModuleFacts::default();
        let mut imported_globals = 0;
        for payload in Parser::new(0).parse_all(module) {
            match payload? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        if matches!(import.ty, wasmparser::TypeRef::Global(_)) {
                            imported_globals += 1;
                        }
                        facts.imports.push((
                            import.module.to_string(),
                            import.name.to_string(),
                            import.ty,
                        ));
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        facts.tables.push(table?.ty);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for (i, global) in reader.into_iter().enumerate() {
                        if let Offset::Const(value) = offset(&global?.init_expr) {
                            facts
                                .const_globals
                                .push((imported_globals + i as u32, value));
                        }
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        facts
                            .exports
                            .push((export.name.to_string(), export.kind, export.index));
                    }
                }
                Payload::ElementSection(reader) => {
                    for element in reader {
                        let element = element?;
                        if let wasmparser::ElementKind::Active {
                            table_index,
                            offset_expr,
                        } = element.kind
                        {
                            facts.active_elements.push((
                                table_index.unwrap_or(0),
                                offset(&offset_expr),
                                match element.items {
                                    wasmparser::ElementItems::Functions(r) => r.count(),
                                    wasmparser::ElementItems::Expressions(_, r) => r.count(),
                                },
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(facts)
    }

    fn imported_tables(&self) -> impl Iterator<Item = (usize, &str, &str)> {
        self.imports
            .iter()
            .filter(|(_, _, ty)| matches!(ty, wasmparser::TypeRef::Table(_)))
            .enumerate()
            .map(|(i, (module, name, _))| (i, module.as_str(), name.as_str()))
    }

    /// The index of the imported global `module`.`name`.
    fn imported_global(&self, module: &str, name: &str) -> Option<u32> {
        self.imports
            .iter()
            .filter(|(_, _, ty)| matches!(ty, wasmparser::TypeRef::Global(_)))
            .position(|(m, n, _)| m == module && n == name)
            .map(|i| i as u32)
    }

    fn export(&self, name: &str, kind: wasmparser::ExternalKind) -> Option<u32> {
        self.exports
            .iter()
            .find(|(n, k, _)| n == name && *k == kind)
            .map(|(_, _, index)| *index)
    }
}

fn export_kind(kind: wasmparser::ExternalKind) -> wasm_encoder::ExportKind {
    use wasm_encoder::ExportKind as E;
    use wasmparser::ExternalKind as K;
    match kind {
        K::Func | K::FuncExact => E::Func,
        K::Table => E::Table,
        K::Memory => E::Memory,
        K::Global => E::Global,
        K::Tag => E::Tag,
    }
}

fn offset(expr: &wasmparser::ConstExpr<'_>) -> Offset {
    let ops: Vec<_> = expr.get_operators_reader().into_iter().collect();
    match ops.as_slice() {
        [
            Ok(wasmparser::Operator::I32Const { value }),
            Ok(wasmparser::Operator::End),
        ] => Offset::Const(*value),
        [
            Ok(wasmparser::Operator::GlobalGet { global_index }),
            Ok(wasmparser::Operator::End),
        ] => Offset::Global(*global_index),
        _ => Offset::Other,
    }
}

/// The component's index spaces, as far as the rewrite follows them.
#[derive(Default)]
struct Spaces {
    /// Core modules: the range of each defined one (`None` for an aliased one).
    modules: Vec<Option<Range<usize>>>,
    instances: Vec<CoreInstance>,
    globals: Vec<Aliased>,
    /// Core tables, with the number of core instances that existed when each was aliased.
    tables: Vec<(Aliased, usize)>,
}

impl Spaces {
    /// The index spaces of the component whose top-level `payloads` these are.
    fn read(payloads: &[Payload<'_>]) -> Result<Self> {
        let mut spaces = Spaces::default();
        for payload in payloads {
            match payload {
                Payload::ModuleSection {
                    unchecked_range, ..
                } => spaces
                    .modules
                    .push(Some(usize_range(unchecked_range.clone()))),
                Payload::InstanceSection(reader) => {
                    for instance in reader.clone() {
                        spaces.instances.push(CoreInstance::from(instance?));
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader.clone() {
                        match alias? {
                            wasmparser::ComponentAlias::CoreInstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => {
                                let aliased = Aliased {
                                    instance: instance_index,
                                    name: name.to_string(),
                                };
                                match kind {
                                    wasmparser::ExternalKind::Global => {
                                        spaces.globals.push(aliased)
                                    }
                                    wasmparser::ExternalKind::Table => {
                                        spaces.tables.push((aliased, spaces.instances.len()))
                                    }
                                    _ => {}
                                }
                            }
                            wasmparser::ComponentAlias::Outer {
                                kind: wasmparser::ComponentOuterAliasKind::CoreModule,
                                ..
                            } => spaces.modules.push(None),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(spaces)
    }

    /// The core instances that instantiate `module`.
    fn instantiations(&self, module: u32) -> Vec<u32> {
        self.instances
            .iter()
            .enumerate()
            .filter(
                |(_, i)| matches!(i, CoreInstance::Instantiate { module: m, .. } if *m == module),
            )
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The item `name` of kind `kind` that instance `instance` provides, when it is a
    /// bag of exports: its index.
    fn bag_item(&self, instance: u32, name: &str, kind: wasmparser::ExternalKind) -> Option<u32> {
        match self.instances.get(instance as usize)? {
            CoreInstance::FromExports(exports) => exports
                .iter()
                .find(|(n, k, _)| n == name && *k == kind)
                .map(|(_, _, index)| *index),
            CoreInstance::Instantiate { .. } => None,
        }
    }

    fn arg(&self, instance: u32, name: &str) -> Option<u32> {
        match self.instances.get(instance as usize)? {
            CoreInstance::Instantiate { args, .. } => {
                args.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
            }
            CoreInstance::FromExports(_) => None,
        }
    }

    fn module_of(&self, instance: u32) -> Option<u32> {
        match self.instances.get(instance as usize)? {
            CoreInstance::Instantiate { module, .. } => Some(*module),
            CoreInstance::FromExports(_) => None,
        }
    }
}

/// The plan for one linked component.
struct Plan {
    /// The library that will own the table: its module and instance, and the module
    /// rewritten.
    library_module: u32,
    library_instance: u32,
    library: Vec<u8>,
    /// The core table index `main`'s table has in the component, and the index the
    /// library's exported table gets.
    main_table: u32,
    library_table: u32,
    /// Modules instantiated after the library that fill `main`'s table: rewritten to
    /// fill the library's too.
    fillers: Vec<(u32, Vec<u8>)>,
}

/// The name under which `args` hand on core instance `instance`.
fn arg_naming(args: &[(String, u32)], instance: u32) -> Option<&String> {
    args.iter()
        .find(|(_, i)| *i == instance)
        .map(|(name, _)| name)
}

/// `component` with its table owned by its largest library, or `None` when it is not a
/// dynamically linked component of the expected shape.
fn rewrite_linked(component: &[u8]) -> Result<Option<Vec<u8>>> {
    let payloads = top_level_payloads(component)?;
    let Some(plan) = plan(component, &payloads)? else {
        return Ok(None);
    };
    let mut out = wasm_encoder::Component::new();
    let mut module = 0u32;
    let mut instance = 0u32;
    for payload in &payloads {
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let bytes = &component[usize_range(range)];
        match payload {
            Payload::ModuleSection { .. } => {
                let rewritten = if module == plan.library_module {
                    Some(plan.library.as_slice())
                } else {
                    plan.fillers
                        .iter()
                        .find(|(m, _)| *m == module)
                        .map(|(_, b)| b.as_slice())
                };
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: rewritten.unwrap_or(bytes),
                });
                module += 1;
            }
            Payload::InstanceSection(reader) => {
                let mut instances = wasm_encoder::InstanceSection::new();
                for entry in reader.clone() {
                    encode_instance(&mut instances, entry?, &plan, instance);
                    if instance == plan.library_instance {
                        // The library's table, aliased right after the library exists,
                        // for the bags of exports made after it.
                        out.section(&instances);
                        instances = wasm_encoder::InstanceSection::new();
                        let mut aliases = wasm_encoder::ComponentAliasSection::new();
                        aliases.alias(wasm_encoder::Alias::CoreInstanceExport {
                            instance: plan.library_instance,
                            kind: wasm_encoder::ExportKind::Table,
                            name: TABLE,
                        });
                        out.section(&aliases);
                    }
                    instance += 1;
                }
                if !instances.is_empty() {
                    out.section(&instances);
                }
            }
            _ => {
                // Aliased core modules count in the module index space too.
                if let Payload::ComponentAliasSection(reader) = payload {
                    for alias in reader.clone() {
                        if matches!(
                            alias?,
                            wasmparser::ComponentAlias::Outer {
                                kind: wasmparser::ComponentOuterAliasKind::CoreModule,
                                ..
                            }
                        ) {
                            module += 1;
                        }
                    }
                }
                out.section(&wasm_encoder::RawSection { id, data: bytes });
            }
        }
    }
    Ok(Some(out.finish()))
}

fn encode_instance(
    out: &mut wasm_encoder::InstanceSection,
    entry: wasmparser::Instance<'_>,
    plan: &Plan,
    index: u32,
) {
    match entry {
        wasmparser::Instance::Instantiate { module_index, args } => {
            out.instantiate(
                module_index,
                args.iter()
                    .map(|a| (a.name, wasm_encoder::ModuleArg::Instance(a.index))),
            );
        }
        wasmparser::Instance::FromExports(exports) => {
            out.export_items(exports.iter().map(|e| {
                let kind = export_kind(e.kind);
                let index = if index > plan.library_instance
                    && e.kind == wasmparser::ExternalKind::Table
                    && e.index == plan.main_table
                {
                    plan.library_table
                } else {
                    e.index
                };
                (e.name, kind, index)
            }));
        }
    }
}

fn plan(component: &[u8], payloads: &[Payload<'_>]) -> Result<Option<Plan>> {
    let spaces = Spaces::read(payloads)?;
    let mut facts = Vec::new();
    for range in &spaces.modules {
        facts.push(match range {
            Some(range) => Some(ModuleFacts::read(&component[range.clone()])?),
            None => None,
        });
    }
    // The library: imports `env.__indirect_function_table` as its only table, defines
    // none, fills it only at `global.get $__table_base`; the one with most entries.
    let mut library = None;
    for (m, facts) in facts.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let tables: Vec<_> = facts.imported_tables().collect();
        if tables != [(0, "env", TABLE)] || !facts.tables.is_empty() {
            continue;
        }
        let Some(base) = facts.imported_global("env", TABLE_BASE) else {
            continue;
        };
        if facts.active_elements.is_empty()
            || facts
                .active_elements
                .iter()
                .any(|(t, o, _)| *t != 0 || *o != Offset::Global(base))
        {
            continue;
        }
        let entries: u32 = facts.active_elements.iter().map(|(_, _, n)| n).sum();
        if library.is_none_or(|(_, _, most)| entries > most) {
            library = Some((m as u32, base, entries));
        }
    }
    let Some((library_module, library_base, _)) = library else {
        return Ok(None);
    };
    let library_facts = facts[library_module as usize].as_ref().expect("defined");
    let [library_instance] = spaces.instantiations(library_module)[..] else {
        return Ok(None);
    };
    // Where `env` comes from: a bag of `main`'s exports.
    let Some(env) = spaces.arg(library_instance, "env") else {
        return Ok(None);
    };
    let (Some(base_global), Some(main_table)) = (
        spaces.bag_item(env, TABLE_BASE, wasmparser::ExternalKind::Global),
        spaces.bag_item(env, TABLE, wasmparser::ExternalKind::Table),
    ) else {
        return Ok(None);
    };
    let (Some(base), Some((table, aliased_at))) = (
        spaces.globals.get(base_global as usize),
        spaces.tables.get(main_table as usize),
    ) else {
        return Ok(None);
    };
    // The library's table is aliased after every table the component has, so no index
    // moves: none may be aliased after the library exists.
    if spaces
        .tables
        .iter()
        .any(|(_, at)| *at > library_instance as usize)
        || *aliased_at > library_instance as usize
    {
        return Ok(None);
    }
    let main_instance = table.instance;
    let Some(main_facts) = spaces
        .module_of(main_instance)
        .and_then(|m| facts.get(m as usize)?.as_ref())
    else {
        return Ok(None);
    };
    let base_value = match spaces
        .module_of(base.instance)
        .and_then(|m| facts.get(m as usize)?.as_ref())
        .and_then(|f| {
            let global = f.export(&base.name, wasmparser::ExternalKind::Global)?;
            f.const_globals
                .iter()
                .find(|(g, _)| *g == global)
                .map(|(_, v)| *v)
        }) {
        Some(value) => value,
        None => return Ok(None),
    };
    let Some(table_type) = main_facts
        .export(&table.name, wasmparser::ExternalKind::Table)
        .and_then(|t| {
            let imported = main_facts.imported_tables().count() as u32;
            main_facts.tables.get(t.checked_sub(imported)? as usize)
        })
    else {
        return Ok(None);
    };
    if library_facts
        .exports
        .iter()
        .any(|(name, _, _)| name == TABLE)
    {
        return Ok(None);
    }
    let library_range = spaces.modules[library_module as usize]
        .clone()
        .expect("defined");
    let library_bytes = own_library_table(
        &component[library_range],
        *table_type,
        library_base,
        base_value,
    )?;

    // Modules instantiated after the library that fill `main`'s table.
    let mut fillers = Vec::new();
    for (i, instance) in spaces.instances.iter().enumerate() {
        let CoreInstance::Instantiate { module, args } = instance else {
            continue;
        };
        if i as u32 <= library_instance {
            continue;
        }
        let Some(Some(filler)) = facts.get(*module as usize) else {
            continue;
        };
        let Some(main_arg) = arg_naming(args, main_instance) else {
            continue;
        };
        let Some((table_import, _, _)) = filler
            .imported_tables()
            .find(|(_, module, name)| module == main_arg && *name == table.name)
        else {
            continue;
        };
        if !filler
            .active_elements
            .iter()
            .any(|(t, _, _)| *t == table_import as u32)
        {
            continue;
        }
        // It must be able to import the library's table: an argument names the library.
        let Some(library_arg) = arg_naming(args, library_instance) else {
            return Ok(None);
        };
        if !filler.tables.is_empty() || spaces.instantiations(*module).len() != 1 {
            return Ok(None);
        }
        let range = spaces.modules[*module as usize].clone().expect("defined");
        let bytes = fill_both(
            &component[range],
            table_import as u32,
            filler.imported_tables().count() as u32,
            library_arg,
        )?;
        fillers.push((*module, bytes));
    }
    Ok(Some(Plan {
        library_module,
        library_instance,
        library: library_bytes,
        main_table,
        library_table: spaces.tables.len() as u32,
        fillers,
    }))
}

/// The library `module` defining the table of type `table` (in place of importing it,
/// and exporting it), its element segments at the constant `base` in place of
/// `global.get $__table_base` (global `base_global`). Sections other than the imports,
/// exports and elements are copied byte for byte: no function index changes, and the
/// table keeps index 0.
fn own_library_table(
    module: &[u8],
    table: wasmparser::TableType,
    base_global: u32,
    base: i32,
) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    let mut table_written = false;
    let mut r = reencode::RoundtripReencoder;
    let write_table = |out: &mut wasm_encoder::Module, r: &mut reencode::RoundtripReencoder| {
        let mut tables = wasm_encoder::TableSection::new();
        tables.table(r.table_type(table).expect("a funcref table"));
        out.section(&tables);
    };
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        if !table_written && section_rank_of_id(id) > section_rank(wasm_encoder::SectionId::Table) {
            write_table(&mut out, &mut r);
            table_written = true;
        }
        match payload {
            Payload::ImportSection(reader) => {
                let mut imports = wasm_encoder::ImportSection::new();
                for import in reader.into_imports() {
                    let import = import?;
                    if matches!(import.ty, wasmparser::TypeRef::Table(_)) {
                        continue;
                    }
                    imports.import(import.module, import.name, r.entity_type(import.ty)?);
                }
                out.section(&imports);
            }
            Payload::ExportSection(reader) => {
                let mut exports = wasm_encoder::ExportSection::new();
                for export in reader {
                    let export = export?;
                    exports.export(export.name, export_kind(export.kind), export.index);
                }
                exports.export(TABLE, wasm_encoder::ExportKind::Table, 0);
                out.section(&exports);
            }
            Payload::ElementSection(reader) => {
                let mut elements = wasm_encoder::ElementSection::new();
                let mut at_base = AtBase { base_global, base };
                for element in reader {
                    at_base.parse_element(&mut elements, element?)?;
                }
                out.section(&elements);
            }
            _ => {
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &module[usize_range(range.clone())],
                });
            }
        }
    }
    if !table_written {
        write_table(&mut out, &mut r);
    }
    Ok(out.finish())
}

/// Re-encodes element segments with `global.get $base_global` offsets made constant.
struct AtBase {
    base_global: u32,
    base: i32,
}

impl Reencode for AtBase {
    type Error = std::convert::Infallible;

    fn const_expr(
        &mut self,
        expr: wasmparser::ConstExpr<'_>,
    ) -> Result<wasm_encoder::ConstExpr, reencode::Error<Self::Error>> {
        if offset(&expr) == Offset::Global(self.base_global) {
            return Ok(wasm_encoder::ConstExpr::i32_const(self.base));
        }
        reencode::utils::const_expr(self, expr)
    }
}

/// The filler `module` with one more table import, `library_arg`.`__indirect_function_table`
/// (index `new_table`, after its other imported tables), and a copy of each of its active
/// element segments into table `main_table` made into that one too.
fn fill_both(module: &[u8], main_table: u32, new_table: u32, library_arg: &str) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    let mut r = reencode::RoundtripReencoder;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        match payload {
            Payload::ImportSection(reader) => {
                let mut imports = wasm_encoder::ImportSection::new();
                for import in reader.into_imports() {
                    let import = import?;
                    imports.import(import.module, import.name, r.entity_type(import.ty)?);
                }
                imports.import(
                    library_arg,
                    TABLE,
                    wasm_encoder::TableType {
                        element_type: wasm_encoder::RefType::FUNCREF,
                        table64: false,
                        minimum: 0,
                        maximum: None,
                        shared: false,
                    },
                );
                out.section(&imports);
            }
            Payload::ElementSection(reader) => {
                let mut elements = wasm_encoder::ElementSection::new();
                for element in reader {
                    let element = element?;
                    let copy = element.clone();
                    r.parse_element(&mut elements, element)?;
                    if let wasmparser::ElementKind::Active {
                        table_index,
                        offset_expr,
                    } = copy.kind
                        && table_index.unwrap_or(0) == main_table
                    {
                        let items = r.element_items(copy.items)?;
                        elements.active(Some(new_table), &r.const_expr(offset_expr)?, items);
                    }
                }
                out.section(&elements);
            }
            _ => {
                out.section(&wasm_encoder::RawSection {
                    id,
                    data: &module[usize_range(range.clone())],
                });
            }
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wit-component's dynamic linking in small: `main` defines the table and memory and
    /// calls through slot 3 itself; the library fills slots 1 and 2 at its
    /// `__table_base` and calls through a function pointer; a module made after it calls
    /// through `env`'s table (like wit-dylib); the fixup fills slot 3 of `main`'s table
    /// with a library function.
    const LINKED: &str = r#"(component
        (component $linked
            (core module $main
                (type $t (func (result i32)))
                (table (export "__indirect_function_table") 4 funcref)
                (memory (export "memory") 1)
                (global (export "lib:table_base") i32 (i32.const 1))
                (func (export "via-main") (result i32) (call_indirect (type $t) (i32.const 3))))
            (core module $lib
                (type $t (func (result i32)))
                (import "env" "memory" (memory 0))
                (import "env" "__indirect_function_table" (table 2 funcref))
                (import "env" "__table_base" (global $base i32))
                (func $seven (result i32) (i32.const 7))
                (func $eight (result i32) (i32.const 8))
                (elem (global.get $base) func $seven $eight)
                (func (export "via-lib") (result i32)
                    (call_indirect (type $t) (i32.add (global.get $base) (i32.const 1))))
                (func (export "nine") (result i32) (i32.const 9)))
            (core module $user
                (type $t (func (result i32)))
                (import "env" "__indirect_function_table" (table 0 funcref))
                (func (export "via-user") (result i32)
                    (i32.add (call_indirect (type $t) (i32.const 1))
                             (call_indirect (type $t) (i32.const 3)))))
            (core module $fixup
                (import "main" "__indirect_function_table" (table 0 funcref))
                (import "lib" "nine" (func $nine (result i32)))
                (elem (i32.const 3) func $nine))
            (core instance $main (instantiate $main))
            (alias core export $main "lib:table_base" (core global $base))
            (alias core export $main "__indirect_function_table" (core table $table))
            (alias core export $main "memory" (core memory $memory))
            (core instance $env
                (export "memory" (memory $memory))
                (export "__indirect_function_table" (table $table))
                (export "__table_base" (global $base)))
            (core instance $lib (instantiate $lib (with "env" (instance $env))))
            (core instance $user-env (export "__indirect_function_table" (table $table)))
            (core instance $user (instantiate $user (with "env" (instance $user-env))))
            (core instance $fixup (instantiate $fixup
                (with "main" (instance $main))
                (with "lib" (instance $lib))))
            (type $f (func (result u32)))
            (alias core export $main "via-main" (core func $a))
            (alias core export $lib "via-lib" (core func $b))
            (alias core export $user "via-user" (core func $c))
            (func (export "via-main") (type $f) (canon lift (core func $a)))
            (func (export "via-lib") (type $f) (canon lift (core func $b)))
            (func (export "via-user") (type $f) (canon lift (core func $c))))
        (instance $i (instantiate $linked))
        (export "via-main" (func $i "via-main"))
        (export "via-lib" (func $i "via-lib"))
        (export "via-user" (func $i "via-user"))
    )"#;

    fn call_all(component: &[u8]) -> Vec<u32> {
        use wasmtime::component::{Component, Linker};
        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, component).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        ["via-main", "via-lib", "via-user"]
            .iter()
            .map(|name| {
                let f = instance
                    .get_typed_func::<(), (u32,)>(&mut store, name)
                    .unwrap();
                f.call(&mut store, ()).unwrap().0
            })
            .collect()
    }

    /// The modules of `component` that define a table, each with its active element
    /// segments as (table, offset) in text.
    fn tables_and_segments(component: &[u8]) -> String {
        wasmprinter::print_bytes(component)
            .unwrap()
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                l.starts_with("(core module") || l.starts_with("(table") || l.starts_with("(elem")
            })
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_library_owns_the_table_and_every_call_through_it_answers_the_same() {
        let wasm = wat::parse_str(LINKED).unwrap();
        assert_eq!(call_all(&wasm), [9, 8, 16]);
        let moved = own_table(&wasm).unwrap().expect("the shape is recognised");
        assert_eq!(call_all(&moved), [9, 8, 16]);
        let text = tables_and_segments(&moved);
        // The library defines the table and fills it at a constant offset, which is
        // what lets wasmtime fill it lazily; the fixup fills slot 3 in both tables.
        assert!(
            text.contains("(core module $lib (;1;)\n(table (;0;) 4 funcref)\n(elem (;0;) (i32.const 1) func $seven $eight)"),
            "{text}"
        );
        assert!(
            text.contains("(elem (;0;) (i32.const 3) func $nine)"),
            "{text}"
        );
        assert!(
            text.contains("(elem (;1;) (table 1) (i32.const 3) func $nine)"),
            "{text}"
        );
        // Same input, same bytes.
        assert_eq!(own_table(&wasm).unwrap().unwrap(), moved);
    }

    #[test]
    fn a_component_without_a_linked_library_is_left_alone() {
        let wasm = wat::parse_str(
            r#"(component
                (component $c
                    (core module $m (table 1 funcref) (func $f) (elem (i32.const 0) func $f))
                    (core instance (instantiate $m)))
                (instance (instantiate $c)))"#,
        )
        .unwrap();
        assert!(own_table(&wasm).unwrap().is_none());
    }
}
