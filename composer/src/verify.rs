//! `weld verify`: rebuilds every stage from scratch, in a fresh work folder with no
//! cache, links, and compares with the build record written next to the artifact:
//! stage by stage (toolchain, other recorded inputs, sources, bytes) and the whole
//! artifact. For a stage whose bytes differ while everything recorded is the same, the
//! first differing section of the two components is named, when the recorded component
//! is still in the build cache.

use std::path::{Path, PathBuf};

use crate::{
    build::{BuildOptions, BuildRecord, StageRecord},
    pipeline::{self, ComposeError},
    terminal::Terminal,
};

/// What `verify` compares against.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// The artifact [default: `build/<name>.wasm` next to the pipeline]; its build
    /// record is `<artifact>.build.json`.
    pub artifact: Option<PathBuf>,
    /// How many stages to build at once (0: one per core).
    pub jobs: usize,
}

/// How one stage compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The rebuilt component is byte for byte the recorded one.
    Same,
    /// Built by another toolchain than the recorded one.
    ToolchainDiffers {
        /// As recorded.
        recorded: String,
        /// Here.
        here: String,
    },
    /// Another recorded input (world, adapter, npm lockfile) differs.
    InputDiffers {
        /// Which input.
        input: &'static str,
        /// As recorded.
        recorded: String,
        /// Here.
        here: String,
    },
    /// The sources (or WIT) changed since the build.
    SourcesDiffer,
    /// Same inputs, other bytes: the toolchain is not deterministic for this stage.
    BytesDiffer {
        /// The first differing section, when the recorded component is at hand.
        first_difference: Option<String>,
    },
    /// The record has no such stage.
    NotRecorded,
}

impl Verdict {
    /// Whether the stage reproduced.
    pub fn is_same(&self) -> bool {
        *self == Verdict::Same
    }
}

/// The outcome of `verify`.
#[derive(Debug)]
pub struct VerifyReport {
    /// The artifact compared against.
    pub artifact: PathBuf,
    /// Per stage, in manifest order: name, language and verdict.
    pub stages: Vec<(String, String, Verdict)>,
    /// sha256 of the artifact as recorded.
    pub recorded_artifact: String,
    /// sha256 of the artifact file on disk, when it exists.
    pub artifact_file: Option<String>,
    /// sha256 of the artifact linked from the rebuilt stages.
    pub rebuilt_artifact: String,
}

impl VerifyReport {
    /// Whether everything reproduced: every stage and the whole artifact.
    pub fn is_reproduced(&self) -> bool {
        self.stages.iter().all(|(_, _, v)| v.is_same())
            && self.rebuilt_artifact == self.recorded_artifact
            && self.artifact_file.as_deref() == Some(self.recorded_artifact.as_str())
    }
}

