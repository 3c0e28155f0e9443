//! The local, content-addressed store of pulled artifacts that `weld-shim` runs
//! references from.
//!
//! Layout: `<root>/blobs/sha256/<hex>`, manifests and components alike, each written
//! only after its digest was verified and renamed into place whole. A reference pinned
//! by digest whose manifest and component are both present is served from here with
//! no network request; a tag is always resolved against the registry (tags move), and
//! only a component not yet stored is downloaded.

use std::path::{Path, PathBuf};

use oci_client::Reference;
use oci_client::manifest::OciImageManifest;

use crate::auth::RegistryOptions;
use crate::registry::{OciError, Registry, component_layer, is_precompiled};
use crate::sha256_digest;

/// A store rooted at a directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A component ready to load from the store.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The component file.
    pub path: PathBuf,
    /// The manifest digest it was reached through.
    pub manifest_digest: String,
    /// Whether no network request was made.
    pub offline: bool,
    /// Bytes downloaded (0 when everything was stored already).
    pub downloaded: u64,
    /// Whether the component is precompiled (Weld's precompiled artifact).
    pub precompiled: bool,
}

impl Store {
    /// The store at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file a blob with `digest` (`sha256:<hex>`) is stored in.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
        self.root.join("blobs").join(algorithm).join(hex)
    }

    /// The component `reference` names, from the store when pinned and present, else
    /// from the registry (then stored).
    pub async fn fetch(
        &self,
        reference: &Reference,
        options: &RegistryOptions,
    ) -> Result<Fetched, OciError> {
        if let Some(digest) = reference.digest()
            && let Some(manifest) = self.stored_manifest(digest)
        {
            let layer = component_layer(reference, &manifest)?;
            let path = self.blob_path(&layer.digest);
            if path.is_file() {
                return Ok(Fetched {
                    path,
                    manifest_digest: digest.to_string(),
                    offline: true,
                    downloaded: 0,
                    precompiled: is_precompiled(&manifest),
                });
            }
        }
        let registry = Registry::new(reference, options)?;
        let (body, manifest_digest, manifest) = registry.pull_manifest(reference).await?;
        self.write(&manifest_digest, &body)?;
        let layer = component_layer(reference, &manifest)?;
        let path = self.blob_path(&layer.digest);
        let mut downloaded = 0;
        if !path.is_file() {
            let component = registry.pull_blob(reference, layer).await?;
            downloaded = component.len() as u64;
            self.write(&layer.digest, &component)?;
        }
        Ok(Fetched {
            path,
            manifest_digest,
            offline: false,
            downloaded,
            precompiled: is_precompiled(&manifest),
        })
    }

    /// A stored manifest, if present and intact.
    fn stored_manifest(&self, digest: &str) -> Option<OciImageManifest> {
        let bytes = std::fs::read(self.blob_path(digest)).ok()?;
        // Manifests are small: re-checking costs microseconds and keeps a damaged
        // store from redirecting a pinned reference to other content.
        (sha256_digest(&bytes) == digest)
            .then(|| serde_json::from_slice(&bytes).ok())
            .flatten()
    }

    /// Stores verified `bytes` under `digest`, atomically.
    fn write(&self, digest: &str, bytes: &[u8]) -> Result<(), OciError> {
        let path = self.blob_path(digest);
        write_atomically(&path, bytes).map_err(|source| OciError::Store {
            action: "write",
            path,
            source,
        })
    }
}

/// Writes through a temporary file beside `path` and renames it into place, so a
/// reader sees nothing or the whole file, never part of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
