//! Talking to one registry: push a manifest with its blobs, pull a component artifact.
//!
//! Every byte that comes back is checked against its digest before anyone sees it: the
//! manifest against the digest it was pinned by (and the registry's header), each blob
//! against its descriptor. Errors say what went wrong in the user's terms (refused
//! credentials, unknown repository, registry down, tampered content) rather than as
//! HTTP status codes.

use std::collections::BTreeMap;

use oci_client::Client;
use oci_client::Reference;
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;

use crate::auth::{CredentialSource, Credentials, RegistryOptions, client_config, uses_plain_http};
use crate::{
    BUILD_RECORD_ANNOTATION, OCI_MANIFEST_MEDIA_TYPE, PRECOMPILED_CONFIG_MEDIA_TYPE,
    PRECOMPILED_LAYER_MEDIA_TYPE, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE, sha256_digest,
};

/// One blob to push: a layer or the config.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub data: bytes::Bytes,
    /// Annotations on its descriptor.
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Blob {
    /// A blob without annotations.
    pub fn new(media_type: impl Into<String>, data: impl Into<bytes::Bytes>) -> Self {
        Self {
            media_type: media_type.into(),
            data: data.into(),
            annotations: None,
        }
    }

    fn descriptor(&self) -> OciDescriptor {
        OciDescriptor {
            media_type: self.media_type.clone(),
            digest: sha256_digest(&self.data),
            size: i64::try_from(self.data.len()).unwrap_or(i64::MAX),
            annotations: self.annotations.clone(),
            ..OciDescriptor::default()
        }
    }
}

/// An OCI image manifest as the exact bytes sent, with their digest.
#[derive(Debug, Clone)]
pub struct ImageManifest {
    /// Canonical JSON.
    pub bytes: Vec<u8>,
    /// `sha256:` of [`ImageManifest::bytes`].
    pub digest: String,
}

impl ImageManifest {
    /// The manifest of `layers` and `config` with `annotations`.
    ///
    /// Serialized here rather than by the client so the digest printed is the digest
    /// of exactly the bytes sent (canonical JSON, as the image spec advises), and so an
    /// image layout on disk holds the same manifest as the registry.
    pub fn new(layers: &[Blob], config: &Blob, annotations: BTreeMap<String, String>) -> Self {
        let manifest = OciImageManifest {
            media_type: Some(OCI_MANIFEST_MEDIA_TYPE.to_string()),
            config: config.descriptor(),
            layers: layers.iter().map(Blob::descriptor).collect(),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..OciImageManifest::default()
        };
        let bytes = canonical_json(&manifest);
        Self {
            digest: sha256_digest(&bytes),
            bytes,
        }
    }
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The manifest's digest (`sha256:...`): pull by it to get exactly these bytes.
    pub manifest_digest: String,
    /// The reference pinned to that digest.
    pub pinned: String,
    /// Blobs uploaded.
    pub uploaded: usize,
    /// Blobs the registry already had.
    pub reused: usize,
    /// Bytes uploaded.
    pub uploaded_bytes: u64,
}

/// A pulled component artifact, verified.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The component's digest.
    pub component_digest: String,
    /// The component.
    pub component: Vec<u8>,
    /// Weld's build record, when the artifact carries one.
    pub build_record: Option<String>,
    /// Whether it is a precompiled artifact (`.cwasm`) rather than a portable component.
    pub precompiled: bool,
}

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The reference could not be parsed.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// The registry could not be reached at all.
    #[error("cannot reach the registry `{registry}` over {transport}{hint}")]
    Unreachable {
        /// `host[:port]`.
        registry: String,
        /// `HTTPS` or `plain HTTP`.
        transport: &'static str,
        /// What to try.
        hint: &'static str,
        /// The network error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Credentials were refused or are missing.
    #[error(
        "the registry `{registry}` refused access to `{repository}` with {credentials}\nhelp: check the user name and password, or pass them with `--username` and `--password-stdin` (or WELD_REGISTRY_USERNAME / WELD_REGISTRY_PASSWORD)"
    )]
    Unauthorized {
        /// `host[:port]`.
        registry: String,
        /// The repository.
        repository: String,
        /// Where the credentials came from.
        credentials: CredentialSource,
    },
    /// The repository, tag or digest does not exist.
    #[error("`{reference}` does not exist in the registry{detail}")]
    NotFound {
        /// The reference asked for.
        reference: String,
        /// What the registry said.
        detail: String,
    },
    /// Content did not match its digest: tampered with or corrupted.
    #[error(
        "{what} of `{reference}` does not match its digest (expected {expected}, got {actual}): the registry's copy is corrupt or was tampered with; nothing was written"
    )]
    DigestMismatch {
        /// `the manifest` or `the component layer`.
        what: &'static str,
        /// The reference.
        reference: String,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },
    /// The reference is something other than a Wasm component artifact.
    #[error("`{reference}` is not a Wasm component artifact: {found}")]
    NotAComponent {
        /// The reference.
        reference: String,
        /// What it is instead.
        found: String,
    },
    /// The local store could not be read or written.
    #[error("failed to {action} `{}`", path.display())]
    Store {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Any other answer from the registry.
    #[error("the registry `{registry}` failed the request")]
    Registry {
        /// `host[:port]`.
        registry: String,
        /// The client's error.
        #[source]
        source: OciDistributionError,
    },
}

