//! The edge-api sample: routes (`http:`) served by the HTTP glue Weld generates, a Rust
//! auth middleware and order handler calling a Go token verifier, a Rust payload
//! validator and a JS response shaper, composed into one component and served by
//! `weld-shim serve` on loopback, with the token secret given as configuration
//! (`--config tokens.secret=...`). `gateway.yaml` serves the same API through a
//! hand-written Rust gateway; both must answer alike.

use std::{path::PathBuf, sync::OnceLock};

use weld_e2e::{
    EDGE_API_CONFIG, Server, compose_without, compose_without_snapshots, copy_sample, mint_token,
    now,
    registry::{Registry, skopeo, unpack_image},
    runtime_shim, text, wasmtime_serve, weld,
};

struct Composed {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    artifact: PathBuf,
}

fn composed() -> &'static Composed {
    static COMPOSED: OnceLock<Composed> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let (tmp, dir) = copy_sample("edge-api");
        let out = weld(&dir, &["compose", "pipeline.yaml", "-o", "build/edge.wasm"]);
        assert!(out.status.success(), "compose failed:\n{}", text(&out));
        Composed {
            artifact: dir.join("build/edge.wasm"),
            dir,
            _tmp: tmp,
        }
    })
}

fn artifact() -> &'static PathBuf {
    &composed().artifact
}

/// The hand-written gateway form, composed in the same folder (the stages it shares
/// with the route form come from the build cache).
fn gateway_artifact() -> &'static PathBuf {
    static GATEWAY: OnceLock<PathBuf> = OnceLock::new();
    GATEWAY.get_or_init(|| {
        let dir = &composed().dir;
        let out = weld(
            dir,
            &["compose", "gateway.yaml", "-o", "build/gateway.wasm"],
        );
        assert!(out.status.success(), "compose failed:\n{}", text(&out));
        dir.join("build/gateway.wasm")
    })
}

const ORDER: &str = r#"{"customer":"ACME","items":[{"sku":"WID-1","quantity":2,"unit_price_cents":1250}],"note":"leave at the door"}"#;

#[test]
fn serves_orders_with_auth_validation_and_shaping() {
    serves_orders(artifact());
}

#[test]
fn the_hand_written_gateway_serves_orders_too() {
    serves_orders(gateway_artifact());
}

/// A request: method, path, headers, body.
type Request = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    String,
);

/// Requests down every path of the API: health, an order, every 401 reason, Basic
/// auth, 400s, 413, 405s, 404.
fn every_path() -> Vec<Request> {
    let auth = format!("Bearer {}", mint_token("alice", now() + 3600));
    let expired = format!("Bearer {}", mint_token("alice", now() - 10));
    let big = format!(r#"{{"customer":"{}","items":[]}}"#, "x".repeat(70_000));
    let with = |value: &str| vec![("authorization", value.to_string())];
    vec![
        ("GET", "/health", vec![], String::new()),
        ("POST", "/orders", with(&auth), ORDER.into()),
        ("POST", "/orders", vec![], ORDER.into()),
        ("POST", "/orders", with(&expired), ORDER.into()),
        ("POST", "/orders", with("Basic YWxpY2U6eA=="), ORDER.into()),
        ("POST", "/orders", with("Bearer a.b.c"), ORDER.into()),
        (
            "POST",
            "/orders",
            with(&auth),
            r#"{"customer":"","items":[]}"#.into(),
        ),
        ("POST", "/orders", with(&auth), "not json".into()),
        ("POST", "/orders", with(&auth), big),
        ("GET", "/orders", vec![], String::new()),
        ("POST", "/health", vec![], String::new()),
        ("GET", "/nowhere", vec![], String::new()),
    ]
}

/// Sends `request` to both servers and checks they answer alike: status, JSON body
/// and the headers a client acts on.
fn answer_alike(a: &Server, b: &Server, request: &Request) {
    let (method, path, headers, body) = request;
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let x = weld_e2e::http_exchange(&a.addr, method, path, &headers, body);
    let y = weld_e2e::http_exchange(&b.addr, method, path, &headers, body);
    let what = format!("{method} {path} {headers:?}");
    assert_eq!(x.status, y.status, "{what}: {} vs {}", x.body, y.body);
    // Compared as JSON: serde_json orders the gateway's keys, the glue writes
    // `error` first.
    let json = |r: &weld_e2e::HttpResponse| -> serde_json::Value {
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{what}: {e}: {}", r.body))
    };
    let (x_body, x_clock) = without_clock(json(&x));
    let (y_body, y_clock) = without_clock(json(&y));
    assert_eq!(x_body, y_body, "{what}");
    // The two requests are sent one after the other: a second may tick in between.
    match (x_clock, y_clock) {
        (Some((x_at, x_left)), Some((y_at, y_left))) => {
            assert!(x_left.abs_diff(y_left) <= 1, "{what}: {x_left} vs {y_left}");
            assert_eq!(x_at.len(), y_at.len(), "{what}: {x_at} vs {y_at}");
        }
        (x_clock, y_clock) => assert_eq!(x_clock, y_clock, "{what}"),
    }
    for header in ["content-type", "allow", "www-authenticate"] {
        assert_eq!(x.header(header), y.header(header), "{what}: `{header}`");
    }
}

/// An accepted order's body without the fields read from the clock (`received_at`,
/// `token_expires_in`), and those fields.
fn without_clock(mut body: serde_json::Value) -> (serde_json::Value, Option<(String, u64)>) {
    let Some(object) = body.as_object_mut() else {
        return (body, None);
    };
    let at = object.remove("received_at");
    let left = object.remove("token_expires_in");
    let clock = match (at, left) {
        (Some(serde_json::Value::String(at)), Some(left)) => Some((at, left.as_u64().unwrap())),
        (None, None) => None,
        other => panic!("one of the clock's fields without the other: {other:?}"),
    };
    (body, clock)
}

#[test]
fn routes_and_the_hand_written_gateway_answer_alike() {
    let routes = Server::start(artifact(), &EDGE_API_CONFIG);
    let gateway = Server::start(gateway_artifact(), &EDGE_API_CONFIG);
    for request in every_path() {
        answer_alike(&routes, &gateway, &request);
    }
    assert!(routes.stop() && gateway.stop());
}

#[test]
fn a_reused_instance_answers_every_request_as_a_fresh_one_would() {
    // Every stage of the sample is declared stateless, so the operator may turn reuse
    // on: one instance (Rust, Go and JS stages) then answers every request in turn.
    let fresh = Server::start(artifact(), &EDGE_API_CONFIG);
    let mut flags = EDGE_API_CONFIG.to_vec();
    flags.extend([
        "--max-instance-reuse-count",
        "1000",
        "--idle-instance-timeout",
        "10min",
        "--metrics",
        "127.0.0.1:0",
    ]);
    let reused = Server::start(artifact(), &flags);
    let requests = every_path();
    for _round in 0..2 {
        for request in &requests {
            answer_alike(&fresh, &reused, request);
            // The instance is back in the pool once its request's task ends, a
            // moment after the response: wait for it, so the next request reuses it.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while reused.metric("weld_instances_idle") != 1.0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "never back in the pool"
                );
            }
        }
    }
    let answered = (2 * requests.len()) as f64;
    assert_eq!(
        reused.metric("weld_reused_instance_requests_total"),
        answered - 1.0,
        "every request but the first was answered by the same instance"
    );
    assert!(fresh.stop() && reused.stop());
}

