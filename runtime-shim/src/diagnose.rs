//! Turns the error of a failed guest call into something a user can act on:
//! which limit was hit or which trap fired, and in which stage.
//!
//! Input is the `wasmtime::Error` a call returned; output is a
//! [`GuestError`]. Stage names come from the wasm backtrace: every frame
//! carries the core module it ran in, and Weld's composer names each core
//! module of a stage `weld:stage/<stage>` (see [`STAGE_MODULE_PREFIX`]).
//! Wasmtime ignores component-level name sections, so the core module name
//! is the only place a stage's identity survives into a running instance.
//!
//! A call a stage was not granted reaches a function Weld generated that only
//! traps; its name in the core module's name section says what was refused
//! (see [`DENY_FUNCTION_PREFIX`] and [`Denied`]), so such a trap is reported as
//! the grant to add rather than as `unreachable executed`.

use std::time::Duration;

use wasmtime::{Trap, WasmBacktrace};

use crate::grants::Capability;
use crate::limits::{ByteSize, DeadlineExceeded, HumanDuration, MemoryLimitExceeded};

/// Prefix of the core module names the composer gives the modules of a
/// stage: `weld:stage/<stage>`, optionally followed by `/<original name>`.
pub const STAGE_MODULE_PREFIX: &str = "weld:stage/";

/// Prefix of the functions Weld generates for calls a stage is not granted:
/// `weld-deny:<stage>:<capability>:<interface>#<function>`, e.g.
/// `weld-deny:tokens:network:wasi:sockets/instance-network@0.2.6#instance-network`.
pub const DENY_FUNCTION_PREFIX: &str = "weld-deny:";

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
    /// A stage called a host function its grants do not allow: the function
    /// Weld put in its place trapped.
    #[error("{denied}{}\nhelp: {}", StackText(backtrace), denied.help())]
    Denied {
        /// What was refused, and to which stage (boxed: it is the largest
        /// variant, and every `Result` carrying a `GuestError` pays for it).
        denied: Box<Denied>,
        /// The stage, as an [`Origin`].
        origin: Origin,
        /// The guest stack, innermost frame (the refusing function) first.
        backtrace: Vec<Frame>,
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
            | GuestError::Denied { origin, .. }
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
        let wasm_backtrace = error.downcast_ref::<WasmBacktrace>();
        let backtrace = wasm_backtrace.map(describe_frames).unwrap_or_default();
        if let Some(denied) = wasm_backtrace.and_then(denied_by) {
            return GuestError::Denied {
                origin: Origin::Stage(denied.stage.clone()),
                denied: Box::new(denied),
                backtrace,
            };
        }
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

/// The refusal a trap is, when its innermost frame is one of the functions
/// Weld generates for calls a stage was not granted.
pub fn denied_by(backtrace: &WasmBacktrace) -> Option<Denied> {
    Denied::parse(backtrace.frames().first()?.func_name()?)
}

/// A call Weld's guard refused because the stage making it lacks a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The stage that made the call.
    pub stage: String,
    /// The grant it lacks.
    pub capability: Capability,
    /// The interface, without its version (`wasi:sockets/instance-network`).
    pub interface: String,
    /// The function called.
    pub function: String,
}

impl Denied {
    /// The name Weld gives a generated function that refuses `function` of
    /// `interface` to `stage`; [`Denied::parse`] reads it back.
    pub fn function_name(
        stage: &str,
        capability: Capability,
        interface: &str,
        function: &str,
    ) -> String {
        format!(
            "{DENY_FUNCTION_PREFIX}{stage}:{}:{interface}#{function}",
            capability.label()
        )
    }

    /// Reads a generated function's name:
    /// `weld-deny:<stage>:<capability>:<interface>[@<version>]#<function>`.
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix(DENY_FUNCTION_PREFIX)?;
        // Stage names and capabilities have no `:`; interface names do.
        let (stage, rest) = rest.split_once(':')?;
        let (capability, rest) = rest.split_once(':')?;
        let (interface, function) = rest.rsplit_once('#')?;
        let interface = interface
            .split_once('@')
            .map_or(interface, |(name, _)| name);
        if stage.is_empty() || interface.is_empty() || function.is_empty() {
            return None;
        }
        Some(Self {
            stage: stage.to_string(),
            capability: Capability::from_label(capability)?,
            interface: interface.to_string(),
            function: function.to_string(),
        })
    }

    /// What to add to the stage in pipeline.yaml.
    pub fn grant(&self) -> String {
        match self.capability {
            Capability::Env => "grants: { env: [NAME] }".to_string(),
            Capability::Args => "grants: { args: true }".to_string(),
            Capability::Files => "grants: { files: [{ guest: /path }] }".to_string(),
            Capability::Http => "grants: { http: [HOST] }".to_string(),
            Capability::Network => "grants: { network: true }".to_string(),
            Capability::Config => "config: { KEY: ... }".to_string(),
            Capability::Host => format!("grants: {{ host: [{}] }}", self.interface),
        }
    }

    /// The help line: the grant, and where it goes.
    pub fn help(&self) -> String {
        format!(
            "to grant it, add `{}` to stage `{}` in pipeline.yaml",
            self.grant(),
            self.stage
        )
    }
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stage `{}` used `{}#{}`, which pipeline.yaml does not grant it",
            self.stage, self.interface, self.function
        )
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
    fn deny_function_names() {
        let denied = Denied::parse(
            "weld-deny:tokens:network:wasi:sockets/instance-network@0.2.6#instance-network",
        )
        .unwrap();
        assert_eq!(
            denied.to_string(),
            "stage `tokens` used `wasi:sockets/instance-network#instance-network`, which pipeline.yaml does not grant it"
        );
        assert_eq!(denied.grant(), "grants: { network: true }");
        let denied =
            Denied::parse("weld-deny:kv:host:wasi:keyvalue/store@0.2.0-draft#get").unwrap();
        assert_eq!(denied.grant(), "grants: { host: [wasi:keyvalue/store] }");
        let denied = Denied::parse("weld-deny:a:config:wasi:config/store#get").unwrap();
        assert_eq!(denied.interface, "wasi:config/store");
        assert_eq!(denied.grant(), "config: { KEY: ... }");
        assert_eq!(Denied::parse("weld-deny:a:nope:wasi:x/y#f"), None);
        assert_eq!(Denied::parse("weld-deny:a:env:wasi:cli/environment"), None);
        assert_eq!(Denied::parse("deny:a:env:wasi:cli/environment#get"), None);
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
