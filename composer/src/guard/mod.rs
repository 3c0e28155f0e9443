//! Per-stage grants, enforced inside the artifact.
//!
//! Every import a stage leaves to the host is either *ambient* (clocks, random,
//! stdio, `wasi:io`, `wasi:http/types`: what language runtimes need to start and
//! what holds no authority by itself), *granted* (passed to the host as before), or
//! *guarded*. One component per artifact, the guard, generated here, satisfies the
//! guarded imports of every stage, each stage through its own copy of the interface:
//! - what is not granted is refused with the interface's own refusal (an empty
//!   environment, no preopened directories, `access-denied`, `HTTP-request-denied`,
//!   no configuration value) or, where the interface has none, a trap in a function
//!   named `weld-deny:<stage>:<capability>:<interface>#<function>` that the runtime
//!   shim turns into a message naming the grant to add;
//! - what is granted in part is filtered: environment variables by name, preopened
//!   directories by guest path, outgoing HTTP by host, configuration by key (the
//!   stage asks for `key`, the host is asked for `<stage>.<key>`, a default answers
//!   when the host has no value).
//!
//! A denied interface is answered inside the stage's own component instead where its
//! shape allows ([`inline`]): same refusals, no guard instance and no adapters.
//!
//! The guard imports from the host only what it forwards, so the artifact imports the
//! union of the grants plus the ambient set. It is generated in process: each stage's
//! own WIT (decoded from its component) gives the exact interfaces and versions,
//! [`module`] writes the core module, and wit-component makes it a component. One
//! guard for all stages, not one each: every guard instance costs a core instance and
//! a memory slot at each instantiation (see BENCHMARKS.md, "Per-stage guards").

pub mod inline;
mod layout;
mod module;
pub mod report;

use indexmap::IndexMap;
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding};
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, PackageName, Resolve, Stability, Type, TypeDef,
    TypeDefKind, TypeOwner, World, WorldId, WorldItem, WorldKey,
};

pub use weld_shim::grants::Capability;

use crate::manifest::{Stage, StageGrants, unversioned};
use crate::wiring::HostOrigin;

/// The capability an interface (unversioned) carries; `None` for the ambient set.
pub fn capability_of(interface: &str) -> Option<Capability> {
    let (package, name) = interface.split_once('/').unwrap_or((interface, ""));
    match package {
        "wasi:io" | "wasi:clocks" | "wasi:random" => None,
        "wasi:cli" => match name {
            "environment" => Some(Capability::Env),
            // stdin is ambient: the WASI 0.1 adapter every Rust and Go stage carries
            // asks for it when it starts, and there is no empty stream to hand out
            // instead. The host decides what it holds (empty when serving).
            _ => None,
        },
        "wasi:http" => match name {
            "outgoing-handler" => Some(Capability::Http),
            _ => None,
        },
        "wasi:filesystem" => Some(Capability::Files),
        "wasi:sockets" => Some(Capability::Network),
        "wasi:config" => Some(Capability::Config),
        _ => Some(Capability::Host),
    }
}

/// How the guard answers one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guarded {
    /// Nothing granted: refuse every function.
    Deny(Capability),
    /// Only these environment variables; arguments and working directory if `args`.
    Env {
        /// Variable names.
        vars: Vec<String>,
        /// Every variable (`env: "*"`), arguments filtered.
        all: bool,
        /// Arguments and initial working directory.
        args: bool,
    },
    /// Only these preopened directories, by guest path.
    Preopens(Vec<String>),
    /// Outgoing HTTP only to these hosts.
    Http(Vec<String>),
    /// The stage's configuration keys.
    Config(Vec<crate::manifest::ConfigKey>),
}

/// What happens to each of a stage's host imports.
#[derive(Debug, Clone, Default)]
pub struct StagePlan {
    /// Guarded imports (exact import names) and how.
    pub guarded: IndexMap<String, Guarded>,
}

impl StagePlan {
    /// Decides, for each host import of `stage`, whether it passes to the host or is
    /// guarded.
    pub fn new<'a>(
        stage: &Stage,
        host_imports: impl IntoIterator<Item = (&'a str, HostOrigin)>,
    ) -> Self {
        let g = &stage.grants;
        let mut guarded = IndexMap::new();
        for (import, origin) in host_imports {
            // `imports: { x: host }` and `host-imports:` are grants written in the pipeline.
            if origin != HostOrigin::Wasi && origin != HostOrigin::HostImports {
                continue;
            }
            let interface = unversioned(import);
            let Some(capability) = capability_of(interface) else {
                continue;
            };
            if let Some(how) = guard_for(g, capability, interface, origin) {
                guarded.insert(import.to_string(), how);
            }
        }
        Self { guarded }
    }

