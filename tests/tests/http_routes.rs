//! Routes and middleware served by the HTTP glue Weld generates (`http:` in
//! pipeline.yaml): the fixture tests/fixtures/http-routes has a handler, `echo`, that
//! answers with the request it was given, and a middleware, `gate`, that refuses
//! requests carrying `x-deny`. Every answer is checked on weld-shim, and the routing
//! ones on `wasmtime serve` too: the artifact is a standard `wasi:http/proxy` component.

use std::{path::PathBuf, sync::OnceLock};

use weld_e2e::{
    HttpResponse, Server, assert_recomposes_identically, compose_fixture, http_exchange, text,
    wasmtime_serve, weld,
};

struct Composed {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    artifact: PathBuf,
}

fn composed() -> &'static Composed {
    static COMPOSED: OnceLock<Composed> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let (tmp, dir, artifact, _) = compose_fixture("http-routes", "routes.wasm");
        Composed {
            artifact,
            dir,
            _tmp: tmp,
        }
    })
}

/// What `echo` reports it received.
fn echoed(response: &HttpResponse) -> serde_json::Value {
    assert_eq!(response.status, 200, "{}", response.body);
    serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("{e}: {}", response.body))
}

/// Sends one request: method, path, headers, body.
type Send<'a> = &'a dyn Fn(&str, &str, &[(&str, &str)], &str) -> HttpResponse;

/// The answers every host must give, through `send`.
fn check_routing(send: Send<'_>) {
    // A parameter, percent-decoded; the query, decoded; the middleware's mark.
    let json = echoed(&send("GET", "/items/a%20b?x=1&y=two+words&flag", &[], ""));
    assert_eq!(json["method"], "GET");
    assert_eq!(json["path"], "/items/a%20b", "the path is passed as sent");
    assert_eq!(json["route"], "/items/{id}");
    assert_eq!(json["params"], serde_json::json!([["id", "a b"]]));
    assert_eq!(
        json["query"],
        serde_json::json!([["x", "1"], ["y", "two words"], ["flag", ""]])
    );
    let headers = json["headers"].as_array().unwrap();
    assert!(
        headers.contains(&serde_json::json!(["x-gate", "passed"])),
        "the middleware's change reaches the handler: {headers:?}"
    );

    // `{rest...}` takes the rest of the path; the body arrives whole.
    let json = echoed(&send("POST", "/files/a/b/c.txt", &[], "hello body"));
    assert_eq!(json["params"], serde_json::json!([["rest", "a/b/c.txt"]]));
    assert_eq!(json["body"], "hello body");

    // `*` takes any method.
    assert_eq!(echoed(&send("PATCH", "/any", &[], ""))["method"], "PATCH");

    // No route for the path: 404, naming it.
    let r = send("GET", "/nope", &[], "");
    assert_eq!(r.status, 404);
    assert_eq!(r.body, r#"{"error":"not-found","path":"/nope"}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    // `{id}` is one non-empty segment.
    assert_eq!(send("GET", "/items/", &[], "").status, 404);
    assert_eq!(send("GET", "/items/1/2", &[], "").status, 404);

    // The path has routes, not for this method: 405 with the methods that have one.
    let r = send("DELETE", "/items/7", &[], "");
    assert_eq!(r.status, 405);
    assert_eq!(
        r.body,
        r#"{"error":"method-not-allowed","allow":"GET, PUT"}"#
    );
    assert_eq!(r.header("allow"), Some("GET, PUT"));

    // Bodies up to `max-body` (1 KiB) pass; one byte more is 413.
    let limit = "x".repeat(1024);
    assert_eq!(
        echoed(&send("POST", "/files/big", &[], &limit))["body"],
        limit
    );
    let r = send("POST", "/files/big", &[], &format!("{limit}x"));
    assert_eq!(r.status, 413);
    assert_eq!(r.body, r#"{"error":"payload-too-large","limit":1024}"#);

    // The middleware answers instead of the handler.
    let r = send("GET", "/items/1", &[("x-deny", "1")], "");
    assert_eq!(r.status, 403);
    assert_eq!(r.body, "denied by gate");

    // A fixed response, with `middleware: []`: the gate is not asked.
    let r = send("GET", "/ping", &[("x-deny", "1")], "");
    assert_eq!((r.status, r.body.as_str()), (200, "pong"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
}

#[test]
fn weld_shim_serves_routes_params_middleware_and_errors() {
    let server = Server::start(&composed().artifact, &[]);
    check_routing(&|method, path, headers, body| {
        http_exchange(&server.addr, method, path, headers, body)
    });

    // A trap in a handler: 500, and the stack names the handler and the glue.
    let r = http_exchange(&server.addr, "GET", "/any/boom", &[], "");
    assert_eq!(r.status, 500, "{}", r.body);
    let log = server.log_until("GET /any/boom 500");
    let stack = log
        .split("guest stack, innermost first:")
        .nth(1)
        .unwrap_or_else(|| panic!("no guest stack:\n{log}"));
    assert!(log.contains("echo refuses /any/boom"), "{log}");
    assert!(log.contains("trap in stage `echo`"), "{log}");
    assert!(
        stack.contains("stage `weld-http`: weld-http dispatch handler"),
        "the generated glue is named in the stack:\n{stack}"
    );
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

#[test]
fn wasmtime_serve_gives_the_same_answers() {
    // `-S cli`: the fixture's stages use Rust's std, which imports `wasi:cli/exit`
    // (the glue itself imports only wasi:http and wasi:io; edge-api's stages are
    // `no_std` and need no flag).
    let served = wasmtime_serve(&composed().artifact, &["-S", "cli"]);
    check_routing(&|method, path, headers, body| {
        http_exchange(&served.addr, method, path, headers, body)
    });
}

#[test]
fn the_generated_component_is_a_stage_of_the_graph() {
    let dir = &composed().dir;
    let out = weld(dir, &["check", "pipeline.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    let summary = text(&out);
    assert!(
        summary.contains("weld-http (wasm, stateless)")
            && summary.contains("import handler-echo <- echo.weld:http/handler@0.1.0")
            && summary.contains("import middleware-gate <- gate.weld:http/middleware@0.1.0")
            && summary.contains("wasi:http/incoming-handler@0.2.12 <- weld-http."),
        "{summary}"
    );
    let out = weld(dir, &["graph", "pipeline.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("weld-http"), "{}", text(&out));
}

#[test]
fn composing_twice_gives_the_same_bytes() {
    assert_recomposes_identically(&composed().dir, &composed().artifact);
}
