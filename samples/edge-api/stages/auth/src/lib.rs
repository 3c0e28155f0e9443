//! The `auth` stage of the edge-api sample's route form: exports `weld:http/middleware`,
//! and does what the gateway did before it read an order.
//!
//! - The token comes from `authorization: Bearer <token>`; no header gives the token `""`,
//!   which the Go `tokens` stage refuses as `missing`; another scheme is `malformed`
//!   without asking `tokens`.
//! - A refused token answers `401 {"error":"unauthorized","reason":"missing|malformed|
//!   bad-signature|expired"}` with `www-authenticate: Bearer`, and nothing after the
//!   middleware runs.
//! - An accepted one goes on with the caller in `x-auth-subject` and `x-auth-expires-in`:
//!   the handler's only input is the request, so the headers carry what the token said.
//!   Headers of those names that the client sent are removed first, so a client cannot
//!   pass itself off as someone else by sending them.
//!
//! "Now" comes from `wasi:clocks/wall-clock` here and is passed to `tokens`, which imports
//! no clock. `no_std` like the gateway: std on wasm32-wasip2 would import wasi:cli
//! interfaces that `wasi:http/proxy` hosts do not provide.

#![no_std]

extern crate alloc;

use alloc::{
    string::{String, ToString},
    vec,
};

// The allocator, `cabi_realloc` and panic handler std would give.
use edge_nostd as _;

wit_bindgen::generate!({
    path: "../../../../wit/edge",
    world: "demo:edge/auth-stage",
    // Bindings for the interfaces of other packages (wasi:clocks, weld:http), too.
    generate_all,
});

use demo::edge::tokens;
use exports::weld::http::middleware::Guest;
use wasi::clocks::wall_clock;
use weld::http::types::{Request, Response};

/// The headers that carry the verified caller to the handler.
const SUBJECT_HEADER: &str = "x-auth-subject";
const EXPIRES_IN_HEADER: &str = "x-auth-expires-in";

struct Auth;

impl Guest for Auth {
    fn handle(mut request: Request) -> Result<Request, Response> {
        let token = bearer_token(&request).map_err(unauthorized)?;
        let now = wall_clock::now().seconds;
        let claims = tokens::verify(&token, now).map_err(|e| unauthorized(auth_reason(e)))?;

        // A client may send these headers too: drop them, so that the handler reads only
        // what the token said.
        request.headers.retain(|(name, _)| {
            !name.eq_ignore_ascii_case(SUBJECT_HEADER)
                && !name.eq_ignore_ascii_case(EXPIRES_IN_HEADER)
        });
        request
            .headers
            .push((SUBJECT_HEADER.to_string(), claims.subject));
        request
            .headers
            .push((EXPIRES_IN_HEADER.to_string(), claims.expires_in.to_string()));
        Ok(request)
    }
}

/// The token of an `authorization: Bearer <token>` header; `""` when there is no header
/// (the tokens stage answers `missing`), an error for another scheme.
fn bearer_token(request: &Request) -> Result<String, &'static str> {
    let Some((_, value)) = request
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
    else {
        return Ok(String::new());
    };
    match value.trim().split_once(' ') {
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

/// The gateway's 401, byte for byte. `reason` is one of the fixed names above, which need
/// no JSON escaping, so the body is written without serde_json (and the stage is smaller).
fn unauthorized(reason: &str) -> Response {
    let mut body = String::from(r#"{"error":"unauthorized","reason":""#);
    body.push_str(reason);
    body.push_str(r#""}"#);
    Response {
        status: 401,
        headers: vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("www-authenticate".to_string(), "Bearer".to_string()),
        ],
        body: body.into_bytes(),
    }
}

export!(Auth);
