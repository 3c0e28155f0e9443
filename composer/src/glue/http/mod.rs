//! The HTTP glue: the component that serves a pipeline's `http:` routes.
//!
//! It exports `wasi:http/incoming-handler`, so the artifact stays a standard
//! `wasi:http/proxy` component, and imports one function per handler stage
//! (`handler-<stage>`) and per middleware stage (`middleware-<stage>`), which the link
//! step wires to their `weld:http/handler` and `weld:http/middleware` exports. What it
//! does per request (read, route, 404/405/413, middleware, handler, write) is the
//! prebuilt router of composer/glue/http-router, which Weld specializes here, in
//! process: [`table`] encodes the routes, [`router`] rewrites the core module to call
//! the stages, and wit-component makes it a component of a world generated for the
//! pipeline. No toolchain is needed, and the same routes give the same bytes.

mod router;
mod table;

pub use router::RouterError;

use crate::{
    contract::Contracts,
    diagnostic::{Diagnostic, Diagnostics},
    manifest::{HANDLER_INTERFACE, HTTP_STAGE, Http, MIDDLEWARE_INTERFACE, Manifest, unversioned},
};

/// The router's core module, as `scripts/build-glue` builds it (prebuilt so that a
/// pipeline of Go or JS stages needs no Rust toolchain to serve HTTP, as
/// wit-component ships its WASI adapters).
static ROUTER: &[u8] = include_bytes!("../../../glue/http-router.wasm");

/// The `weld:http` package handler and middleware stages implement.
pub const WIT: &str = include_str!("../../../../wit/weld-http/http.wit");

/// Why the HTTP glue could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum HttpGlueError {
    /// The router could not be specialized.
    #[error(transparent)]
    Router(#[from] RouterError),
    /// The generated world or component is invalid (a bug in Weld).
    #[error("cannot make the HTTP glue a component (this is a bug in Weld)")]
    Component(#[source] anyhow::Error),
}

/// The glue component serving `http`.
pub fn generate(http: &Http) -> Result<Vec<u8>, HttpGlueError> {
    let failed = HttpGlueError::Component;
    let (module, bindgen) = wit_component::metadata::decode(ROUTER).map_err(failed)?;
    let module = module.ok_or_else(|| {
        RouterError::Unexpected("carries no component type information".to_string())
    })?;
    let handlers: Vec<String> = http
        .handlers()
        .into_iter()
        .map(Http::handler_import)
        .collect();
    let middleware: Vec<String> = http
        .middleware()
        .into_iter()
        .map(Http::middleware_import)
        .collect();
    let module = router::specialize(
        &module,
        &table::encode(http),
        router::Targets {
            handlers: &handlers,
            middleware: &middleware,
        },
    )?;

    let mut resolve = bindgen.resolve;
    let router_world = &resolve.worlds[bindgen.world];
    let incoming_handler = router_world
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .find(|k| k.starts_with("wasi:http/incoming-handler@"))
        .ok_or_else(|| {
            RouterError::Unexpected("does not export `wasi:http/incoming-handler`".into())
        })?;
    let types = resolve
        .packages
        .iter()
        .find(|(_, p)| p.name.namespace == "weld" && p.name.name == "http")
        .and_then(|(_, p)| {
            p.name
                .version
                .as_ref()
                .map(|v| format!("weld:http/types@{v}"))
        })
        .ok_or_else(|| RouterError::Unexpected("does not use `weld:http`".into()))?;
    let world = world_source(&types, &incoming_handler, &handlers, &middleware);
    let package = resolve
        .push_source("weld-http.wit", &world)
        .map_err(failed)?;
    let world = resolve
        .select_world(&[package], Some("glue"))
        .map_err(failed)?;
    super::encode(module, &resolve, world).map_err(failed)
}

/// Checks, before wiring, that each handler stage exports `weld:http/handler` and each
/// middleware stage `weld:http/middleware`, pointing at the route that names it.
pub fn check_stages(manifest: &Manifest, contracts: &Contracts) -> Result<(), Diagnostics> {
    let Some(http) = &manifest.http else {
        return Ok(());
    };
    let mut diags = Diagnostics::default();
    let roles = [
        (http.handlers(), "handler", HANDLER_INTERFACE, "handler-"),
        (
            http.middleware(),
            "middleware",
            MIDDLEWARE_INTERFACE,
            "middleware-",
        ),
    ];
    for (stages, role, interface, prefix) in roles {
        for stage in stages {
            let exports = contracts.exports(stage);
            if exports.keys().any(|e| unversioned(e) == interface) {
                continue;
            }
            let import = format!("{prefix}{stage}");
            let d = Diagnostic::error(format!("{role} `{stage}` does not export `{interface}`"))
                .at_opt(
                    &manifest.source,
                    manifest.value_span(&["stages", HTTP_STAGE, "imports", &import]),
                    format!("used as {role} here"),
                );
            let d = crate::wiring::with_exports_note(d, stage.as_str(), exports.keys());
            diags.push(d.help(format!(
                "a {role} stage's world has `export {interface}@0.1.0;` (e.g. the world `weld:http/{role}-stage`), with the package in the WIT folder's `deps/` (`weld wit weld:http -o <wit>/deps/weld-http.wit`)"
            )));
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

/// The glue's world: the router's export, and one import per stage it calls.
fn world_source(types: &str, export: &str, handlers: &[String], middleware: &[String]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("package weld:http-glue;\n\nworld glue {\n");
    for (imports, result) in [
        (handlers, "response"),
        (middleware, "result<request, response>"),
    ] {
        for name in imports {
            let _ = writeln!(
                out,
                "    import {name}: interface {{\n        use {types}.{{request, response}};\n        handle: func(request: request) -> {result};\n    }}"
            );
        }
    }
    let _ = writeln!(out, "    export {export};\n}}");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_copies_of_weld_http_in_the_repository_are_current() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for copy in [
            "wit/edge/deps/weld-http.wit",
            "composer/glue/http-router/wit/deps/weld-http/http.wit",
            "tests/fixtures/http-routes/wit/deps/weld-http.wit",
        ] {
            let text = std::fs::read_to_string(root.join(copy)).unwrap();
            assert_eq!(
                text,
                super::WIT,
                "`{copy}` differs from wit/weld-http/http.wit"
            );
        }
    }
}
