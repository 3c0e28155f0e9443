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
            errors.push(error("customer", format!("must be at most {MAX_CUSTOMER} characters")));
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
            errors.push(error("items", format!("must list at most {MAX_ITEMS} items")));
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
            errors.push(error("note", format!("must be at most {MAX_NOTE} characters")));
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
    let unit_price_cents =
        check_integer(fields, path, "unit_price_cents", 0, MAX_UNIT_PRICE_CENTS, errors);

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
            _ => errors.push(error(field, format!("must be an integer from {min} to {max}"))),
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

// What std would otherwise provide: an allocator, `cabi_realloc` and a panic handler.
// wasi-libc (which std links too) gives `memcmp` and `malloc`; none of it imports WASI.
#[link(name = "c")]
unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

/// libc's malloc, which `cabi_realloc` also uses: the canonical ABI hands us strings and
/// lists allocated there, and we free them.
struct LibcAlloc;

/// What `malloc` guarantees on wasm32 wasi-libc.
const MALLOC_ALIGN: usize = 16;

// SAFETY: forwards to libc's allocator, asking for at least the requested alignment.
unsafe impl core::alloc::GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: plain libc allocation calls.
        unsafe {
            if layout.align() <= MALLOC_ALIGN {
                malloc(layout.size())
            } else {
                aligned_alloc(layout.align(), layout.size())
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: core::alloc::Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` above.
        unsafe { free(ptr) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: core::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: `ptr` came from this allocator.
            unsafe { realloc(ptr, new_size) }
        } else {
            // SAFETY: allocate, copy the smaller size, free the old block.
            unsafe {
                let new = aligned_alloc(layout.align(), new_size);
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    free(ptr);
                }
                new
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: LibcAlloc = LibcAlloc;

/// The canonical ABI's allocation entry point, over the global allocator. (std gets it
/// from wasi-libc, but only a reference from std pulls that archive member in.)
///
/// # Safety
/// Called by the component model: `old_ptr`/`old_len`/`align` describe a block this
/// function returned before, or `old_len` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the component model passes a power-of-two alignment and, for a non-zero
    // `old_len`, a block allocated here with the same alignment.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(old_ptr, Layout::from_size_align_unchecked(old_len, align), new_len)
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
