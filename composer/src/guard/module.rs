//! The guard's core module, written as WAT.
//!
//! Text rather than wasm-encoder instructions because the filters are small loops best
//! read as code; the `wat` crate turns them into a binary and wit-component checks the
//! result against the guard's world. Names and signatures come from wit-parser (the
//! same mangling wit-component expects), refusal constants from [`super::layout`].
//!
//! Memory: constants and per-function return areas sit in a static region from
//! address 16; a bump heap follows, for what the host hands the guard (strings,
//! lists). Each export that returns through memory gets a post-return function that
//! empties the heap, so a long-lived instance does not grow.

use std::{collections::HashMap, fmt::Write as _};

use anyhow::{Context as _, bail};
use wit_parser::{
    Function, Handle, InterfaceId, LiftLowerAbi, ManglingAndAbi, Resolve, ResourceIntrinsic,
    SizeAlign, Type, TypeDefKind, TypeId, TypeOwner, WasmExport, WasmExportKind, WasmImport,
    WorldKey,
    abi::{AbiVariant, WasmType},
};

use super::{Guarded, layout::refusal};

const MANGLING: ManglingAndAbi = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);

/// One interface the guard exports for one stage, and how it answers.
#[derive(Debug, Clone)]
pub struct Interface {
    /// The stage it stands in for.
    pub stage: String,
    /// The guard's export: the stage's copy of the interface, in a package of its own.
    pub key: WorldKey,
    /// The interface the stage imports (and the guard, from the host, when it forwards).
    pub host: WorldKey,
    /// The stage's copy (`key`'s interface).
    pub id: InterfaceId,
    /// How it answers.
    pub how: Guarded,
}

/// Writes the guard's core module for `interfaces`.
pub fn write(resolve: &Resolve, interfaces: &[Interface]) -> anyhow::Result<String> {
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve)?;
    let mut w = Writer {
        resolve,
        sizes,
        interfaces,
        imports: String::new(),
        funcs: String::new(),
        data: Vec::new(),
        next: 16,
        imported: HashMap::new(),
        strings: HashMap::new(),
        count: 0,
    };
    for interface in interfaces {
        for func in resolve.interfaces[interface.id].functions.values() {
            w.function(interface, func)?;
        }
    }
    Ok(w.finish())
}

struct Writer<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    interfaces: &'a [Interface],
    imports: String,
    funcs: String,
    data: Vec<(u32, Vec<u8>)>,
    /// The next free static address.
    next: u32,
    /// Imported functions: (module, name) -> `$id`.
    imported: HashMap<(String, String), String>,
    /// Constants already placed.
    strings: HashMap<Vec<u8>, u32>,
    /// Functions written, for their ids.
    count: usize,
}

/// The layout of a list's entries, for [`Writer::keep_listed`]: bytes an entry, and
/// the local name and offset of the string (pointer, then length) it is kept by.
struct ListEntries {
    size: u32,
    key: &'static str,
    key_offset: u32,
}

/// A function's parameters and results as core types.
struct CoreSig {
    params: Vec<&'static str>,
    results: Vec<&'static str>,
    retptr: bool,
}

impl CoreSig {
    fn of(resolve: &Resolve, variant: AbiVariant, func: &Function) -> Self {
        let sig = resolve.wasm_signature(variant, func);
        let core = |t: &WasmType| match t {
            WasmType::I64 | WasmType::PointerOrI64 => "i64",
            WasmType::F32 => "f32",
            WasmType::F64 => "f64",
            WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
        };
        Self {
            params: sig.params.iter().map(core).collect(),
            results: sig.results.iter().map(core).collect(),
            retptr: sig.retptr,
        }
    }

    fn text(&self) -> String {
        let mut s = String::new();
        for p in &self.params {
            let _ = write!(s, " (param {p})");
        }
        for r in &self.results {
            let _ = write!(s, " (result {r})");
        }
        s
    }
}

