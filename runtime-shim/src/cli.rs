//! The run-side commands as clap definitions, shared by the `weld-shim` binary and
//! the `weld` CLI (`weld invoke`, `weld run`, `weld serve`, `weld precompile`): each
//! turns its flags into the library's options struct and calls one function.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[cfg(any(feature = "compiler", feature = "oci"))]
use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::capabilities::{Capabilities, DirGrant, parse_env};
use crate::config::{ConfigSources, resolve};
use crate::grants::{ArtifactGrants, read_artifact};
use crate::limits::{Limits, parse_duration, parse_size};
use crate::serve::LogFormat;
#[cfg(feature = "compiler")]
use crate::{EngineOptions, WeldEngine, precompile};
use crate::{InvokeOptions, LoadOptions, RunOptions, ServeOptions, invoke, run, serve};

/// The run-side subcommands, shared by `weld-shim` and `weld`.
// clap takes each command's help from its struct's doc comment; a variant doc would
// replace it.
#[allow(missing_docs)]
#[derive(Subcommand, Debug)]
pub enum Command {
    Invoke(InvokeCommand),
    Run(RunCommand),
    Serve(ServeCommand),
    #[cfg(feature = "compiler")]
    Precompile(PrecompileCommand),
}

/// Call one exported function and print its result in WAVE.
///
/// Example: weld-shim invoke app.wasm 'demo:text/pipeline.process("Hello")'
#[derive(Args, Debug)]
pub struct InvokeCommand {
    /// The component (`.wasm`), precompiled component (`.cwasm`), or a registry
    /// reference (`<registry>/<repository>:<tag>` or `...@sha256:<digest>`).
    artifact: PathBuf,
    /// `<interface>.<function>(<args>)`, or `<function>(<args>)` for a
    /// root-level export; arguments in WAVE syntax.
    call: String,
    #[cfg(feature = "profiling")]
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    guest: GuestArgs,
}

/// Run a component exporting `wasi:cli/run`; its exit status becomes ours.
#[derive(Args, Debug)]
pub struct RunCommand {
    /// The component (`.wasm`), precompiled component (`.cwasm`), or a registry
    /// reference (`<registry>/<repository>:<tag>` or `...@sha256:<digest>`).
    artifact: PathBuf,
    /// Arguments passed to the program.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
    #[command(flatten)]
    guest: GuestArgs,
}

/// Serve HTTP with a component exporting `wasi:http/incoming-handler`, one
/// fresh instance per request (unless `--max-instance-reuse-count` says otherwise).
/// Stops gracefully on SIGINT/SIGTERM.
#[derive(Args, Debug)]
pub struct ServeCommand {
    /// The component (`.wasm`), precompiled component (`.cwasm`), or a registry
    /// reference (`<registry>/<repository>:<tag>` or `...@sha256:<digest>`).
    artifact: PathBuf,
    /// Address to listen on; port 0 picks a free port (the real address is
    /// printed once ready).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Concurrent instances at most; requests beyond get 503.
    #[arg(long, value_name = "N")]
    max_instances: Option<u32>,
    /// Let one instance answer up to N requests, one after another, instead of one:
    /// no start-up cost for the others, but what a stage keeps in memory is seen by
    /// the next request. Only for artifacts whose stages are all declared
    /// `stateless: true`. An instance that traps or hits a limit is dropped.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    max_instance_reuse_count: u32,
    /// With `--max-instance-reuse-count`: how long an idle instance is kept for
    /// the next request.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = duration)]
    idle_instance_timeout: Duration,
    /// Time in-flight requests get to finish after SIGINT/SIGTERM.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    grace: Duration,
    /// The access log's format: `text` (one line a request) or `json` (one JSON
    /// object a request: time, request id, method, path, status, duration, bytes, and
    /// on failure the stage and reason). The guest's stdout/stderr lines are tagged
    /// with the request's id in the same format.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    log_format: LogFormat,
    /// Serve Prometheus metrics at `http://ADDR/metrics`: requests by status, latency
    /// histogram, requests in flight, guest failures by stage and kind, memory per
    /// instance. Off by default (then nothing is recorded).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    #[cfg(feature = "profiling")]
    #[command(flatten)]
    profile: ProfileArgs,
    /// With `--profile`: write the profile after this many requests (else at shutdown
    /// or after `--profile-duration`).
    #[cfg(feature = "profiling")]
    #[arg(long, value_name = "N", requires = "profile")]
    profile_requests: Option<u64>,
    /// With `--profile`: write the profile after this long.
    #[cfg(feature = "profiling")]
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "profile")]
    profile_duration: Option<Duration>,
    #[command(flatten)]
    guest: GuestArgs,
}

