//! Refusals placed inside the stage's own component, instead of in the guard.
//!
//! wit-component lowers every import that needs the stage's memory into a small
//! "fixup" module, which writes it into the table the stage's code calls through.
//! When a stage is denied a whole interface, its functions can be answered right there:
//! the import is removed from the stage's component, and the fixup module gets, in
//! place of each lowered function, a function of the same core signature that writes
//! the interface's own refusal (`layout::refusal`) into the stage's memory, or traps
//! under the name the runtime shim reads back. The stage then needs no guard: no guard
//! instance, no memory for it, and none of the adapters wasmtime fuses between two
//! components (about 3.5 µs of a Rust-only start-up; BENCHMARKS.md, "Per-stage guards").
//!
//! Only denials are placed this way (filters need the host's answer), and only where
//! the component has the shape wit-component gives it: the denied functions all reach
//! one module instantiated once, through one bag of exports, and nothing else refers to
//! the removed imports. Any other shape leaves the stage to the guard, which answers
//! the same way.

use std::collections::{BTreeSet, HashMap};

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, ReencodeComponent};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentTypeRef,
    ExternalKind, Instance, Parser, Payload, TypeRef,
};
use wit_component::DecodedWasm;
use wit_parser::{Resolve, SizeAlign, WorldItem, abi::AbiVariant};

use super::{Capability, Guarded, StagePlan, layout::refusal};

/// The name under which the fixup module imports the stage's memory.
const MEMORY_FIELD: &str = "weld-refusal-memory";

/// A stage's component with its denied imports answered inside it.
#[derive(Debug, Clone)]
pub struct Inlined {
    /// The rewritten component.
    pub bytes: Vec<u8>,
    /// The imports it no longer has (exact names), which the guard then skips.
    pub removed: Vec<String>,
}

/// Answers the denied imports of `plan` inside `component`; `None` when the stage has
/// none or its component has a shape this does not handle (the guard answers then).
pub fn inline(stage: &str, component: &[u8], plan: &StagePlan) -> Option<Inlined> {
    let denied: HashMap<&str, Capability> = plan
        .guarded
        .iter()
        .filter_map(|(import, how)| match how {
            Guarded::Deny(capability) => Some((import.as_str(), *capability)),
            _ => None,
        })
        .collect();
    if denied.is_empty() {
        return None;
    }
    let refusals = Refusals::of(stage, component, &denied)?;
    // Each denied import on its own first: one whose functions do not all reach the
    // fixup module (a resource's drop handed to the stage's code, say) stays with the
    // guard, and the others are still answered here.
    let denied: HashMap<&str, Capability> = denied
        .into_iter()
        .filter(|(import, capability)| {
            let one = HashMap::from([(*import, *capability)]);
            Analysis::of(component, &one, &refusals).is_some()
        })
        .collect();
    if denied.is_empty() {
        return None;
    }
    let analysis = Analysis::of(component, &denied, &refusals)?;
    let bytes = rewrite(component, &analysis, &refusals)?;
    // Never hand on a component that does not validate: the guard is always right.
    crate::component::validate(&bytes).ok()?;
    let mut removed: Vec<String> = denied.keys().map(|s| s.to_string()).collect();
    removed.sort();
    Some(Inlined { bytes, removed })
}

/// How one denied function answers, by its core signature.
#[derive(Debug, Clone)]
enum Refusal {
    /// Writes this memory image at the return pointer (the last parameter).
    Store(Vec<u8>),
    /// Traps, in a function with this name.
    Trap(String),
    /// Does nothing: the drop of a resource of which no handle can exist.
    Nothing,
}

/// The refusal of every function of every denied import, by (import, function).
struct Refusals {
    by_function: HashMap<(String, String), Refusal>,
}

impl Refusals {
    fn of(stage: &str, component: &[u8], denied: &HashMap<&str, Capability>) -> Option<Self> {
        let DecodedWasm::Component(resolve, world) = wit_component::decode(component).ok()? else {
            return None;
        };
        let mut sizes = SizeAlign::default();
        sizes.fill(&resolve).ok()?;
        let mut by_function = HashMap::new();
        for (key, item) in &resolve.worlds[world].imports {
            let WorldItem::Interface { id, .. } = item else {
                continue;
            };
            let import = resolve.name_world_key(key);
            let Some(capability) = denied.get(import.as_str()) else {
                continue;
            };
            let interface = &resolve.interfaces[*id];
            for func in interface.functions.values() {
                let refusal = refusal_of(&resolve, &sizes, stage, *capability, &import, func);
                by_function.insert((import.clone(), func.name.clone()), refusal);
            }
            for name in interface.types.keys() {
                by_function.insert(
                    (import.clone(), format!("[resource-drop]{name}")),
                    Refusal::Nothing,
                );
            }
        }
        Some(Self { by_function })
    }

