//! The one reader of a stage's component file, used by every step that needs the bytes:
//! contracts, the build record, linking and `weld test`.
//!
//! A `wasm` stage may be written as a binary component or as WAT text (`.wat`); source
//! stages are the binary components of the build cache. Either way the caller gets
//! binary bytes that are known to be a component, or an error saying what the file is
//! instead and what to do.

use std::path::{Path, PathBuf};

/// Why a component file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No such file.
    #[error("`{}` does not exist", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `.wat` file that does not parse.
    #[error("`{}` is not valid WAT: {message}", path.display())]
    Wat {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A core module where a component is needed.
    #[error("`{}` is a core WebAssembly module, not a component", path.display())]
    CoreModule {
        /// The file.
        path: PathBuf,
    },
    /// Not WebAssembly at all.
    #[error("`{}` is not a WebAssembly component (bad header)", path.display())]
    NotComponent {
        /// The file.
        path: PathBuf,
    },
}

impl ReadError {
    /// What the user can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            ReadError::Missing { .. } => "check `path:`; it is relative to the pipeline file",
            ReadError::Io { .. } => "check the file's permissions",
            ReadError::Wat { .. } => "fix the WAT text at the line and column shown",
            ReadError::CoreModule { .. } => {
                "make a component from it, e.g. `wasm-tools component new module.wasm -o component.wasm`"
            }
            ReadError::NotComponent { .. } => {
                "rebuild the component; `wasm-tools validate` shows what is wrong"
            }
        }
    }
}

/// Reads the component at `path`: binary, or WAT text when the file name ends in `.wat`.
pub fn read(path: &Path) -> Result<Vec<u8>, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing {
            path: path.to_path_buf(),
        },
        _ => ReadError::Io {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let bytes = if path.extension().is_some_and(|e| e == "wat") {
        wat::parse_bytes(&bytes)
            .map_err(|mut e| {
                e.set_path(path);
                ReadError::Wat {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                }
            })?
            .into_owned()
    } else {
        bytes
    };
    if wasmparser::Parser::is_component(&bytes) {
        Ok(bytes)
    } else if wasmparser::Parser::is_core_wasm(&bytes) {
        Err(ReadError::CoreModule {
            path: path.to_path_buf(),
        })
    } else {
        Err(ReadError::NotComponent {
            path: path.to_path_buf(),
        })
    }
}

/// The payloads of `wasm`'s own sections, in order, ending with its `End`: a nested
/// module or component is one `ModuleSection` / `ComponentSection` payload whose
/// contents are stepped over, not parsed (its bytes are at its `unchecked_range`).
pub fn top_level_payloads(
    mut wasm: &[u8],
) -> Result<Vec<wasmparser::Payload<'_>>, wasmparser::BinaryReaderError> {
    use wasmparser::{Chunk, Payload};
    let mut parser = wasmparser::Parser::new(0);
    let mut payloads = Vec::new();
    loop {
        let Chunk::Parsed { consumed, payload } = parser.parse(wasm, true)? else {
            unreachable!("with `eof` the parser has all the data it will get");
        };
        wasm = &wasm[consumed..];
        match &payload {
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                // The parser has stepped over the nested binary; the data must too.
                wasm = &wasm[(unchecked_range.end - unchecked_range.start) as usize..];
            }
            Payload::End(_) => {
                payloads.push(payload);
                return Ok(payloads);
            }
            _ => {}
        }
        payloads.push(payload);
    }
}

/// A top-level core instance of a component, owned, for rewriters that look back at
/// what an index refers to.
#[derive(Debug, Clone)]
pub enum CoreInstance {
    /// A module instantiated with these arguments: (name, core instance).
    Instantiate {
        /// The module's index.
        module: u32,
        /// Its arguments.
        args: Vec<(String, u32)>,
    },
    /// Exports of other items: (name, kind, index).
    FromExports(Vec<(String, wasmparser::ExternalKind, u32)>),
}

impl From<wasmparser::Instance<'_>> for CoreInstance {
    fn from(instance: wasmparser::Instance<'_>) -> Self {
        match instance {
            wasmparser::Instance::Instantiate { module_index, args } => Self::Instantiate {
                module: module_index,
                args: args.iter().map(|a| (a.name.to_string(), a.index)).collect(),
            },
            wasmparser::Instance::FromExports(exports) => Self::FromExports(
                exports
                    .iter()
                    .map(|e| (e.name.to_string(), e.kind, e.index))
                    .collect(),
            ),
        }
    }
}

