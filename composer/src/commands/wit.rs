use std::{path::PathBuf, process::ExitCode};

use weld::terminal::Terminal;

/// Print (or write) a WIT package Weld provides, to put in a pipeline's `wit/deps/`.
///
/// `weld wit weld:http -o wit/deps/weld-http.wit` gives handler and middleware stages
/// the `weld:http` package that `http:` routes to (README, "HTTP routes and
/// middleware"). Without a package name, lists the packages.
#[derive(clap::Args, Debug)]
pub struct WitCommand {
    /// The package, e.g. `weld:http`.
    package: Option<String>,
    /// Write it to this file (folders are created) instead of printing it.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

impl WitCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let packages = weld::glue::wit_packages();
        let Some(name) = self.package else {
            for (name, summary, _) in packages {
                println!("{name:12} {summary}");
            }
            return Ok(ExitCode::SUCCESS);
        };
        let wanted = name.split('@').next().unwrap_or(&name);
        let Some((_, _, text)) = packages.iter().find(|(n, _, _)| *n == wanted) else {
            let known: Vec<&str> = packages.iter().map(|(n, _, _)| *n).collect();
            let d = weld::diagnostic::Diagnostic::error(format!(
                "Weld provides no WIT package `{name}`"
            ))
            .note(format!("it provides {}", weld::wiring::backticked(known)));
            term.diagnostic(&d);
            return Ok(ExitCode::FAILURE);
        };
        match self.output {
            None => print!("{text}"),
            Some(path) => {
                weld::link::write_atomically(&path, text.as_bytes())?;
                term.status("Wrote", format!("`{}` ({wanted})", path.display()));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