    fn get(&self, import: &str, name: &str) -> Option<&Refusal> {
        self.by_function
            .get(&(import.to_string(), name.to_string()))
    }
}

fn refusal_of(
    resolve: &Resolve,
    sizes: &SizeAlign,
    stage: &str,
    capability: Capability,
    import: &str,
    func: &wit_parser::Function,
) -> Refusal {
    let sig = resolve.wasm_signature(AbiVariant::GuestImport, func);
    if sig.retptr
        && let Some(bytes) = func
            .result
            .as_ref()
            .and_then(|result| refusal(resolve, sizes, result))
    {
        return Refusal::Store(bytes);
    }
    // The shim reads this name back from a trap's frame to name the grant to add.
    Refusal::Trap(weld_shim::diagnose::Denied::function_name(
        stage, capability, import, &func.name,
    ))
}

/// Where the denied imports sit in the component's index spaces, found in one pass over
/// its top level.
#[derive(Debug, Default)]
struct Analysis {
    /// Component instances (the denied imports).
    instances: BTreeSet<u32>,
    /// Component types: the imports' instance types and resource types aliased out of them.
    types: BTreeSet<u32>,
    /// Component functions aliased out of the denied imports.
    funcs: BTreeSet<u32>,
    /// Core functions lowered from those (or dropping their resources), by index:
    /// (import, function name).
    core_funcs: HashMap<u32, (String, String)>,
    /// The one bag of core exports that hands them on, and its names for them.
    bag: u32,
    bag_names: HashMap<String, (String, String)>,
    /// The memory the lowered functions write into, if any does.
    memory: Option<u32>,
    /// The module the bag is given to, and the name it is given under.
    module: u32,
    arg: String,
}

