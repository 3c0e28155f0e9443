use std::process::ExitCode;

use indexmap::IndexMap;
use weld::{pipeline, terminal::Terminal};

use super::{PipelineArg, print_warnings, report};

/// Print the stage graph as Graphviz dot or a Mermaid flowchart.
#[derive(clap::Args, Debug)]
pub struct GraphCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    /// Graphviz dot (`weld graph | dot -Tsvg > graph.svg`).
    Dot,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
}

impl GraphCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let path = &self.pipeline.pipeline;
        let what = format!("graph `{}`", path.display());
        let (manifest, wit) = pipeline::load(path).map_err(|d| report(term, &d, &what))?;
        let checked = pipeline::check(manifest, wit, &IndexMap::new())
            .map_err(|d| report(term, &d, &what))?;
        print_warnings(term, &checked.warnings);
        let text = match self.format {
            Format::Dot => checked.graph.to_dot(&checked.manifest, &checked.wiring),
            Format::Mermaid => checked.graph.to_mermaid(&checked.wiring),
        };
        print!("{text}");
        Ok(ExitCode::SUCCESS)
    }
}
