use std::process::ExitCode;

use indexmap::IndexMap;
use weld::{
    pipeline,
    terminal::{Terminal, count},
};

use super::{PipelineArg, print_warnings, report};

/// Check a pipeline's wiring and contracts without building anything.
///
/// Prints the resolved wiring and the imports the composed artifact will need from its host.
#[derive(clap::Args, Debug)]
pub struct CheckCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
}

impl CheckCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let path = &self.pipeline.pipeline;
        let what = format!("check `{}`", path.display());
        let (manifest, wit) = pipeline::load(path).map_err(|d| report(term, &d, &what))?;
        term.status(
            "Checking",
            format!(
                "{} ({})",
                manifest.name,
                count(manifest.stages.len(), "stage")
            ),
        );
        let checked = pipeline::check(manifest, wit, &IndexMap::new())
            .map_err(|d| report(term, &d, &what))?;
        print_warnings(term, &checked.warnings);
        print!("{}", checked.summary());
        term.status(
            "Finished",
            format!(
                "`{}` is wired correctly: {}, {}, {}",
                checked.manifest.name,
                count(checked.graph.order.len(), "stage"),
                count(checked.wiring.wires.len(), "wire"),
                count(checked.wiring.merged_host_imports().len(), "host import")
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}
