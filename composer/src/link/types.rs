//! Components that define the interfaces of types only that stages import.
//!
//! A stage exporting `weld:http/handler` imports `weld:http/types`, an interface of
//! records and nothing to call. No stage exports it (it would have to come before the
//! stages that use it, and the HTTP glue, which uses it, comes after them), so it would
//! be left to the host: harmless for wasmtime, which needs nothing for it, but an
//! import outside `wasi:http/proxy` that a strict host may refuse. Instead, the link
//! step instantiates one small component per such interface, exporting its types, and
//! wires every stage's import to it. It has no functions and no memory.

use wit_component::DecodedWasm;

/// A component exporting `interface` (types only), made from the WIT carried by
/// `importer`, a component importing it.
pub fn provider(importer: &[u8], interface: &str) -> anyhow::Result<Vec<u8>> {
    let DecodedWasm::Component(mut resolve, world) = wit_component::decode(importer)? else {
        anyhow::bail!("not a component");
    };
    let found = resolve.worlds[world]
        .imports
        .keys()
        .any(|key| resolve.name_world_key(key) == interface);
    anyhow::ensure!(found, "the stage does not import `{interface}`");
    let source =
        format!("package weld:types-provider;\n\nworld provider {{\n    export {interface};\n}}\n");
    let package = resolve.push_source("weld-types-provider.wit", &source)?;
    let world = resolve.select_world(&[package], Some("provider"))?;
    crate::wit::stand_in(&resolve, world)
}
