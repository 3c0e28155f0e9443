//! The pipeline's WIT directory and the worlds its stages declare.
//!
//! The `wit:` folder (one package plus `deps/`) is parsed once per pipeline. Source
//! stages name a world in it; this module finds that world and can make a stand-in
//! component with exactly the world's imports and exports, so contracts can be checked
//! before any stage is compiled, with the same machinery as for built components.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
use wit_parser::{ManglingAndAbi, PackageId, Resolve, WorldId};

/// A resolved WIT directory.
#[derive(Debug)]
pub struct WitDir {
    /// The folder.
    pub path: PathBuf,
    /// Every package in it, the main one and its `deps/`.
    pub resolve: Resolve,
    /// The main package.
    pub package: PackageId,
}

impl WitDir {
    /// Parses the WIT directory at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        if !path.is_dir() {
            anyhow::bail!("WIT directory `{}` does not exist", path.display());
        }
        let mut resolve = Resolve::default();
        let (package, _) = resolve
            .push_dir(path)
            .with_context(|| format!("failed to parse WIT directory `{}`", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            resolve,
            package,
        })
    }

    /// Finds the world `name` (`pkg:name/world`, or a bare world name of the main package).
    pub fn world(&self, name: &str) -> Result<WorldId, String> {
        self.resolve
            .select_world(&[self.package], Some(name))
            .map_err(|e| format!("{e:#}"))
    }

    /// The fully qualified names of every world in the directory, for suggestions.
    pub fn world_names(&self) -> Vec<String> {
        self.resolve
            .worlds
            .iter()
            .filter_map(|(_, w)| {
                let pkg = &self.resolve.packages[w.package?];
                Some(format!("{}/{}", pkg.name, w.name))
            })
            .collect()
    }

    /// A component with exactly the imports and exports of `world`; its functions trap.
    pub fn stand_in_component(&self, world: WorldId) -> anyhow::Result<Vec<u8>> {
        stand_in(&self.resolve, world)
    }

    /// A stand-in component for the only world of a single WIT file, as golden tests and
    /// benchmarks use to make components without a guest compiler.
    pub fn stand_in_from_file(path: &Path) -> anyhow::Result<Vec<u8>> {
        let mut resolve = Resolve::default();
        let package = resolve
            .push_file(path)
            .with_context(|| format!("failed to parse `{}`", path.display()))?;
        let world = resolve.select_world(&[package], None)?;
        let dir = Self {
            path: path.to_path_buf(),
            resolve,
            package,
        };
        dir.stand_in_component(world)
    }
}

/// A component with `world`'s imports and exports whose functions trap: a stand-in for
/// checking, or, for a world exporting only types, a complete implementation.
pub fn stand_in(resolve: &Resolve, world: WorldId) -> anyhow::Result<Vec<u8>> {
    let mut module = dummy_module(resolve, world, ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8, false)?;
    ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
}
