//! Telling a registry reference from a file path.
//!
//! `app.wasm` is itself a valid OCI reference (`docker.io/library/app.wasm:latest`), so
//! a string only counts as a reference when it names a registry host explicitly, the
//! way `docker` decides: the part before the first `/` contains a `.` or a `:`, or is
//! `localhost`. An existing file always wins.

use std::path::{Path, PathBuf};

use oci_client::Reference;

/// Where an artifact comes from.
#[derive(Debug, Clone)]
pub enum ArtifactSource {
    /// A file on disk.
    File(PathBuf),
    /// A registry reference.
    Registry(Reference),
}

impl ArtifactSource {
    /// Classifies a command-line argument: an existing file, else a reference naming a
    /// registry host, else a (missing) file, which then fails with a read error.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.exists() {
            return Self::File(arg.to_path_buf());
        }
        match arg.to_str().and_then(|s| parse_reference(s).ok()) {
            Some(reference) => Self::Registry(reference),
            None => Self::File(arg.to_path_buf()),
        }
    }
}

/// Why a string is not a registry reference.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// No registry host before the first `/`.
    #[error(
        "`{0}` does not name a registry: write `<registry>/<repository>:<tag>`, e.g. `ghcr.io/acme/app:1.0` or `localhost:5000/app:dev`"
    )]
    NoRegistry(String),
    /// The OCI grammar refused it.
    #[error(
        "`{input}` is not a valid OCI reference: {reason}\nhelp: repository names are lowercase letters, digits and `.`, `_`, `-`, `/` between them; a tag is up to 128 letters, digits, `_`, `.` and `-`; a digest is `@sha256:` and 64 hex digits"
    )]
    Invalid {
        /// The text given.
        input: String,
        /// What the parser found.
        reason: String,
    },
}

/// Parses `<registry>/<repository>[:<tag>][@<digest>]`, requiring an explicit registry
/// (Weld never guesses Docker Hub).
pub fn parse_reference(input: &str) -> Result<Reference, ReferenceError> {
    let host = input.split('/').next().unwrap_or_default();
    let names_registry =
        input.contains('/') && (host.contains('.') || host.contains(':') || host == "localhost");
    if !names_registry {
        return Err(ReferenceError::NoRegistry(input.to_string()));
    }
    input
        .parse::<Reference>()
        .map_err(|e| ReferenceError::Invalid {
            input: input.to_string(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_need_an_explicit_registry() {
        let r = parse_reference("localhost:5000/app:dev").unwrap();
        assert_eq!(r.registry(), "localhost:5000");
        assert_eq!(r.repository(), "app");
        assert_eq!(r.tag(), Some("dev"));
        let r = parse_reference("ghcr.io/acme/edge/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(r.repository(), "acme/edge/app");
        assert!(r.digest().is_some());
        assert!(matches!(
            parse_reference("app.wasm"),
            Err(ReferenceError::NoRegistry(_))
        ));
        assert!(matches!(
            parse_reference("acme/app:1"),
            Err(ReferenceError::NoRegistry(_))
        ));
        assert!(matches!(
            parse_reference("localhost:5000/App:x"),
            Err(ReferenceError::Invalid { .. })
        ));
    }

    #[test]
    fn an_existing_file_is_never_a_reference() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("localhost:5000");
        std::fs::create_dir(&file).unwrap();
        let nested = file.join("app:dev");
        std::fs::write(&nested, b"x").unwrap();
        assert!(matches!(
            ArtifactSource::from_arg(&nested),
            ArtifactSource::File(_)
        ));
        assert!(matches!(
            ArtifactSource::from_arg(Path::new("localhost:5000/app:dev")),
            ArtifactSource::Registry(_)
        ));
        assert!(matches!(
            ArtifactSource::from_arg(Path::new("build/app.wasm")),
            ArtifactSource::File(_)
        ));
    }
}