impl Writer<'_> {
    /// One exported function: forwarded, filtered or refused.
    fn function(&mut self, interface: &Interface, func: &Function) -> anyhow::Result<()> {
        let export = self.resolve.wasm_export_name(
            MANGLING,
            WasmExport::Func {
                interface: Some(&interface.key),
                func,
                kind: WasmExportKind::Normal,
            },
        );
        let sig = CoreSig::of(self.resolve, AbiVariant::GuestExport, func);
        let name = func.name.as_str();
        let body = match &interface.how {
            Guarded::Deny(_) => None,
            Guarded::Env { all: true, .. } if name == "get-environment" => {
                Some(self.forward(interface, func, &sig)?)
            }
            Guarded::Env { vars, .. } if name == "get-environment" => {
                Some(self.env_filter(interface, func, vars)?)
            }
            Guarded::Env { args: true, .. } if name == "get-arguments" || name == "initial-cwd" => {
                Some(self.forward(interface, func, &sig)?)
            }
            Guarded::Env { .. } => None,
            Guarded::Preopens(dirs) if name == "get-directories" => {
                Some(self.preopens_filter(interface, func, dirs)?)
            }
            Guarded::Http(hosts) if name == "handle" => {
                Some(self.http_filter(interface, func, hosts)?)
            }
            Guarded::Config(keys) if name == "get" => Some(self.config_get(interface, func, keys)?),
            Guarded::Config(keys) if name == "get-all" => {
                Some(self.config_get_all(interface, func, keys)?)
            }
            Guarded::Preopens(_) | Guarded::Http(_) | Guarded::Config(_) => None,
        };
        let (id, body) = match body {
            Some(body) => (None, body),
            None => self.refuse(interface, func, &sig)?,
        };
        self.count += 1;
        let id = id.unwrap_or_else(|| format!("$f{}", self.count));
        let _ = writeln!(
            self.funcs,
            "  (func {id} (export {export:?}){}\n{body}\n  )",
            sig.text()
        );
        if sig.retptr {
            let post = self.resolve.wasm_export_name(
                MANGLING,
                WasmExport::Func {
                    interface: Some(&interface.key),
                    func,
                    kind: WasmExportKind::PostReturn,
                },
            );
            let _ = writeln!(
                self.funcs,
                "  (func (export {post:?}) (param i32) (global.set $heap (global.get $heap_base)))"
            );
        }
        Ok(())
    }

    /// The refusal of `func`: a constant, a fresh handle of a resource the guard
    /// defines, or a trap named after what was refused.
    fn refuse(
        &mut self,
        interface: &Interface,
        func: &Function,
        sig: &CoreSig,
    ) -> anyhow::Result<(Option<String>, String)> {
        let capability = match &interface.how {
            Guarded::Deny(c) => *c,
            Guarded::Env { .. } => super::Capability::Env,
            Guarded::Preopens(_) => super::Capability::Files,
            Guarded::Http(_) => super::Capability::Http,
            Guarded::Config(_) => super::Capability::Config,
        };
        if let Some(result) = &func.result {
            if sig.retptr {
                if let Some(bytes) = refusal(self.resolve, &self.sizes, result) {
                    let at = self.constant(&bytes);
                    return Ok((None, format!("    i32.const {at}")));
                }
            } else if let Some(new) = self.own_exported_resource(result)? {
                return Ok((None, format!("    (call {new} (i32.const 0))")));
            }
        }
        let import = self.resolve.name_world_key(&interface.host);
        // The shim reads this name back from a trap's frame to name the grant to add.
        let name = weld_shim::diagnose::Denied::function_name(
            &interface.stage,
            capability,
            &import,
            &func.name,
        );
        let id = format!("${name:?}");
        Ok((Some(id), "    unreachable".to_string()))
    }

    /// `resource.new` of the resource `ty` owns, when it is one this guard exports.
    fn own_exported_resource(&mut self, ty: &Type) -> anyhow::Result<Option<String>> {
        let Type::Id(id) = ty else { return Ok(None) };
        let TypeDefKind::Handle(Handle::Own(resource)) = self.resolve.types[*id].kind else {
            return Ok(None);
        };
        let resource = dealias(self.resolve, resource);
        let TypeOwner::Interface(owner) = self.resolve.types[resource].owner else {
            return Ok(None);
        };
        let Some(exporter) = self.interfaces.iter().find(|i| i.id == owner) else {
            return Ok(None);
        };
        let (module, name) = self.resolve.wasm_import_name(
            MANGLING,
            WasmImport::ResourceIntrinsic {
                interface: Some(&exporter.key),
                resource,
                intrinsic: ResourceIntrinsic::ExportedNew,
            },
        );
        Ok(Some(self.import(
            &module,
            &name,
            "(param i32) (result i32)",
        )))
    }

    /// Calls the host's `func` with the same arguments and returns what it returns.
    fn forward(
        &mut self,
        interface: &Interface,
        func: &Function,
        sig: &CoreSig,
    ) -> anyhow::Result<String> {
        let host = self.host_func(&interface.host, func);
        let args: String = (0..sig.params.len())
            .map(|i| format!(" (local.get {i})"))
            .collect();
        Ok(if sig.retptr {
            let ret = self.return_area(func);
            format!("    (call {host}{args} (i32.const {ret}))\n    i32.const {ret}")
        } else {
            format!("    (call {host}{args})")
        })
    }

    /// `get-environment` keeping only the granted names: the host's list is compacted
    /// in place (16 bytes an entry: name and value, each pointer and length).
    fn env_filter(
        &mut self,
        interface: &Interface,
        func: &Function,
        vars: &[String],
    ) -> anyhow::Result<String> {
        let host = self.host_func(&interface.host, func);
        let ret = self.return_area(func);
        let entries = ListEntries {
            size: 16,
            key: "name",
            key_offset: 0,
        };
        Ok(self.keep_listed(&host, ret, &entries, vars, None))
    }

    /// `get-directories` keeping only the granted guest paths; the descriptors of the
    /// others are dropped (12 bytes an entry: handle, path pointer, path length).
    fn preopens_filter(
        &mut self,
        interface: &Interface,
        func: &Function,
        dirs: &[String],
    ) -> anyhow::Result<String> {
        let host = self.host_func(&interface.host, func);
        let ret = self.return_area(func);
        let descriptor = list_element_resource(self.resolve, func)
            .context("`get-directories` does not return a list of (descriptor, path)")?;
        let drop = self.resource_drop(descriptor)?;
        let entries = ListEntries {
            size: 12,
            key: "path",
            key_offset: 4,
        };
        let drop = format!("(call {drop} (i32.load (local.get $entry)))");
        Ok(self.keep_listed(&host, ret, &entries, dirs, Some(&drop)))
    }

    /// Calls `host` (which returns a list at `ret`) and compacts the list in place,
    /// keeping the entries whose key string is one of `allowed`; `on_dropped` runs for
    /// each other entry (`$entry` is its address).
    fn keep_listed(
        &mut self,
        host: &str,
        ret: u32,
        entries: &ListEntries,
        allowed: &[String],
        on_dropped: Option<&str>,
    ) -> String {
        let ListEntries {
            size,
            key,
            key_offset,
        } = entries;
        let len_offset = key_offset + 4;
        let matches = self.any_equal(&format!("${key}"), &format!("${key}_len"), allowed);
        let otherwise = on_dropped
            .map(|code| format!("\n        (else {code})"))
            .unwrap_or_default();
        format!(
            "    (local $list i32) (local $len i32) (local $i i32) (local $kept i32) (local $entry i32)
    (local ${key} i32) (local ${key}_len i32)
    (call {host} (i32.const {ret}))
    (local.set $list (i32.load (i32.const {ret})))
    (local.set $len (i32.load offset=4 (i32.const {ret})))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $entry (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const {size}))))
      (local.set ${key} (i32.load offset={key_offset} (local.get $entry)))
      (local.set ${key}_len (i32.load offset={len_offset} (local.get $entry)))
      (if {matches}
        (then
          (memory.copy (i32.add (local.get $list) (i32.mul (local.get $kept) (i32.const {size})))
                       (local.get $entry) (i32.const {size}))
          (local.set $kept (i32.add (local.get $kept) (i32.const 1)))){otherwise})
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store offset=4 (i32.const {ret}) (local.get $kept))
    i32.const {ret}"
        )
    }

    /// `handle` sending the request on only when its authority is a granted host;
    /// otherwise the request (and its options) are dropped and the answer is
    /// `error-code.HTTP-request-denied`.
    fn http_filter(
        &mut self,
        interface: &Interface,
        func: &Function,
        hosts: &[String],
    ) -> anyhow::Result<String> {
        let host = self.host_func(&interface.host, func);
        let ret = self.return_area(func);
        let result = func.result.as_ref().context("`handle` returns nothing")?;
        let denied = refusal(self.resolve, &self.sizes, result)
            .context("`handle`'s error has no `HTTP-request-denied` case")?;
        let denied = self.constant(&denied);
        let (request, options) = handle_params(self.resolve, func)
            .context("`handle` does not take (request, option<request-options>)")?;
        let drop_request = self.resource_drop(request)?;
        let drop_options = self.resource_drop(options)?;
        let authority = self.authority_method(request)?;
        // option<string>: a tag byte, then the string's pointer and length at 4 and 8.
        let authority_area = self.reserve(12, 4);
        let mut checks = String::new();
        for h in hosts {
            // Compared with the host, or with host:port when the grant names a port.
            let whole = if h.contains(':') { "$len" } else { "$host_len" };
            // `*.example.com` matches a suffix after at least one character; anything
            // else the whole text.
            let (pattern, start, room) = match h.strip_prefix('*') {
                Some(suffix) => (
                    suffix,
                    format!("(i32.sub (local.get {whole}) (i32.const {}))", suffix.len()),
                    "i32.gt_s",
                ),
                None => (h.as_str(), "(i32.const 0)".to_string(), "i32.ge_s"),
            };
            let (at, len) = self.string(pattern);
            let _ = writeln!(
                checks,
                "      (if ({room} {start} (i32.const 0)) (then
        (if (call $eq_lower (i32.add (local.get $ptr) {start}) (i32.sub (local.get {whole}) {start}) (i32.const {at}) (i32.const {len}))
          (then (local.set $ok (i32.const 1))))))"
            );
        }
        Ok(format!(
            "    (local $ptr i32) (local $len i32) (local $host_len i32) (local $ok i32)
    (call {authority} (local.get 0) (i32.const {authority_area}))
    (if (i32.load8_u (i32.const {authority_area})) (then
      (local.set $ptr (i32.load offset=4 (i32.const {authority_area})))
      (local.set $len (i32.load offset=8 (i32.const {authority_area})))
      (local.set $host_len (call $host_part (local.get $ptr) (local.get $len)))
{checks}    ))
    (if (local.get $ok) (then
      (call {host} (local.get 0) (local.get 1) (local.get 2) (i32.const {ret}))
      (return (i32.const {ret}))))
    (call {drop_request} (local.get 0))
    (if (local.get 1) (then (call {drop_options} (local.get 2))))
    i32.const {denied}"
        ))
    }

    /// `get(key)`: a declared key is asked of the host as `<stage>.<key>`, with its
    /// default when the host has none; any other key has no value.
    /// `result<option<string>, error>`: tag at 0, option tag at 4, string at 8 and 12.
    fn config_get(
        &mut self,
        interface: &Interface,
        func: &Function,
        keys: &[crate::manifest::ConfigKey],
    ) -> anyhow::Result<String> {
        let host = self.host_func(&interface.host, func);
        let ret = self.return_area(func);
        let none = self.constant(&[0; 16]);
        let mut body = String::new();
        for k in keys {
            let (key, key_len) = self.string(&k.key);
            let (host_key, host_key_len) = self.string(
                &weld_shim::grants::ArtifactGrants::host_key(&interface.stage, &k.key),
            );
            let default = match &k.default {
                Some(d) => {
                    let (at, len) = self.string(d);
                    format!(
                        "
        (if (i32.eqz (i32.or (i32.load8_u (i32.const {ret})) (i32.load8_u offset=4 (i32.const {ret})))) (then
          (i32.store8 offset=4 (i32.const {ret}) (i32.const 1))
          (i32.store offset=8 (i32.const {ret}) (i32.const {at}))
          (i32.store offset=12 (i32.const {ret}) (i32.const {len}))))"
                    )
                }
                None => String::new(),
            };
            let _ = writeln!(
                body,
                "    (if (call $eq (local.get 0) (local.get 1) (i32.const {key}) (i32.const {key_len})) (then
        (call {host} (i32.const {host_key}) (i32.const {host_key_len}) (i32.const {ret})){default}
        (return (i32.const {ret}))))"
            );
        }
        let _ = write!(body, "    i32.const {none}");
        Ok(body)
    }

    /// `get-all()`: the declared keys the host (or a default) has a value for, under the
    /// names the stage knows them by. An error from the host is passed on.
    /// `result<list<tuple<string, string>>, error>`: tag at 0, list at 4 and 8.
    fn config_get_all(
        &mut self,
        interface: &Interface,
        _func: &Function,
        keys: &[crate::manifest::ConfigKey],
    ) -> anyhow::Result<String> {
        let get = self.resolve.interfaces[interface.id]
            .functions
            .get("get")
            .context("`wasi:config/store` has no `get`")?;
        // The guard imports `get` even when the stage only uses `get-all`.
        let host = self.host_func(&interface.host, get);
        let value = self.reserve(16, 4);
        let out = self.reserve(12, 4);
        let mut body = format!(
            "    (local $list i32) (local $n i32) (local $entry i32)
    (local.set $list (call $alloc (i32.const {}) (i32.const 4)))\n",
            keys.len().max(1) * 16
        );
        for k in keys {
            let (key, key_len) = self.string(&k.key);
            let (host_key, host_key_len) = self.string(
                &weld_shim::grants::ArtifactGrants::host_key(&interface.stage, &k.key),
            );
            let append = |ptr: &str, len: &str| {
                format!(
                    "(local.set $entry (i32.add (local.get $list) (i32.mul (local.get $n) (i32.const 16))))
          (i32.store (local.get $entry) (i32.const {key}))
          (i32.store offset=4 (local.get $entry) (i32.const {key_len}))
          (i32.store offset=8 (local.get $entry) {ptr})
          (i32.store offset=12 (local.get $entry) {len})
          (local.set $n (i32.add (local.get $n) (i32.const 1)))"
                )
            };
            let found = append(
                &format!("(i32.load offset=8 (i32.const {value}))"),
                &format!("(i32.load offset=12 (i32.const {value}))"),
            );
            let otherwise = match &k.default {
                Some(d) => {
                    let (at, len) = self.string(d);
                    format!(
                        "(else {})",
                        append(&format!("(i32.const {at})"), &format!("(i32.const {len})"))
                    )
                }
                None => String::new(),
            };
            let _ = writeln!(
                body,
                "    (call {host} (i32.const {host_key}) (i32.const {host_key_len}) (i32.const {value}))
    (if (i32.load8_u (i32.const {value})) (then (return (i32.const {value}))))
    (if (i32.load8_u offset=4 (i32.const {value}))
        (then {found}) {otherwise})"
            );
        }
        let _ = write!(
            body,
            "    (i32.store8 (i32.const {out}) (i32.const 0))
    (i32.store offset=4 (i32.const {out}) (local.get $list))
    (i32.store offset=8 (i32.const {out}) (local.get $n))
    i32.const {out}"
        );
        Ok(body)
    }

    /// An expression true when the string (`ptr`, `len` locals) is one of `names`.
    fn any_equal(&mut self, ptr: &str, len: &str, names: &[String]) -> String {
        let mut expr = "(i32.const 0)".to_string();
        for name in names {
            let (at, n) = self.string(name);
            expr = format!(
                "(i32.or {expr}\n        (call $eq (local.get {ptr}) (local.get {len}) (i32.const {at}) (i32.const {n})))"
            );
        }
        expr
    }

    /// The host's `func` of the interface at `key`, imported once.
    fn host_func(&mut self, key: &WorldKey, func: &Function) -> String {
        let (module, name) = self.resolve.wasm_import_name(
            MANGLING,
            WasmImport::Func {
                interface: Some(key),
                func,
            },
        );
        let sig = CoreSig::of(self.resolve, AbiVariant::GuestImport, func);
        self.import(&module, &name, &sig.text())
    }

    /// `resource.drop` of an imported resource.
    fn resource_drop(&mut self, resource: TypeId) -> anyhow::Result<String> {
        let resource = dealias(self.resolve, resource);
        let TypeOwner::Interface(owner) = self.resolve.types[resource].owner else {
            bail!("a resource outside any interface");
        };
        let key = WorldKey::Interface(owner);
        let (module, name) = self.resolve.wasm_import_name(
            MANGLING,
            WasmImport::ResourceIntrinsic {
                interface: Some(&key),
                resource,
                intrinsic: ResourceIntrinsic::ImportedDrop,
            },
        );
        Ok(self.import(&module, &name, "(param i32)"))
    }

    /// The host's `[method]outgoing-request.authority`.
    fn authority_method(&mut self, request: TypeId) -> anyhow::Result<String> {
        let request = dealias(self.resolve, request);
        let TypeOwner::Interface(owner) = self.resolve.types[request].owner else {
            bail!("the request type is outside any interface");
        };
        let func = self.resolve.interfaces[owner]
            .functions
            .get("[method]outgoing-request.authority")
            .context("`wasi:http/types` has no `authority` method")?;
        Ok(self.host_func(&WorldKey::Interface(owner), func))
    }

    fn import(&mut self, module: &str, name: &str, sig: &str) -> String {
        let n = self.imported.len();
        self.imported
            .entry((module.to_string(), name.to_string()))
            .or_insert_with(|| {
                let id = format!("$import{n}");
                let _ = writeln!(
                    self.imports,
                    "  (import {module:?} {name:?} (func {id} {sig}))"
                );
                id
            })
            .clone()
    }

    /// A static area for `func`'s results.
    fn return_area(&mut self, func: &Function) -> u32 {
        let (size, align) = match &func.result {
            Some(ty) => (
                self.sizes.size(ty).size_wasm32(),
                self.sizes.align(ty).align_wasm32(),
            ),
            None => (0, 1),
        };
        self.reserve(size.max(1) as u32, align.max(4) as u32)
    }

    fn reserve(&mut self, size: u32, align: u32) -> u32 {
        let at = self.next.next_multiple_of(align.max(1));
        self.next = at + size;
        at
    }

    /// A constant in the static region, placed once.
    fn constant(&mut self, bytes: &[u8]) -> u32 {
        if let Some(at) = self.strings.get(bytes) {
            return *at;
        }
        let at = self.reserve(bytes.len().max(1) as u32, 8);
        // Memory starts zeroed: a guard whose constants are all zero (most refusals) has
        // no data segment, so no memory image to map at each instantiation.
        if bytes.iter().any(|b| *b != 0) {
            self.data.push((at, bytes.to_vec()));
        }
        self.strings.insert(bytes.to_vec(), at);
        at
    }

    fn string(&mut self, s: &str) -> (u32, u32) {
        (self.constant(s.as_bytes()), s.len() as u32)
    }

    fn finish(self) -> String {
        let heap_base = self.next.next_multiple_of(8);
        // The heap grows on demand; most guards never allocate.
        let pages = (heap_base as usize).div_ceil(65536).max(1);
        let mut data = String::new();
        for (at, bytes) in &self.data {
            let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
            let _ = writeln!(data, "  (data (i32.const {at}) \"{escaped}\")");
        }
        format!(
            "(module
{imports}  (memory (export \"memory\") {pages})
  (global $heap_base i32 (i32.const {heap_base}))
  (global $heap (mut i32) (i32.const {heap_base}))
{funcs}{RUNTIME}{data})\n",
            imports = self.imports,
            funcs = self.funcs,
        )
    }
}

