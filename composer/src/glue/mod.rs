//! Components Weld generates from the pipeline, linked like any stage.
//!
//! A generated stage has `lang: wasm` and [`Stage::generated`] set; its component is
//! made here when the pipeline is checked or built, never read from a file the user
//! wrote. Generation is in process and deterministic, so a generated stage is cached,
//! recorded and verified like the others.

pub mod http;

use crate::manifest::{Generated, Stage};

/// The WIT packages stages implement for generated components, to copy into a
/// pipeline's `wit/deps/` (`weld wit`): name, what it is for, text.
pub fn wit_packages() -> [(&'static str, &'static str, &'static str); 1] {
    [(
        "weld:http",
        "handlers and middleware on plain records, for `http:` routes",
        http::WIT,
    )]
}

/// Why a generated stage's component could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GlueError {
    /// The HTTP glue.
    #[error(transparent)]
    Http(#[from] http::HttpGlueError),
}

/// The component of generated stage `stage`; `None` for a stage the user wrote.
pub fn component(stage: &Stage) -> Option<Result<Vec<u8>, GlueError>> {
    match stage.generated.as_ref()? {
        Generated::Http(spec) => Some(http::generate(spec).map_err(GlueError::from)),
    }
}
