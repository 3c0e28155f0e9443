//! `serve`: an HTTP/1.1 server handing each request to a fresh instance of a
//! component exporting `wasi:http/incoming-handler`.
//!
//! [`Server::bind`] loads and pre-instantiates the artifact and binds the
//! socket; [`Server::run_until`] accepts connections until a shutdown future
//! resolves, then lets in-flight requests finish (bounded by
//! [`ServeOptions::grace`]). [`serve`] is the whole command: a multi-thread
//! runtime, SIGINT/SIGTERM as the shutdown signal.
//!
//! Every request gets its own store, so requests share no guest state and a
//! trap or a limit hit fails that request only: 504 for a deadline, 500 for
//! a trap, 503 when the instance pool is exhausted. One access-log line per
//! request goes to stderr: method, path, status, duration.
//!
//! The one exception is the operator's opt-in [`crate::warm`]: with
//! [`ServeOptions::reuse`], an instance of an artifact whose stages are all
//! declared stateless answers several requests, one at a time.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wasmtime::Store;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::capabilities::{Capabilities, Stdio};
use crate::diagnose::{GuestError, classify};
use crate::engine::{EngineOptions, WeldEngine};
use crate::exports::Exports;
use crate::guest_output::{RequestTag, TaggedStdio};
use crate::host::{Host, new_store};
use crate::limits::{HumanDuration, Limits};
use crate::loader::LoadOptions;
use crate::metrics::{FailureKind, Metrics, serve_metrics};
use crate::prepare::{PrepareError, instantiate_pre, open};
use crate::warm::{InstanceReuse, ReuseError, WarmPool, check_stateless};

/// Options for [`serve`] and [`Server::bind`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The component or precompiled component.
    pub artifact: PathBuf,
    /// Where to listen; port 0 picks a free port ([`Server::local_addr`]
    /// tells which).
    pub addr: SocketAddr,
    /// What each instance may reach on the host.
    pub capabilities: Capabilities,
    /// Timeout and memory limit of each request.
    pub limits: Limits,
    /// Cache behaviour.
    pub load: LoadOptions,
    /// Concurrent instances at most (the pool size).
    pub max_instances: Option<u32>,
    /// Whether instances answer more than one request (off by default).
    pub reuse: InstanceReuse,
    /// How long in-flight requests may take to finish after shutdown is
    /// requested.
    pub grace: Duration,
    /// Write one line per request, and guest failures, to stderr, in this format;
    /// `None`: no access log.
    pub access_log: Option<LogFormat>,
    /// The format of the guest's stdout/stderr lines, each tagged with its request
    /// (as is the access log).
    pub guest_output: LogFormat,
    /// Serve Prometheus metrics at `http://<this>/metrics`; `None`: record nothing.
    pub metrics: Option<SocketAddr>,
    /// Sample every request's guest and write a profile (after the bound it sets, or at
    /// shutdown); `None`: no sampling.
    #[cfg(feature = "profiling")]
    pub profile: Option<crate::profile::ProfileOptions>,
}

/// How the access log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `[req 7] GET /path 200 1.2ms`, and an `error:` line before a failed request's.
    Text,
    /// One JSON object a line, for log pipelines.
    Json,
}

