//! Prometheus metrics of `serve` (`--metrics ADDR`): requests by status, a latency
//! histogram, requests in flight, guest failures by stage and kind, linear memory
//! per instance, and with instance reuse the idle instances and the requests warm
//! instances answered.
//!
//! The request path only touches atomics (and, for a status or failure not seen
//! before, a short-held lock); the text is rendered when the endpoint is scraped.
//! Without `--metrics` nothing is recorded at all. The format is Prometheus' text
//! exposition format 0.0.4, which every Prometheus-compatible scraper reads.

use std::{
    collections::BTreeMap,
    convert::Infallible,
    fmt::Write as _,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use http_body_util::Full;
use hyper::{Request, Response, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Upper bounds of the instance-memory histogram's buckets, in bytes (1 MiB to 1 GiB).
const MEMORY_BUCKETS: [u64; 8] = [
    1 << 20,
    4 << 20,
    16 << 20,
    32 << 20,
    64 << 20,
    128 << 20,
    256 << 20,
    1 << 30,
];

/// What went wrong in a guest, as the `kind` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureKind {
    /// The guest trapped.
    Trap,
    /// The request ran past `--timeout`.
    Deadline,
    /// An instance hit `--max-memory`.
    Memory,
    /// Anything else the guest did wrong (no response, an error code, ...).
    Other,
}

impl FailureKind {
    fn label(self) -> &'static str {
        match self {
            FailureKind::Trap => "trap",
            FailureKind::Deadline => "deadline",
            FailureKind::Memory => "memory",
            FailureKind::Other => "other",
        }
    }
}

/// A histogram with fixed buckets, in atomics.
#[derive(Debug)]
struct Histogram<const N: usize> {
    /// Observations at most each bound (not cumulative; summed when rendered).
    buckets: [AtomicU64; N],
    count: AtomicU64,
    /// The sum, in the unit's smallest step (nanoseconds, bytes).
    sum: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new() -> Self {
        Self {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
        }
    }

    /// Records one observation that falls in bucket `index` (N: above every bound).
    fn observe(&self, index: usize, amount: u64) {
        if let Some(bucket) = self.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(amount, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, bounds: &[String], sum: f64) {
        let mut cumulative = 0;
        for (bucket, bound) in self.buckets.iter().zip(bounds) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// The metrics of one server.
#[derive(Debug)]
pub struct Metrics {
    requests: Mutex<BTreeMap<u16, u64>>,
    latency: Histogram<12>,
    in_flight: AtomicI64,
    failures: Mutex<BTreeMap<(String, FailureKind), u64>>,
    memory: Histogram<8>,
    /// With instance reuse: the warm pool's count of idle instances.
    idle: OnceLock<Arc<AtomicUsize>>,
    /// Requests answered by an instance that had answered one before.
    reused: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Mutex::new(BTreeMap::new()),
            latency: Histogram::new(),
            in_flight: AtomicI64::new(0),
            failures: Mutex::new(BTreeMap::new()),
            memory: Histogram::new(),
            idle: OnceLock::new(),
            reused: AtomicU64::new(0),
        }
    }
}

/// Counts a request as in flight until dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// A request came in; it counts as in flight until the guard is dropped.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// A request was answered with `status` after `elapsed`.
    pub fn finish(&self, status: u16, elapsed: Duration) {
        *lock(&self.requests).entry(status).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let index = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.latency.observe(index, nanos);
    }

    /// A guest failed in `stage` (empty when no stage is known).
    pub fn failure(&self, stage: Option<&str>, kind: FailureKind) {
        *lock(&self.failures)
            .entry((stage.unwrap_or_default().to_string(), kind))
            .or_default() += 1;
    }

    /// Reports the idle instances that `count` counts (instance reuse is on).
    pub fn watch_idle(&self, count: Arc<AtomicUsize>) {
        let _ = self.idle.set(count);
    }

    /// A request was handed to an instance that had answered one before.
    pub fn reused(&self) {
        self.reused.fetch_add(1, Ordering::Relaxed);
    }

