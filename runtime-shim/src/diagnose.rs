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
    #[error("trap{}: {message}{}", origin.suffix(), StackText(backtrace))]
    Trap {
        /// What the trap was, e.g. `unreachable executed`.
        message: String,
        /// Where it fired.
        origin: Origin,
        /// The guest stack, innermost frame first.
        backtrace: Vec<Frame>,
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

/// How frames of modules that belong to no stage are named (in stacks and profiles).
pub(crate) const GLUE: &str = "(component glue)";

/// One frame of a guest stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Where it ran: a stage, or a module of no stage (adapters, glue).
    pub origin: Origin,
    /// The function: from the stage's debug info when it has some, else its name
    /// section, else `func[<index>]`.
    pub function: String,
    /// `file:line[:column]` from the stage's debug info (DWARF), when built with it.
    pub location: Option<String>,
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.origin {
            Origin::Stage(stage) => write!(f, "stage `{stage}`: ")?,
            Origin::Module(module) => write!(f, "`{module}`: ")?,
            // Modules the component encoding adds without a name: the trampolines
            // wit-component puts between stages and adapters.
            Origin::Unknown => write!(f, "{GLUE}: ")?,
        }
        f.write_str(&self.function)?;
        if let Some(location) = &self.location {
            write!(f, "\n             at {location}")?;
        }
        Ok(())
    }
}

/// The stack under a trap message, innermost frame first; nothing when empty.
struct StackText<'a>(&'a [Frame]);

impl std::fmt::Display for StackText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str("\nguest stack, innermost first:")?;
        // As Rust's own short backtraces do, leave out the panic runtime's frames
        // (everything up to `__rust_end_short_backtrace`): they are the same for
        // every panic, and the panic message is already on stderr.
        let skip = self
            .0
            .iter()
            .rposition(|frame| frame.function.contains("__rust_end_short_backtrace"))
            .map_or(0, |last| last + 1);
        if skip > 0 {
            write!(
                f,
                "\n       ({skip} frames of Rust's panic runtime left out)"
            )?;
        }
        for (i, frame) in self.0.iter().enumerate().skip(skip) {
            write!(f, "\n  {i:>3}: {frame}")?;
        }
        Ok(())
    }
}

/// Every frame of `backtrace` with its stage, function and, where the stage carries
/// DWARF, source location. Inlined functions are one frame each, innermost first.
pub fn describe_frames(backtrace: &WasmBacktrace) -> Vec<Frame> {
    let mut frames = Vec::new();
    for frame in backtrace.frames() {
        let origin = match frame.module().name() {
            Some(name) => match stage_of_module(name) {
                Some(stage) => Origin::Stage(stage.to_string()),
                None => Origin::Module(name.to_string()),
            },
            None => Origin::Unknown,
        };
        let fallback = || {
            frame
                .func_name()
                .map(demangle)
                .unwrap_or_else(|| format!("func[{}]", frame.func_index()))
        };
        if frame.symbols().is_empty() {
            frames.push(Frame {
                origin,
                function: fallback(),
                location: None,
            });
            continue;
        }
        for symbol in frame.symbols() {
            let location = symbol
                .file()
                .map(|file| match (symbol.line(), symbol.column()) {
                    (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
                    (Some(line), None) => format!("{file}:{line}"),
                    _ => file.to_string(),
                });
            frames.push(Frame {
                origin: origin.clone(),
                function: symbol.name().map(demangle).unwrap_or_else(fallback),
                location,
            });
        }
    }
    frames
}

/// A Rust symbol (`_ZN5inner5check17h…E`, `_RNv…`) as Rust spells the function
/// (`inner::check`), without the hash; any other name as it is.
pub(crate) fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
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

    #[test]
    fn rust_symbols_are_demangled_without_their_hash() {
        assert_eq!(
            demangle("_ZN5inner7exports5check17ha73f79a73013ae04E"),
            "inner::exports::check"
        );
        assert_eq!(demangle("test:deep/inner#check"), "test:deep/inner#check");
    }
}
