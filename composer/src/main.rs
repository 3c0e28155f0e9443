//! The `weld` command line: each subcommand turns its flags into options and calls the
//! library. Errors print as `error:` with a `Caused by:` chain; the exit code is 1.

use std::process::ExitCode;

use clap::Parser;
use weld::terminal::{Terminal, Verbosity};

mod commands;

/// Weld links stages written in Rust, Go and JavaScript into one WebAssembly component.
#[derive(Parser, Debug)]
#[command(name = "weld", version, about, propagate_version = true)]
struct Cli {
    /// Print more: commands run, cache decisions.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let term = Terminal::new(verbosity);
    match cli.command.exec(&term) {
        Ok(code) => code,
        Err(e) => {
            print_error(&term, &e);
            ExitCode::FAILURE
        }
    }
}

/// `error: <message>` then each cause, indented, as cargo and wasm-tools do.
fn print_error(term: &Terminal, e: &anyhow::Error) {
    let mut text = weld::diagnostic::Diagnostic::error(e.to_string()).render(term.color());
    let causes: Vec<String> = e.chain().skip(1).map(ToString::to_string).collect();
    if !causes.is_empty() {
        text += "\nCaused by:\n";
        for (i, cause) in causes.iter().enumerate() {
            let cause = cause.replace('\n', "\n        ");
            if causes.len() > 1 {
                text += &format!("    {i}: {cause}\n");
            } else {
                text += &format!("    {cause}\n");
            }
        }
    }
    eprint!("{text}");
}