impl Analysis {
    fn of(
        component: &[u8],
        denied: &HashMap<&str, Capability>,
        refusals: &Refusals,
    ) -> Option<Self> {
        let mut a = Analysis::default();
        let mut next = Counters::default();
        let mut import_types: HashMap<u32, u32> = HashMap::new();
        let mut func_names: HashMap<u32, (String, String)> = HashMap::new();
        let mut type_names: HashMap<u32, (String, String)> = HashMap::new();
        let mut instance_names: HashMap<u32, String> = HashMap::new();
        let mut memories_at_bag = 0;
        let mut bags: HashMap<u32, Vec<(String, u32)>> = HashMap::new();
        // (module, bag, arg) of every instantiation.
        let mut instantiations: Vec<(u32, Vec<(String, u32)>)> = Vec::new();
        for payload in crate::component::top_level_payloads(component).ok()? {
            match payload {
                Payload::ModuleSection { .. } => next.modules += 1,
                Payload::ComponentTypeSection(s) => {
                    for _ in s {
                        next.types += 1;
                    }
                }
                Payload::ComponentImportSection(s) => {
                    for import in s {
                        let import = import.ok()?;
                        match import.ty {
                            ComponentTypeRef::Instance(ty) => {
                                if denied.contains_key(import.name.name) {
                                    a.instances.insert(next.instances);
                                    instance_names.insert(next.instances, import.name.name.into());
                                    import_types.insert(next.instances, ty);
                                }
                                next.instances += 1;
                            }
                            ComponentTypeRef::Func(_) => next.funcs += 1,
                            ComponentTypeRef::Type(_) => next.types += 1,
                            ComponentTypeRef::Module(_) => next.modules += 1,
                            ComponentTypeRef::Component(_) | ComponentTypeRef::Value(_) => {}
                        }
                    }
                }
                Payload::ComponentAliasSection(s) => {
                    for alias in s {
                        match alias.ok()? {
                            ComponentAlias::InstanceExport {
                                kind,
                                instance_index,
                                name,
                            } => {
                                let from = instance_names.get(&instance_index);
                                match kind {
                                    ComponentExternalKind::Func => {
                                        if let Some(import) = from {
                                            a.funcs.insert(next.funcs);
                                            func_names
                                                .insert(next.funcs, (import.clone(), name.into()));
                                        }
                                        next.funcs += 1;
                                    }
                                    ComponentExternalKind::Type => {
                                        if let Some(import) = from {
                                            a.types.insert(next.types);
                                            type_names.insert(
                                                next.types,
                                                (import.clone(), format!("[resource-drop]{name}")),
                                            );
                                        }
                                        next.types += 1;
                                    }
                                    ComponentExternalKind::Instance => {
                                        if from.is_some() {
                                            return None;
                                        }
                                        next.instances += 1;
                                    }
                                    ComponentExternalKind::Module => next.modules += 1,
                                    _ if from.is_some() => return None,
                                    _ => {}
                                }
                            }
                            ComponentAlias::CoreInstanceExport { kind, .. } => match kind {
                                ExternalKind::Func | ExternalKind::FuncExact => {
                                    next.core_funcs += 1;
                                }
                                ExternalKind::Memory => next.memories += 1,
                                _ => {}
                            },
                            ComponentAlias::Outer { kind, .. } => match kind {
                                wasmparser::ComponentOuterAliasKind::Type => next.types += 1,
                                wasmparser::ComponentOuterAliasKind::CoreModule => {
                                    next.modules += 1;
                                }
                                _ => {}
                            },
                        }
                    }
                }
                Payload::ComponentCanonicalSection(s) => {
                    for canon in s {
                        match canon.ok()? {
                            CanonicalFunction::Lift { .. } => next.funcs += 1,
                            CanonicalFunction::Lower {
                                func_index,
                                options,
                            } => {
                                if let Some(names) = func_names.get(&func_index) {
                                    for option in options.iter() {
                                        if let CanonicalOption::Memory(m) = option {
                                            if a.memory.is_some_and(|seen| seen != *m) {
                                                return None;
                                            }
                                            a.memory = Some(*m);
                                        }
                                    }
                                    a.core_funcs.insert(next.core_funcs, names.clone());
                                }
                                next.core_funcs += 1;
                            }
                            CanonicalFunction::ResourceDrop { resource } => {
                                if let Some(names) = type_names.get(&resource) {
                                    a.core_funcs.insert(next.core_funcs, names.clone());
                                }
                                next.core_funcs += 1;
                            }
                            _ => next.core_funcs += 1,
                        }
                    }
                }
                Payload::InstanceSection(s) => {
                    for instance in s {
                        match instance.ok()? {
                            Instance::Instantiate { module_index, args } => {
                                instantiations.push((
                                    module_index,
                                    args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
                                ));
                            }
                            Instance::FromExports(exports) => {
                                let mut handed = Vec::new();
                                for e in exports.iter() {
                                    if matches!(
                                        e.kind,
                                        ExternalKind::Func | ExternalKind::FuncExact
                                    ) && a.core_funcs.contains_key(&e.index)
                                    {
                                        handed.push((e.name.to_string(), e.index));
                                    }
                                }
                                if !handed.is_empty() {
                                    memories_at_bag = next.memories;
                                    bags.insert(next.core_instances, handed);
                                }
                            }
                        }
                        next.core_instances += 1;
                    }
                }
                Payload::ComponentInstanceSection(s) => {
                    for _ in s {
                        next.instances += 1;
                    }
                }
                Payload::ComponentExportSection(s) => {
                    for export in s {
                        match export.ok()?.kind {
                            ComponentExternalKind::Func => next.funcs += 1,
                            ComponentExternalKind::Type => next.types += 1,
                            ComponentExternalKind::Instance => next.instances += 1,
                            ComponentExternalKind::Module => next.modules += 1,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        // The imports' own instance types go with them.
        a.types.extend(import_types.values().copied());

        // One bag hands on every replaced function, to one module instantiated once.
        let [(bag, handed)] = <[_; 1]>::try_from(bags.into_iter().collect::<Vec<_>>()).ok()?;
        if handed.len() != a.core_funcs.len() || a.memory.is_some_and(|m| m >= memories_at_bag) {
            return None;
        }
        let uses: Vec<_> = instantiations
            .iter()
            .flat_map(|(module, args)| {
                args.iter()
                    .filter(|(_, i)| *i == bag)
                    .map(move |(name, _)| (*module, name.clone()))
            })
            .collect();
        let [(module, arg)] = <[_; 1]>::try_from(uses).ok()?;
        if instantiations.iter().filter(|(m, _)| *m == module).count() != 1 {
            return None;
        }
        for (name, func) in handed {
            let names = a.core_funcs[&func].clone();
            refusals.get(&names.0, &names.1)?;
            a.bag_names.insert(name, names);
        }
        a.bag = bag;
        a.module = module;
        a.arg = arg;
        Some(a)
    }
}

/// How many items of each index space the top level has defined so far.
#[derive(Default)]
struct Counters {
    types: u32,
    instances: u32,
    funcs: u32,
    core_funcs: u32,
    core_instances: u32,
    memories: u32,
    modules: u32,
}

/// Writes the component without the denied imports, with the refusals in the module
/// the bag reaches.
fn rewrite(component: &[u8], a: &Analysis, refusals: &Refusals) -> Option<Vec<u8>> {
    let mut r = ComponentRewriter {
        a,
        refusals,
        depth: 0,
        broken: false,
        positions: Counters::default(),
    };
    let mut out = wasm_encoder::Component::new();
    r.parse_component(&mut out, Parser::new(0), component)
        .ok()?;
    (!r.broken).then(|| out.finish())
}

struct ComponentRewriter<'a> {
    a: &'a Analysis,
    refusals: &'a Refusals,
    depth: u32,
    /// A kept item referred to a removed one: give up (the guard answers instead).
    broken: bool,
    /// Where the rewriter is in each index space, so that removed items are
    /// recognised as they are met.
    positions: Counters,
}

impl ComponentRewriter<'_> {
    /// `index` less the removed items before it; a removed one breaks the rewrite.
    fn shift(&mut self, removed: impl Fn(&Analysis) -> &BTreeSet<u32>, index: u32) -> u32 {
        let removed = removed(self.a);
        if removed.contains(&index) {
            self.broken = true;
        }
        index - removed.range(..index).count() as u32
    }

    fn shift_core_func(&mut self, index: u32) -> u32 {
        if self.a.core_funcs.contains_key(&index) {
            self.broken = true;
        }
        index
            - self
                .a
                .core_funcs
                .keys()
                .filter(|removed| **removed < index)
                .count() as u32
    }
}

impl Reencode for ComponentRewriter<'_> {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Ok(if self.depth == 0 {
            self.shift_core_func(func)
        } else {
            func
        })
    }
}