/// Why `verify` could not compare.
#[derive(Debug)]
pub enum VerifyError {
    /// No build record next to the artifact, or an unreadable one.
    Record {
        /// The record file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Checking, building or linking failed.
    Compose(ComposeError),
}

/// Rebuilds the pipeline from scratch and compares with the recorded build.
pub fn verify(options: &VerifyOptions, term: &Terminal) -> Result<VerifyReport, VerifyError> {
    let scratch = tempfile::Builder::new()
        .prefix("weld-verify-")
        .tempdir()
        .map_err(|e| VerifyError::Compose(ComposeError::Other(e.into())))?;
    // The record first: it says how the stages were built (`--debug`).
    let (manifest, _) = pipeline::load(&options.pipeline)
        .map_err(|diagnostics| VerifyError::Compose(ComposeError::Invalid(diagnostics)))?;
    let artifact = options.artifact.clone().unwrap_or_else(|| {
        manifest
            .dir
            .join("build")
            .join(format!("{}.wasm", manifest.name))
    });
    let record_path = artifact.with_extension("build.json");
    let record: BuildRecord = std::fs::read(&record_path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|reason| VerifyError::Record {
            path: record_path.clone(),
            reason,
        })?;
    let build = BuildOptions {
        no_cache: true,
        jobs: options.jobs,
        work_dir: Some(scratch.path().to_path_buf()),
        debug: record.debug,
    };
    let built =
        pipeline::build_stages(&options.pipeline, &build, term).map_err(VerifyError::Compose)?;
    let manifest_dir = built.manifest.dir.clone();
    let linked = pipeline::link_built(built, term).map_err(VerifyError::Compose)?;
    let rebuilt_artifact = crate::build::sha256_hex(&linked.checked.artifact);

    let mut stages = Vec::new();
    for built in linked.stages.values() {
        let here = StageRecord::new(&manifest_dir, built);
        let verdict = match record.stages.iter().find(|r| r.stage == here.stage) {
            None => Verdict::NotRecorded,
            Some(recorded) => compare(&manifest_dir, recorded, &here, &built.bytes),
        };
        stages.push((here.stage.clone(), here.lang.clone(), verdict));
    }
    let artifact_file = std::fs::read(&artifact)
        .ok()
        .map(|bytes| crate::build::sha256_hex(&bytes));
    Ok(VerifyReport {
        artifact,
        stages,
        recorded_artifact: record.artifact_hash,
        artifact_file,
        rebuilt_artifact,
    })
}

fn compare(dir: &Path, recorded: &StageRecord, here: &StageRecord, rebuilt: &[u8]) -> Verdict {
    if recorded.toolchain != here.toolchain {
        return Verdict::ToolchainDiffers {
            recorded: recorded.toolchain.clone(),
            here: here.toolchain.clone(),
        };
    }
    let inputs = [
        ("world", &recorded.world, &here.world),
        ("adapter", &recorded.adapter, &here.adapter),
        ("npm lockfile", &recorded.npm_lockfile, &here.npm_lockfile),
    ];
    for (input, a, b) in inputs {
        if a != b {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
            return Verdict::InputDiffers {
                input,
                recorded: show(a),
                here: show(b),
            };
        }
    }
    if recorded.source_hash != here.source_hash {
        return Verdict::SourcesDiffer;
    }
    if recorded.component_hash == here.component_hash {
        return Verdict::Same;
    }
    // The recorded component, if the build cache still holds it.
    let original = std::fs::read(dir.join(&recorded.component))
        .ok()
        .filter(|b| crate::build::sha256_hex(b) == recorded.component_hash);
    let first_difference = original.and_then(|original| first_difference(&original, rebuilt));
    Verdict::BytesDiffer { first_difference }
}

/// The first section (and, in a code section, the first function body) where two
/// components differ, e.g. `core module 1, code section, function 4127 of 9012`.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<String> {
    let sa = sections(a);
    let sb = sections(b);
    for (i, (x, y)) in sa.iter().zip(&sb).enumerate() {
        if x.label != y.label {
            return Some(format!(
                "section {i}: {} here, {} in the record",
                y.label, x.label
            ));
        }
        if x.bytes != y.bytes {
            if let (Some(fa), Some(fb)) = (&x.functions, &y.functions)
                && let Some(k) = fa.iter().zip(fb).position(|(p, q)| p != q)
            {
                return Some(format!(
                    "{}, function body {k} of {}",
                    x.label,
                    fa.len().max(fb.len())
                ));
            }
            return Some(format!(
                "{} ({} vs {} bytes)",
                x.label,
                x.bytes.len(),
                y.bytes.len()
            ));
        }
    }
    (sa.len() != sb.len()).then(|| format!("{} sections vs {}", sa.len(), sb.len()))
}

struct Section<'a> {
    label: String,
    bytes: &'a [u8],
    functions: Option<Vec<&'a [u8]>>,
}

/// Every section of a component, nested modules and components included, in order.
fn sections(bytes: &[u8]) -> Vec<Section<'_>> {
    use wasmparser::Payload;
    let mut out = Vec::new();
    let mut module = 0usize;
    let mut in_module: Option<usize> = None;
    let mut functions: Vec<&[u8]> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else {
            break;
        };
        let place =
            in_module.map_or_else(|| "component".to_string(), |m| format!("core module {m}"));
        match &payload {
            // Containers: their contents follow as sections of their own.
            Payload::ModuleSection { .. } => {
                in_module = Some(module);
                module += 1;
                continue;
            }
            Payload::ComponentSection { .. } => continue,
            Payload::End(_) => in_module = None,
            Payload::CodeSectionEntry(body) => {
                functions.push(slice(bytes, body.range()));
                continue;
            }
            _ => {}
        }
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let label = match &payload {
            Payload::CustomSection(c) => format!("{place}, custom section `{}`", c.name()),
            Payload::CodeSectionStart { .. } => format!("{place}, code section"),
            Payload::DataSection(_) => format!("{place}, data section"),
            _ => format!("{place}, section {id}"),
        };
        if let Some(last) = out.last_mut().filter(|_| !functions.is_empty()) {
            let last: &mut Section<'_> = last;
            last.functions = Some(std::mem::take(&mut functions));
        }
        out.push(Section {
            label,
            bytes: slice(bytes, range),
            functions: None,
        });
    }
    if let Some(last) = out.last_mut().filter(|_| !functions.is_empty()) {
        last.functions = Some(functions);
    }
    out
}

/// `bytes[range]` for wasmparser's offsets, empty when out of bounds.
fn slice<T: TryInto<usize>>(bytes: &[u8], range: std::ops::Range<T>) -> &[u8] {
    match (range.start.try_into(), range.end.try_into()) {
        (Ok(start), Ok(end)) => bytes.get(start..end).unwrap_or_default(),
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    fn component(body: &str) -> Vec<u8> {
        wat::parse_str(format!(
            "(component (core module (func) (func (result i32) {body}) (func)))"
        ))
        .unwrap()
    }

    #[test]
    fn names_the_first_differing_function_body() {
        let a = component("i32.const 1");
        let b = component("i32.const 2");
        assert_eq!(
            first_difference(&a, &b).as_deref(),
            Some("core module 0, code section, function body 1 of 3")
        );
        assert_eq!(first_difference(&a, &a), None);
    }
}