    /// The plan of `stage` with the host imports `wiring` found for it.
    pub fn of(stage: &Stage, wiring: &crate::wiring::Wiring) -> Self {
        Self::new(
            stage,
            wiring
                .host_imports
                .iter()
                .filter(|h| h.stage == stage.name)
                .map(|h| (h.name.as_str(), h.origin)),
        )
    }

    /// Whether the stage needs a guard at all.
    pub fn is_empty(&self) -> bool {
        self.guarded.is_empty()
    }
}

/// How `capability` is guarded for a stage with grants `g`; `None` passes it to the host.
fn guard_for(
    g: &StageGrants,
    capability: Capability,
    interface: &str,
    origin: HostOrigin,
) -> Option<Guarded> {
    let all = |list: &[String]| list.len() == 1 && list[0] == "*";
    let deny = Some(Guarded::Deny(capability));
    match capability {
        Capability::Env | Capability::Args if all(&g.env) && g.args => None,
        Capability::Env | Capability::Args if g.env.is_empty() && !g.args => deny,
        Capability::Env | Capability::Args => Some(Guarded::Env {
            vars: if all(&g.env) {
                Vec::new()
            } else {
                g.env.clone()
            },
            all: all(&g.env),
            args: g.args,
        }),
        Capability::Files if g.files.is_empty() => deny,
        Capability::Files if interface == "wasi:filesystem/preopens" => Some(Guarded::Preopens(
            g.files.iter().map(|f| f.guest.clone()).collect(),
        )),
        Capability::Files => None,
        Capability::Http if all(&g.http) => None,
        Capability::Http if g.http.is_empty() => deny,
        Capability::Http => Some(Guarded::Http(g.http.clone())),
        Capability::Network if g.network => None,
        Capability::Network => deny,
        Capability::Config if g.config.is_empty() => deny,
        Capability::Config => Some(Guarded::Config(g.config.clone())),
        Capability::Host if origin == HostOrigin::HostImports => None,
        Capability::Host if g.host.iter().any(|h| h == interface) => None,
        Capability::Host => deny,
    }
}

/// Why a guard could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The stage's component does not describe its imports.
    #[error("cannot read the WIT of stage `{stage}`")]
    Decode {
        /// The stage.
        stage: String,
        /// wit-component's reason.
        #[source]
        source: anyhow::Error,
    },
    /// The stage imports something the guard cannot stand in for.
    #[error("stage `{stage}`: cannot guard import `{import}`: {reason}")]
    Unsupported {
        /// The stage.
        stage: String,
        /// The import.
        import: String,
        /// Why.
        reason: String,
    },
    /// wit-component refused the generated module (a bug in Weld).
    #[error("the generated guard of stage `{stage}` is not valid (this is a bug in Weld)")]
    Encode {
        /// The stage.
        stage: String,
        /// The reason.
        #[source]
        source: anyhow::Error,
    },
}

/// What the guard is generated for: one stage, its component (for its WIT) and plan.
#[derive(Debug, Clone, Copy)]
pub struct GuardedStage<'a> {
    /// The stage.
    pub stage: &'a str,
    /// Its component.
    pub component: &'a [u8],
    /// What to guard.
    pub plan: &'a StagePlan,
}

/// The artifact's guard: one component standing in for the guarded imports of every
/// stage.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The component.
    pub bytes: Vec<u8>,
    /// Which of its exports satisfies which stage's import.
    pub exports: Vec<GuardExport>,
}

/// One guarded import of one stage, and the guard's export that satisfies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardExport {
    /// The stage.
    pub stage: String,
    /// The stage's import (an interface name).
    pub import: String,
    /// The guard's export of the same interface: the stage's own copy.
    pub export: String,
}

