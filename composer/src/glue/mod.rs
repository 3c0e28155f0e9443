//! Components Weld generates from the pipeline, linked like any stage.
//!
//! A generated stage has `lang: wasm` and [`Stage::generated`] set; its component is
//! made here when the pipeline is checked or built, never read from a file the user
//! wrote. Generation is in process and deterministic, so a generated stage is cached,
//! recorded and verified like the others.

pub mod flow;
pub mod http;

use std::sync::Mutex;

use crate::{
    manifest::{Generated, Stage},
    wit::WitDir,
};

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
    /// The flow glue.
    #[error(transparent)]
    Flow(#[from] flow::FlowGlueError),
}

/// Makes `module` a component of `world`: the last step of every generated stage.
fn encode(
    mut module: Vec<u8>,
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> anyhow::Result<Vec<u8>> {
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )?;
    wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
}

/// The component of generated stage `stage`, whose types are those of the pipeline's
/// WIT folder `wit`; `None` for a stage the user wrote.
pub fn component(stage: &Stage, wit: Option<&WitDir>) -> Option<Result<Vec<u8>, GlueError>> {
    // `weld compose` asks twice (checking the declared worlds, then building): the
    // last one made is kept, so it is made once.
    static LAST: Mutex<Option<(Generated, Vec<u8>)>> = Mutex::new(None);
    let generated = stage.generated.as_ref()?;
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((made_from, bytes)) = &*last
        && made_from == generated
    {
        return Some(Ok(bytes.clone()));
    }
    let made = match generated {
        Generated::Http(spec) => http::generate(spec).map_err(GlueError::from),
        Generated::Flows(spec) => flow::generate(spec, wit).map_err(GlueError::from),
    };
    if let Ok(bytes) = &made {
        *last = Some((generated.clone(), bytes.clone()));
    }
    Some(made)
}
