use std::{io::Write as _, path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context as _;

use weld::{
    build::BuildOptions,
    terminal::Terminal,
    unit_test::{self, TestError, TestOptions},
};

use super::{PipelineArg, report, report_build_failures};

/// Run each stage's unit tests (`<stage>.test.yaml` next to the stage) against its built
/// component, with its imports mocked.
///
/// Cases are checked against the stage's types before anything runs. Output is like
/// `cargo test`; the exit code is 1 when a case fails.
#[derive(clap::Args, Debug)]
pub struct TestCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
    /// Only cases whose `stage::case` name contains this text.
    #[arg(value_name = "FILTER")]
    filter: Option<String>,
    /// Only this stage's cases.
    #[arg(long, value_name = "NAME")]
    stage: Option<String>,
    /// Also write the results as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// How long one case may run, e.g. `10s`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = weld_shim::limits::parse_duration)]
    timeout: std::time::Duration,
    /// Rebuild every stage, even those whose inputs did not change.
    #[arg(long)]
    no_cache: bool,
    /// Build the stages with debug info, so a trapping case names source lines.
    #[arg(long)]
    debug: bool,
}

impl TestCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let start = Instant::now();
        let path = &self.pipeline.pipeline;
        let what = format!("test `{}`", path.display());
        // `weld test adds` reads like cargo's `cargo test adds`, but the first
        // argument is the pipeline: say so rather than only "file not found".
        if self.filter.is_none() && path.extension().is_none() && !path.exists() {
            anyhow::bail!(
                "no pipeline file `{}`\n\nhelp: to run only the cases whose name contains `{0}`, give the pipeline first: `weld test pipeline.yaml {0}`",
                path.display()
            );
        }
        let options = TestOptions {
            stage: self.stage.clone(),
            filter: self.filter.clone(),
            build: BuildOptions {
                no_cache: self.no_cache,
                debug: self.debug,
                ..Default::default()
            },
            timeout: Some(self.timeout),
        };
        let mut started = false;
        let mut stdout = std::io::stdout();
        let mut on_result = |r: &unit_test::CaseResult| {
            if !started {
                let _ = writeln!(stdout);
                started = true;
            }
            let verdict = match (&r.failure, term.color()) {
                (None, true) => "\x1b[32mok\x1b[0m",
                (None, false) => "ok",
                (Some(_), true) => "\x1b[31mFAILED\x1b[0m",
                (Some(_), false) => "FAILED",
            };
            let _ = writeln!(stdout, "test {} ... {verdict}", r.full_name());
            let _ = stdout.flush();
        };
        let result = unit_test::run(path, &options, term, &mut on_result);
        let report = match result {
            Ok(r) => r,
            Err(TestError::Invalid(diags)) => return Err(report(term, &diags, &what)),
            Err(TestError::Build(failures)) => {
                return Err(report_build_failures(term, &failures, &what));
            }
            Err(TestError::Other(e)) => return Err(e.context(format!("could not {what}"))),
        };

        let failed: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.failure.is_some())
            .collect();
        if !failed.is_empty() {
            println!("\nfailures:");
            for r in &failed {
                println!("\n---- {} ({}) ----", r.full_name(), r.location);
                for line in r.failure.as_deref().unwrap_or_default().lines() {
                    println!("  {line}");
                }
            }
            println!("\nfailures:");
            for r in &failed {
                println!("    {}", r.full_name());
            }
        }
        if let Some(junit) = &self.junit {
            std::fs::write(junit, report.junit())
                .with_context(|| format!("failed to write `{}`", junit.display()))?;
        }
        let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
        let filtered = if report.filtered_out > 0 {
            format!("; {} filtered out", report.filtered_out)
        } else {
            String::new()
        };
        println!(
            "\ntest result: {verdict}. finished in {:.2}s{filtered}",
            start.elapsed().as_secs_f64()
        );
        println!("{} passed, {} failed", report.passed(), report.failed());
        Ok(if failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