impl ReencodeComponent for ComponentRewriter<'_> {
    fn component_type_index(&mut self, ty: u32) -> u32 {
        if self.depth == 0 {
            self.shift(|a| &a.types, ty)
        } else {
            ty
        }
    }

    fn component_instance_index(&mut self, instance: u32) -> u32 {
        if self.depth == 0 {
            self.shift(|a| &a.instances, instance)
        } else {
            instance
        }
    }

    fn component_func_index(&mut self, func: u32) -> u32 {
        if self.depth == 0 {
            self.shift(|a| &a.funcs, func)
        } else {
            func
        }
    }

    fn outer_component_type_index(&mut self, count: u32, ty: u32) -> u32 {
        if count == self.depth {
            self.shift(|a| &a.types, ty)
        } else {
            ty
        }
    }

    fn push_depth(&mut self) {
        self.depth += 1;
    }

    fn pop_depth(&mut self) {
        self.depth -= 1;
    }

    fn parse_component_type_section(
        &mut self,
        types: &mut wasm_encoder::ComponentTypeSection,
        section: wasmparser::ComponentTypeSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        // Nested components keep their own index spaces, which nothing here changes
        // (the same check opens every section parser below).
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_type_section(
                self, types, section,
            );
        }
        for ty in section {
            let index = self.positions.types;
            self.positions.types += 1;
            if !self.a.types.contains(&index) {
                self.parse_component_type(types.ty(), ty?)?;
            }
        }
        Ok(())
    }

    fn parse_component_import_section(
        &mut self,
        imports: &mut wasm_encoder::ComponentImportSection,
        section: wasmparser::ComponentImportSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_import_section(
                self, imports, section,
            );
        }
        for import in section {
            let import = import?;
            let removed = match import.ty {
                ComponentTypeRef::Instance(_) => {
                    self.positions.instances += 1;
                    self.a.instances.contains(&(self.positions.instances - 1))
                }
                ComponentTypeRef::Func(_) => {
                    self.positions.funcs += 1;
                    false
                }
                ComponentTypeRef::Type(_) => {
                    self.positions.types += 1;
                    false
                }
                ComponentTypeRef::Module(_) => {
                    self.positions.modules += 1;
                    false
                }
                _ => false,
            };
            if !removed {
                imports.import(import.name, self.component_type_ref(import.ty)?);
            }
        }
        Ok(())
    }

    fn parse_component_alias_section(
        &mut self,
        aliases: &mut wasm_encoder::ComponentAliasSection,
        section: wasmparser::ComponentAliasSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_alias_section(
                self, aliases, section,
            );
        }
        for alias in section {
            let alias = alias?;
            let removed = match alias {
                ComponentAlias::InstanceExport { kind, .. } => match kind {
                    ComponentExternalKind::Func => {
                        self.positions.funcs += 1;
                        self.a.funcs.contains(&(self.positions.funcs - 1))
                    }
                    ComponentExternalKind::Type => {
                        self.positions.types += 1;
                        self.a.types.contains(&(self.positions.types - 1))
                    }
                    ComponentExternalKind::Instance => {
                        self.positions.instances += 1;
                        false
                    }
                    ComponentExternalKind::Module => {
                        self.positions.modules += 1;
                        false
                    }
                    _ => false,
                },
                ComponentAlias::CoreInstanceExport { kind, .. } => {
                    if matches!(kind, ExternalKind::Func | ExternalKind::FuncExact) {
                        self.positions.core_funcs += 1;
                    }
                    false
                }
                ComponentAlias::Outer { kind, .. } => {
                    match kind {
                        wasmparser::ComponentOuterAliasKind::Type => self.positions.types += 1,
                        wasmparser::ComponentOuterAliasKind::CoreModule => {
                            self.positions.modules += 1;
                        }
                        _ => {}
                    }
                    false
                }
            };
            if !removed {
                aliases.alias(self.component_alias(alias)?);
            }
        }
        Ok(())
    }

    fn parse_component_canonical_section(
        &mut self,
        canonical: &mut wasm_encoder::CanonicalFunctionSection,
        section: wasmparser::ComponentCanonicalSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_canonical_section(
                self, canonical, section,
            );
        }
        for func in section {
            let func = func?;
            if let CanonicalFunction::Lift { .. } = func {
                self.positions.funcs += 1;
            } else {
                self.positions.core_funcs += 1;
                if self
                    .a
                    .core_funcs
                    .contains_key(&(self.positions.core_funcs - 1))
                {
                    continue;
                }
            }
            self.parse_component_canonical(canonical, func)?;
        }
        Ok(())
    }

    fn parse_instance(
        &mut self,
        instances: &mut wasm_encoder::InstanceSection,
        instance: wasmparser::Instance<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_instance(
                self, instances, instance,
            );
        }
        let index = self.positions.core_instances;
        self.positions.core_instances += 1;
        match instance {
            Instance::FromExports(exports) if index == self.a.bag => {
                let mut items = Vec::new();
                for e in exports.iter() {
                    if self.a.bag_names.contains_key(e.name) {
                        continue;
                    }
                    items.push((
                        e.name,
                        self.export_kind(e.kind)?,
                        self.external_index(e.kind, e.index)?,
                    ));
                }
                if let Some(memory) = self.a.memory {
                    items.push((MEMORY_FIELD, wasm_encoder::ExportKind::Memory, memory));
                }
                instances.export_items(items);
                Ok(())
            }
            other => {
                wasm_encoder::reencode::component_utils::parse_instance(self, instances, other)
            }
        }
    }

    fn parse_component_submodule(
        &mut self,
        component: &mut wasm_encoder::Component,
        _parser: Parser,
        module: &[u8],
    ) -> Result<(), ReencodeError<Self::Error>> {
        let target = self.depth == 0 && {
            self.positions.modules += 1;
            self.positions.modules - 1 == self.a.module
        };
        // Every other module is copied byte for byte: a core module refers to nothing
        // outside itself, and re-encoding its code would move the offsets its DWARF
        // (`weld compose --debug`) points at.
        let rewritten;
        let bytes = if target {
            match fixup_module(module, self.a, self.refusals) {
                Some(bytes) => {
                    rewritten = bytes;
                    &rewritten[..]
                }
                None => {
                    self.broken = true;
                    return Ok(());
                }
            }
        } else {
            module
        };
        component.section(&wasm_encoder::RawSection {
            id: wasm_encoder::ComponentSectionId::CoreModule as u8,
            data: bytes,
        });
        Ok(())
    }

    fn parse_component_custom_section(
        &mut self,
        component: &mut wasm_encoder::Component,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        // Component-level names are by index; after the removals they would name the
        // wrong items. They only serve tools that print the component.
        if section.name() == "component-name" {
            return Ok(());
        }
        wasm_encoder::reencode::component_utils::parse_component_custom_section(
            self, component, section,
        )
    }

    fn parse_component_export_section(
        &mut self,
        exports: &mut wasm_encoder::ComponentExportSection,
        section: wasmparser::ComponentExportSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_export_section(
                self, exports, section,
            );
        }
        for export in section {
            let export = export?;
            match export.kind {
                ComponentExternalKind::Func => self.positions.funcs += 1,
                ComponentExternalKind::Type => self.positions.types += 1,
                ComponentExternalKind::Instance => self.positions.instances += 1,
                ComponentExternalKind::Module => self.positions.modules += 1,
                _ => {}
            }
            self.parse_component_export(exports, export)?;
        }
        Ok(())
    }

    fn parse_component_instance_section(
        &mut self,
        instances: &mut wasm_encoder::ComponentInstanceSection,
        section: wasmparser::ComponentInstanceSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        if self.depth > 0 {
            return wasm_encoder::reencode::component_utils::parse_component_instance_section(
                self, instances, section,
            );
        }
        for instance in section {
            self.positions.instances += 1;
            self.parse_component_instance(instances, instance?)?;
        }
        Ok(())
    }
}