impl ServeOptions {
    /// Defaults for everything but the artifact and address.
    pub fn new(artifact: impl Into<PathBuf>, addr: SocketAddr) -> Self {
        Self {
            artifact: artifact.into(),
            addr,
            capabilities: Capabilities::default(),
            limits: Limits::default(),
            load: LoadOptions::default(),
            max_instances: None,
            reuse: InstanceReuse::default(),
            grace: Duration::from_secs(30),
            access_log: Some(LogFormat::Text),
            guest_output: LogFormat::Text,
            metrics: None,
            #[cfg(feature = "profiling")]
            profile: None,
        }
    }
}

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The engine, the artifact or its imports are not right.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The artifact does not export `wasi:http/incoming-handler`.
    #[error("`{}` cannot serve HTTP: it does not export `wasi:http/incoming-handler`\n{exports}", artifact.display())]
    NotAHandler {
        /// The artifact.
        artifact: PathBuf,
        /// What it exports.
        exports: Exports,
    },
    /// The guest profiler could not start.
    #[cfg(feature = "profiling")]
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    /// Instance reuse was asked for an artifact that does not allow it.
    #[error(transparent)]
    Reuse(#[from] ReuseError),
    /// The address cannot be bound.
    #[error("cannot listen on `{addr}`")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Accepting connections failed for good.
    #[error("failed to accept connections")]
    Accept(#[source] std::io::Error),
    /// The async runtime could not start.
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// A bound server, ready to accept connections.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    /// The metrics endpoint's listener and address, with `--metrics`.
    metrics: Option<(TcpListener, SocketAddr)>,
    shared: Arc<Shared>,
    grace: Duration,
}

/// What every request handler reads.
struct Shared {
    engine: WeldEngine,
    pre: ProxyPre<Host>,
    capabilities: Capabilities,
    access_log: Option<LogFormat>,
    guest_output: LogFormat,
    metrics: Option<Arc<Metrics>>,
    /// The id the next request gets (in the access log and its guest's output).
    next_request: AtomicU64,
    /// Idle instances, when instances are reused.
    warm: Option<Arc<WarmPool<Warm>>>,
    /// Requests one instance answers at most.
    max_uses: u32,
    /// The profile being recorded, with `--profile`.
    #[cfg(feature = "profiling")]
    profile: Option<Arc<crate::profile::GuestProfile>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("engine", &self.engine)
            .field("capabilities", &self.capabilities)
            .field("access_log", &self.access_log)
            .finish_non_exhaustive()
    }
}

/// Runs the whole `serve` command: binds, calls `on_ready` with the bound
/// address, serves until SIGINT or SIGTERM, drains, returns.
pub fn serve(options: &ServeOptions, on_ready: impl FnOnce(&Server)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async {
        let server = Server::bind(options).await?;
        on_ready(&server);
        server.run_until(shutdown_signal()).await
    })
}

/// Resolves on the first SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            // Without signal handlers, Ctrl-C still works the portable way.
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl Server {
    /// Loads and links the artifact and binds `options.addr`.
    pub async fn bind(options: &ServeOptions) -> Result<Self, ServeError> {
        if options.reuse.enabled() {
            check_stateless(&options.artifact)?;
        }
        let (engine, loaded) = open(
            &EngineOptions {
                limits: options.limits,
                max_instances: options.max_instances,
                #[cfg(feature = "profiling")]
                sample_interval: options.profile.as_ref().map(|p| p.interval),
                ..EngineOptions::default()
            },
            &options.artifact,
            &options.load,
        )?;
        let instance_pre = instantiate_pre(
            &engine,
            &options.artifact,
            &loaded.component,
            &options.capabilities,
        )?;
        let pre = ProxyPre::new(instance_pre).map_err(|_| ServeError::NotAHandler {
            artifact: options.artifact.clone(),
            exports: Exports::of(engine.engine(), &loaded.component),
        })?;
        #[cfg(feature = "profiling")]
        let profile = match &options.profile {
            None => None,
            Some(profile) => Some(crate::profile::GuestProfile::start(
                &engine,
                &options.artifact.display().to_string(),
                &loaded.component,
                profile.clone(),
            )?),
        };
        let listener =
            TcpListener::bind(options.addr)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: options.addr,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: options.addr,
            source,
        })?;
        let metrics = match options.metrics {
            None => None,
            Some(addr) => {
                let bind = |source| ServeError::Bind { addr, source };
                let listener = TcpListener::bind(addr).await.map_err(bind)?;
                let bound = listener.local_addr().map_err(bind)?;
                Some((listener, bound))
            }
        };
        let warm = options
            .reuse
            .enabled()
            .then(|| Arc::new(WarmPool::new(options.reuse.idle_timeout)));
        let shared_metrics = metrics.is_some().then(Arc::<Metrics>::default);
        if let (Some(pool), Some(metrics)) = (&warm, &shared_metrics) {
            metrics.watch_idle(pool.counter());
        }
        Ok(Self {
            listener,
            local_addr,
            shared: Arc::new(Shared {
                engine,
                pre,
                capabilities: options.capabilities.clone(),
                access_log: options.access_log,
                guest_output: options.guest_output,
                metrics: shared_metrics,
                next_request: AtomicU64::new(1),
                warm,
                max_uses: options.reuse.max_uses,
                #[cfg(feature = "profiling")]
                profile,
            }),
            metrics,
            grace: options.grace,
        })
    }

    /// The address actually bound (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The metrics endpoint's address, with `--metrics`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets open
    /// connections finish their current request (up to the grace period)
    /// and returns.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        let metrics_task = match (self.metrics, &self.shared.metrics) {
            (Some((listener, _)), Some(metrics)) => {
                Some(tokio::spawn(serve_metrics(listener, metrics.clone())))
            }
            _ => None,
        };
        // Idle instances hold memory: give it back once they have waited too long.
        let sweeper = self.shared.warm.clone().map(|pool| {
            tokio::spawn(async move {
                let mut every = tokio::time::interval(pool.sweep_interval());
                loop {
                    every.tick().await;
                    pool.sweep();
                }
            })
        });
        #[cfg(feature = "profiling")]
        let profile_timer = self.shared.profile.as_ref().and_then(|profile| {
            let after = profile.options().duration?;
            let profile = profile.clone();
            Some(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                finish_profile(profile).await;
            }))
        });
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            // Reap finished connections so the set does not grow forever.
            while connections.try_join_next().is_some() {}
            let accepted = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => accepted,
            };
            let (stream, _peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_transient(&error) => {
                    // Out of file descriptors and the like: back off instead
                    // of spinning, and keep serving the open connections.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(error) => return Err(ServeError::Accept(error)),
            };
            let _ = stream.set_nodelay(true);
            let shared = self.shared.clone();
            let mut stop = stop_rx.clone();
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(shared, request).await) }
                });
                let connection = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let mut connection = std::pin::pin!(connection);
                tokio::select! {
                    _ = connection.as_mut() => {}
                    () = stopped(&mut stop) => {
                        // Finish the request in progress, then close.
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
            });
        }
        drop(self.listener);
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            connections.abort_all();
        }
        if let Some(task) = metrics_task {
            task.abort();
        }
        if let Some(task) = sweeper {
            task.abort();
        }
        if let Some(pool) = &self.shared.warm {
            // Writes what the idle instances' guests left of their last lines.
            pool.clear();
        }
        #[cfg(feature = "profiling")]
        {
            if let Some(timer) = profile_timer {
                timer.abort();
            }
            // Not bounded, or the bound was not reached: what was sampled until now.
            if let Some(profile) = &self.shared.profile {
                finish_profile(profile.clone()).await;
            }
        }
        Ok(())
    }
}