/// Sampling the guest with wasmtime's guest profiler.
#[cfg(feature = "profiling")]
#[derive(Args, Debug)]
pub struct ProfileArgs {
    /// Sample the guest's stack and write a profile to FILE, which the Firefox Profiler
    /// (https://profiler.firefox.com) opens; a summary by stage and function is printed.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// With `--profile`: how often to sample, e.g. `1ms`, `100us`.
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "profile", default_value = "1ms")]
    profile_interval: Duration,
}

#[cfg(feature = "profiling")]
impl ProfileArgs {
    fn options(&self) -> Option<crate::profile::ProfileOptions> {
        let path = self.profile.clone()?;
        Some(crate::profile::ProfileOptions {
            interval: self.profile_interval,
            ..crate::profile::ProfileOptions::new(path)
        })
    }
}

/// Prints a finished profile's summary; a profile that could not be written is an
/// error of its own.
#[cfg(feature = "profiling")]
pub fn report_profile(
    status: Status,
    outcome: Option<Result<crate::profile::ProfileSummary, crate::profile::ProfileError>>,
) -> anyhow::Result<()> {
    match outcome {
        None => Ok(()),
        Some(Ok(summary)) => {
            status.always("Profiled", summary);
            Ok(())
        }
        Some(Err(error)) => Err(error.into()),
    }
}

#[cfg(feature = "compiler")]
/// Compile a component ahead of time to a `.cwasm` this shim loads without
/// compiling.
#[derive(Args, Debug)]
pub struct PrecompileCommand {
    /// The component to compile.
    input: PathBuf,
    /// Where to write the precompiled component.
    #[arg(short, long, value_name = "OUT.cwasm")]
    output: PathBuf,
}

/// What every command that runs a guest takes: its capabilities, its limits
/// and the compilation cache.
#[derive(Args, Debug)]
pub struct GuestArgs {
    #[command(flatten)]
    capabilities: CapabilityArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    cache: CacheArgs,
    #[cfg(feature = "oci")]
    #[command(flatten)]
    registry: RegistryArgs,
}

impl GuestArgs {
    /// The artifact's file (pulled first when `artifact` is a registry reference), the
    /// capabilities granted, the limits and the load options.
    fn into_options(
        self,
        artifact: PathBuf,
        status: Status,
    ) -> anyhow::Result<(PathBuf, Capabilities, Limits, LoadOptions)> {
        #[cfg(feature = "oci")]
        let artifact = self.registry.resolve(artifact, status)?;
        // Read before anything is loaded, so that missing configuration fails
        // before a compile, a request or a call.
        let grants = read_artifact(&artifact)?;
        let capabilities = self
            .capabilities
            .into_capabilities(grants.as_ref(), status)?;
        Ok((
            artifact,
            capabilities,
            self.limits.limits(),
            self.cache.load_options(),
        ))
    }
}

/// Running an artifact by registry reference.
#[cfg(feature = "oci")]
#[derive(Args, Debug)]
pub struct RegistryArgs {
    /// Allow plain HTTP to a registry that is not on loopback (loopback registries
    /// always use plain HTTP). Credentials come from WELD_REGISTRY_USERNAME /
    /// WELD_REGISTRY_PASSWORD, Docker's config.json or containers/auth.json.
    #[arg(long)]
    insecure: bool,
}

#[cfg(feature = "oci")]
impl RegistryArgs {
    /// `artifact` itself when it is a file; else pulls the reference into the store
    /// under the cache directory and returns the stored component.
    fn resolve(&self, artifact: PathBuf, status: Status) -> anyhow::Result<PathBuf> {
        let reference = match weld_oci::ArtifactSource::from_arg(&artifact) {
            weld_oci::ArtifactSource::File(path) => return Ok(path),
            weld_oci::ArtifactSource::Registry(reference) => reference,
        };
        let dir = crate::loader::default_cache_dir()
            .context("no directory to store pulled artifacts in: set WELD_CACHE_DIR or HOME")?;
        let store = weld_oci::Store::new(dir.join("oci"));
        let options = weld_oci::RegistryOptions {
            insecure: self.insecure,
            credentials: None,
        };
        let fetched = crate::invoke::block_on(store.fetch(&reference, &options))
            .with_context(|| format!("failed to pull `{}`", reference.whole()))?;
        let detail = match (fetched.offline, fetched.downloaded) {
            (true, _) => "stored, no network".to_string(),
            (false, 0) => format!("{}, component already stored", fetched.manifest_digest),
            (false, n) => format!(
                "{}, {} downloaded",
                fetched.manifest_digest,
                crate::limits::ByteSize(n)
            ),
        };
        let verb = if fetched.offline { "Cached" } else { "Pulled" };
        status.print(verb, format!("{} ({detail})", reference.whole()));
        if !fetched.precompiled && !cfg!(feature = "compiler") {
            anyhow::bail!(
                "`{}` is a portable Wasm component, and this weld-shim is runtime-only (built without a compiler): it runs precompiled artifacts only; push one with `weld push --aot`, ship the container image (`weld image`), or run this reference with the full weld-shim",
                reference.whole()
            );
        }
        Ok(fetched.path)
    }
}