/// The allocator the canonical ABI calls, and the string helpers the filters use.
const RUNTIME: &str = r#"  (func $alloc (param $size i32) (param $align i32) (result i32)
    (local $at i32) (local $end i32) (local $have i32)
    (local.set $at (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                            (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $at) (local.get $size)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have)) (then
      (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                                          (i32.const 16)))
                  (i32.const -1))
        (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $at))
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (call $alloc (local.get $size) (local.get $align)))
    (if (local.get $old_size) (then
      (memory.copy (local.get $at) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (local.get $at))
  ;; Whether two byte strings are equal.
  (func $eq (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $a_len) (local.get $b_len)) (then (return (i32.const 0))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $a_len)))
      (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const 1))
  ;; Whether `a`, lower-cased (ASCII), equals `b` (already lower case).
  (func $eq_lower (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
    (local $i i32) (local $c i32)
    (if (i32.ne (local.get $a_len) (local.get $b_len)) (then (return (i32.const 0))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $a_len)))
      (local.set $c (i32.load8_u (i32.add (local.get $a) (local.get $i))))
      (if (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))
        (then (local.set $c (i32.or (local.get $c) (i32.const 32)))))
      (if (i32.ne (local.get $c) (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const 1))
  ;; The length of an authority's host: without a trailing `:port`.
  (func $host_part (param $at i32) (param $len i32) (result i32)
    (local $i i32) (local $c i32)
    (local.set $i (local.get $len))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $i)))
      (local.set $c (i32.load8_u (i32.add (local.get $at) (i32.sub (local.get $i) (i32.const 1)))))
      (if (i32.eq (local.get $c) (i32.const 58)) (then
        (return (select (i32.sub (local.get $i) (i32.const 1)) (local.get $len)
                        (i32.lt_u (local.get $i) (local.get $len))))))
      (br_if $done (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $len))