#[test]
fn every_stage_passes_its_unit_tests_the_former_gateway_logic_included() {
    // No stage of the route form speaks wasi:http, so `auth` and `place-order`, which
    // replace the gateway, are unit-tested like the others, their imports mocked.
    let out = weld(&composed().dir, &["test", "pipeline.yaml"]);
    let output = text(&out);
    assert!(out.status.success(), "{output}");
    for stage in ["auth", "place-order", "tokens", "orders", "responses"] {
        assert!(
            output.contains(&format!("test {stage}::")),
            "no cases of `{stage}` ran:\n{output}"
        );
    }
    assert!(output.contains(" 0 failed"), "{output}");
}

#[test]
fn answers_the_same_when_the_go_stage_starts_in_every_instance() {
    // The sample builds `tokens` from a snapshot of Go's start-up; the same pipeline
    // without one (rebuilding only that stage, in the same folder) gives the same answers.
    let started = compose_without_snapshots(&composed().dir, "tokens", "edge-started.wasm");
    serves_orders(&started);
}

#[test]
fn answers_the_same_when_the_js_stage_is_not_warmed_up() {
    // `responses` runs its test calls before its snapshot (`warm-up: tests`); built
    // without them (only that stage is built again) the artifact answers every path alike.
    let cold = compose_without(
        &composed().dir,
        "warm-up: tests",
        "responses (js)",
        "edge-cold.wasm",
    );
    let warm = Server::start(artifact(), &EDGE_API_CONFIG);
    let cold = Server::start(&cold, &EDGE_API_CONFIG);
    for request in every_path() {
        answer_alike(&warm, &cold, &request);
    }
    assert!(warm.stop() && cold.stop());
}

