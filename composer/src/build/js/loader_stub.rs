//! componentize-qjs's module-loader stub, taken out of a QuickJS stage.
//!
//! The QuickJS runtime imports `local:init/module-loader` (`resolve`, `load`). While
//! componentize-qjs snapshots the stage, its host answers them, so that the stage's
//! module can import other modules of its folder. Once the snapshot is taken nothing
//! calls them, and componentize-qjs plugs a stub component into the import whose
//! functions trap: a placeholder module with a memory of no pages, a fixup module and
//! two lifted functions. They cost two core instances and a linear memory at every
//! instantiation of the stage (every request, in `serve`), for functions nothing calls.
//!
//! [`without_loader_stub`] takes the stub out. The stage no longer imports the
//! interface: its two lowerings of it go, and so do the two entries wit-component's
//! fixup module wrote into the shim module's table. The runtime still imports the two
//! functions from the shim module, whose slots now stay empty, so a call would still
//! trap (on the empty slot) as it did in the stub.
//!
//! Anything not shaped as expected leaves the component as it is, and a result that
//! does not validate is never used.

use std::collections::HashSet;
use std::ops::Range;

use anyhow::{Context as _, Result};
use wasm_encoder::reencode::{self, Reencode, ReencodeComponent};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentTypeRef,
    ExternalKind, Payload,
};

use crate::component::{CoreInstance, copy_section, top_level_payloads, usize_range};

/// The interface componentize-qjs stubs after its snapshot.
const LOADER: &str = "local:init/module-loader";

/// `component` (componentize-qjs's output) without the module-loader stub, or `None`
/// when it does not have the shape this expects.
pub fn without_loader_stub(component: &[u8]) -> Result<Option<Vec<u8>>> {
    let payloads = top_level_payloads(component)?;
    let Some(outer) = Outer::of(&payloads) else {
        return Ok(None);
    };
    let stage = &component[outer.components[outer.stage as usize].clone()];
    let Some(stage) = without_loader_import(stage)? else {
        return Ok(None);
    };
    let bytes = outer.rewrite(component, &payloads, &stage)?;
    crate::component::validate(&bytes)
        .context("the QuickJS stage without its module-loader stub is not valid")?;
    Ok(Some(bytes))
}

/// Removed items of an index space: every later index moves down by those before it.
#[derive(Debug, Default, Clone)]
struct Removed(Vec<u32>);

impl Removed {
    fn new(mut indices: Vec<u32>) -> Self {
        indices.sort_unstable();
        indices.dedup();
        Self(indices)
    }

    fn contains(&self, index: u32) -> bool {
        self.0.binary_search(&index).is_ok()
    }

    fn map(&self, index: u32) -> u32 {
        index - self.0.iter().take_while(|r| **r < index).count() as u32
    }
}

/// Renumbers a component's own index spaces (not its nested modules' or components',
/// which are copied as they are) after items are removed.
#[derive(Debug, Default)]
struct Renumber {
    instances: Removed,
    components: Removed,
    funcs: Removed,
    core_funcs: Removed,
}

impl Reencode for Renumber {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error> {
        Ok(self.core_funcs.map(func))
    }
}

impl ReencodeComponent for Renumber {
    fn component_instance_index(&mut self, instance: u32) -> u32 {
        self.instances.map(instance)
    }

    fn component_index(&mut self, component: u32) -> u32 {
        self.components.map(component)
    }

    fn component_func_index(&mut self, func: u32) -> u32 {
        self.funcs.map(func)
    }
}

/// A component instance, as far as the rewrite needs it.
#[derive(Debug)]
enum InstanceItem {
    Instantiate {
        component: u32,
        args: Vec<(String, ComponentExternalKind, u32)>,
    },
    /// Aliased from another instance's exports.
    Alias {
        instance: u32,
        name: String,
    },
    Other,
}

/// componentize-qjs's outer component: the stage, the stub, and the stage instantiated
/// with the stub's export.
struct Outer {
    /// The byte range of each component defined here (empty for any other).
    components: Vec<Range<usize>>,
    stage: u32,
    stub: u32,
    /// The stub's instance and the alias of its export.
    stub_instance: u32,
    loader_alias: u32,
}

