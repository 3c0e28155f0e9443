use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context as _;

use weld::{
    build::BuildOptions,
    pipeline::{self, ComposeError},
    terminal::Terminal,
};

use super::{JobsArg, PipelineArg, print_warnings, report, report_build_failures};

/// Build every stage, check every wire and link the pipeline into one component.
///
/// Writes the component and, next to it, a build record (`<name>.build.json`).
#[derive(clap::Args, Debug)]
pub struct ComposeCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
    /// Where to write the composed component [default: `build/<name>.wasm` next to the pipeline].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rebuild every stage, even those whose inputs did not change.
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    jobs: JobsArg,
    /// Build the stages with debug info and keep it, so a trap names the source
    /// `file:line` of each frame (Rust stages; see README, "Debugging and observing").
    /// The artifact is larger; release artifacts carry no debug info.
    #[arg(long)]
    debug: bool,
    /// Also compile the artifact ahead of time for `weld-shim` (`<output>.cwasm` next to it),
    /// so the shim starts it without compiling.
    #[arg(long)]
    aot: bool,
    /// Also write SLSA provenance (an in-toto statement, `<output>.intoto.json`): the
    /// artifact's digest and, per stage, every input that decides its bytes.
    #[arg(long)]
    provenance: bool,
}

impl ComposeCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let start = Instant::now();
        let path = &self.pipeline.pipeline;
        let what = format!("compose `{}`", path.display());
        let options = BuildOptions {
            no_cache: self.no_cache,
            jobs: self.jobs.jobs,
            debug: self.debug,
            ..Default::default()
        };
        let report = match pipeline::compose(path, self.output.as_deref(), &options, term) {
            Ok(r) => r,
            Err(ComposeError::Invalid(diags)) => return Err(report(term, &diags, &what)),
            Err(ComposeError::Other(e)) => return Err(e.context(format!("could not {what}"))),
            Err(ComposeError::Build(failures)) => {
                return Err(report_build_failures(term, &failures, &what));
            }
        };
        print_warnings(term, &report.warnings);
        if self.provenance {
            let record: weld::build::BuildRecord =
                serde_json::from_slice(&std::fs::read(&report.record)?)
                    .with_context(|| format!("failed to read `{}`", report.record.display()))?;
            let artifact = report.link.output.file_name().unwrap_or_default();
            let pipeline = path.file_name().unwrap_or_default();
            let statement = weld::provenance::statement(
                &artifact.to_string_lossy(),
                &pipeline.to_string_lossy(),
                &record,
            );
            let out = report.link.output.with_extension("intoto.json");
            let mut json = serde_json::to_vec_pretty(&statement)?;
            json.push(b'\n');
            weld::link::write_atomically(&out, &json)?;
            term.status(
                "Attested",
                format!("`{}` (SLSA provenance v1)", out.display()),
            );
        }
        if self.aot {
            let cwasm = report.link.output.with_extension("cwasm");
            term.status("Precompiling", format!("`{}`", cwasm.display()));
            let engine = weld_shim::WeldEngine::new(&weld_shim::EngineOptions::one_shot(
                weld_shim::Limits::default(),
            ))?;
            weld_shim::precompile(&engine, &report.link.output, &cwasm).with_context(|| {
                format!("failed to precompile `{}`", report.link.output.display())
            })?;
        }
        term.status(
            "Finished",
            format!(
                "`{}` ({}, {} KiB) in {:.2}s",
                report.link.output.display(),
                weld::terminal::count(report.link.stages, "stage"),
                report.link.size.div_ceil(1024),
                start.elapsed().as_secs_f64()
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}
