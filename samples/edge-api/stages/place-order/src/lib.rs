//! The `place-order` stage of the edge-api sample's route form: exports
//! `weld:http/handler` for `POST /orders`, behind the `auth` middleware, and does what the
//! gateway did once the token was accepted.
//!
//! - The caller is read from `x-auth-subject` and `x-auth-expires-in`, which `auth` writes
//!   (after removing any the client sent). Without them the route is wired wrong, not
//!   called wrong: `500 {"error":"unauthenticated","reason":...}`.
//! - `400 {"error":"invalid-order","fields":[{"field":..,"message":..}]}` when the body
//!   (checked by the Rust `orders` stage) is not a valid order;
//! - `200` with the JSON that the JS `responses` stage shapes.
//!
//! Bodies above the pipeline's `http.max-body` never get here: Weld's glue answers `413`.
//! "Now" comes from `wasi:clocks/wall-clock` and is passed to `responses`. `no_std` like
//! the gateway: std on wasm32-wasip2 would import wasi:cli interfaces that
//! `wasi:http/proxy` hosts do not provide.

#![no_std]

extern crate alloc;

use alloc::{
    string::{String, ToString},
    vec,
    vec::Vec,
};

use serde_json::json;

// The allocator, `cabi_realloc` and panic handler std would give.
use edge_nostd as _;

wit_bindgen::generate!({
    path: "../../../../wit/edge",
    world: "demo:edge/place-order-stage",
    // Bindings for the interfaces of other packages (wasi:clocks, weld:http), too.
    generate_all,
});

use demo::edge::{orders, responses};
use exports::weld::http::handler::Guest;
use wasi::clocks::wall_clock;
use weld::http::types::{Request, Response};

struct PlaceOrder;

impl Guest for PlaceOrder {
    fn handle(request: Request) -> Response {
        let Some(caller) = caller(&request) else {
            return json_response(
                500,
                json!({
                    "error": "unauthenticated",
                    "reason": "place-order needs the auth middleware in front of it",
                }),
            );
        };

        let order = match orders::validate(&request.body) {
            Ok(order) => order,
            Err(fields) => {
                let fields: Vec<_> = fields
                    .into_iter()
                    .map(|f| json!({ "field": f.field, "message": f.message }))
                    .collect();
                return json_response(400, json!({ "error": "invalid-order", "fields": fields }));
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
        let now = wall_clock::now().seconds;
        Response {
            status: 200,
            headers: json_headers(),
            body: responses::shape(&order, &caller, now).into_bytes(),
        }
    }
}

/// The caller that `auth` verified, from its headers; `None` when either is missing or
/// the expiry is not a number (no `auth` in front of this route).
fn caller(request: &Request) -> Option<responses::Caller> {
    let header = |wanted: &str| {
        request
            .headers
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value)
    };
    Some(responses::Caller {
        subject: header("x-auth-subject")?.clone(),
        expires_in: header("x-auth-expires-in")?.parse().ok()?,
    })
}

fn json_headers() -> Vec<(String, String)> {
    vec![("content-type".to_string(), "application/json".to_string())]
}

/// A JSON response, serialized as the gateway did (serde_json without `preserve_order`
/// writes keys sorted, which is also the order written here).
fn json_response(status: u16, body: serde_json::Value) -> Response {
    Response {
        status,
        headers: json_headers(),
        body: body.to_string().into_bytes(),
    }
}

export!(PlaceOrder);
