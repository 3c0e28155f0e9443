//! Runs Weld-composed components on wasmtime.
