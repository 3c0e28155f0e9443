//! Turns the error of a failed guest call into something a user can act on:
//! which limit was hit or which trap fired, and in which stage.
//!
//! Input is the `wasmtime::Error` a call returned; output is a
//! [`GuestError`]. Stage names come from the wasm backtrace: every frame
//! carries the core module it ran in, and Weld's composer names each core
//! module of a stage `weld:stage/<stage>` (see [`STAGE_MODULE_PREFIX`]).
//! Wasmtime ignores component-level name sections, so the core module name
//! is the only place a stage's identity survives into a running instance.

use std::time::Duration;

use wasmtime::{Trap, WasmBacktrace};

use crate::limits::{ByteSize, DeadlineExceeded, HumanDuration, MemoryLimitExceeded};

/// Prefix of the core module names the composer gives the modules of a
/// stage: `weld:stage/<stage>`, optionally followed by `/<original name>`.
pub const STAGE_MODULE_PREFIX: &str = "weld:stage/";

/// A boxed error that keeps its `source()` chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where in the guest an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A stage of a Weld-composed artifact.
    Stage(String),
    /// A core module with a name that is not a stage's.
    Module(String),
    /// No frame carried a name.
    Unknown,
}

impl Origin {
    /// The stage name, if the error happened inside a stage.
    pub fn stage(&self) -> Option<&str> {
        match self {
            Origin::Stage(stage) => Some(stage),
            _ => None,
        }
    }

    fn suffix(&self) -> String {
        match self {
            Origin::Stage(stage) => format!(" in stage `{stage}`"),
            Origin::Module(module) => format!(" in module `{module}`"),
            Origin::Unknown => String::new(),
        }
    }
}

/// Why a guest call failed.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The call ran past `--timeout`.
    #[error("deadline exceeded after {}{}", HumanDuration(*after), origin.suffix())]
    DeadlineExceeded {
        /// The configured timeout.
        after: Duration,
        /// Where the guest was when it was stopped.
        origin: Origin,
    },
    /// A linear memory tried to grow past `--max-memory`.
    #[error("memory limit of {} exceeded{} (tried to grow to {})", ByteSize(*limit), origin.suffix(), ByteSize(*desired))]
    MemoryLimit {
        /// The configured limit in bytes.
        limit: u64,
        /// The size asked for in bytes.
        desired: u64,
        /// Which stage grew.
        origin: Origin,
    },
    /// The guest trapped.
    #[error("trap{}: {message}", origin.suffix())]
    Trap {
        /// What the trap was, e.g. `unreachable executed`.
        message: String,
        /// Where it fired.
        origin: Origin,
        /// The wasm backtrace, innermost frame first, one frame a line.
        backtrace: Vec<String>,
    },
    /// The guest called `exit` with this status (`wasi:cli/exit`).
    #[error("guest exited with status {0}")]
    Exit(i32),
    /// Any other failure, e.g. a host function refusing a call.
    #[error("guest call failed")]
    Other(#[source] BoxError),
}

impl GuestError {
    /// Where the failure happened, when known.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            GuestError::DeadlineExceeded { origin, .. }
            | GuestError::MemoryLimit { origin, .. }
            | GuestError::Trap { origin, .. } => Some(origin),
            _ => None,
        }
    }
}

/// Classifies the error a guest call returned.
pub fn classify(error: wasmtime::Error) -> GuestError {
    let origin = error
        .downcast_ref::<WasmBacktrace>()
        .map(origin_of)
        .unwrap_or(Origin::Unknown);
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return GuestError::Exit(exit.0);
    }
    if let Some(deadline) = error.downcast_ref::<DeadlineExceeded>() {
        return GuestError::DeadlineExceeded {
            after: deadline.after,
            origin,
        };
    }
    if let Some(limit) = error.downcast_ref::<MemoryLimitExceeded>() {
        return GuestError::MemoryLimit {
            limit: limit.limit,
            desired: limit.desired,
            origin,
        };
    }
    if let Some(trap) = error.downcast_ref::<Trap>() {
        let backtrace = error
            .downcast_ref::<WasmBacktrace>()
            .map(describe_frames)
            .unwrap_or_default();
        return GuestError::Trap {
            message: trap_message(*trap),
            origin,
            backtrace,
        };
    }
    GuestError::Other(error.into_boxed_dyn_error())
}

/// The innermost frame that names a stage; failing that, the innermost
/// frame that names a module.
pub fn origin_of(backtrace: &WasmBacktrace) -> Origin {
    let names = || backtrace.frames().iter().filter_map(|f| f.module().name());
    if let Some(stage) = names().find_map(stage_of_module) {
        return Origin::Stage(stage.to_string());
    }
    match names().next() {
        Some(module) => Origin::Module(module.to_string()),
        None => Origin::Unknown,
    }
}

/// The stage a core module belongs to, from its name
/// (`weld:stage/<stage>` or `weld:stage/<stage>/<original>`).
pub fn stage_of_module(module_name: &str) -> Option<&str> {
    let rest = module_name.strip_prefix(STAGE_MODULE_PREFIX)?;
    let stage = rest.split('/').next().unwrap_or(rest);
    (!stage.is_empty()).then_some(stage)
}

/// A short wording of a trap: `unreachable executed`,
/// `out of bounds memory access`, ...
pub fn trap_message(trap: Trap) -> String {
    match trap {
        Trap::UnreachableCodeReached => "unreachable executed".to_string(),
        Trap::StackOverflow => "stack overflow".to_string(),
        Trap::Interrupt => "interrupted".to_string(),
        other => {
            let text = other.to_string();
            text.strip_prefix("wasm trap: ")
                .map(str::to_string)
                .unwrap_or(text)
        }
    }
}

fn describe_frames(backtrace: &WasmBacktrace) -> Vec<String> {
    backtrace
        .frames()
        .iter()
        .map(|frame| {
            let module = frame.module().name().unwrap_or("<unnamed>");
            let func = frame
                .func_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("func[{}]", frame.func_index()));
            format!("{module}!{func}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names() {
        assert_eq!(stage_of_module("weld:stage/validate"), Some("validate"));
        assert_eq!(
            stage_of_module("weld:stage/validate/wit-component:shim"),
            Some("validate")
        );
        assert_eq!(stage_of_module("weld:stage/"), None);
        assert_eq!(stage_of_module("validate"), None);
    }
}
