//! Fast tests of weld-shim, one test binary (wasmtime links once).
//!
//! Components come from `tests/fixtures/`:
//! - `pipeline.wat`: a three-stage artifact in the shape `weld compose`
//!   emits (stages as nested component instances, core modules named
//!   `weld:stage/<stage>`), compiled with the `wat` crate;
//! - `http-handler/`: a small Rust crate built for `wasm32-wasip2` on first
//!   use (cached under the cargo target directory): its library is a
//!   `wasi:http/proxy` handler, its `echo` binary a `wasi:cli` command;
//! - `config.wat` (reads `wasi:config/store`) and `denied.wat` (a call Weld's
//!   guard refuses), for grants; `grants.rs` appends a `weld:grants` section.
//!
//! Most tests run the `weld-shim` binary as a user would and check its
//! stdout, stderr and exit status; a few call the library directly.

mod shim {
    pub mod common;
    mod grants;
    mod invoke;
    mod limits;
    mod loader;
    mod run;
    mod serve;
}
