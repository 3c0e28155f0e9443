//! `run`: execute a component exporting `wasi:cli/run` as a command, with
//! the process's stdin, stdout and stderr and the guest's exit status.
//!
//! Input is [`RunOptions`]; output is the exit status the shim should exit
//! with (0 on success, 1 when `run` returns an error, or the status the
//! guest passed to `exit`).

use std::path::PathBuf;

use wasmtime_wasi::p2::bindings::CommandPre;

use crate::capabilities::{Capabilities, Stdio};
use crate::diagnose::{GuestError, classify};
use crate::engine::EngineOptions;
use crate::exports::Exports;
use crate::host::{Host, new_store};
use crate::invoke::block_on;
use crate::limits::Limits;
use crate::loader::LoadOptions;
use crate::prepare::{PrepareError, instantiate_pre, open};

/// Options for [`run`].
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The component or precompiled component.
    pub artifact: PathBuf,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// What the guest may reach on the host.
    pub capabilities: Capabilities,
    /// Timeout and memory limit of the whole run.
    pub limits: Limits,
    /// Cache behaviour.
    pub load: LoadOptions,
}

/// Why a command could not run to an exit status.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The engine, the artifact or its imports are not right.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The artifact does not export `wasi:cli/run`.
    #[error("`{}` is not a command: it does not export `wasi:cli/run` (call a function with `invoke` instead)\n{exports}", artifact.display())]
    NotACommand {
        /// The artifact.
        artifact: PathBuf,
        /// What it exports.
        exports: Exports,
    },
    /// The guest trapped or hit a limit.
    #[error(transparent)]
    Guest(#[from] GuestError),
}

/// Runs the command; returns the exit status to exit with.
pub fn run(options: &RunOptions) -> Result<i32, RunError> {
    let (engine, loaded) = open(
        &EngineOptions::one_shot(options.limits),
        &options.artifact,
        &options.load,
    )?;
    let pre = instantiate_pre(
        &engine,
        &options.artifact,
        &loaded.component,
        &options.capabilities,
    )?;
    let command = CommandPre::new(pre).map_err(|_| RunError::NotACommand {
        artifact: options.artifact.clone(),
        exports: Exports::of(engine.engine(), &loaded.component),
    })?;

    // argv[0] is the program name, as for a native command.
    let program = options
        .artifact
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| options.artifact.display().to_string());
    let args: Vec<String> = std::iter::once(program)
        .chain(options.args.iter().cloned())
        .collect();
    let host = Host::new(
        &options.capabilities,
        &args,
        Stdio::Inherit,
        engine.limits(),
    )
    .map_err(PrepareError::from)?;
    let mut store = new_store(&engine, host);

    block_on(async move {
        let guest = async {
            let command = command.instantiate_async(&mut store).await?;
            command.wasi_cli_run().call_run(&mut store).await
        };
        match guest.await {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(error) => match classify(error) {
                GuestError::Exit(status) => Ok(status),
                other => Err(RunError::Guest(other)),
            },
        }
    })
}
