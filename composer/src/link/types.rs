//! Components that define the interfaces of types only that stages import.
//!
//! A stage exporting `weld:http/handler` imports `weld:http/types`, an interface of
//! records and nothing to call. No stage exports it (it would have to come before the
//! stages that use it, and the HTTP glue, which uses it, comes after them), so it would
//! be left to the host: harmless for wasmtime, which needs nothing for it, but an
//! import outside `wasi:http/proxy` that a strict host may refuse. Instead, the link
//! step instantiates one small component per such interface, exporting its types, and
//! wires every stage's import to it. It has no functions, no core instances and no
//! memory, so instantiating it costs nothing (`serve` instantiates it per request).

use anyhow::{Context as _, bail};
use wasm_encoder::reencode::{ReencodeComponent as _, RoundtripReencoder};
use wasmparser::{ComponentAlias, Payload};
use wit_component::DecodedWasm;

use crate::component::{copy_section, top_level_payloads};

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
    without_core_parts(&crate::wit::stand_in(&resolve, world)?)
}

/// `component`, a world of types only as wit-component encodes it, without its core
/// parts. wit-component makes every component from a core module, so this one holds a
/// placeholder module (a memory of no pages, `cabi_realloc`, an empty `_initialize`)
/// and a fixup module whose start function calls it: two core instances and a linear
/// memory at every instantiation, with nothing to run. With no function lifted,
/// nothing else in the component refers to them.
fn without_core_parts(component: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = wasm_encoder::Component::new();
    for payload in top_level_payloads(component)? {
        match payload {
            Payload::Version { .. }
            | Payload::End(_)
            | Payload::ModuleSection { .. }
            | Payload::InstanceSection(_)
            | Payload::CoreTypeSection(_) => {}
            Payload::ComponentCanonicalSection(_) => {
                bail!("the component of an interface of types only lifts a function")
            }
            Payload::ComponentAliasSection(reader) => {
                let mut aliases = wasm_encoder::ComponentAliasSection::new();
                for alias in reader {
                    let alias = alias?;
                    if !matches!(alias, ComponentAlias::CoreInstanceExport { .. }) {
                        aliases.alias(RoundtripReencoder.component_alias(alias)?);
                    }
                }
                if !aliases.is_empty() {
                    out.section(&aliases);
                }
            }
            // Its names are mostly of the core items taken out.
            Payload::CustomSection(custom) if custom.name() == "component-name" => {}
            other => copy_section(&mut out, component, &other)?,
        }
    }
    let bytes = out.finish();
    crate::component::validate(&bytes).context(
        "the component of an interface of types only, without its core parts, does not validate",
    )?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use wasmparser::Payload;
    use wit_component::DecodedWasm;

    use crate::component::top_level_payloads;

    /// A stage importing `t:t/types`, an interface of types only.
    fn importer() -> Vec<u8> {
        let mut resolve = wit_parser::Resolve::default();
        let package = resolve
            .push_str(
                "stage.wit",
                "package t:t;\n\
                 interface types { record pair { name: string, bytes: list<u8> } }\n\
                 world stage { use types.{pair}; export run: func(p: pair) -> u32; }\n",
            )
            .unwrap();
        let world = resolve.select_world(&[package], Some("stage")).unwrap();
        crate::wit::stand_in(&resolve, world).unwrap()
    }

    #[test]
    fn a_provider_instantiates_no_module_and_holds_no_memory() {
        let provider = super::provider(&importer(), "t:t/types").unwrap();
        for payload in top_level_payloads(&provider).unwrap() {
            assert!(
                !matches!(
                    payload,
                    Payload::ModuleSection { .. }
                        | Payload::InstanceSection(_)
                        | Payload::ComponentCanonicalSection(_)
                ),
                "a core part is left: {payload:?}"
            );
        }
        // It still exports the interface, with its types, and nothing else.
        let DecodedWasm::Component(resolve, world) = wit_component::decode(&provider).unwrap()
        else {
            panic!("not a component");
        };
        let world = &resolve.worlds[world];
        assert!(world.imports.is_empty());
        let exports: Vec<String> = world
            .exports
            .keys()
            .map(|key| resolve.name_world_key(key))
            .collect();
        assert_eq!(exports, ["t:t/types"]);
        let interface = resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("types"))
            .map(|(_, i)| i)
            .unwrap();
        assert!(interface.types.contains_key("pair"));
    }

    #[test]
    fn a_provider_is_refused_for_an_interface_the_stage_does_not_import() {
        let error = super::provider(&importer(), "t:t/other").unwrap_err();
        assert!(
            error.to_string().contains("does not import `t:t/other`"),
            "{error}"
        );
    }
}
