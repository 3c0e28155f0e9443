//! The `orders` stage of the edge-api sample: exports `demo:edge/orders`.
//!
//! `validate` parses a JSON body such as
//!
//! ```json
//! {"customer": "ACME", "items": [{"sku": "WID-1", "quantity": 2, "unit_price_cents": 1250}],
//!  "note": "leave at the door"}
//! ```
//!
//! and either returns the typed order or lists every problem, each with the JSON path of
//! the field it is about (`$` for the body itself).
//!
//! `no_std`, like the gateway: Rust's std on wasm32-wasip2 imports wasi:cli/environment,
//! exit and terminal-* (panic hook, stdio set-up), which `wasi:http/proxy` hosts such as
//! `wasmtime serve` do not provide, and this stage ends up inside an HTTP component.

#![no_std]

extern crate alloc;

use alloc::{
    format,
    string::{String, ToString},
    vec,
    vec::Vec,
};

// The allocator, `cabi_realloc` and panic handler std would give.
use edge_nostd as _;

wit_bindgen::generate!({
    path: "../../../../wit/edge",
    world: "demo:edge/orders-stage",
});

use exports::demo::edge::orders::{FieldError, Guest, LineItem, Order};
use serde_json::{Map, Value};

/// Limits a valid order respects.
const MAX_CUSTOMER: usize = 100;
const MAX_ITEMS: usize = 50;
const MAX_QUANTITY: u64 = 1000;
const MAX_UNIT_PRICE_CENTS: u64 = 10_000_000;
const MAX_NOTE: usize = 200;

struct Orders;

impl Guest for Orders {
    fn validate(body: Vec<u8>) -> Result<Order, Vec<FieldError>> {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| vec![error("$", format!("is not valid JSON: {e}"))])?;
        let Value::Object(fields) = value else {
            return Err(vec![error("$", "must be a JSON object")]);
        };
        let mut errors = Vec::new();
        let order = check_order(&fields, &mut errors);
        match order {
            Some(order) if errors.is_empty() => Ok(order),
            _ => Err(errors),
        }
    }
}

fn error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn check_order(fields: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Order> {
    for key in fields.keys() {
        if !matches!(key.as_str(), "customer" | "items" | "note") {
            errors.push(error(key.as_str(), "is not a known field"));
        }
    }

    let customer = match fields.get("customer") {
        None | Some(Value::Null) => {
            errors.push(error("customer", "is required"));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.push(error("customer", "must not be blank"));
            None
        }
        Some(Value::String(s)) if s.chars().count() > MAX_CUSTOMER => {
            errors.push(error(
                "customer",
                format!("must be at most {MAX_CUSTOMER} characters"),
            ));
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            errors.push(error("customer", "must be a string"));
            None
        }
    };

    let items = match fields.get("items") {
        None | Some(Value::Null) => {
            errors.push(error("items", "is required"));
            None
        }
        Some(Value::Array(list)) if list.is_empty() => {
            errors.push(error("items", "must list at least one item"));
            None
        }
        Some(Value::Array(list)) if list.len() > MAX_ITEMS => {
            errors.push(error(
                "items",
                format!("must list at most {MAX_ITEMS} items"),
            ));
            None
        }
        Some(Value::Array(list)) => {
            let checked: Vec<_> = list
                .iter()
                .enumerate()
                .map(|(i, item)| check_item(&format!("items[{i}]"), item, errors))
                .collect();
            checked.into_iter().collect::<Option<Vec<_>>>()
        }
        Some(_) => {
            errors.push(error("items", "must be an array"));
            None
        }
    };

    let note = match fields.get("note") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s.chars().count() > MAX_NOTE => {
            errors.push(error(
                "note",
                format!("must be at most {MAX_NOTE} characters"),
            ));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            errors.push(error("note", "must be a string"));
            None
        }
    };

    Some(Order {
        customer: customer?,
        items: items?,
        note: note?,
    })
}

fn check_item(path: &str, item: &Value, errors: &mut Vec<FieldError>) -> Option<LineItem> {
    let Value::Object(fields) = item else {
        errors.push(error(path, "must be an object"));
        return None;
    };
    for key in fields.keys() {
        if !matches!(key.as_str(), "sku" | "quantity" | "unit_price_cents") {
            errors.push(error(format!("{path}.{key}"), "is not a known field"));
        }
    }

    let sku = match fields.get("sku") {
        Some(Value::String(s)) if valid_sku(s) => Some(s.clone()),
        Some(Value::String(_)) => {
            errors.push(error(
                format!("{path}.sku"),
                "must be 3-32 characters of A-Z, 0-9 and -",
            ));
            None
        }
        None | Some(Value::Null) => {
            errors.push(error(format!("{path}.sku"), "is required"));
            None
        }
        Some(_) => {
            errors.push(error(format!("{path}.sku"), "must be a string"));
            None
        }
    };
    let quantity = check_integer(fields, path, "quantity", 1, MAX_QUANTITY, errors);
    let unit_price_cents = check_integer(
        fields,
        path,
        "unit_price_cents",
        0,
        MAX_UNIT_PRICE_CENTS,
        errors,
    );

    Some(LineItem {
        sku: sku?,
        quantity: quantity?,
        unit_price_cents: unit_price_cents?,
    })
}

fn check_integer(
    fields: &Map<String, Value>,
    path: &str,
    key: &str,
    min: u64,
    max: u64,
    errors: &mut Vec<FieldError>,
) -> Option<u32> {
    let field = format!("{path}.{key}");
    match fields.get(key) {
        None | Some(Value::Null) => errors.push(error(field, "is required")),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => return u32::try_from(v).ok(),
            _ => errors.push(error(
                field,
                format!("must be an integer from {min} to {max}"),
            )),
        },
        Some(_) => errors.push(error(field, "must be a number")),
    }
    None
}

fn valid_sku(sku: &str) -> bool {
    (3..=32).contains(&sku.len())
        && sku
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

export!(Orders);