/// Validates a module or component that a rewriter produced, with every feature the
/// rewriters may meet enabled: a rewrite is only used when its result validates.
pub fn validate(wasm: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(wasm)
        .map(drop)
}

/// Copies `payload`'s section of `wasm` into `out` as it is (nested modules and
/// components included, byte for byte).
pub fn copy_section(
    out: &mut wasm_encoder::Component,
    wasm: &[u8],
    payload: &wasmparser::Payload<'_>,
) -> anyhow::Result<()> {
    let (id, range) =
        anyhow::Context::context(payload.as_section(), "a payload that is not a section")?;
    out.section(&wasm_encoder::RawSection {
        id,
        data: &wasm[usize_range(range)],
    });
    Ok(())
}

/// A parser's range (`u64` offsets) as a range into the binary held in memory.
pub fn usize_range(range: std::ops::Range<u64>) -> std::ops::Range<usize> {
    range.start as usize..range.end as usize
}

/// [`section_rank`] of a core module section by its id as it appears in the binary.
pub fn section_rank_of_id(id: u8) -> u8 {
    use wasm_encoder::SectionId as S;
    [
        S::Type,
        S::Import,
        S::Function,
        S::Table,
        S::Memory,
        S::Tag,
        S::Global,
        S::Export,
        S::Start,
        S::Element,
        S::DataCount,
        S::Code,
        S::Data,
    ]
    .into_iter()
    .find(|s| *s as u8 == id)
    .map_or(0, section_rank)
}

/// A core module section's place in the order modules must follow (custom sections,
/// which go anywhere, are 0): for rewriters that add a section a module lacks, in its
/// place (`intersperse_section_hook`'s `before` is `None` at the end, i.e. last).
pub fn section_rank(id: wasm_encoder::SectionId) -> u8 {
    use wasm_encoder::SectionId as S;
    match id {
        S::Type => 1,
        S::Import => 2,
        S::Function => 3,
        S::Table => 4,
        S::Memory => 5,
        S::Tag => 6,
        S::Global => 7,
        S::Export => 8,
        S::Start => 9,
        S::Element => 10,
        S::DataCount => 11,
        S::Code => 12,
        S::Data => 13,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_payloads_step_over_what_is_nested() {
        let wasm = wat::parse_str(
            r#"(component
                (core module $m (func (export "inner")))
                (component $c (export "nested" (core module $m)))
                (core instance $i (instantiate $m))
            )"#,
        )
        .unwrap();
        let payloads = top_level_payloads(&wasm).unwrap();
        let kinds: Vec<&str> = payloads
            .iter()
            .map(|p| match p {
                wasmparser::Payload::Version { .. } => "version",
                wasmparser::Payload::ModuleSection { .. } => "module",
                wasmparser::Payload::ComponentSection { .. } => "component",
                wasmparser::Payload::InstanceSection(_) => "core instances",
                wasmparser::Payload::CustomSection(_) => "custom (names)",
                wasmparser::Payload::End(_) => "end",
                _ => "other",
            })
            .collect();
        // Neither the module's export nor the nested component's sections are listed.
        assert_eq!(
            kinds,
            [
                "version",
                "module",
                "component",
                "core instances",
                "custom (names)",
                "end"
            ]
        );
        // The nested binaries are where their payloads say.
        let wasmparser::Payload::ModuleSection {
            unchecked_range, ..
        } = &payloads[1]
        else {
            unreachable!()
        };
        let range = unchecked_range.start as usize..unchecked_range.end as usize;
        assert!(wasmparser::Parser::is_core_wasm(&wasm[range]));
    }

    #[test]
    fn section_ranks_by_id_follow_the_module_order() {
        assert_eq!(
            section_rank_of_id(4),
            section_rank(wasm_encoder::SectionId::Table)
        );
        assert!(
            section_rank_of_id(13) < section_rank_of_id(6),
            "tags before globals"
        );
        assert_eq!(section_rank_of_id(0), 0, "custom sections go anywhere");
    }
}