/// Writes the profile (once; later calls do nothing) and prints its summary.
#[cfg(feature = "profiling")]
async fn finish_profile(profile: Arc<crate::profile::GuestProfile>) {
    let outcome = tokio::task::spawn_blocking(move || profile.finish()).await;
    match outcome {
        Ok(Ok(None)) => {}
        Ok(Ok(Some(summary))) => eprintln!("{:>12} {summary}", "Profiled"),
        Ok(Err(error)) => eprintln!("error: {}", error_chain(&error)),
        Err(join) => eprintln!("error: writing the profile failed: {join}"),
    }
}

/// Resolves once shutdown is signalled (or the sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here.
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

fn is_transient(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::Interrupted
    ) || error
        .raw_os_error()
        .is_some_and(|code| code == 23 || code == 24)
}

/// Serves one request in a fresh instance and logs it.
async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
    let started = Instant::now();
    let tag = RequestTag {
        request: shared.next_request.fetch_add(1, Ordering::Relaxed),
        format: shared.guest_output,
    };
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let in_flight = shared.metrics.as_ref().map(|m| m.start());
    let (response, failure) = match respond(&shared, request, tag).await {
        Ok(response) => (response, None),
        Err(failure) => (failure.response(), Some(failure)),
    };
    if let Some(metrics) = &shared.metrics {
        metrics.finish(response.status().as_u16(), started.elapsed());
        if let Some(kind) = failure.as_ref().and_then(Failure::kind) {
            metrics.failure(failure.as_ref().and_then(Failure::stage), kind);
        }
    }
    drop(in_flight);
    #[cfg(feature = "profiling")]
    if let Some(profile) = &shared.profile
        && profile.request_finished()
    {
        tokio::spawn(finish_profile(profile.clone()));
    }
    match shared.access_log {
        None => {}
        Some(LogFormat::Text) => {
            use std::fmt::Write as _;
            // Formatted first and written once: stderr is unbuffered, and formatting
            // straight into it costs a write(2) per piece (5% of throughput measured).
            let request = tag.request;
            let mut lines = String::new();
            if let Some(failure) = &failure {
                let _ = writeln!(
                    lines,
                    "error: [req {request}] {method} {path}: {}",
                    failure.describe()
                );
            }
            let _ = writeln!(
                lines,
                "[req {request}] {method} {path} {} {}",
                response.status().as_u16(),
                HumanDuration(started.elapsed())
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), lines.as_bytes());
        }
        Some(LogFormat::Json) => {
            let entry = AccessLogEntry {
                time: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
                request: tag.request,
                method: method.as_str(),
                path: &path,
                status: response.status().as_u16(),
                duration_ms: started.elapsed().as_secs_f64() * 1e3,
                bytes: http_body::Body::size_hint(response.body()).exact(),
                stage: failure
                    .as_ref()
                    .and_then(Failure::stage)
                    .map(str::to_string),
                error: failure.as_ref().map(Failure::describe),
            };
            // One write per line, so lines of concurrent requests do not interleave.
            let mut line = serde_json::to_string(&entry).expect("a log entry serializes");
            line.push('\n');
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
        }
    }
    response
}

