//! The composed component as a Wasm OCI artifact (CNCF TAG Runtime layout): `weld push`
//! and `weld pull`.
//!
//! The config is written here rather than with the `oci-wasm` crate, which pins an
//! older `oci-client` and `wit-parser` than this workspace uses; the document is six
//! fields, and the component's imports and exports come from `wit-component`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use weld_oci::{
    BUILD_RECORD_ANNOTATION, Blob, PRECOMPILED_CONFIG_MEDIA_TYPE, PRECOMPILED_LAYER_MEDIA_TYPE,
    Pulled, Pushed, Registry, RegistryOptions, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE,
    parse_reference, sha256_digest,
};

use super::{DeployError, block_on, build_record, created, is_precompiled, precompile, rfc3339};

/// The config of a Wasm artifact (`application/vnd.wasm.config.v0+json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// RFC 3339; see [`super::created`].
    pub created: String,
    /// Who made it; Weld leaves it empty.
    pub author: Option<String>,
    /// Always `wasm`.
    pub architecture: &'static str,
    /// `wasip2` for a component.
    pub os: &'static str,
    /// The digests of the layers, in order.
    pub layer_digests: Vec<String>,
    /// The component's world, by name.
    pub component: Option<ComponentConfig>,
}

/// A component's imports and exports by interface name, as the config records them.
#[derive(Debug, Serialize)]
pub struct ComponentConfig {
    /// Interfaces (and functions) exported.
    pub exports: Vec<String>,
    /// Interfaces (and functions) imported.
    pub imports: Vec<String>,
    /// The world it targets, when known.
    pub target: Option<String>,
}

impl ComponentConfig {
    /// Reads `bytes`' world; `None` if it cannot be decoded (the push goes on without).
    fn of(bytes: &[u8]) -> Option<Self> {
        let wit_component::DecodedWasm::Component(resolve, world) =
            wit_component::decode(bytes).ok()?
        else {
            return None;
        };
        let world = &resolve.worlds[world];
        let names = |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| {
            items
                .keys()
                .map(|key| resolve.name_world_key(key))
                .collect()
        };
        Some(Self {
            exports: names(&world.exports),
            imports: names(&world.imports),
            target: None,
        })
    }
}

/// What to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// The composed component.
    pub artifact: PathBuf,
    /// `<registry>/<repository>:<tag>`.
    pub reference: String,
    /// Transport and credentials.
    pub registry: RegistryOptions,
    /// Push Weld's precompiled artifact (native code for this machine's CPU and this
    /// Weld's wasmtime) instead of the portable component.
    pub aot: bool,
}

/// The config of Weld's precompiled artifact
/// ([`PRECOMPILED_CONFIG_MEDIA_TYPE`]).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrecompiledConfig {
    /// RFC 3339; see [`super::created`].
    pub created: String,
    /// The CPU it runs on, as OCI names it (`amd64`, `arm64`).
    pub architecture: &'static str,
    /// The operating system.
    pub os: &'static str,
    /// The Weld (and so the wasmtime) that compiled it; a shim of the same version
    /// loads it.
    pub weld_version: &'static str,
    /// The digest of the portable component it was compiled from.
    pub component_digest: String,
}

/// Pushes the artifact, its build record as the [`BUILD_RECORD_ANNOTATION`]
/// annotation when `weld compose` wrote one next to it.
pub fn push(options: &PushOptions) -> Result<Pushed, DeployError> {
    let reference = parse_reference(&options.reference)?;
    let bytes = read_component(&options.artifact)?;
    let (layer, config) = if options.aot {
        let cwasm = precompile(&options.artifact, &bytes)?;
        let config = PrecompiledConfig {
            created: rfc3339(&created()?),
            architecture: match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                other => other,
            },
            os: std::env::consts::OS,
            weld_version: env!("CARGO_PKG_VERSION"),
            component_digest: sha256_digest(&bytes),
        };
        (
            Blob::new(PRECOMPILED_LAYER_MEDIA_TYPE, cwasm),
            Blob::new(
                PRECOMPILED_CONFIG_MEDIA_TYPE,
                weld_oci::registry::canonical_json(&config),
            ),
        )
    } else {
        let config = WasmConfig {
            created: rfc3339(&created()?),
            author: None,
            architecture: "wasm",
            os: "wasip2",
            layer_digests: vec![sha256_digest(&bytes)],
            component: ComponentConfig::of(&bytes),
        };
        (
            Blob::new(WASM_LAYER_MEDIA_TYPE, bytes),
            Blob::new(
                WASM_CONFIG_MEDIA_TYPE,
                weld_oci::registry::canonical_json(&config),
            ),
        )
    };
    let mut annotations = BTreeMap::new();
    if let Some(name) = options.artifact.file_name() {
        annotations.insert(
            "org.opencontainers.image.title".to_string(),
            name.to_string_lossy().into_owned(),
        );
    }
    if let Some(record) = build_record(&options.artifact) {
        annotations.insert(BUILD_RECORD_ANNOTATION.to_string(), record);
    }
    let registry = Registry::new(&reference, &options.registry)?;
    Ok(block_on(registry.push(
        &reference,
        &[layer],
        &config,
        annotations,
    ))?)
}

/// What was pulled and written.
#[derive(Debug)]
pub struct PullReport {
    /// The verified artifact.
    pub pulled: Pulled,
    /// Where the build record was written, if the artifact carried one.
    pub record: Option<PathBuf>,
}

/// Pulls the component `reference` names, verifies it, and writes it to `output`
/// (and its build record to `<output>.build.json`), each atomically: on any failure
/// nothing is written.
pub fn pull(
    reference: &str,
    output: &Path,
    registry: &RegistryOptions,
) -> Result<PullReport, DeployError> {
    let reference = parse_reference(reference)?;
    let client = Registry::new(&reference, registry)?;
    let pulled = block_on(client.pull_component(&reference))?;
    let write = |path: &Path, bytes: &[u8]| {
        crate::link::write_atomically(path, bytes).map_err(DeployError::Write)
    };
    write(output, &pulled.component)?;
    let record = match &pulled.build_record {
        Some(json) => {
            let path = output.with_extension("build.json");
            let value: serde_json::Value =
                serde_json::from_str(json).unwrap_or(serde_json::Value::String(json.clone()));
            let pretty = serde_json::to_vec_pretty(&value).expect("JSON serializes");
            write(&path, &pretty)?;
            Some(path)
        }
        None => None,
    };
    Ok(PullReport { pulled, record })
}

/// The component at `path`, refusing a precompiled `.cwasm` (machine code for one
/// host) with a message saying what to push instead.
fn read_component(path: &Path) -> Result<Vec<u8>, DeployError> {
    if is_precompiled(path) {
        return Err(DeployError::Precompiled {
            path: path.to_path_buf(),
        });
    }
    Ok(crate::component::read(path)?)
}
