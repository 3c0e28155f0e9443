//! Moves Weld artifacts through OCI registries: the deploy half that both sides share.
//!
//! - [`reference`]: telling a registry reference (`registry/repo:tag`,
//!   `registry/repo@sha256:...`) from a file path;
//! - [`auth`]: where credentials come from (flags, environment, Docker's and Podman's
//!   config files) and the transport policy (HTTPS unless loopback or `--insecure`);
//! - [`registry`]: pushing a set of layers under a manifest, and pulling a Wasm
//!   component artifact with every digest verified;
//! - [`store`]: the content-addressed local store `weld-shim` runs references from,
//!   which needs no network for a reference pinned by digest.
//!
//! A Wasm artifact follows the CNCF TAG Runtime layout: an OCI image manifest whose
//! config has media type [`WASM_CONFIG_MEDIA_TYPE`] and whose one layer is the
//! component ([`WASM_LAYER_MEDIA_TYPE`]). Weld adds the build record as the manifest
//! annotation [`BUILD_RECORD_ANNOTATION`], so the layout stays what other tools expect
//! (one layer) while the record travels with the artifact.
//!
//! `weld push --aot` pushes Weld's own kind of artifact instead: the same shape with
//! [`PRECOMPILED_CONFIG_MEDIA_TYPE`] and one [`PRECOMPILED_LAYER_MEDIA_TYPE`] layer, the
//! component compiled for one wasmtime version and CPU, for shims without a compiler.
//!
//! Nothing here knows how artifacts are built or run.

#![deny(missing_docs)]

pub mod auth;
pub mod reference;
pub mod registry;
pub mod store;

pub use auth::{Credentials, RegistryOptions};
pub use oci_client::Reference;
pub use reference::{ArtifactSource, parse_reference};
pub use registry::{Blob, ImageManifest, OciError, Pulled, Pushed, Registry};
pub use store::Store;

/// The media type of a Wasm artifact's config (CNCF TAG Runtime, Wasm OCI artifact).
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of the component layer.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The config media type of Weld's precompiled artifact (`weld push --aot`): native
/// code for one wasmtime version and CPU, which the runtime-only shim runs.
pub const PRECOMPILED_CONFIG_MEDIA_TYPE: &str = "application/vnd.weld.precompiled.config.v1+json";
/// The layer media type of a precompiled component (`.cwasm`).
pub const PRECOMPILED_LAYER_MEDIA_TYPE: &str = "application/vnd.weld.precompiled.cwasm.v1";
/// The manifest media type.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The manifest annotation holding Weld's build record (compact JSON: stage -> source
/// hash -> component hash).
pub const BUILD_RECORD_ANNOTATION: &str = "dev.weld.build-record";

/// `sha256:<hex>` of `bytes`, the form digests take in manifests.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}