/// The module the bag reaches, with each handed-on function it imports replaced by its
/// refusal and the stage's memory imported for those that store.
fn fixup_module(module: &[u8], a: &Analysis, refusals: &Refusals) -> Option<Vec<u8>> {
    // The function imports, in order, and which of them are replaced.
    let mut imported = 0u32;
    let mut replaced: Vec<(u32, u32, Refusal)> = Vec::new(); // (old index, type, refusal)
    let mut locals = 0u32;
    let mut params: Vec<u32> = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        match payload.ok()? {
            Payload::TypeSection(s) => {
                for ty in s.into_iter_err_on_gc_types() {
                    params.push(ty.ok()?.params().len() as u32);
                }
            }
            Payload::ImportSection(s) => {
                for import in s.into_imports() {
                    let import = import.ok()?;
                    match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            if import.module == a.arg
                                && let Some(names) = a.bag_names.get(import.name)
                            {
                                let refusal = refusals.get(&names.0, &names.1)?.clone();
                                replaced.push((imported, ty, refusal));
                            }
                            imported += 1;
                        }
                        // The refusals would need a second memory.
                        TypeRef::Memory(_) => return None,
                        _ => {}
                    }
                }
            }
            Payload::MemorySection(s) if s.count() > 0 => return None,
            Payload::FunctionSection(s) => locals = s.count(),
            _ => {}
        }
    }
    if replaced.len() != a.bag_names.len() {
        return None;
    }
    let kept = imported - replaced.len() as u32;
    let mut map = Vec::with_capacity(imported as usize);
    let mut next_kept = 0;
    let mut next_new = kept + locals;
    let mut new_funcs = Vec::new();
    for old in 0..imported {
        if let Some((_, ty, refusal)) = replaced.iter().find(|(i, ..)| *i == old) {
            let params = *params.get(*ty as usize)?;
            if matches!(refusal, Refusal::Store(_)) && params == 0 {
                return None;
            }
            map.push(next_new);
            new_funcs.push(NewFunc {
                index: next_new,
                ty: *ty,
                params,
                refusal: refusal.clone(),
            });
            next_new += 1;
        } else {
            map.push(next_kept);
            next_kept += 1;
        }
    }
    let mut r = ModuleRewriter {
        arg: &a.arg,
        replaced: &a.bag_names,
        map,
        removed: replaced.len() as u32,
        store_memory: a.memory.is_some(),
        new_funcs,
        wrote_functions: false,
        wrote_code: false,
        wrote_names: false,
    };
    let mut out = wasm_encoder::Module::new();
    r.parse_core_module(&mut out, Parser::new(0), module).ok()?;
    Some(out.finish())
}

