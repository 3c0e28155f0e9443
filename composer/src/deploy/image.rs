//! A container image holding the runtime-only shim and the precompiled artifact, with
//! `weld-shim serve` as its entrypoint: what Kubernetes, Nomad or Cloud Run run.
//!
//! The image is assembled directly (no Docker daemon): two gzip'd tar layers (the shim,
//! shared by every app built with the same shim, then the app) and an OCI image config.
//! Layers have fixed timestamps and owners, so the same inputs give the same digests.
//! It can be pushed to a registry and/or written as an OCI image layout folder
//! (`skopeo copy oci:DIR:TAG ...` takes it anywhere).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;
use weld_oci::{
    BUILD_RECORD_ANNOTATION, Blob, ImageManifest, OCI_MANIFEST_MEDIA_TYPE, Pushed, Registry,
    RegistryOptions, parse_reference, sha256_digest,
};

use super::{
    DeployError, block_on, build_record, created, is_precompiled, precompile, read_precompiled,
    rfc3339,
};

/// Media type of a gzip'd layer.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of an image config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Where the shim sits in the image.
pub const SHIM_PATH: &str = "weld-shim";
/// Where the precompiled artifact sits in the image.
pub const APP_PATH: &str = "app.cwasm";

/// What to build and where to put it.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// The composed component (`.wasm`), precompiled here, or an already precompiled
    /// `.cwasm` (made by a weld-shim of the same version).
    pub artifact: PathBuf,
    /// The shim to ship: statically linked, ideally the runtime-only build.
    pub shim: PathBuf,
    /// Push to this reference.
    pub reference: Option<String>,
    /// Write an OCI image layout to this folder, tagged with the reference's tag (or
    /// `latest`).
    pub layout: Option<PathBuf>,
    /// The port `serve` listens on inside the container.
    pub port: u16,
    /// Transport and credentials for the push.
    pub registry: RegistryOptions,
}

/// The image that was made.
#[derive(Debug)]
pub struct ImageReport {
    /// The manifest's digest.
    pub digest: String,
    /// Layer sizes (compressed): shim, app.
    pub layer_sizes: [u64; 2],
    /// The push, if any.
    pub pushed: Option<Pushed>,
    /// The layout folder, if written.
    pub layout: Option<PathBuf>,
}

/// Builds the image and pushes and/or writes it.
pub fn image(options: &ImageOptions) -> Result<ImageReport, DeployError> {
    if options.reference.is_none() && options.layout.is_none() {
        return Err(DeployError::NoDestination);
    }
    let reference = options
        .reference
        .as_deref()
        .map(parse_reference)
        .transpose()?;
    let shim = std::fs::read(&options.shim).map_err(|e| DeployError::Shim {
        path: options.shim.clone(),
        reason: format!("cannot read it ({e}); build it with `scripts/build-runtime-shim`"),
    })?;
    let architecture = check_shim(&options.shim, &shim)?;
    let app = if is_precompiled(&options.artifact) {
        read_precompiled(&options.artifact)?
    } else {
        precompile(
            &options.artifact,
            &crate::component::read(&options.artifact)?,
        )?
    };
    let created_at = created()?;
    let created = rfc3339(&created_at);
    let mtime = u64::try_from(created_at.timestamp()).unwrap_or(0);

    let (shim_layer, shim_diff) = layer(&[(SHIM_PATH, &shim, 0o755)], mtime)?;
    let (app_layer, app_diff) = layer(&[(APP_PATH, &app, 0o644)], mtime)?;
    let entrypoint = vec![
        format!("/{SHIM_PATH}"),
        "serve".to_string(),
        "--addr".to_string(),
        format!("0.0.0.0:{}", options.port),
        format!("/{APP_PATH}"),
    ];
    let config = json!({
        "created": created,
        "architecture": architecture,
        "os": "linux",
        "config": {
            "Entrypoint": entrypoint,
            "ExposedPorts": { format!("{}/tcp", options.port): {} },
            "WorkingDir": "/",
            // No root inside the container: the shim needs no privilege to serve on an
            // unprivileged port, and the image has no /etc/passwd to name a user.
            "User": "65534:65534",
        },
        "rootfs": { "type": "layers", "diff_ids": [shim_diff, app_diff] },
        "history": [
            { "created": created, "created_by": format!("weld image: /{SHIM_PATH}") },
            { "created": created, "created_by": format!("weld image: /{APP_PATH}") },
        ],
    });
    let config = Blob::new(
        CONFIG_MEDIA_TYPE,
        weld_oci::registry::canonical_json(&config),
    );
    let layers = [
        Blob::new(LAYER_MEDIA_TYPE, shim_layer),
        Blob::new(LAYER_MEDIA_TYPE, app_layer),
    ];
    let mut annotations = BTreeMap::from([(
        "org.opencontainers.image.created".to_string(),
        created.clone(),
    )]);
    if let Some(record) = build_record(&options.artifact) {
        annotations.insert(BUILD_RECORD_ANNOTATION.to_string(), record);
    }
    let manifest = ImageManifest::new(&layers, &config, annotations.clone());
    let layer_sizes = [layers[0].data.len() as u64, layers[1].data.len() as u64];

    let layout = match &options.layout {
        Some(dir) => {
            let tag = reference
                .as_ref()
                .and_then(|r| r.tag().map(str::to_string))
                .unwrap_or_else(|| "latest".to_string());
            write_layout(dir, &layers, &config, &manifest, &tag)?;
            Some(dir.clone())
        }
        None => None,
    };
    let pushed = match &reference {
        Some(reference) => {
            let registry = Registry::new(reference, &options.registry)?;
            Some(block_on(registry.push(
                reference,
                &layers,
                &config,
                annotations,
            ))?)
        }
        None => None,
    };
    Ok(ImageReport {
        digest: manifest.digest,
        layer_sizes,
        pushed,
        layout,
    })
}

