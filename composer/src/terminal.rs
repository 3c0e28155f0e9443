//! Cargo-style output: right-aligned status verbs, `warning:`/`error:` diagnostics,
//! colour only when stderr is a terminal.

use std::io::{IsTerminal as _, Write as _};

use anstyle::{AnsiColor, Style};

use crate::diagnostic::Diagnostic;

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Status lines and warnings.
    #[default]
    Normal,
    /// Also details such as commands run.
    Verbose,
}

/// Prints status lines and diagnostics to stderr.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    verbosity: Verbosity,
    color: bool,
}

impl Terminal {
    /// A terminal printing at `verbosity`; colour when stderr is a terminal.
    pub fn new(verbosity: Verbosity) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self { verbosity, color }
    }

    /// Whether colour is used.
    pub fn color(&self) -> bool {
        self.color
    }

    /// The verbosity.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// `   Compiling auth (go)`: a green, right-aligned verb and its subject.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        self.status_styled(verb, message, AnsiColor::BrightGreen.on_default().bold());
    }

    /// A status line in cyan, for notes such as `Fresh`.
    pub fn note(&self, verb: &str, message: impl std::fmt::Display) {
        self.status_styled(verb, message, AnsiColor::BrightCyan.on_default().bold());
    }

    /// Prints only when verbose.
    pub fn verbose(&self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Verbose {
            self.note(verb, message);
        }
    }

    fn status_styled(&self, verb: &str, message: impl std::fmt::Display, style: Style) {
        if self.verbosity < Verbosity::Normal {
            return;
        }
        let verb = format!("{verb:>12}");
        let verb = if self.color {
            format!("{}{verb}{}", style.render(), style.render_reset())
        } else {
            verb
        };
        let _ = writeln!(std::io::stderr(), "{verb} {message}");
    }

    /// Prints a diagnostic (warnings are hidden when quiet).
    pub fn diagnostic(&self, d: &Diagnostic) {
        if !d.is_error() && self.verbosity < Verbosity::Normal {
            return;
        }
        let _ = write!(std::io::stderr(), "{}", d.render(self.color));
    }

    /// A progress spinner for long work, hidden when not on a terminal.
    pub fn spinner(&self, message: String) -> indicatif::ProgressBar {
        if !self.color || self.verbosity < Verbosity::Normal {
            return indicatif::ProgressBar::hidden();
        }
        // One multi-bar for the process, so stages building in parallel each keep a line.
        static BARS: std::sync::OnceLock<indicatif::MultiProgress> = std::sync::OnceLock::new();
        let bars = BARS.get_or_init(indicatif::MultiProgress::new);
        let bar = bars.add(indicatif::ProgressBar::new_spinner().with_message(message));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner:.cyan.bold} {msg} [{elapsed}]")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}

/// `1 stage`, `2 stages`: a count with its noun, singular for one.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