/// A refusal added to the module.
struct NewFunc {
    index: u32,
    ty: u32,
    /// How many parameters its type has.
    params: u32,
    refusal: Refusal,
}

struct ModuleRewriter<'a> {
    arg: &'a str,
    replaced: &'a HashMap<String, (String, String)>,
    /// Old function index -> new, for imports; locals move down by `removed`.
    map: Vec<u32>,
    removed: u32,
    store_memory: bool,
    /// The functions added at the end.
    new_funcs: Vec<NewFunc>,
    wrote_functions: bool,
    wrote_code: bool,
    wrote_names: bool,
}

impl ModuleRewriter<'_> {
    fn add_functions(&mut self, functions: &mut wasm_encoder::FunctionSection) {
        for new in &self.new_funcs {
            functions.function(new.ty);
        }
        self.wrote_functions = true;
    }

    fn add_code(&mut self, code: &mut wasm_encoder::CodeSection) {
        use wasm_encoder::{Function, Instruction as I, MemArg};
        let at = |offset: usize| MemArg {
            offset: offset as u64,
            align: 0,
            memory_index: 0,
        };
        for new in &self.new_funcs {
            let mut f = Function::new([]);
            match &new.refusal {
                Refusal::Store(bytes) => {
                    // The return pointer is the last parameter; nothing else is read.
                    let retptr = new.params - 1;
                    let words = bytes.len() / 8 * 8;
                    for (i, word) in bytes[..words].chunks_exact(8).enumerate() {
                        let value = i64::from_le_bytes(word.try_into().expect("8 bytes"));
                        f.instruction(&I::LocalGet(retptr));
                        f.instruction(&I::I64Const(value));
                        f.instruction(&I::I64Store(at(i * 8)));
                    }
                    for (i, byte) in bytes.iter().enumerate().skip(words) {
                        f.instruction(&I::LocalGet(retptr));
                        f.instruction(&I::I32Const(i32::from(*byte)));
                        f.instruction(&I::I32Store8(at(i)));
                    }
                }
                Refusal::Trap(_) => {
                    f.instruction(&I::Unreachable);
                }
                Refusal::Nothing => {}
            }
            f.instruction(&I::End);
            code.function(&f);
        }
        self.wrote_code = true;
    }

    fn names(&self) -> Vec<(u32, String)> {
        self.new_funcs
            .iter()
            .filter_map(|new| match &new.refusal {
                Refusal::Trap(name) => Some((new.index, name.clone())),
                _ => None,
            })
            .collect()
    }
}