/// Host access; everything is denied unless granted here or, for an artifact
/// composed with grants, in its pipeline.yaml.
#[derive(Args, Debug)]
pub struct CapabilityArgs {
    /// Preopen a host directory: `HOST[::GUEST]`, `:ro` suffix for
    /// read-only. Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = dir_grant)]
    dirs: Vec<DirGrant>,
    /// Set an environment variable: `KEY=VALUE`, or `KEY` to pass the host's
    /// value. Repeatable.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,
    /// Allow outgoing HTTP requests (`wasi:http/outgoing-handler`).
    #[arg(long)]
    allow_outgoing_http: bool,
    /// Allow TCP/UDP sockets to any address and name lookups (`wasi:sockets`).
    #[arg(long)]
    allow_network: bool,
    /// Supply a configuration value (`wasi:config/store`): `STAGE.KEY=VALUE`, a
    /// key the stage declares in pipeline.yaml (for an artifact composed without
    /// grants, `KEY=VALUE` is served as `KEY`). Repeatable; beats --config-file
    /// and `WELD_CONFIG_<STAGE>_<KEY>` variables (upper-cased, `-` and `.` as
    /// `_`). Other processes can read command lines: pass secrets by file or
    /// environment.
    #[arg(long = "config", value_name = "STAGE.KEY=VALUE")]
    config: Vec<String>,
    /// Read configuration values from a TOML file, one table per stage
    /// (`[tokens]` then `secret = "..."`). Beats `WELD_CONFIG_*` variables.
    #[arg(long, value_name = "FILE")]
    config_file: Option<PathBuf>,
}

/// Limits per call or request.
#[derive(Args, Debug)]
pub struct LimitArgs {
    /// Wall-clock limit per call or request, e.g. `500ms`, `2s`.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    timeout: Option<Duration>,
    /// Size limit of each linear memory (each stage's), e.g. `64MiB`.
    #[arg(long, value_name = "BYTES", value_parser = size)]
    max_memory: Option<u64>,
}

/// Compilation cache.
#[derive(Args, Debug)]
pub struct CacheArgs {
    /// Compile in memory; neither read nor write the cache.
    #[arg(long)]
    no_cache: bool,
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

fn size(text: &str) -> Result<u64, String> {
    parse_size(text).map_err(|e| e.to_string())
}

fn dir_grant(text: &str) -> Result<DirGrant, String> {
    DirGrant::parse(text).map_err(|e| e.to_string())
}

impl CapabilityArgs {
    /// What the flags grant, plus what `grants` (the artifact's record, if it has
    /// one) grants its stages; `-v` says what that added.
    fn into_capabilities(
        self,
        grants: Option<&ArtifactGrants>,
        status: Status,
    ) -> anyhow::Result<Capabilities> {
        let env = self
            .env
            .iter()
            .map(|grant| parse_env(grant))
            .collect::<Result<_, _>>()?;
        let config = resolve(&ConfigSources::new(self.config, self.config_file)?, grants)?;
        let mut capabilities = Capabilities {
            dirs: self.dirs,
            env,
            allow_outgoing_http: self.allow_outgoing_http,
            allow_network: self.allow_network,
            config: config.values(),
        };
        if let Some(grants) = grants {
            for granted in capabilities.apply_grants(grants)? {
                status.verbose(granted.verb(), granted);
            }
        }
        for supplied in &config.supplied {
            status.verbose("Configured", supplied);
        }
        for name in &config.unused_env {
            status.verbose("Ignored", format!("`{name}`: no stage declares that key"));
        }
        Ok(capabilities)
    }
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            max_memory: self.max_memory,
        }
    }
}

impl CacheArgs {
    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            no_cache: self.no_cache,
            cache_dir: None,
        }
    }
}

/// Cargo-style status lines on stderr.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    quiet: bool,
    verbose: bool,
    color: bool,
}

