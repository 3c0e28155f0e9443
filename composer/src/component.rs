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