/// One line of the JSON access log.
#[derive(serde::Serialize)]
struct AccessLogEntry<'a> {
    /// When the request finished, RFC 3339 in UTC.
    time: String,
    /// The request's id, as in its guest's output lines.
    request: u64,
    method: &'a str,
    path: &'a str,
    status: u16,
    duration_ms: f64,
    /// The response body's size, when known up front (`content-length`).
    bytes: Option<u64>,
    /// The stage a failure happened in.
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<String>,
    /// Why the request failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Why a request got no response from the guest.
enum Failure {
    Guest(GuestError),
    /// No instance slot free.
    Busy,
    /// The guest answered with an `error-code` instead of a response.
    ErrorCode(String),
    /// The guest returned without setting a response.
    NoResponse,
    Timeout(Duration),
    Host(String),
}

impl Failure {
    /// What kind of guest failure this is, for metrics; `None` for the host's own.
    fn kind(&self) -> Option<FailureKind> {
        match self {
            // A refused call is a trap too (the guard's), counted with them.
            Failure::Guest(GuestError::Trap { .. } | GuestError::Denied { .. }) => {
                Some(FailureKind::Trap)
            }
            Failure::Guest(GuestError::DeadlineExceeded { .. }) | Failure::Timeout(_) => {
                Some(FailureKind::Deadline)
            }
            Failure::Guest(GuestError::MemoryLimit { .. }) => Some(FailureKind::Memory),
            Failure::Guest(_) | Failure::ErrorCode(_) | Failure::NoResponse => {
                Some(FailureKind::Other)
            }
            Failure::Busy | Failure::Host(_) => None,
        }
    }

    /// The stage the failure happened in, when the guest failed inside one.
    fn stage(&self) -> Option<&str> {
        match self {
            Failure::Guest(error) => error.origin().and_then(|o| o.stage()),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Failure::Guest(error) => error_chain(error),
            Failure::Busy => "all instance slots are in use".to_string(),
            Failure::ErrorCode(code) => format!("the guest answered with error `{code}`"),
            Failure::NoResponse => "the guest returned without setting a response".to_string(),
            Failure::Timeout(after) => format!("deadline exceeded after {}", HumanDuration(*after)),
            Failure::Host(message) => message.clone(),
        }
    }

