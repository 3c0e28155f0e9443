use std::{path::PathBuf, process::ExitCode};

use weld::{
    pipeline::ComposeError,
    terminal::Terminal,
    verify::{Verdict, VerifyError, VerifyOptions, verify},
};

use super::{JobsArg, PipelineArg, report, report_build_failures};

/// Rebuild every stage from scratch and compare with the artifact's build record.
///
/// Builds in a fresh folder with no cache, links, and compares stage by stage
/// (toolchain, recorded inputs, sources, bytes) and the whole artifact. Exits non-zero
/// on any difference.
#[derive(clap::Args, Debug)]
pub struct VerifyCommand {
    #[command(flatten)]
    pipeline: PipelineArg,
    /// The artifact to verify; its record is `<artifact>.build.json` next to it
    /// [default: `build/<name>.wasm` next to the pipeline].
    #[arg(long, value_name = "FILE")]
    artifact: Option<PathBuf>,
    #[command(flatten)]
    jobs: JobsArg,
}

impl VerifyCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let path = &self.pipeline.pipeline;
        let what = format!("verify `{}`", path.display());
        let options = VerifyOptions {
            pipeline: path.clone(),
            artifact: self.artifact,
            jobs: self.jobs.jobs,
        };
        let report_ = match verify(&options, term) {
            Ok(r) => r,
            Err(VerifyError::Compose(ComposeError::Invalid(diags))) => {
                return Err(report(term, &diags, &what));
            }
            Err(VerifyError::Compose(ComposeError::Build(failures))) => {
                return Err(report_build_failures(term, &failures, &what));
            }
            Err(VerifyError::Compose(ComposeError::Other(e))) => {
                return Err(e.context(format!("could not {what}")));
            }
            Err(VerifyError::Record { path, reason }) => {
                return Err(anyhow::anyhow!(
                    "could not {what}: no usable build record `{}` ({reason}); `weld compose` writes it next to the artifact",
                    path.display()
                ));
            }
        };
        for (stage, lang, verdict) in &report_.stages {
            let line = match verdict {
                Verdict::Same => "identical".to_string(),
                Verdict::ToolchainDiffers { recorded, here } => {
                    format!("toolchain differs: recorded `{recorded}`, here `{here}`")
                }
                Verdict::InputDiffers {
                    input,
                    recorded,
                    here,
                } => format!("{input} differs: recorded `{recorded}`, here `{here}`"),
                Verdict::SourcesDiffer => {
                    "sources differ: the stage's inputs changed since the build".to_string()
                }
                Verdict::BytesDiffer { first_difference } => match first_difference {
                    Some(at) => format!("bytes differ with the same inputs; first at {at}"),
                    None => "bytes differ with the same inputs".to_string(),
                },
                Verdict::NotRecorded => "not in the build record".to_string(),
            };
            let verb = if verdict.is_same() {
                "Verified"
            } else {
                "Differs"
            };
            term.status(verb, format!("{stage} ({lang}): {line}"));
        }
        let artifact = report_.artifact.display();
        match &report_.artifact_file {
            None => term.status("Missing", format!("`{artifact}`")),
            Some(hash) if *hash != report_.recorded_artifact => term.status(
                "Differs",
                format!("`{artifact}` is not the artifact its build record describes"),
            ),
            Some(_) => {}
        }
        if report_.is_reproduced() {
            term.status(
                "Finished",
                format!(
                    "`{artifact}` reproduced byte for byte (sha256 {})",
                    report_.rebuilt_artifact
                ),
            );
            Ok(ExitCode::SUCCESS)
        } else {
            let differing = report_
                .stages
                .iter()
                .filter(|(_, _, v)| !v.is_same())
                .count();
            Err(anyhow::anyhow!(
                "`{artifact}` did not reproduce ({differing} of {} stages differ); the rebuilt artifact's sha256 is {}, the record's {}",
                report_.stages.len(),
                report_.rebuilt_artifact,
                report_.recorded_artifact
            ))
        }
    }
}