/// A connection to the registry of one reference, with its credentials resolved.
pub struct Registry {
    client: Client,
    registry: String,
    plain_http: bool,
    credentials: Credentials,
    auth: RegistryAuth,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("registry", &self.registry)
            .field("plain_http", &self.plain_http)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Prepares a client for `reference`'s registry (no request is made yet).
    pub fn new(reference: &Reference, options: &RegistryOptions) -> Result<Self, OciError> {
        // reqwest is built without a default TLS provider so the choice (ring, which
        // builds for musl without a C toolchain beyond ring's own) is made here;
        // installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let registry = reference.resolve_registry().to_string();
        let credentials = options
            .credentials
            .clone()
            .unwrap_or_else(|| Credentials::lookup(&registry));
        let client = Client::try_from(client_config(&registry, options)).map_err(|source| {
            OciError::Registry {
                registry: registry.clone(),
                source,
            }
        })?;
        Ok(Self {
            client,
            plain_http: uses_plain_http(&registry, options),
            auth: credentials.registry_auth(),
            credentials,
            registry,
        })
    }

    /// Pushes `layers` and `config` under one OCI image manifest carrying
    /// `annotations`, skipping blobs the registry already has, and tags it as
    /// `reference` says.
    pub async fn push(
        &self,
        reference: &Reference,
        layers: &[Blob],
        config: &Blob,
        annotations: BTreeMap<String, String>,
    ) -> Result<Pushed, OciError> {
        self.client
            .store_auth_if_needed(&self.registry, &self.auth)
            .await;
        let manifest = ImageManifest::new(layers, config, annotations);
        let mut pushed = Pushed {
            manifest_digest: manifest.digest.clone(),
            pinned: format!(
                "{}/{}@{}",
                reference.registry(),
                reference.repository(),
                manifest.digest
            ),
            uploaded: 0,
            reused: 0,
            uploaded_bytes: 0,
        };
        for blob in layers.iter().chain(std::iter::once(config)) {
            let digest = sha256_digest(&blob.data);
            let exists = self
                .client
                .blob_exists(reference, &digest)
                .await
                .map_err(|e| self.classify(reference, e))?;
            if exists {
                pushed.reused += 1;
                continue;
            }
            self.client
                .push_blob(reference, blob.data.clone(), &digest)
                .await
                .map_err(|e| self.classify(reference, e))?;
            pushed.uploaded += 1;
            pushed.uploaded_bytes += blob.data.len() as u64;
        }
        let content_type = OCI_MANIFEST_MEDIA_TYPE
            .parse()
            .expect("a media type is a valid header value");
        self.client
            .push_manifest_raw(reference, manifest.bytes, content_type)
            .await
            .map_err(|e| self.classify(reference, e))?;
        Ok(pushed)
    }

    /// Pulls the manifest `reference` names, verified against its digest.
    pub async fn pull_manifest(
        &self,
        reference: &Reference,
    ) -> Result<(bytes::Bytes, String, OciImageManifest), OciError> {
        let (body, digest) = self
            .client
            .pull_manifest_raw(reference, &self.auth, &[OCI_MANIFEST_MEDIA_TYPE])
            .await
            .map_err(|e| self.classify(reference, e))?;
        // The client checks the body against a pinned digest and the registry's
        // header; check again here so this guarantee does not rest on its internals.
        let actual = sha256_digest(&body);
        let expected = reference.digest().map_or(digest.clone(), str::to_string);
        if actual != expected {
            return Err(OciError::DigestMismatch {
                what: "the manifest",
                reference: reference.whole(),
                expected,
                actual,
            });
        }
        let manifest: OciImageManifest =
            serde_json::from_slice(&body).map_err(|e| OciError::NotAComponent {
                reference: reference.whole(),
                found: format!("its manifest is not an OCI image manifest ({e})"),
            })?;
        Ok((body, actual, manifest))
    }

    /// Pulls the Wasm component artifact `reference` names: the manifest, then its one
    /// component layer, each verified against its digest.
    pub async fn pull_component(&self, reference: &Reference) -> Result<Pulled, OciError> {
        let (_, manifest_digest, manifest) = self.pull_manifest(reference).await?;
        let layer = component_layer(reference, &manifest)?.clone();
        let component = self.pull_blob(reference, &layer).await?;
        Ok(Pulled {
            manifest_digest,
            component_digest: layer.digest,
            component,
            build_record: manifest
                .annotations
                .as_ref()
                .and_then(|a| a.get(BUILD_RECORD_ANNOTATION).cloned()),
            precompiled: is_precompiled(&manifest),
        })
    }