/// Generates the one guard of an artifact for `stages` (those with an empty plan are
/// skipped); `None` when no stage needs one.
///
/// One component, not one per stage: every component instance costs its own core
/// instance and memory slot at each instantiation. Each stage still gets its own copy
/// of every interface it guards (moved to a package `weld-guard-<stage>:...`),
/// answering by that stage's grants.
pub fn generate(stages: &[GuardedStage<'_>]) -> Result<Option<Guard>, GuardError> {
    let mut resolve = Resolve::default();
    let mut world_imports: IndexMap<WorldKey, WorldItem> = IndexMap::new();
    let mut interfaces = Vec::new();
    let mut exports = Vec::new();
    for (index, s) in stages.iter().enumerate() {
        if s.plan.is_empty() {
            continue;
        }
        let stage = s.stage;
        let decode_error = |source| GuardError::Decode {
            stage: stage.to_string(),
            source,
        };
        let (mut own, stage_world) =
            match wit_component::decode(s.component).map_err(decode_error)? {
                DecodedWasm::Component(resolve, world) => (resolve, world),
                DecodedWasm::WitPackage(..) => {
                    return Err(decode_error(anyhow::anyhow!(
                        "it is a WIT package, not a component"
                    )));
                }
            };
        // The stage's imported interfaces, by import name.
        let imported: IndexMap<String, InterfaceId> = own.worlds[stage_world]
            .imports
            .iter()
            .filter_map(|(key, item)| match item {
                WorldItem::Interface { id, .. } => Some((own.name_world_key(key), *id)),
                _ => None,
            })
            .collect();
        for (import, how) in &s.plan.guarded {
            let Some(id) = imported.get(import) else {
                return Err(GuardError::Unsupported {
                    stage: stage.to_string(),
                    import: import.clone(),
                    reason: "it is not an interface import of the stage".to_string(),
                });
            };
            if let Guarded::Http(_) = how {
                add_authority_method(&mut own, *id).map_err(|reason| GuardError::Unsupported {
                    stage: stage.to_string(),
                    import: import.clone(),
                    reason,
                })?;
            }
        }

        // The copy the guard exports: the guarded interfaces moved out of their
        // packages into one of the stage's own, so that every stage's copy has a name
        // of its own in the guard.
        let mut copy = own.clone();
        let namespace = package_namespace(stage, index);
        let mut moved = Vec::new();
        for import in s.plan.guarded.keys() {
            let id = imported[import];
            move_interface(&mut copy, id, &namespace);
            moved.push(id);
        }
        // Each merged view keeps its world; give those unique packages so the merges
        // of several stages (all decoded as `root:component`) do not collide.
        rename_package(&mut own, stage_world, &format!("weld-stage-{index}"));
        rename_package(&mut copy, stage_world, &format!("weld-copy-{index}"));

        let merge_error = |source| GuardError::Encode {
            stage: stage.to_string(),
            source,
        };
        let own_map = resolve.merge(own).map_err(merge_error)?;
        let copy_map = resolve.merge(copy).map_err(merge_error)?;
        let map = |remap: &wit_parser::Remap, id: InterfaceId| {
            remap.interfaces[id.index()].expect("merged interfaces are kept")
        };

        // The guard may import everything the stage imports (wit-component keeps only
        // what the module uses): the host side of what it forwards, and what the
        // copies' types refer to.
        for id in imported.values() {
            let original = map(&own_map, *id);
            world_imports
                .entry(WorldKey::Interface(original))
                .or_insert_with(|| interface_item(original));
        }
        for ((import, how), id) in s.plan.guarded.iter().zip(moved) {
            let copy = map(&copy_map, id);
            let host = WorldKey::Interface(map(&own_map, id));
            let key = WorldKey::Interface(copy);
            exports.push(GuardExport {
                stage: stage.to_string(),
                import: import.clone(),
                export: resolve.name_world_key(&key),
            });
            interfaces.push(module::Interface {
                stage: stage.to_string(),
                key,
                host,
                id: copy,
                how: how.clone(),
            });
        }
    }
    if interfaces.is_empty() {
        return Ok(None);
    }

    // The guard's world: its own package, the stages' copies exported.
    let package = resolve.packages.alloc(wit_parser::Package {
        name: guard_package_name(),
        docs: Default::default(),
        interfaces: IndexMap::new(),
        worlds: IndexMap::new(),
    });
    resolve.package_names.insert(guard_package_name(), package);
    let world = World {
        name: "guard".to_string(),
        imports: world_imports,
        exports: interfaces
            .iter()
            .map(|i| (i.key.clone(), interface_item(i.id)))
            .collect(),
        package: Some(package),
        docs: Default::default(),
        stability: Stability::Unknown,
        includes: Vec::new(),
        span: Default::default(),
    };
    let world: WorldId = resolve.worlds.alloc(world);
    resolve.packages[package]
        .worlds
        .insert("guard".to_string(), world);

    // Errors past this point are Weld's, not a stage's: name the first stage.
    let encode_error = |source| GuardError::Encode {
        stage: interfaces[0].stage.clone(),
        source,
    };
    let wat = module::write(&resolve, &interfaces).map_err(encode_error)?;
    let mut core = wat::parse_str(&wat).map_err(|e| encode_error(e.into()))?;
    wit_component::embed_component_metadata(
        &mut core,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .map_err(encode_error)?;
    let bytes = ComponentEncoder::default()
        .validate(true)
        .module(&core)
        .and_then(|e| e.encode())
        .map_err(encode_error)?;
    Ok(Some(Guard { bytes, exports }))
}

fn guard_package_name() -> PackageName {
    PackageName {
        namespace: "weld".to_string(),
        name: "guard".to_string(),
        version: None,
    }
}

fn interface_item(id: InterfaceId) -> WorldItem {
    WorldItem::Interface {
        id,
        stability: Stability::Unknown,
        external_id: None,
        docs: Default::default(),
        span: Default::default(),
    }
}

/// The namespace of a stage's copies: `weld-guard-<stage>`, or `weld-guard-<index>`
/// for a stage name that is not a WIT identifier (a word starting with a digit).
fn package_namespace(stage: &str, index: usize) -> String {
    let wit_id = stage
        .split('-')
        .all(|word| word.starts_with(|c: char| c.is_ascii_lowercase()));
    if wit_id {
        format!("weld-guard-{stage}")
    } else {
        format!("weld-guard-{index}")
    }
}

/// Moves interface `id` out of its package into `<namespace>:<package name>@<version>`.
fn move_interface(resolve: &mut Resolve, id: InterfaceId, namespace: &str) {
    let Some(from) = resolve.interfaces[id].package else {
        return;
    };
    let Some(name) = resolve.interfaces[id].name.clone() else {
        return;
    };
    let from_name = resolve.packages[from].name.clone();
    let to_name = PackageName {
        namespace: namespace.to_string(),
        name: from_name.name,
        version: from_name.version,
    };
    let to = match resolve.package_names.get(&to_name) {
        Some(to) => *to,
        None => {
            let to = resolve.packages.alloc(wit_parser::Package {
                name: to_name.clone(),
                docs: Default::default(),
                interfaces: IndexMap::new(),
                worlds: IndexMap::new(),
            });
            resolve.package_names.insert(to_name, to);
            to
        }
    };
    resolve.packages[from].interfaces.shift_remove(&name);
    resolve.packages[to].interfaces.insert(name, id);
    resolve.interfaces[id].package = Some(to);
}

/// Renames the package holding `world` to `<namespace>:component`.
fn rename_package(resolve: &mut Resolve, world: WorldId, namespace: &str) {
    let Some(package) = resolve.worlds[world].package else {
        return;
    };
    let old = resolve.packages[package].name.clone();
    let new = PackageName {
        namespace: namespace.to_string(),
        name: "component".to_string(),
        version: None,
    };
    resolve.package_names.shift_remove(&old);
    resolve.package_names.insert(new.clone(), package);
    resolve.packages[package].name = new;
}

/// Adds `[method]outgoing-request.authority` to the stage's `wasi:http/types` when the
/// stage itself never calls it: the HTTP guard reads the request's host with it, and a
/// decoded component only lists the functions it imports.
fn add_authority_method(resolve: &mut Resolve, handler: InterfaceId) -> Result<(), String> {
    // The request type, as the handler's `handle` function sees it.
    let handle = resolve.interfaces[handler]
        .functions
        .get("handle")
        .ok_or("the interface has no `handle` function")?;
    let request = match handle.params.first().map(|p| &p.ty) {
        Some(Type::Id(id)) => match resolve.types[*id].kind {
            TypeDefKind::Handle(Handle::Own(r)) => r,
            _ => return Err("`handle` does not take an owned request".to_string()),
        },
        _ => return Err("`handle` does not take a request".to_string()),
    };
    let request = dealias(resolve, request);
    let TypeOwner::Interface(types) = resolve.types[request].owner else {
        return Err("the request type is not defined in an interface".to_string());
    };
    let name = "[method]outgoing-request.authority".to_string();
    if resolve.interfaces[types].functions.contains_key(&name) {
        return Ok(());
    }
    let borrow = resolve.types.alloc(TypeDef {
        name: None,
        kind: TypeDefKind::Handle(Handle::Borrow(request)),
        owner: TypeOwner::None,
        docs: Default::default(),
        stability: Stability::Unknown,
        span: Default::default(),
        external_id: None,
    });
    let option = resolve.types.alloc(TypeDef {
        name: None,
        kind: TypeDefKind::Option(Type::String),
        owner: TypeOwner::None,
        docs: Default::default(),
        stability: Stability::Unknown,
        span: Default::default(),
        external_id: None,
    });
    resolve.interfaces[types].functions.insert(
        name.clone(),
        Function {
            name,
            kind: FunctionKind::Method(request),
            params: vec![wit_parser::Param {
                name: "self".to_string(),
                ty: Type::Id(borrow),
                span: Default::default(),
            }],
            result: Some(Type::Id(option)),
            docs: Default::default(),
            stability: Stability::Unknown,
            span: Default::default(),
            external_id: None,
        },
    );
    Ok(())
}

/// Follows `type x = y` aliases to the defining type.
fn dealias(resolve: &Resolve, mut id: wit_parser::TypeId) -> wit_parser::TypeId {
    while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    id
}