impl Outer {
    fn of(payloads: &[Payload<'_>]) -> Option<Self> {
        let mut components = Vec::new();
        let mut instances = Vec::new();
        for payload in payloads {
            match payload {
                Payload::ComponentSection {
                    unchecked_range, ..
                } => components.push(usize_range(unchecked_range.clone())),
                Payload::ComponentImportSection(reader) => {
                    for import in reader.clone() {
                        match import.ok()?.ty {
                            ComponentTypeRef::Instance(_) => instances.push(InstanceItem::Other),
                            ComponentTypeRef::Component(_) => components.push(0..0),
                            _ => {}
                        }
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader.clone() {
                        instances.push(match instance.ok()? {
                            wasmparser::ComponentInstance::Instantiate {
                                component_index,
                                args,
                            } => InstanceItem::Instantiate {
                                component: component_index,
                                args: args
                                    .iter()
                                    .map(|a| (a.name.to_string(), a.kind, a.index))
                                    .collect(),
                            },
                            wasmparser::ComponentInstance::FromExports(_) => InstanceItem::Other,
                        });
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader.clone() {
                        match alias.ok()? {
                            ComponentAlias::InstanceExport {
                                kind: ComponentExternalKind::Instance,
                                instance_index,
                                name,
                            } => instances.push(InstanceItem::Alias {
                                instance: instance_index,
                                name: name.to_string(),
                            }),
                            ComponentAlias::InstanceExport {
                                kind: ComponentExternalKind::Component,
                                ..
                            }
                            | ComponentAlias::Outer {
                                kind: wasmparser::ComponentOuterAliasKind::Component,
                                ..
                            } => components.push(0..0),
                            _ => {}
                        }
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader.clone() {
                        match export.ok()?.kind {
                            ComponentExternalKind::Instance => instances.push(InstanceItem::Other),
                            ComponentExternalKind::Component => components.push(0..0),
                            _ => {}
                        }
                    }
                }
                Payload::Version { .. }
                | Payload::End(_)
                | Payload::ComponentTypeSection(_)
                | Payload::CoreTypeSection(_)
                | Payload::CustomSection(_) => {}
                // Anything else (core items, canonical functions) is not componentize-qjs's
                // outer component.
                _ => return None,
            }
        }
        // The stage: instantiated with the loader, an alias of the stub instance's export.
        let mut found = None;
        for item in &instances {
            let InstanceItem::Instantiate { component, args } = item else {
                continue;
            };
            for (name, kind, index) in args {
                if name == LOADER && *kind == ComponentExternalKind::Instance {
                    if found.is_some() {
                        return None;
                    }
                    found = Some((*component, *index));
                }
            }
        }
        let (stage, loader_alias) = found?;
        let InstanceItem::Alias { instance, name } = instances.get(loader_alias as usize)? else {
            return None;
        };
        if name != LOADER {
            return None;
        }
        let stub_instance = *instance;
        let InstanceItem::Instantiate {
            component: stub,
            args,
        } = instances.get(stub_instance as usize)?
        else {
            return None;
        };
        let defined = |c: u32| components.get(c as usize).is_some_and(|r| !r.is_empty());
        if !args.is_empty() || !defined(*stub) || !defined(stage) || *stub == stage {
            return None;
        }
        // The stub, its instance and the alias are used by nothing else.
        let uses = |wanted: u32, kind: ComponentExternalKind| {
            instances
                .iter()
                .map(|item| match item {
                    InstanceItem::Instantiate { component, args } => {
                        args.iter()
                            .filter(|(_, k, i)| *k == kind && *i == wanted)
                            .count()
                            + usize::from(
                                kind == ComponentExternalKind::Component && *component == wanted,
                            )
                    }
                    InstanceItem::Alias { instance, .. } => {
                        usize::from(kind == ComponentExternalKind::Instance && *instance == wanted)
                    }
                    InstanceItem::Other => 0,
                })
                .sum::<usize>()
        };
        if uses(*stub, ComponentExternalKind::Component) != 1
            || uses(stub_instance, ComponentExternalKind::Instance) != 1
            || uses(loader_alias, ComponentExternalKind::Instance) != 1
            || used_beyond_the_loader(payloads, stub_instance, loader_alias)?
        {
            return None;
        }
        Some(Self {
            components,
            stage,
            stub: *stub,
            stub_instance,
            loader_alias,
        })
    }

    /// The component with the stage replaced by `stage` and the stub gone.
    fn rewrite(&self, component: &[u8], payloads: &[Payload<'_>], stage: &[u8]) -> Result<Vec<u8>> {
        let mut renumber = Renumber {
            instances: Removed::new(vec![self.stub_instance, self.loader_alias]),
            components: Removed::new(vec![self.stub]),
            ..Renumber::default()
        };
        let mut out = wasm_encoder::Component::new();
        let (mut component_index, mut instance_index) = (0u32, 0u32);
        for payload in payloads {
            match payload {
                Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    let index = component_index;
                    component_index += 1;
                    let data = if index == self.stub {
                        continue;
                    } else if index == self.stage {
                        stage
                    } else {
                        &component[usize_range(unchecked_range.clone())]
                    };
                    out.section(&wasm_encoder::RawSection {
                        id: wasm_encoder::ComponentSectionId::Component as u8,
                        data,
                    });
                }
                Payload::ComponentImportSection(reader) => {
                    for import in reader.clone() {
                        match import?.ty {
                            ComponentTypeRef::Instance(_) => instance_index += 1,
                            ComponentTypeRef::Component(_) => component_index += 1,
                            _ => {}
                        }
                    }
                    copy_section(&mut out, component, payload)?;
                }
                Payload::ComponentInstanceSection(reader) => {
                    let mut section = wasm_encoder::ComponentInstanceSection::new();
                    for instance in reader.clone() {
                        let index = instance_index;
                        instance_index += 1;
                        if index == self.stub_instance {
                            continue;
                        }
                        let instance = match instance? {
                            wasmparser::ComponentInstance::Instantiate {
                                component_index,
                                args,
                            } => wasmparser::ComponentInstance::Instantiate {
                                component_index,
                                args: args
                                    .iter()
                                    .filter(|a| a.name != LOADER)
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .into_boxed_slice(),
                            },
                            other => other,
                        };
                        renumber.parse_component_instance(&mut section, instance)?;
                    }
                    out.section(&section);
                }
                Payload::ComponentAliasSection(reader) => {
                    let mut section = wasm_encoder::ComponentAliasSection::new();
                    for alias in reader.clone() {
                        let alias = alias?;
                        match alias {
                            ComponentAlias::InstanceExport {
                                kind: ComponentExternalKind::Instance,
                                ..
                            } => {
                                let index = instance_index;
                                instance_index += 1;
                                if index == self.loader_alias {
                                    continue;
                                }
                            }
                            ComponentAlias::InstanceExport {
                                kind: ComponentExternalKind::Component,
                                ..
                            }
                            | ComponentAlias::Outer {
                                kind: wasmparser::ComponentOuterAliasKind::Component,
                                ..
                            } => component_index += 1,
                            _ => {}
                        }
                        section.alias(renumber.component_alias(alias)?);
                    }
                    out.section(&section);
                }
                Payload::ComponentExportSection(reader) => {
                    let mut section = wasm_encoder::ComponentExportSection::new();
                    for export in reader.clone() {
                        let export = export?;
                        match export.kind {
                            ComponentExternalKind::Instance => instance_index += 1,
                            ComponentExternalKind::Component => component_index += 1,
                            _ => {}
                        }
                        renumber.parse_component_export(&mut section, export)?;
                    }
                    out.section(&section);
                }
                // Names of the stub's items, and of items that moved.
                Payload::CustomSection(custom) if custom.name() == "component-name" => {}
                // Types, canonical functions and core items refer to no instance or
                // component of this level.
                Payload::ComponentTypeSection(_)
                | Payload::CoreTypeSection(_)
                | Payload::CustomSection(_) => copy_section(&mut out, component, payload)?,
                Payload::Version { .. } | Payload::End(_) => {}
                other => anyhow::bail!("unexpected in componentize-qjs's output: {other:?}"),
            }
        }
        Ok(out.finish())
    }
}

/// Whether the stub's instance is used beyond the one alias of the loader, or that
/// alias is exported: exports would point at other instances once these are gone.
fn used_beyond_the_loader(payloads: &[Payload<'_>], stub: u32, loader: u32) -> Option<bool> {
    let mut aliases = 0;
    for payload in payloads {
        match payload {
            Payload::ComponentExportSection(reader) => {
                for export in reader.clone() {
                    let export = export.ok()?;
                    if export.kind == ComponentExternalKind::Instance
                        && (export.index == stub || export.index == loader)
                    {
                        return Some(true);
                    }
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.clone() {
                    if let ComponentAlias::InstanceExport { instance_index, .. } = alias.ok()?
                        && instance_index == stub
                    {
                        aliases += 1;
                    }
                }
            }
            _ => {}
        }
    }
    Some(aliases != 1)
}

/// Whether a core alias reads one of `names` from the core instance `bag`.
fn aliases_from(payloads: &[Payload<'_>], bag: u32, names: &[&str]) -> Option<bool> {
    for payload in payloads {
        if let Payload::ComponentAliasSection(reader) = payload {
            for alias in reader.clone() {
                if let ComponentAlias::CoreInstanceExport {
                    instance_index,
                    name,
                    ..
                } = alias.ok()?
                    && instance_index == bag
                    && names.contains(&name)
                {
                    return Some(true);
                }
            }
        }
    }
    Some(false)
}

/// The stage component's index spaces, as far as the rewrite needs them.
#[derive(Default)]
struct StageSpaces {
    modules: Vec<Option<Range<usize>>>,
    core_instances: Vec<CoreInstance>,
    /// Core functions: lowered from this component function, or something else.
    core_funcs: Vec<Option<u32>>,
    /// Component functions: aliased from this instance, or something else.
    funcs: Vec<Option<u32>>,
    /// The loader's import, by instance index.
    loader: Option<u32>,
    instances: u32,
    /// Every core function index used as a canonical option or lifted.
    core_funcs_used: Vec<u32>,
    /// Every component function and instance used in an instantiation or an export.
    funcs_used: Vec<u32>,
    instances_used: Vec<u32>,
}

impl StageSpaces {
    fn of(payloads: &[Payload<'_>]) -> Option<Self> {
        let mut s = Self::default();
        let use_external = |s: &mut Self, kind: ComponentExternalKind, index: u32| match kind {
            ComponentExternalKind::Func => s.funcs_used.push(index),
            ComponentExternalKind::Instance => s.instances_used.push(index),
            _ => {}
        };
        for payload in payloads {
            match payload {
                Payload::Version { .. }
                | Payload::End(_)
                | Payload::CoreTypeSection(_)
                | Payload::ComponentTypeSection(_)
                | Payload::CustomSection(_)
                | Payload::ComponentSection { .. } => {}
                Payload::ModuleSection {
                    unchecked_range, ..
                } => s.modules.push(Some(usize_range(unchecked_range.clone()))),
                Payload::ComponentImportSection(reader) => {
                    for import in reader.clone() {
                        let import = import.ok()?;
                        match import.ty {
                            ComponentTypeRef::Instance(_) => {
                                if import.name.name == LOADER {
                                    s.loader = Some(s.instances);
                                }
                                s.instances += 1;
                            }
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
                                ..
                            } => match kind {
                                ComponentExternalKind::Func => s.funcs.push(Some(instance_index)),
                                ComponentExternalKind::Instance => {
                                    s.instances_used.push(instance_index);
                                    s.instances += 1;
                                }
                                ComponentExternalKind::Module => s.modules.push(None),
                                _ => s.instances_used.push(instance_index),
                            },
                            ComponentAlias::CoreInstanceExport { kind, .. } => {
                                if matches!(kind, ExternalKind::Func | ExternalKind::FuncExact) {
                                    s.core_funcs.push(None);
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
                        let func = func.ok()?;
                        let options: &[CanonicalOption] = match &func {
                            CanonicalFunction::Lift { options, .. }
                            | CanonicalFunction::Lower { options, .. }
                            | CanonicalFunction::TaskReturn { options, .. } => options,
                            _ => &[],
                        };
                        for option in options {
                            if let CanonicalOption::Realloc(f)
                            | CanonicalOption::PostReturn(f)
                            | CanonicalOption::Callback(f) = option
                            {
                                s.core_funcs_used.push(*f);
                            }
                        }
                        match func {
                            CanonicalFunction::Lift {
                                core_func_index, ..
                            } => {
                                s.core_funcs_used.push(core_func_index);
                                s.funcs.push(None);
                            }
                            CanonicalFunction::Lower { func_index, .. } => {
                                s.core_funcs.push(Some(func_index));
                            }
                            _ => s.core_funcs.push(None),
                        }
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader.clone() {
                        s.core_instances.push(CoreInstance::from(instance.ok()?));
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader.clone() {
                        match instance.ok()? {
                            wasmparser::ComponentInstance::Instantiate { args, .. } => {
                                for arg in args.iter() {
                                    use_external(&mut s, arg.kind, arg.index);
                                }
                            }
                            wasmparser::ComponentInstance::FromExports(exports) => {
                                for export in exports.iter() {
                                    use_external(&mut s, export.kind, export.index);
                                }
                            }
                        }
                        s.instances += 1;
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader.clone() {
                        let export = export.ok()?;
                        use_external(&mut s, export.kind, export.index);
                        match export.kind {
                            ComponentExternalKind::Func => s.funcs.push(None),
                            ComponentExternalKind::Instance => s.instances += 1,
                            ComponentExternalKind::Module => s.modules.push(None),
                            _ => {}
                        }
                    }
                }
                _ => return None,
            }
        }
        Some(s)
    }
}

/// What goes from the stage component.
struct StagePlan {
    loader: u32,
    funcs: Removed,
    core_funcs: Removed,
    /// The fixup module, and its rewrite.
    fixup: u32,
    fixup_bytes: Vec<u8>,
}

/// The stage component (componentize-qjs's, before the stub is plugged in) without its
/// import of the loader, or `None` when it is not shaped as expected.
fn without_loader_import(stage: &[u8]) -> Result<Option<Vec<u8>>> {
    let payloads = top_level_payloads(stage)?;
    let Some(plan) = plan(stage, &payloads)? else {
        return Ok(None);
    };
    let mut renumber = Renumber {
        instances: Removed::new(vec![plan.loader]),
        funcs: plan.funcs.clone(),
        core_funcs: plan.core_funcs.clone(),
        ..Renumber::default()
    };
    let mut out = wasm_encoder::Component::new();
    let (mut module, mut instance, mut func, mut core_func) = (0u32, 0u32, 0u32, 0u32);
    for payload in &payloads {
        match payload {
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                let data = if module == plan.fixup {
                    &plan.fixup_bytes[..]
                } else {
                    &stage[usize_range(unchecked_range.clone())]
                };
                module += 1;
                out.section(&wasm_encoder::RawSection {
                    id: wasm_encoder::ComponentSectionId::CoreModule as u8,
                    data,
                });
            }
            Payload::ComponentImportSection(reader) => {
                let mut section = wasm_encoder::ComponentImportSection::new();
                for import in reader.clone() {
                    let import = import?;
                    match import.ty {
                        ComponentTypeRef::Instance(_) => {
                            instance += 1;
                            if instance - 1 == plan.loader {
                                continue;
                            }
                        }
                        ComponentTypeRef::Func(_) => func += 1,
                        ComponentTypeRef::Module(_) => module += 1,
                        _ => {}
                    }
                    section.import(import.name, renumber.component_type_ref(import.ty)?);
                }
                out.section(&section);
            }
            Payload::ComponentAliasSection(reader) => {
                let mut section = wasm_encoder::ComponentAliasSection::new();
                for alias in reader.clone() {
                    let alias = alias?;
                    match alias {
                        ComponentAlias::InstanceExport { kind, .. } => match kind {
                            ComponentExternalKind::Func => {
                                func += 1;
                                if plan.funcs.contains(func - 1) {
                                    continue;
                                }
                            }
                            ComponentExternalKind::Instance => instance += 1,
                            ComponentExternalKind::Module => module += 1,
                            _ => {}
                        },
                        ComponentAlias::CoreInstanceExport { kind, .. } => {
                            if matches!(kind, ExternalKind::Func | ExternalKind::FuncExact) {
                                core_func += 1;
                            }
                        }
                        ComponentAlias::Outer { kind, .. } => {
                            if kind == wasmparser::ComponentOuterAliasKind::CoreModule {
                                module += 1;
                            }
                        }
                    }
                    section.alias(renumber.component_alias(alias)?);
                }
                out.section(&section);
            }
            Payload::ComponentCanonicalSection(reader) => {
                let mut section = wasm_encoder::CanonicalFunctionSection::new();
                for canonical in reader.clone() {
                    let canonical = canonical?;
                    if matches!(canonical, CanonicalFunction::Lift { .. }) {
                        func += 1;
                    } else {
                        core_func += 1;
                        if plan.core_funcs.contains(core_func - 1) {
                            continue;
                        }
                    }
                    renumber.parse_component_canonical(&mut section, canonical)?;
                }
                out.section(&section);
            }
            Payload::InstanceSection(reader) => {
                let mut section = wasm_encoder::InstanceSection::new();
                for core_instance in reader.clone() {
                    let core_instance = match core_instance? {
                        wasmparser::Instance::FromExports(exports) => {
                            wasmparser::Instance::FromExports(
                                exports
                                    .iter()
                                    .filter(|e| {
                                        !(matches!(
                                            e.kind,
                                            ExternalKind::Func | ExternalKind::FuncExact
                                        ) && plan.core_funcs.contains(e.index))
                                    })
                                    .cloned()
                                    .collect::<Vec<_>>()
                                    .into_boxed_slice(),
                            )
                        }
                        other => other,
                    };
                    renumber.parse_instance(&mut section, core_instance)?;
                }
                out.section(&section);
            }
            Payload::ComponentInstanceSection(reader) => {
                instance += reader.count();
                let mut section = wasm_encoder::ComponentInstanceSection::new();
                renumber.parse_component_instance_section(&mut section, reader.clone())?;
                out.section(&section);
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader.clone() {
                    match export?.kind {
                        ComponentExternalKind::Func => func += 1,
                        ComponentExternalKind::Instance => instance += 1,
                        ComponentExternalKind::Module => module += 1,
                        _ => {}
                    }
                }
                let mut section = wasm_encoder::ComponentExportSection::new();
                renumber.parse_component_export_section(&mut section, reader.clone())?;
                out.section(&section);
            }
            // Names of removed and moved items.
            Payload::CustomSection(custom) if custom.name() == "component-name" => {}
            Payload::CustomSection(_)
            | Payload::CoreTypeSection(_)
            | Payload::ComponentTypeSection(_)
            | Payload::ComponentSection { .. } => copy_section(&mut out, stage, payload)?,
            Payload::Version { .. } | Payload::End(_) => {}
            other => anyhow::bail!("unexpected in a QuickJS stage: {other:?}"),
        }
    }
    Ok(Some(out.finish()))
}

/// Decides what goes: the loader's import, the functions aliased from it, their
/// lowerings, and those lowerings' entries in the fixup module.
fn plan(stage: &[u8], payloads: &[Payload<'_>]) -> Result<Option<StagePlan>> {
    let Some(s) = StageSpaces::of(payloads) else {
        return Ok(None);
    };
    let Some(loader) = s.loader else {
        return Ok(None);
    };
    // The loader's functions, used only by their lowerings.
    let funcs: Vec<u32> = (0..s.funcs.len() as u32)
        .filter(|f| s.funcs[*f as usize] == Some(loader))
        .collect();
    let lowered: Vec<u32> = (0..s.core_funcs.len() as u32)
        .filter(|c| s.core_funcs[*c as usize].is_some_and(|f| funcs.contains(&f)))
        .collect();
    if funcs.is_empty()
        || lowered.len() != funcs.len()
        || s.instances_used.contains(&loader)
        || funcs.iter().any(|f| s.funcs_used.contains(f))
        || lowered.iter().any(|c| s.core_funcs_used.contains(c))
    {
        return Ok(None);
    }
    // The lowerings are handed to the fixup module only, through one bag of exports.
    let mut bags = Vec::new();
    for (index, instance) in s.core_instances.iter().enumerate() {
        if let CoreInstance::FromExports(exports) = instance {
            let names: Vec<&str> = exports
                .iter()
                .filter(|(_, kind, i)| {
                    matches!(kind, ExternalKind::Func | ExternalKind::FuncExact)
                        && lowered.contains(i)
                })
                .map(|(name, _, _)| name.as_str())
                .collect();
            if !names.is_empty() {
                bags.push((index as u32, names));
            }
        }
    }
    let [(bag, names)] = &bags[..] else {
        return Ok(None);
    };
    if names.len() != lowered.len() || aliases_from(payloads, *bag, names) != Some(false) {
        return Ok(None);
    }
    let users: Vec<(u32, &str)> = s
        .core_instances
        .iter()
        .filter_map(|instance| match instance {
            CoreInstance::Instantiate { module, args } => Some(
                args.iter()
                    .filter(|(_, i)| i == bag)
                    .map(move |(name, _)| (*module, name.as_str())),
            ),
            CoreInstance::FromExports(_) => None,
        })
        .flatten()
        .collect();
    let [(fixup, arg)] = users[..] else {
        return Ok(None);
    };
    let instantiations = s
        .core_instances
        .iter()
        .filter(|i| matches!(i, CoreInstance::Instantiate { module, .. } if *module == fixup))
        .count();
    let Some(Some(range)) = s.modules.get(fixup as usize) else {
        return Ok(None);
    };
    if instantiations != 1 {
        return Ok(None);
    }
    let removed: HashSet<(String, String)> = names
        .iter()
        .map(|name| (arg.to_string(), name.to_string()))
        .collect();
    let Some(fixup_bytes) = without_imports(&stage[range.clone()], &removed)? else {
        return Ok(None);
    };
    Ok(Some(StagePlan {
        loader,
        funcs: Removed::new(funcs),
        core_funcs: Removed::new(lowered),
        fixup,
        fixup_bytes,
    }))
}

/// wit-component's fixup module without the function imports `removed` ((module, name)),
/// and without the element entries that wrote them into a table; `None` if it uses them
/// any other way.
fn without_imports(module: &[u8], removed: &HashSet<(String, String)>) -> Result<Option<Vec<u8>>> {
    let mut funcs = Vec::new();
    let mut func = 0u32;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let Payload::ImportSection(reader) = payload? {
            for import in reader.into_imports() {
                let import = import?;
                if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                    if removed.contains(&(import.module.to_string(), import.name.to_string())) {
                        funcs.push(func);
                    }
                    func += 1;
                }
            }
        }
    }
    if funcs.len() != removed.len() {
        return Ok(None);
    }
    let mut dropper = DropImports {
        removed: Removed::new(funcs),
        names: removed,
        unexpected: false,
    };
    let mut out = wasm_encoder::Module::new();
    dropper.parse_core_module(&mut out, wasmparser::Parser::new(0), module)?;
    Ok((!dropper.unexpected).then(|| out.finish()))
}

/// Drops function imports from a module and their entries from its element segments.
struct DropImports<'a> {
    removed: Removed,
    names: &'a HashSet<(String, String)>,
    /// A removed function is used some other way.
    unexpected: bool,
}

impl Reencode for DropImports<'_> {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error> {
        self.unexpected |= self.removed.contains(func);
        Ok(self.removed.map(func))
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        for import in section.into_imports() {
            let import = import?;
            if matches!(import.ty, wasmparser::TypeRef::Func(_))
                && self
                    .names
                    .contains(&(import.module.to_string(), import.name.to_string()))
            {
                continue;
            }
            imports.import(import.module, import.name, self.entity_type(import.ty)?);
        }
        Ok(())
    }

    fn parse_element_section(
        &mut self,
        elements: &mut wasm_encoder::ElementSection,
        section: wasmparser::ElementSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        for element in section {
            let element = element?;
            let (
                wasmparser::ElementKind::Active {
                    table_index,
                    offset_expr,
                },
                wasmparser::ElementItems::Functions(items),
            ) = (&element.kind, &element.items)
            else {
                self.parse_element(elements, element)?;
                continue;
            };
            let mut ops = offset_expr.get_operators_reader();
            let (Ok(wasmparser::Operator::I32Const { value: base }), Ok(wasmparser::Operator::End)) =
                (ops.read(), ops.read())
            else {
                self.parse_element(elements, element)?;
                continue;
            };
            // The entries of removed functions go; the others keep their slots, in runs.
            let items = items.clone().into_iter().collect::<Result<Vec<u32>, _>>()?;
            let mut run: Vec<u32> = Vec::new();
            let mut run_start = 0;
            for (slot, func) in items.iter().enumerate().chain([(items.len(), &u32::MAX)]) {
                let keep = slot < items.len() && !self.removed.contains(*func);
                if keep {
                    if run.is_empty() {
                        run_start = slot;
                    }
                    run.push(self.removed.map(*func));
                    continue;
                }
                if !run.is_empty() {
                    elements.active(
                        *table_index,
                        &wasm_encoder::ConstExpr::i32_const(base + run_start as i32),
                        wasm_encoder::Elements::Functions(std::mem::take(&mut run).into()),
                    );
                }
            }
        }
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        // Its function names are by index, and the indices moved.
        if section.name() == "name" {
            return Ok(());
        }
        reencode::utils::parse_custom_section(self, module, section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// componentize-qjs's shape in small: a stage whose module calls the loader's `load`
    /// and another import's `seven` through wit-component's shim, whose fixup fills
    /// both slots; a stub exporting the loader with a trapping `load`; the stage
    /// instantiated with the stub's export.
    const PLUGGED: &str = r#"(component
        (import "test:other/iface" (instance $other (export "seven" (func (result u32)))))
        (component $stage
            (import "test:other/iface" (instance $other (export "seven" (func (result u32)))))
            (import "local:init/module-loader" (instance $loader
                (export "load" (func (param "path" string) (result u32)))))
            (core module $shim
                (type $load (func (param i32 i32) (result i32)))
                (type $seven (func (result i32)))
                (table $imports 2 2 funcref)
                (func (export "0") (type $load)
                    local.get 0 local.get 1 i32.const 0 call_indirect $imports (type $load))
                (func (export "1") (type $seven) i32.const 1 call_indirect $imports (type $seven))
                (export "$imports" (table $imports)))
            (core module $main
                (import "loader" "load" (func $load (param i32 i32) (result i32)))
                (import "other" "seven" (func $seven (result i32)))
                (memory (export "memory") 1)
                (func (export "answer") (result i32) i32.const 42)
                (func (export "seven") (result i32) call $seven)
                (func (export "load") (result i32) i32.const 0 i32.const 0 call $load))
            (core module $fixup
                (type $load (func (param i32 i32) (result i32)))
                (type $seven (func (result i32)))
                (import "" "0" (func (type $load)))
                (import "" "1" (func (type $seven)))
                (import "" "$imports" (table 2 2 funcref))
                (elem (i32.const 0) func 0 1))
            (core instance $shim (instantiate $shim))
            (alias core export $shim "0" (core func $indirect-load))
            (alias core export $shim "1" (core func $indirect-seven))
            (alias core export $shim "$imports" (core table $imports))
            (core instance $loader-bag (export "load" (func $indirect-load)))
            (core instance $other-bag (export "seven" (func $indirect-seven)))
            (core instance $main (instantiate $main
                (with "loader" (instance $loader-bag))
                (with "other" (instance $other-bag))))
            (alias core export $main "memory" (core memory $memory))
            (alias core export $main "answer" (core func $answer))
            (alias core export $main "seven" (core func $main-seven))
            (alias core export $main "load" (core func $main-load))
            (alias export $loader "load" (func $load))
            (core func $load-lowered (canon lower (func $load) (memory $memory)))
            (alias export $other "seven" (func $seven))
            (core func $seven-lowered (canon lower (func $seven)))
            (core instance $actual
                (export "0" (func $load-lowered))
                (export "1" (func $seven-lowered))
                (export "$imports" (table $imports)))
            (core instance (instantiate $fixup (with "" (instance $actual))))
            (func (export "answer") (result u32) (canon lift (core func $answer)))
            (func (export "seven") (result u32) (canon lift (core func $main-seven)))
            (func (export "load") (result u32) (canon lift (core func $main-load))))
        (component $stub
            (core module $m
                (memory (export "memory") 0)
                (func (export "load") (param i32 i32) (result i32) unreachable)
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable))
            (core instance $i (instantiate $m))
            (alias core export $i "memory" (core memory $memory))
            (alias core export $i "load" (core func $core-load))
            (alias core export $i "realloc" (core func $realloc))
            (func $load (param "path" string) (result u32)
                (canon lift (core func $core-load) (memory $memory) (realloc $realloc)))
            (instance $loader (export "load" (func $load)))
            (export "local:init/module-loader" (instance $loader)))
        (instance $stub (instantiate $stub))
        (alias export $stub "local:init/module-loader" (instance $loader))
        (instance $stage (instantiate $stage
            (with "test:other/iface" (instance $other))
            (with "local:init/module-loader" (instance $loader))))
        (alias export $stage "answer" (func $answer))
        (alias export $stage "seven" (func $seven))
        (alias export $stage "load" (func $load))
        (export "answer" (func $answer))
        (export "seven" (func $seven))
        (export "load" (func $load)))"#;

    /// `answer`, `seven` (through the kept import) and whether `load` trapped.
    fn run(component: &[u8]) -> (u32, u32, bool) {
        use wasmtime::component::{Component, Linker};
        let engine = wasmtime::Engine::default();
        let component = Component::new(&engine, component).unwrap();
        let mut linker = Linker::<()>::new(&engine);
        linker
            .instance("test:other/iface")
            .unwrap()
            .func_wrap("seven", |_, (): ()| Ok((7u32,)))
            .unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let mut call = |name: &str| {
            instance
                .get_typed_func::<(), (u32,)>(&mut store, name)
                .unwrap()
                .call(&mut store, ())
                .map(|(v,)| v)
        };
        (
            call("answer").unwrap(),
            call("seven").unwrap(),
            call("load").is_err(),
        )
    }

    /// (components, core instances, imports of the loader) at every depth.
    fn census(component: &[u8]) -> (usize, u32, usize) {
        let (mut components, mut core_instances, mut loaders) = (0, 0, 0);
        for payload in wasmparser::Parser::new(0).parse_all(component) {
            match payload.unwrap() {
                Payload::ComponentSection { .. } => components += 1,
                Payload::InstanceSection(reader) => core_instances += reader.count(),
                Payload::ComponentImportSection(reader) => {
                    loaders += reader
                        .into_iter()
                        .filter(|i| i.as_ref().unwrap().name.name == LOADER)
                        .count();
                }
                _ => {}
            }
        }
        (components, core_instances, loaders)
    }

    #[test]
    fn the_stub_goes_and_the_stage_answers_the_same() {
        let wasm = wat::parse_str(PLUGGED).unwrap();
        assert_eq!(run(&wasm), (42, 7, true));
        let without = without_loader_stub(&wasm)
            .unwrap()
            .expect("the shape is recognised");
        // The kept import still reaches the host through the shim's other slot, and a
        // call of the loader still traps (its slot is empty now).
        assert_eq!(run(&without), (42, 7, true));
        assert_eq!(census(&wasm), (2, 7, 1));
        assert_eq!(census(&without), (1, 6, 0));
        // The fixup fills only the kept slot.
        let text = wasmprinter::print_bytes(&without).unwrap();
        assert!(text.contains("(elem (;0;) (i32.const 1) func 0)"), "{text}");
        // Same input, same bytes.
        assert_eq!(without_loader_stub(&wasm).unwrap().unwrap(), without);
    }

    #[test]
    fn a_component_without_the_stub_is_left_alone() {
        let wasm = wat::parse_str(
            r#"(component
                (component $c
                    (core module $m (func (export "f")))
                    (core instance (instantiate $m)))
                (instance (instantiate $c)))"#,
        )
        .unwrap();
        assert!(without_loader_stub(&wasm).unwrap().is_none());
    }
}