impl Reencode for ModuleRewriter<'_> {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<Self::Error>> {
        Ok(match self.map.get(func as usize) {
            Some(new) => *new,
            None => func - self.removed,
        })
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        for import in section.into_imports() {
            let import = import?;
            let is_func = matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_));
            if is_func && import.module == self.arg && self.replaced.contains_key(import.name) {
                continue;
            }
            imports.import(import.module, import.name, self.entity_type(import.ty)?);
        }
        if self.store_memory {
            imports.import(
                self.arg,
                MEMORY_FIELD,
                wasm_encoder::MemoryType {
                    minimum: 0,
                    maximum: None,
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                },
            );
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        wasm_encoder::reencode::utils::parse_function_section(self, functions, section)?;
        self.add_functions(functions);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        wasm_encoder::reencode::utils::parse_code_section(self, code, section)?;
        self.add_code(code);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<wasm_encoder::SectionId>,
        before: Option<wasm_encoder::SectionId>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        // A module without functions of its own gets the two sections where they go.
        let before = before.map_or(u8::MAX, crate::component::section_rank);
        if !self.wrote_functions
            && before > crate::component::section_rank(wasm_encoder::SectionId::Function)
        {
            let mut functions = wasm_encoder::FunctionSection::new();
            self.add_functions(&mut functions);
            module.section(&functions);
        }
        if !self.wrote_code
            && before > crate::component::section_rank(wasm_encoder::SectionId::Code)
        {
            let mut code = wasm_encoder::CodeSection::new();
            self.add_code(&mut code);
            module.section(&code);
        }
        if before == u8::MAX && !self.wrote_names {
            let names = self.name_section(None, Vec::new());
            module.section(&names);
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<Self::Error>> {
        let wasmparser::KnownCustom::Name(reader) = section.as_known() else {
            return wasm_encoder::reencode::utils::parse_custom_section(self, module, section);
        };
        // Only the module's name and function names are kept (a fixup module has
        // no others); the refusals that trap are named for the shim.
        let mut module_name = None;
        let mut functions = Vec::new();
        for name in reader {
            match name? {
                wasmparser::Name::Module { name, .. } => module_name = Some(name.to_string()),
                wasmparser::Name::Function(map) => {
                    for naming in map {
                        let naming = naming?;
                        functions
                            .push((self.function_index(naming.index)?, naming.name.to_string()));
                    }
                }
                _ => {}
            }
        }
        let names = self.name_section(module_name, functions);
        module.section(&names);
        Ok(())
    }
}

impl ModuleRewriter<'_> {
    fn name_section(
        &mut self,
        module: Option<String>,
        mut functions: Vec<(u32, String)>,
    ) -> wasm_encoder::NameSection {
        self.wrote_names = true;
        functions.extend(self.names());
        functions.sort_by_key(|(index, _)| *index);
        let mut names = wasm_encoder::NameSection::new();
        if let Some(module) = module {
            names.module(&module);
        }
        let mut map = wasm_encoder::NameMap::new();
        for (index, name) in &functions {
            map.append(*index, name);
        }
        names.functions(&map);
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in component (wit-component's shape) for a world of `wit`.
    fn component(wit: &str) -> Vec<u8> {
        let mut resolve = Resolve::default();
        let package = resolve.push_str("stage.wit", wit).unwrap();
        let world = resolve.select_world(&[package], None).unwrap();
        crate::wit::stand_in(&resolve, world).unwrap()
    }

    fn plan(entries: &[(&str, Guarded)]) -> StagePlan {
        StagePlan {
            guarded: entries
                .iter()
                .map(|(import, how)| (import.to_string(), how.clone()))
                .collect(),
        }
    }

    fn imports(component: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let mut depth = 0;
        for payload in Parser::new(0).parse_all(component) {
            match payload.unwrap() {
                Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
                Payload::End(_) => depth -= 1,
                Payload::ComponentImportSection(s) if depth == 0 => {
                    names.extend(s.into_iter().map(|i| i.unwrap().name.name.to_string()));
                }
                _ => {}
            }
        }
        names
    }

    const WIT: &str = r#"
        package test:s;
        interface work { run: func() -> string; }
        interface probe { pair: func() -> tuple<u32, u64>; }
        world stage {
          import wasi:cli/environment@0.2.6;
          import probe;
          export work;
        }
        package wasi:cli@0.2.6 {
          interface environment {
            get-environment: func() -> list<tuple<string, string>>;
            initial-cwd: func() -> option<string>;
          }
        }
    "#;

    #[test]
    fn a_denied_interface_leaves_the_component_and_its_refusal_stays_inside() {
        let stage = component(WIT);
        let env = "wasi:cli/environment@0.2.6";
        let inlined = inline("s", &stage, &plan(&[(env, Guarded::Deny(Capability::Env))]))
            .expect("wit-component's shape is handled");
        assert_eq!(inlined.removed, [env]);
        assert!(imports(&stage).contains(&env.to_string()));
        assert_eq!(imports(&inlined.bytes), ["test:s/probe"]);
        // What the component still describes as its world: the import is gone.
        let DecodedWasm::Component(resolve, world) = wit_component::decode(&inlined.bytes).unwrap()
        else {
            panic!("a component")
        };
        let world = &resolve.worlds[world];
        assert_eq!(world.imports.len(), 1);
        assert_eq!(world.exports.len(), 1);
        // The stage's memory reaches the refusals.
        let text = wasmprinter::print_bytes(&inlined.bytes).unwrap();
        assert!(text.contains(MEMORY_FIELD), "{text}");
    }

    #[test]
    fn a_function_without_a_refusal_traps_under_the_name_the_shim_reads() {
        let stage = component(WIT);
        let probe = "test:s/probe";
        let inlined = inline(
            "s",
            &stage,
            &plan(&[(probe, Guarded::Deny(Capability::Host))]),
        )
        .unwrap();
        let text = wasmprinter::print_bytes(&inlined.bytes).unwrap();
        let name = weld_shim::diagnose::Denied::function_name("s", Capability::Host, probe, "pair");
        assert!(text.contains(&format!("(func ${name} ")), "{text}");
        assert_eq!(imports(&inlined.bytes), ["wasi:cli/environment@0.2.6"]);
    }

    #[test]
    fn filters_stay_with_the_guard() {
        let stage = component(WIT);
        let filtered = Guarded::Env {
            vars: vec!["TZ".into()],
            all: false,
            args: false,
        };
        assert!(
            inline(
                "s",
                &stage,
                &plan(&[("wasi:cli/environment@0.2.6", filtered)])
            )
            .is_none()
        );
    }

    #[test]
    fn the_same_component_gives_the_same_bytes() {
        let stage = component(WIT);
        let p = plan(&[
            ("wasi:cli/environment@0.2.6", Guarded::Deny(Capability::Env)),
            ("test:s/probe", Guarded::Deny(Capability::Host)),
        ]);
        let once = inline("s", &stage, &p).unwrap();
        assert_eq!(once.bytes, inline("s", &stage, &p).unwrap().bytes);
        assert!(imports(&once.bytes).is_empty());
    }
}
