//! One module per subcommand; each has an options struct (clap derive, doc comments
//! are the help text) and an `exec` method.

mod check;
mod compose;
mod deploy;
mod graph;
mod test;
mod verify;
mod wit;

use std::{path::PathBuf, process::ExitCode};

use weld::{diagnostic::Diagnostics, terminal::Terminal};

pub use self::{
    check::CheckCommand,
    compose::ComposeCommand,
    deploy::{ImageCommand, PullCommand, PushCommand},
    graph::GraphCommand,
    test::TestCommand,
    verify::VerifyCommand,
    wit::WitCommand,
};

/// The subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    Check(CheckCommand),
    Compose(ComposeCommand),
    Graph(GraphCommand),
    Test(TestCommand),
    Verify(VerifyCommand),
    Wit(WitCommand),
    Push(PushCommand),
    Pull(PullCommand),
    Image(ImageCommand),
    /// The run side, shared with `weld-shim`: invoke, run, serve, precompile.
    #[command(flatten)]
    Shim(Box<weld_shim::cli::Command>),
}

impl Command {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        match self {
            Command::Check(c) => c.exec(term),
            Command::Compose(c) => c.exec(term),
            Command::Graph(c) => c.exec(term),
            Command::Test(c) => c.exec(term),
            Command::Verify(c) => c.exec(term),
            Command::Wit(c) => c.exec(term),
            Command::Push(c) => c.exec(term),
            Command::Pull(c) => c.exec(term),
            Command::Image(c) => c.exec(term),
            Command::Shim(c) => {
                let quiet = term.verbosity() == weld::terminal::Verbosity::Quiet;
                let verbose = term.verbosity() == weld::terminal::Verbosity::Verbose;
                weld_shim::cli::exec(*c, weld_shim::cli::Status::new(quiet).with_verbose(verbose))
            }
        }
    }
}

/// The pipeline argument every command takes.
#[derive(clap::Args, Debug)]
pub struct PipelineArg {
    /// The pipeline file.
    #[arg(value_name = "PIPELINE", default_value = "pipeline.yaml")]
    pub pipeline: PathBuf,
}

/// How many stages to build at once, for every command that builds.
#[derive(clap::Args, Debug)]
pub struct JobsArg {
    /// How many stages to build at once [default: one per core].
    #[arg(
        short,
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub jobs: usize,
}

/// Prints every diagnostic and returns the summary error, as cargo does:
/// `could not check `edge-api` due to 2 previous errors`.
pub fn report(term: &Terminal, diags: &Diagnostics, what: &str) -> anyhow::Error {
    for (i, d) in diags.0.iter().enumerate() {
        if i > 0 {
            eprintln!();
        }
        term.diagnostic(d);
    }
    eprintln!();
    match diags.error_count() {
        1 => anyhow::anyhow!("could not {what} due to the previous error"),
        n => anyhow::anyhow!("could not {what} due to {n} previous errors"),
    }
}

/// Prints each stage that failed to build, with the compiler's output framed
/// under the stage's name, and returns the summary error.
pub fn report_build_failures(
    term: &Terminal,
    failures: &[weld::build::BuildFailure],
    what: &str,
) -> anyhow::Error {
    for f in failures {
        let mut d = weld::diagnostic::Diagnostic::error(format!(
            "failed to build stage `{}` ({})",
            f.stage, f.lang
        ))
        .note(&f.message);
        if let Some(help) = &f.help {
            d = d.help(help);
        }
        term.diagnostic(&d);
        if !f.output.trim().is_empty() {
            eprintln!(
                "--- output of stage `{}` ---\n{}\n--- end of output of stage `{}` ---",
                f.stage,
                f.output.trim_end(),
                f.stage
            );
        }
        eprintln!();
    }
    anyhow::anyhow!(
        "could not {what}: {} failed to build",
        weld::terminal::count(failures.len(), "stage")
    )
}

/// Prints warnings, each followed by a blank line.
pub fn print_warnings<'a>(
    term: &Terminal,
    warnings: impl IntoIterator<Item = &'a weld::diagnostic::Diagnostic>,
) {
    for w in warnings {
        term.diagnostic(w);
        if term.verbosity() > weld::terminal::Verbosity::Quiet {
            eprintln!();
        }
    }
}
