//! The generic HTTP router of a pipeline's `http:` section, which Weld ships prebuilt
//! (`composer/glue/http-router.wasm`) and specializes at compose time.
//!
//! It exports `wasi:http/incoming-handler`. For each request it splits the target into
//! path and query, picks a route from the routing table Weld wrote into its
//! `ROUTE_TABLE` buffer (404/405 before the body is read), reads the body up to the
//! table's limit (413 above it), runs the route's middleware and then its handler
//! through the `weld:http-router/dispatch` imports, whose two core functions Weld
//! replaces with calls to the real stages, and sends the response.
//!
//! What can run on any machine, and is tested there, lives in plain modules: the table
//! ([`table`]), patterns ([`pattern`]), routing ([`routing`]), text helpers ([`text`])
//! and the router's own answers ([`reply`]). The `wasi:http` side, the bindings and the
//! allocator are in `guest`, compiled for wasm32 only.
//!
//! `no_std` so that the module imports nothing outside `wasi:http` and `wasi:io` (std on
//! wasm32-wasip2 adds wasi:cli/environment, exit and terminal-*).

#![no_std]
#![deny(missing_docs)]

extern crate alloc;
// Host builds (the unit tests) use std's allocator and panic handler.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

pub mod pattern;
pub mod reply;
pub mod routing;
pub mod table;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod guest;

#[cfg(test)]
mod tests;