impl Status {
    /// Status lines unless `quiet`; colour only on a terminal.
    pub fn new(quiet: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self {
            quiet,
            verbose: false,
            color,
        }
    }

    /// Also print the lines [`Status::verbose`] prints (`-v`).
    pub fn with_verbose(self, verbose: bool) -> Self {
        Self {
            verbose: verbose && !self.quiet,
            ..self
        }
    }

    /// A status line only with `-v`: details such as the capabilities an
    /// artifact's grants added.
    pub fn verbose(&self, verb: &str, message: impl std::fmt::Display) {
        if self.verbose {
            self.always(verb, message);
        }
    }

    /// `     Serving http://...`: a green, right-aligned verb and a subject.
    /// Prints a status line unless quiet.
    pub fn print(&self, verb: &str, message: impl std::fmt::Display) {
        if !self.quiet {
            self.always(verb, message);
        }
    }

    /// Like [`Status::print`], even with `-q`: for lines other programs wait
    /// for, such as the address a server listens on.
    pub fn always(&self, verb: &str, message: impl std::fmt::Display) {
        if self.color {
            eprintln!("\x1b[1;92m{verb:>12}\x1b[0m {message}");
        } else {
            eprintln!("{verb:>12} {message}");
        }
    }

    /// `error`, in red on a terminal.
    pub fn error_prefix(&self) -> &'static str {
        if self.color {
            "\x1b[1;91merror\x1b[0m"
        } else {
            "error"
        }
    }
}

/// Runs one subcommand.
pub fn exec(command: Command, status: Status) -> anyhow::Result<ExitCode> {
    match command {
        Command::Invoke(cmd) => {
            let (artifact, capabilities, limits, load) =
                cmd.guest.into_options(cmd.artifact, status)?;
            let options = InvokeOptions {
                artifact,
                call: cmd.call,
                capabilities,
                limits,
                load,
            };
            #[cfg(feature = "profiling")]
            let output = match cmd.profile.options() {
                None => invoke(&options)?,
                Some(profile) => {
                    let (output, summary) = crate::invoke::invoke_profiled(&options, profile);
                    report_profile(status, summary)?;
                    output?
                }
            };
            #[cfg(not(feature = "profiling"))]
            let output = invoke(&options)?;
            println!("{}", output.wave);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(cmd) => {
            let (artifact, capabilities, limits, load) =
                cmd.guest.into_options(cmd.artifact, status)?;
            let options = RunOptions {
                artifact,
                args: cmd.args,
                capabilities,
                limits,
                load,
            };
            let code = run(&options)?;
            // Exit statuses are 8 bits; WASI allows a wider i32.
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
        }
        Command::Serve(cmd) => {
            let (artifact, capabilities, limits, load) =
                cmd.guest.into_options(cmd.artifact, status)?;
            let mut options = ServeOptions::new(artifact, cmd.addr);
            (options.capabilities, options.limits, options.load) = (capabilities, limits, load);
            options.max_instances = cmd.max_instances;
            options.reuse = crate::warm::InstanceReuse {
                max_uses: cmd.max_instance_reuse_count,
                idle_timeout: cmd.idle_instance_timeout,
            };
            options.grace = cmd.grace;
            options.access_log = (!status.quiet).then_some(cmd.log_format);
            options.guest_output = cmd.log_format;
            options.metrics = cmd.metrics;
            #[cfg(feature = "profiling")]
            {
                options.profile =
                    cmd.profile
                        .options()
                        .map(|profile| crate::profile::ProfileOptions {
                            requests: cmd.profile_requests,
                            duration: cmd.profile_duration,
                            ..profile
                        });
            }
            serve(&options, |server| {
                if let Some(addr) = server.metrics_addr() {
                    status.always("Metrics", format!("http://{addr}/metrics"));
                }
                status.always("Serving", format!("http://{}/", server.local_addr()));
            })?;
            status.print("Stopped", "all requests finished");
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "compiler")]
        Command::Precompile(cmd) => {
            let engine = WeldEngine::new(&EngineOptions::one_shot(Limits::default()))?;
            status.print("Compiling", cmd.input.display());
            precompile(&engine, &cmd.input, &cmd.output)
                .with_context(|| format!("failed to precompile `{}`", cmd.input.display()))?;
            let sidecar = crate::grants::sidecar_path(&cmd.output);
            if sidecar.is_file() {
                // Only together do the two files run as composed.
                status.print(
                    "Finished",
                    format!(
                        "`{}`, its grants in `{}` (ship both)",
                        cmd.output.display(),
                        sidecar.display()
                    ),
                );
            } else {
                status.print("Finished", format!("`{}`", cmd.output.display()));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