/// Serves `artifact` and checks every path through the four stages.
fn serves_orders(artifact: &std::path::Path) {
    let server = Server::start(artifact, &EDGE_API_CONFIG);
    let token = mint_token("alice", now() + 3600);
    let auth = format!("Bearer {token}");

    let (status, body) = server.request("GET", "/health", &[], "");
    assert_eq!(status, 200, "{body}");

    let (status, body) = server.request(
        "POST",
        "/orders",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        ORDER,
    );
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "accepted");
    assert_eq!(
        json["order"]["placed_by"], "alice",
        "claims from Go reach the JS shaper: {body}"
    );
    assert_eq!(json["order"]["total_cents"], 2500, "{body}");
    assert_eq!(json["order"]["note"], "leave at the door", "{body}");

    // Error paths through each language.
    let (status, body) = server.request("POST", "/orders", &[], ORDER);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("missing"), "{body}");

    let expired = format!("Bearer {}", mint_token("alice", now() - 10));
    let (status, body) = server.request("POST", "/orders", &[("authorization", &expired)], ORDER);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("expired"), "{body}");

    let forged = format!("Bearer {}", token.replace("alice", "mallory"));
    let (status, body) = server.request("POST", "/orders", &[("authorization", &forged)], ORDER);
    assert_eq!(status, 401, "{body}");

    let (status, body) = server.request(
        "POST",
        "/orders",
        &[("authorization", &auth)],
        r#"{"customer":"","items":[]}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("customer") && body.contains("items"),
        "every field error is listed: {body}"
    );

    let (status, _) = server.request("POST", "/orders", &[("authorization", &auth)], "not json");
    assert_eq!(status, 400);

    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

#[test]
fn the_token_secret_is_configuration_read_at_run_time() {
    // The same artifact under another secret refuses the tokens minted for the demo one.
    let server = Server::start(artifact(), &["--config", "tokens.secret=another-secret"]);
    let auth = format!("Bearer {}", mint_token("alice", now() + 3600));
    let (status, body) = server.request("POST", "/orders", &[("authorization", &auth)], ORDER);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("bad-signature"), "{body}");
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

#[test]
fn the_artifact_imports_only_what_a_wasi_http_proxy_host_provides() {
    // What `wasmtime serve` links with `-S config` (for the token secret): the
    // wasi:http/proxy world and wasi:config/store. No stage is granted outgoing HTTP,
    // so although the JS stage's engine imports `wasi:http/outgoing-handler`, its guard
    // refuses it and the artifact does not import it.
    let allowed = [
        "wasi:http/types",
        "wasi:io/",
        "wasi:clocks/",
        "wasi:random/random",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:cli/stdin",
        "wasi:config/store",
    ];
    for artifact in [artifact(), gateway_artifact()] {
        let imports = weld_e2e::component_imports(&std::fs::read(artifact).unwrap());
        assert!(!imports.is_empty());
        for name in &imports {
            assert!(
                allowed.iter().any(|a| name.starts_with(a)),
                "`{name}` is outside wasi:http/proxy; all imports of {}: {imports:?}",
                artifact.display()
            );
        }
    }
}

#[test]
fn a_standard_host_serves_the_artifact_with_its_configuration() {
    // `wasmtime serve` with only its standard flags: `-S config` links wasi:config/store,
    // `config-var` gives the stage-qualified key the tokens stage's guard asks for.
    let secret = format!("config-var=tokens.secret={}", weld_e2e::EDGE_API_SECRET);
    let served = wasmtime_serve(artifact(), &["-S", "config", "-S", &secret]);
    let (status, body) = weld_e2e::http_request(&served.addr, "GET", "/health", &[], "");
    assert_eq!(status, 200, "{body}");
    let auth = format!("Bearer {}", mint_token("alice", now() + 3600));
    let (status, body) = weld_e2e::http_request(
        &served.addr,
        "POST",
        "/orders",
        &[("authorization", &auth)],
        ORDER,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"placed_by\":\"alice\""), "{body}");
}

#[test]
fn the_container_image_serves_from_its_unpacked_root_filesystem() {
    let shim = runtime_shim();
    let size = std::fs::metadata(&shim).unwrap().len();
    assert!(
        size <= 8 << 20,
        "the runtime-only shim is {size} bytes, over the 8 MiB goal"
    );
    // Without a compiler it refuses a plain component, saying what to do.
    let out = std::process::Command::new(&shim)
        .arg("serve")
        .arg(artifact())
        .args(EDGE_API_CONFIG)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("runtime-only") && stderr.contains("precompile"),
        "{stderr}"
    );

    let registry = Registry::anonymous();
    let reference = format!("{}:image", registry.repo("acme/edge"));
    let dir = artifact().parent().unwrap();
    let out = weld(
        dir,
        &[
            "image",
            artifact().to_str().unwrap(),
            &reference,
            "--shim",
            shim.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "weld image failed:\n{}", text(&out));

    // Out through a client no one here wrote, unpacked as a container runtime would.
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    let out = skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{reference}"),
        &format!("oci:{}:edge", layout.display()),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let root = tmp.path().join("rootfs");
    let config = unpack_image(&layout, "edge", &root);
    assert_eq!(config["os"], "linux");
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!([
            "/weld-shim",
            "serve",
            "--addr",
            "0.0.0.0:8080",
            "/app.cwasm"
        ])
    );
    let mut entries: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        ["app.cwasm", "weld-shim"],
        "nothing else in the image"
    );

    // The image's own shim serves the image's own artifact.
    let server = Server::start_with(
        &root.join("weld-shim"),
        &root.join("app.cwasm"),
        &EDGE_API_CONFIG,
    );
    let (status, body) = server.request("GET", "/health", &[], "");
    assert_eq!(status, 200, "{body}");
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}
