use std::{path::PathBuf, process::ExitCode, time::Instant};

use indexmap::IndexMap;
use weld::{manifest::Lang, pipeline, terminal::Terminal};

use super::{PipelineArg, print_warnings, report};

/// Build every stage, check every wire and link the pipeline into one component.
#[derive(clap::Args, Debug)]
pub struct ComposeCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
    /// Where to write the composed component [default: `build/<name>.wasm` next to the pipeline].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl ComposeCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let start = Instant::now();
        let path = &self.pipeline.pipeline;
        let what = format!("compose `{}`", path.display());
        let (manifest, wit) = pipeline::load(path).map_err(|d| report(term, &d, &what))?;
        let output = self.output.unwrap_or_else(|| {
            manifest
                .dir
                .join("build")
                .join(format!("{}.wasm", manifest.name))
        });
        if let Some(stage) = manifest.stages.values().find(|s| s.lang != Lang::Wasm) {
            anyhow::bail!(
                "stage `{}` is a `{}` stage; building from source is not available yet",
                stage.name,
                stage.lang
            );
        }
        let checked = pipeline::check(manifest, wit, &IndexMap::new())
            .map_err(|d| report(term, &d, &what))?;
        print_warnings(term, &checked.warnings);
        let name = checked.manifest.name.clone();
        term.status(
            "Linking",
            format!("{name} ({} stages)", checked.graph.order.len()),
        );
        let report = pipeline::link_checked(checked, &output)?;
        term.status(
            "Finished",
            format!(
                "`{}` ({} KiB) in {:.2}s",
                report.output.display(),
                report.size.div_ceil(1024),
                start.elapsed().as_secs_f64()
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}
