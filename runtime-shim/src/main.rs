//! The `weld-shim` command line: a thin layer over [`weld_shim::cli`]. Errors print
//! as `error:` with a `Caused by:` chain and exit with status 1.

use std::process::ExitCode;

use clap::Parser;
use weld_shim::cli::{Command, Status, exec};

/// mimalloc instead of the C library's allocator. A fresh instance per request
/// allocates and frees wasmtime's per-instance state and the request's host
/// objects: with glibc's malloc that was about 11 µs of every `POST /orders` of
/// edge-api (`perf`), and mimalloc cut the server's CPU per request by 7%
/// (BENCHMARKS, "The shim's allocator"). The shipped shim links musl, whose
/// allocator is slower still. Set here, in the binary, so the library leaves the
/// choice to whoever embeds it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs Weld-composed WebAssembly components: call a function, run a
/// command, serve HTTP, or precompile.
#[derive(Parser, Debug)]
#[command(name = "weld-shim", version, about)]
struct Cli {
    /// Print only errors and the address `serve` listens on (no status
    /// lines, no access log).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Also print details: what an artifact's grants hand over, which
    /// configuration keys are supplied and from where (never their values if
    /// secret).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = Status::new(cli.quiet).with_verbose(cli.verbose);
    match exec(cli.command, status) {
        Ok(code) => code,
        Err(error) => {
            print_error(&status, &error);
            ExitCode::FAILURE
        }
    }
}

/// `error: <message>` then each cause, indented, as cargo and wasm-tools do.
fn print_error(status: &Status, error: &anyhow::Error) {
    let mut text = format!("{}: {error}\n", status.error_prefix());
    let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
    if !causes.is_empty() {
        text.push_str("\nCaused by:\n");
        for (i, cause) in causes.iter().enumerate() {
            let cause = cause.replace('\n', "\n        ");
            if causes.len() > 1 {
                text.push_str(&format!("    {i}: {cause}\n"));
            } else {
                text.push_str(&format!("    {cause}\n"));
            }
        }
    }
    eprint!("{text}");
}