"#;

/// The resource of `list<tuple<own<R>, string>>`, as `get-directories` returns.
fn list_element_resource(resolve: &Resolve, func: &Function) -> Option<TypeId> {
    let Some(Type::Id(list)) = &func.result else {
        return None;
    };
    let TypeDefKind::List(Type::Id(tuple)) = &resolve.types[dealias(resolve, *list)].kind else {
        return None;
    };
    let TypeDefKind::Tuple(t) = &resolve.types[*tuple].kind else {
        return None;
    };
    own_of(resolve, t.types.first()?)
}

/// The request and options resources of `handle(own<request>, option<own<options>>)`.
fn handle_params(resolve: &Resolve, func: &Function) -> Option<(TypeId, TypeId)> {
    let request = own_of(resolve, &func.params.first()?.ty)?;
    let Type::Id(option) = func.params.get(1)?.ty else {
        return None;
    };
    let TypeDefKind::Option(inner) = &resolve.types[option].kind else {
        return None;
    };
    Some((request, own_of(resolve, inner)?))
}

fn own_of(resolve: &Resolve, ty: &Type) -> Option<TypeId> {
    let Type::Id(id) = ty else { return None };
    match resolve.types[*id].kind {
        TypeDefKind::Handle(Handle::Own(r)) => Some(r),
        TypeDefKind::Type(ref inner) => own_of(resolve, inner),
        _ => None,
    }
}

fn dealias(resolve: &Resolve, id: TypeId) -> TypeId {
    super::dealias(resolve, id)
}