/// The OCI architecture of the shim, after checking it can run in an image with
/// nothing else in it: a Linux executable with no dynamic loader.
fn check_shim(path: &Path, bytes: &[u8]) -> Result<&'static str, DeployError> {
    use object::{Object as _, read::elf::ProgramHeader as _};
    let refuse = |reason: String| DeployError::Shim {
        path: path.to_path_buf(),
        reason,
    };
    let file = object::File::parse(bytes)
        .map_err(|_| refuse("it is not an executable (ELF) file".to_string()))?;
    let architecture = match file.architecture() {
        object::Architecture::X86_64 => "amd64",
        object::Architecture::Aarch64 => "arm64",
        other => {
            return Err(refuse(format!(
                "its architecture {other:?} is not supported"
            )));
        }
    };
    let dynamic = match &file {
        object::File::Elf64(elf) => elf
            .elf_program_headers()
            .iter()
            .any(|header| header.p_type(elf.endian()) == object::elf::PT_INTERP),
        _ => return Err(refuse("it is not a 64-bit Linux executable".to_string())),
    };
    if dynamic {
        return Err(refuse(
            "it is dynamically linked, and the image has no C library; build the static runtime-only shim with `scripts/build-runtime-shim` (target x86_64-unknown-linux-musl)".to_string(),
        ));
    }
    Ok(architecture)
}

/// One gzip'd tar layer of `files` (path, bytes, mode) and its diff ID (the digest of
/// the uncompressed tar). Owner root, fixed time: the same files give the same bytes.
fn layer(files: &[(&str, &[u8], u32)], mtime: u64) -> Result<(Vec<u8>, String), DeployError> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, bytes, mode) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(*mode);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, *bytes)
            .map_err(DeployError::Layer)?;
    }
    let tar = tar.into_inner().map_err(DeployError::Layer)?;
    let diff_id = sha256_digest(&tar);
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).map_err(DeployError::Layer)?;
    Ok((gz.finish().map_err(DeployError::Layer)?, diff_id))
}

/// Writes an OCI image layout: `oci-layout`, `index.json` naming the manifest by
/// `tag`, and every blob under `blobs/sha256/`.
fn write_layout(
    dir: &Path,
    layers: &[Blob],
    config: &Blob,
    manifest: &ImageManifest,
    tag: &str,
) -> Result<(), DeployError> {
    let write = |path: PathBuf, bytes: &[u8]| {
        crate::link::write_atomically(&path, bytes).map_err(DeployError::Write)
    };
    let blob_path = |digest: &str| {
        dir.join("blobs")
            .join("sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    for blob in layers.iter().chain(std::iter::once(config)) {
        write(blob_path(&sha256_digest(&blob.data)), &blob.data)?;
    }
    write(blob_path(&manifest.digest), &manifest.bytes)?;
    write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": OCI_MANIFEST_MEDIA_TYPE,
            "digest": manifest.digest,
            "size": manifest.bytes.len(),
            "annotations": { "org.opencontainers.image.ref.name": tag },
        }],
    });
    // The index is written last: a reader never sees it name a blob not yet there.
    write(
        dir.join("index.json"),
        &weld_oci::registry::canonical_json(&index),
    )
}