    fn response(&self) -> Response<HyperOutgoingBody> {
        let status = match self {
            Failure::Guest(GuestError::DeadlineExceeded { .. }) | Failure::Timeout(_) => {
                StatusCode::GATEWAY_TIMEOUT
            }
            Failure::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = Full::new(Bytes::from(format!(
            "{}\n",
            status.canonical_reason().unwrap_or("error").to_lowercase()
        )))
        .map_err(|never| match never {})
        .boxed_unsync();
        let mut response = Response::new(body);
        *response.status_mut() = status;
        response
    }
}

/// An instance kept for the next request, with what it needs to serve it.
struct Warm {
    store: Store<Host>,
    proxy: Proxy,
    stdio: TaggedStdio,
    /// Requests it has answered.
    uses: u32,
}

/// A store for the request tagged `tag`: a warm one when instances are reused and
/// one is idle, else a new one (instantiated in the request's task).
fn checkout(
    shared: &Shared,
    tag: RequestTag,
) -> Result<(Store<Host>, Option<Proxy>, TaggedStdio, u32), Failure> {
    if let Some(warm) = shared.warm.as_ref().and_then(|pool| pool.take()) {
        let Warm {
            mut store,
            proxy,
            stdio,
            uses,
        } = warm;
        stdio.retag(tag.request);
        if let Some(metrics) = &shared.metrics {
            metrics.reused();
        }
        // The deadline counts from this request's start, not the instance's.
        crate::limits::arm_epoch(&mut store, shared.engine.limits().timeout, sampler(shared));
        return Ok((store, Some(proxy), stdio, uses));
    }
    let stdio = TaggedStdio::new(tag);
    let host = Host::new(
        &shared.capabilities,
        &[],
        Stdio::Tagged(stdio.clone()),
        shared.engine.limits(),
    )
    .map_err(|e| Failure::Host(error_chain(&e)))?;
    let mut store = new_store(&shared.engine, host);
    if let Some(sampler) = sampler(shared) {
        crate::limits::arm_epoch(&mut store, shared.engine.limits().timeout, Some(sampler));
    }
    Ok((store, None, stdio, 0))
}

/// The profiler's sampler, with `--profile`.
fn sampler(shared: &Shared) -> Option<crate::limits::EpochSampler<Host>> {
    #[cfg(feature = "profiling")]
    if let Some(profile) = &shared.profile {
        return Some(profile.sampler());
    }
    let _ = shared;
    None
}

async fn respond(
    shared: &Arc<Shared>,
    request: Request<Incoming>,
    tag: RequestTag,
) -> Result<Response<HyperOutgoingBody>, Failure> {
    let (mut store, warm_proxy, stdio, uses) = checkout(shared, tag)?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)
        .map_err(|e| Failure::Host(e.to_string()))?;
    let outparam = store
        .data_mut()
        .http()
        .new_response_outparam(sender)
        .map_err(|e| Failure::Host(e.to_string()))?;
    let pre = shared.pre.clone();
    let metrics = shared.metrics.clone();
    // Where the instance goes after answering, if it may answer again.
    let keep = shared
        .warm
        .clone()
        .filter(|_| uses.saturating_add(1) < shared.max_uses);

    // The guest runs in its own task: it may keep streaming the body after
    // handing over the response head.
    let mut task = tokio::task::spawn(async move {
        let proxy = match warm_proxy {
            Some(proxy) => proxy,
            None => pre.instantiate_async(&mut store).await?,
        };
        let result = proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, incoming, outparam)
            .await;
        if let Some(metrics) = metrics {
            metrics.instance_memory(store.data().memory_bytes());
        }
        // Only an instance that returned normally is known to be in a state to answer
        // again; one that trapped or hit a limit is dropped with its store.
        if let (Ok(()), Some(pool)) = (&result, keep) {
            pool.put(Warm {
                store,
                proxy,
                stdio,
                uses: uses + 1,
            });
        }
        result
    });

    // The epoch deadline stops a guest that computes too long; this timer
    // also covers one that waits too long (e.g. on an outgoing request).
    let timeout = shared.engine.limits().timeout;
    let head = async {
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(Failure::ErrorCode(format!("{code:?}"))),
            // The guest dropped the outparam: its task ended; find out how.
            Err(_) => match (&mut task).await {
                Ok(Ok(())) => Err(Failure::NoResponse),
                Ok(Err(error)) => Err(guest_failure(error)),
                Err(join) => Err(Failure::Host(format!("request task failed: {join}"))),
            },
        }
    };
    let result = match timeout {
        // A little slack so the guest's own deadline, which names the
        // stage, usually fires first.
        Some(after) => tokio::time::timeout(after + Duration::from_millis(50), head)
            .await
            .unwrap_or(Err(Failure::Timeout(after))),
        None => head.await,
    };
    if let Err(Failure::Timeout(_)) = &result {
        task.abort();
    }
    result
}

fn guest_failure(error: wasmtime::Error) -> Failure {
    if error.is::<wasmtime::PoolConcurrencyLimitError>() {
        return Failure::Busy;
    }
    Failure::Guest(classify(error))
}

/// `message: cause: cause`, for one-line logs.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
