//! The `gateway` stage of the edge-api sample: exports `wasi:http/incoming-handler`, so
//! any `wasi:http/proxy` host (`wasmtime serve`, Weld's shim) can serve the composed API.
//!
//! - `GET /health` -> `200 {"status":"ok"}`
//! - `POST /orders` with `Authorization: Bearer <token>` and a JSON order:
//!   - `401 {"error":"unauthorized","reason":"missing|malformed|bad-signature|expired"}`
//!     when the token (checked by the Go `tokens` stage) is refused;
//!   - `400 {"error":"invalid-order","fields":[{"field":..,"message":..}]}` when the body
//!     (checked by the Rust `orders` stage) is not a valid order;
//!   - `413` above 64 KiB of body;
//!   - `200` with the JSON that the JS `responses` stage shapes.
//! - another method on a known path -> `405`, another path -> `404`.
//!
//! "Now" comes from `wasi:clocks/wall-clock` here and is passed down, so the stages
//! import no clock. The crate is `no_std` so that the component imports nothing outside
//! the `wasi:http/proxy` world (std would add wasi:cli/environment, exit and terminal-*).

#![no_std]

extern crate alloc;

use alloc::{
    string::{String, ToString},
    vec::Vec,
};

use serde_json::json;

wit_bindgen::generate!({
    path: "../../../../wit/edge",
    world: "demo:edge/gateway",
    // Bindings for the wasi:http/proxy interfaces the world includes, too.
    generate_all,
});

use demo::edge::{orders, responses, tokens};
use wasi::{
    clocks::wall_clock,
    http::types::{
        Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
        ResponseOutparam,
    },
    io::streams::StreamError,
};

// The allocator, `cabi_realloc` and panic handler std would give.
use edge_nostd as _;

/// Bodies above this size are refused with 413.
const MAX_BODY: usize = 64 * 1024;

/// A response to send: status, extra headers, JSON body.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
}

impl Reply {
    fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    fn with_header(mut self, name: &'static str, value: &'static str) -> Reply {
        self.headers.push((name, value));
        self
    }
}

struct Gateway;

impl exports::wasi::http::incoming_handler::Guest for Gateway {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let reply = route(request);
        send(response_out, reply);
    }
}

fn route(request: IncomingRequest) -> Reply {
    let target = request.path_with_query().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let method = request.method();
    match (path, method) {
        ("/health", Method::Get) => Reply::json(200, json!({ "status": "ok" })),
        ("/health", _) => method_not_allowed("GET"),
        ("/orders", Method::Post) => post_order(request),
        ("/orders", _) => method_not_allowed("POST"),
        _ => Reply::json(404, json!({ "error": "not-found", "path": path })),
    }
}

fn method_not_allowed(allow: &'static str) -> Reply {
    Reply::json(
        405,
        json!({ "error": "method-not-allowed", "allow": allow }),
    )
    .with_header("allow", allow)
}

fn post_order(request: IncomingRequest) -> Reply {
    let now = wall_clock::now().seconds;

    let token = match bearer_token(&request.headers()) {
        Ok(token) => token,
        Err(reason) => return unauthorized(reason),
    };
    let claims = match tokens::verify(&token, now) {
        Ok(claims) => claims,
        Err(e) => return unauthorized(auth_reason(e)),
    };

    let Some(body) = read_body(request) else {
        return Reply::json(
            413,
            json!({ "error": "payload-too-large", "limit": MAX_BODY }),
        );
    };
    let order = match orders::validate(&body) {
        Ok(order) => order,
        Err(fields) => {
            let fields: Vec<_> = fields
                .into_iter()
                .map(|f| json!({ "field": f.field, "message": f.message }))
                .collect();
            return Reply::json(400, json!({ "error": "invalid-order", "fields": fields }));
        }
    };

    let order = responses::Order {
        customer: order.customer,
        items: order
            .items
            .into_iter()
            .map(|i| responses::Item {
                sku: i.sku,
                quantity: i.quantity,
                unit_price_cents: i.unit_price_cents,
            })
            .collect(),
        note: order.note,
    };
    let caller = responses::Caller {
        subject: claims.subject,
        expires_in: claims.expires_in,
    };
    Reply {
        status: 200,
        headers: Vec::new(),
        body: responses::shape(&order, &caller, now),
    }
}

/// The token of an `Authorization: Bearer <token>` header; `""` when there is no header
/// (the tokens stage answers `missing`), an error for another scheme.
fn bearer_token(headers: &Fields) -> Result<String, &'static str> {
    let values = headers.get("authorization");
    let Some(value) = values.first() else {
        return Ok(String::new());
    };
    let value = core::str::from_utf8(value).map_err(|_| "malformed")?.trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(token.trim().to_string())
        }
        _ => Err("malformed"),
    }
}

fn auth_reason(e: tokens::AuthError) -> &'static str {
    match e {
        tokens::AuthError::Missing => "missing",
        tokens::AuthError::Malformed => "malformed",
        tokens::AuthError::BadSignature => "bad-signature",
        tokens::AuthError::Expired => "expired",
    }
}

fn unauthorized(reason: &str) -> Reply {
    Reply::json(401, json!({ "error": "unauthorized", "reason": reason }))
        .with_header("www-authenticate", "Bearer")
}

/// The whole request body, or `None` when it exceeds [`MAX_BODY`].
fn read_body(request: IncomingRequest) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let Ok(incoming) = request.consume() else {
        return Some(body);
    };
    if let Ok(stream) = incoming.stream() {
        loop {
            match stream.blocking_read(16 * 1024) {
                Ok(chunk) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > MAX_BODY {
                        return None;
                    }
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(_)) => break,
            }
        }
    }
    let _trailers = IncomingBody::finish(incoming);
    Some(body)
}

fn send(response_out: ResponseOutparam, reply: Reply) {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::with_capacity(reply.headers.len() + 1);
    entries.push(("content-type".to_string(), b"application/json".to_vec()));
    for (name, value) in reply.headers {
        entries.push((name.to_string(), value.as_bytes().to_vec()));
    }
    let headers = Fields::from_list(&entries).expect("valid response headers");
    let response = OutgoingResponse::new(headers);
    response
        .set_status_code(reply.status)
        .expect("valid status code");
    let body = response.body().expect("response body is taken once");
    ResponseOutparam::set(response_out, Ok(response));

    let stream = body.write().expect("body stream is taken once");
    for chunk in reply.body.as_bytes().chunks(4096) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            break;
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}

export!(Gateway);