    /// Pulls one blob, verified against `descriptor`'s digest and size.
    pub async fn pull_blob(
        &self,
        reference: &Reference,
        descriptor: &OciDescriptor,
    ) -> Result<Vec<u8>, OciError> {
        let mut data = Vec::with_capacity(usize::try_from(descriptor.size).unwrap_or(0));
        // The client hashes the bytes as they stream in and fails on a digest that
        // differs from the descriptor's (`DigestError::VerificationError`, turned into
        // `DigestMismatch` below): hashing the layer again here would double the cost.
        self.client
            .pull_blob(reference, descriptor, &mut data)
            .await
            .map_err(|e| self.classify(reference, e))?;
        Ok(data)
    }

    /// Turns the client's error into what happened, in the user's terms.
    fn classify(&self, reference: &Reference, error: OciDistributionError) -> OciError {
        let not_found = |detail: String| OciError::NotFound {
            reference: reference.whole(),
            detail,
        };
        let unauthorized = || OciError::Unauthorized {
            registry: self.registry.clone(),
            repository: reference.repository().to_string(),
            credentials: self.credentials.source(),
        };
        match error {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => unauthorized(),
            OciDistributionError::ServerError {
                code: 401 | 403, ..
            } => unauthorized(),
            OciDistributionError::ServerError { code: 404, .. }
            | OciDistributionError::ImageManifestNotFoundError(_) => not_found(String::new()),
            OciDistributionError::RegistryError { envelope, url } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    unauthorized()
                } else if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::NameUnknown
                            | OciErrorCode::ManifestUnknown
                            | OciErrorCode::BlobUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    let messages: Vec<&str> =
                        envelope.errors.iter().map(|e| e.message.as_str()).collect();
                    not_found(format!(" (registry says: {})", messages.join("; ")))
                } else {
                    OciError::Registry {
                        registry: self.registry.clone(),
                        source: OciDistributionError::RegistryError { envelope, url },
                    }
                }
            }
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => OciError::DigestMismatch {
                what: "a blob",
                reference: reference.whole(),
                expected,
                actual,
            },
            OciDistributionError::RequestError(e)
                if e.status()
                    .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) =>
            {
                unauthorized()
            }
            OciDistributionError::RequestError(e)
                if e.status().is_some_and(|s| s.as_u16() == 404) =>
            {
                not_found(String::new())
            }
            OciDistributionError::RequestError(e) if e.is_connect() || e.is_timeout() => {
                OciError::Unreachable {
                    registry: self.registry.clone(),
                    transport: if self.plain_http {
                        "plain HTTP"
                    } else {
                        "HTTPS"
                    },
                    hint: if self.plain_http {
                        "\nhelp: is the registry running and listening on that address?"
                    } else {
                        "\nhelp: is the registry running? If it serves plain HTTP (not loopback), pass `--insecure`"
                    },
                    source: Box::new(e),
                }
            }
            source => OciError::Registry {
                registry: self.registry.clone(),
                source,
            },
        }
    }
}

/// The one runnable layer of an artifact's manifest: the component of a Wasm artifact,
/// or the precompiled component of Weld's precompiled artifact.
pub fn component_layer<'m>(
    reference: &Reference,
    manifest: &'m OciImageManifest,
) -> Result<&'m OciDescriptor, OciError> {
    let not_a_component = |found: String| OciError::NotAComponent {
        reference: reference.whole(),
        found,
    };
    let layer_type = match manifest.config.media_type.as_str() {
        WASM_CONFIG_MEDIA_TYPE => WASM_LAYER_MEDIA_TYPE,
        PRECOMPILED_CONFIG_MEDIA_TYPE => PRECOMPILED_LAYER_MEDIA_TYPE,
        other => {
            return Err(not_a_component(format!(
                "its config has media type `{other}`, not `{WASM_CONFIG_MEDIA_TYPE}` (a container image runs with a container runtime, not `weld-shim`)"
            )));
        }
    };
    let mut runnable = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == layer_type);
    match (runnable.next(), runnable.next()) {
        (Some(layer), None) => Ok(layer),
        (None, _) => Err(not_a_component(format!("it has no `{layer_type}` layer"))),
        (Some(_), Some(_)) => Err(not_a_component(format!(
            "it has several `{layer_type}` layers"
        ))),
    }
}

/// Whether `manifest` is Weld's precompiled artifact.
pub fn is_precompiled(manifest: &OciImageManifest) -> bool {
    manifest.config.media_type == PRECOMPILED_CONFIG_MEDIA_TYPE
}

/// `value` as canonical JSON (sorted keys, no insignificant whitespace).
pub fn canonical_json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut body = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut body, olpc_cjson::CanonicalFormatter::new());
    value
        .serialize(&mut serializer)
        .expect("manifests and configs serialize to JSON");
    body
}
