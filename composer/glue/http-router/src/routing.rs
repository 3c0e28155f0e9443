//! Picks a request's route: the first route, in table order, whose pattern matches the
//! path and whose method is the request's (or `*`). Nothing here reads the body, so a
//! request that has no route is answered before it is read.

use alloc::{string::String, vec::Vec};

use crate::{
    pattern,
    table::{Route, Table},
};

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed<'a> {
    /// To this route.
    Found(Route<'a>),
    /// No route has this path: 404.
    NotFound,
    /// Some routes have this path, none this method: 405 with this `allow` value.
    MethodNotAllowed(String),
}

/// Routes a request with this `method` (uppercase) and `path` (without the query).
pub fn route<'a>(table: &Table<'a>, method: &str, path: &str) -> Routed<'a> {
    let mut allowed: Vec<&'a str> = Vec::new();
    for route in table.routes() {
        if !pattern::matches(route.pattern, path) {
            continue;
        }
        if route.method == "*" || route.method == method {
            return Routed::Found(route);
        }
        allowed.push(route.method);
    }
    if allowed.is_empty() {
        Routed::NotFound
    } else {
        Routed::MethodNotAllowed(allow_header(&allowed))
    }
}

/// An `allow` value: the methods in the order given, each once, joined by `, `.
pub fn allow_header(methods: &[&str]) -> String {
    let mut allow = String::new();
    for (i, method) in methods.iter().enumerate() {
        if methods[..i].contains(method) {
            continue;
        }
        if !allow.is_empty() {
            allow.push_str(", ");
        }
        allow.push_str(method);
    }
    allow
}