    /// An instance ended holding `bytes` of linear memory.
    pub fn instance_memory(&self, bytes: u64) {
        let index = MEMORY_BUCKETS
            .iter()
            .position(|bound| bytes <= *bound)
            .unwrap_or(MEMORY_BUCKETS.len());
        self.memory.observe(index, bytes);
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP weld_requests_total HTTP requests answered, by status.\n");
        out.push_str("# TYPE weld_requests_total counter\n");
        for (status, count) in lock(&self.requests).iter() {
            let _ = writeln!(out, "weld_requests_total{{status=\"{status}\"}} {count}");
        }
        out.push_str("# HELP weld_request_duration_seconds Time from request to response head.\n");
        out.push_str("# TYPE weld_request_duration_seconds histogram\n");
        let bounds: Vec<String> = LATENCY_BUCKETS.iter().map(|b| b.to_string()).collect();
        let sum = self.latency.sum.load(Ordering::Relaxed) as f64 / 1e9;
        self.latency
            .render(&mut out, "weld_request_duration_seconds", &bounds, sum);
        sample(
            &mut out,
            "weld_requests_in_flight",
            "gauge",
            "Requests being served now.",
            self.in_flight.load(Ordering::Relaxed),
        );
        out.push_str("# HELP weld_guest_failures_total Guest failures, by stage and kind (trap, deadline, memory, other).\n");
        out.push_str("# TYPE weld_guest_failures_total counter\n");
        for ((stage, kind), count) in lock(&self.failures).iter() {
            let _ = writeln!(
                out,
                "weld_guest_failures_total{{stage=\"{}\",kind=\"{}\"}} {count}",
                escape(stage),
                kind.label()
            );
        }
        out.push_str("# HELP weld_instance_memory_bytes Linear memory an instance held when its request ended.\n");
        out.push_str("# TYPE weld_instance_memory_bytes histogram\n");
        let bounds: Vec<String> = MEMORY_BUCKETS.iter().map(|b| b.to_string()).collect();
        let sum = self.memory.sum.load(Ordering::Relaxed) as f64;
        self.memory
            .render(&mut out, "weld_instance_memory_bytes", &bounds, sum);
        if let Some(idle) = self.idle.get() {
            sample(
                &mut out,
                "weld_instances_idle",
                "gauge",
                "Instances kept for reuse, waiting for a request.",
                idle.load(Ordering::Relaxed),
            );
            sample(
                &mut out,
                "weld_reused_instance_requests_total",
                "counter",
                "Requests answered by an instance that had answered one before.",
                self.reused.load(Ordering::Relaxed),
            );
        }
        out
    }
}

/// A metric of one unlabelled sample, with its help and type lines.
fn sample(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

/// A poisoned lock still holds valid counts: a panic elsewhere must not stop metrics.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serves `GET /metrics` on `listener` until the task is dropped.
pub async fn serve_metrics(listener: TcpListener, metrics: std::sync::Arc<Metrics>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let metrics = metrics.clone();
                async move {
                    let response = if request.uri().path() == "/metrics" {
                        Response::builder()
                            .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
                            .body(Full::new(Bytes::from(metrics.render())))
                    } else {
                        Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::from_static(b"metrics are at /metrics\n")))
                    };
                    Ok::<_, Infallible>(response.expect("a valid response"))
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.finish(200, Duration::from_micros(300));
        m.finish(200, Duration::from_millis(30));
        m.finish(500, Duration::from_secs(9));
        m.failure(Some("style"), FailureKind::Trap);
        m.instance_memory(2 << 20);
        let text = m.render();
        for line in [
            "weld_requests_total{status=\"200\"} 2",
            "weld_requests_total{status=\"500\"} 1",
            "weld_request_duration_seconds_bucket{le=\"0.0005\"} 1",
            "weld_request_duration_seconds_bucket{le=\"0.05\"} 2",
            "weld_request_duration_seconds_bucket{le=\"5\"} 2",
            "weld_request_duration_seconds_bucket{le=\"+Inf\"} 3",
            "weld_request_duration_seconds_count 3",
            "weld_requests_in_flight 0",
            "weld_guest_failures_total{stage=\"style\",kind=\"trap\"} 1",
            "weld_instance_memory_bytes_bucket{le=\"4194304\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
