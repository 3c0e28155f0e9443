//! `weld push`, `weld pull` and `weld image`: the artifact through registries.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use weld::deploy::{
    RegistryOptions,
    artifact::{PushOptions, pull, push},
    image::{ImageOptions, image},
};
use weld::terminal::Terminal;
use weld_oci::Credentials;
use weld_shim::limits::ByteSize;

/// How to reach the registry.
#[derive(clap::Args, Debug)]
pub struct RegistryArgs {
    /// Allow plain HTTP to a registry that is not on loopback (loopback registries
    /// always use plain HTTP; everything else HTTPS).
    #[arg(long)]
    insecure: bool,
    /// User name for the registry; the password is read from standard input
    /// (`--password-stdin`). Without it, credentials come from
    /// WELD_REGISTRY_USERNAME / WELD_REGISTRY_PASSWORD, Docker's config.json, or
    /// containers/auth.json, else none.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    username: Option<String>,
    /// Read the password for `--username` from standard input.
    #[arg(long, requires = "username")]
    password_stdin: bool,
}

impl RegistryArgs {
    fn options(&self) -> anyhow::Result<RegistryOptions> {
        let credentials = match &self.username {
            Some(user) => {
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("failed to read the password from standard input")?;
                let password = password.trim_end_matches(['\n', '\r']).to_string();
                anyhow::ensure!(
                    !password.is_empty(),
                    "the password on standard input is empty"
                );
                Some(Credentials::explicit(user.clone(), password))
            }
            None => None,
        };
        Ok(RegistryOptions {
            insecure: self.insecure,
            credentials,
        })
    }
}

/// Push the composed artifact to an OCI registry as a Wasm artifact.
///
/// Writes the CNCF Wasm OCI layout (config `application/vnd.wasm.config.v0+json`, one
/// `application/wasm` layer) with the build record as the manifest annotation
/// `dev.weld.build-record`. Prints the manifest digest.
///
/// Example: weld push build/edge-api.wasm ghcr.io/acme/edge-api:1.0
#[derive(clap::Args, Debug)]
pub struct PushCommand {
    /// The composed component (`.wasm`).
    artifact: PathBuf,
    /// `<registry>/<repository>:<tag>`.
    reference: String,
    /// Push Weld's precompiled artifact instead (media type
    /// `application/vnd.weld.precompiled.cwasm.v1`): native code for this machine's CPU
    /// and this Weld's wasmtime, which the runtime-only weld-shim runs by reference.
    #[arg(long)]
    aot: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

impl PushCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let options = PushOptions {
            artifact: self.artifact.clone(),
            reference: self.reference.clone(),
            registry: self.registry.options()?,
            aot: self.aot,
        };
        term.status(
            "Pushing",
            format!("{} to {}", self.artifact.display(), self.reference),
        );
        let pushed = push(&options)
            .with_context(|| format!("could not push `{}`", self.artifact.display()))?;
        print_pushed(term, &pushed);
        println!("{}", pushed.manifest_digest);
        Ok(ExitCode::SUCCESS)
    }
}

/// Pull a Wasm artifact from an OCI registry, verifying every digest.
///
/// Writes the component to `-o` and, when the artifact carries Weld's build record,
/// the record next to it (`<output>.build.json`). Nothing is written unless every
/// digest matches.
///
/// Example: weld pull ghcr.io/acme/edge-api@sha256:... -o app.wasm
#[derive(clap::Args, Debug)]
pub struct PullCommand {
    /// `<registry>/<repository>:<tag>` or `<registry>/<repository>@sha256:<digest>`.
    reference: String,
    /// Where to write the component.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    registry: RegistryArgs,
}

impl PullCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        term.status("Pulling", &self.reference);
        let report = pull(&self.reference, &self.output, &self.registry.options()?)
            .with_context(|| format!("could not pull `{}`", self.reference))?;
        term.status(
            "Verified",
            format!(
                "manifest {}, component {}",
                report.pulled.manifest_digest, report.pulled.component_digest
            ),
        );
        let record = report
            .record
            .map(|path| format!(" and its build record to `{}`", path.display()))
            .unwrap_or_default();
        term.status(
            "Wrote",
            format!(
                "`{}` ({}){record}",
                self.output.display(),
                ByteSize(report.pulled.component.len() as u64)
            ),
        );
        println!("{}", report.pulled.manifest_digest);
        Ok(ExitCode::SUCCESS)
    }
}

/// Build a container image running the artifact with `weld-shim serve`.
///
/// Two layers on nothing (`FROM scratch`): the shim (statically linked; build the
/// runtime-only one with `scripts/build-runtime-shim`) and the artifact, precompiled
/// here. Entrypoint `/weld-shim serve --addr 0.0.0.0:PORT /app.cwasm`, user 65534.
/// Pushes it, writes it as an OCI image layout folder, or both.
///
/// Example: weld image build/edge-api.wasm --shim weld-shim ghcr.io/acme/edge-api:1.0-image
#[derive(clap::Args, Debug)]
pub struct ImageCommand {
    /// The composed component (`.wasm`), or a `.cwasm` precompiled by the same Weld.
    artifact: PathBuf,
    /// Push the image to `<registry>/<repository>:<tag>`.
    reference: Option<String>,
    /// The shim to put in the image [default: $WELD_RUNTIME_SHIM].
    #[arg(long, value_name = "FILE", env = "WELD_RUNTIME_SHIM")]
    shim: PathBuf,
    /// Also (or only) write the image as an OCI image layout in this folder.
    #[arg(long, value_name = "DIR")]
    oci_layout: Option<PathBuf>,
    /// The port the container serves on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    #[command(flatten)]
    registry: RegistryArgs,
}

impl ImageCommand {
    pub fn exec(self, term: &Terminal) -> anyhow::Result<ExitCode> {
        let options = ImageOptions {
            artifact: self.artifact.clone(),
            shim: self.shim,
            reference: self.reference,
            layout: self.oci_layout,
            port: self.port,
            registry: self.registry.options()?,
        };
        term.status("Building", format!("image of {}", self.artifact.display()));
        let report = image(&options).with_context(|| {
            format!("could not build an image of `{}`", self.artifact.display())
        })?;
        term.status(
            "Built",
            format!(
                "image {} (shim layer {}, app layer {})",
                report.digest,
                ByteSize(report.layer_sizes[0]),
                ByteSize(report.layer_sizes[1])
            ),
        );
        if let Some(dir) = &report.layout {
            term.status("Wrote", format!("OCI image layout `{}`", dir.display()));
        }
        if let Some(pushed) = &report.pushed {
            print_pushed(term, pushed);
        }
        println!("{}", report.digest);
        Ok(ExitCode::SUCCESS)
    }
}

/// `Pushed <registry>/<repo>@sha256:... (1.2 MiB uploaded, 1 blob already there)`.
fn print_pushed(term: &Terminal, pushed: &weld_oci::Pushed) {
    term.status(
        "Pushed",
        format!(
            "{} ({} uploaded, {} already there)",
            pushed.pinned,
            ByteSize(pushed.uploaded_bytes),
            weld::terminal::count(pushed.reused, "blob")
        ),
    );
}
