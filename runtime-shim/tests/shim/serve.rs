//! `serve`: many requests, concurrency, timeouts answered with 504 while the
//! server keeps serving, traps answered with 500, graceful shutdown, and the
//! opt-in reuse of instances.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use std::path::Path;

use weld_shim::grants::StageGrants;

use super::common::{grants, run_shim, rust_fixtures, shim, test_dir, with_grants};

/// A `weld-shim serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Lines of its stderr and stdout (the access log, and the guest's own output), as
    /// they come; disconnected once the process has closed both, i.e. exited.
    log: mpsc::Receiver<String>,
    /// Lines received so far.
    seen: Vec<String>,
}

/// How long a line the test waits for may take to come.
const LOG_WAIT: Duration = Duration::from_secs(30);

impl Server {
    /// Serves the Rust handler fixture.
    fn start(flags: &[&str]) -> Self {
        let (handler, _) = rust_fixtures();
        Self::start_with(handler, flags)
    }

    fn start_with(artifact: &Path, flags: &[&str]) -> Self {
        let mut child = shim()
            .arg("serve")
            .arg(artifact)
            .args(["--addr", "127.0.0.1:0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        let forward = |stream: Box<dyn Read + Send>, lines_tx: mpsc::Sender<String>| {
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
            });
        };
        forward(Box::new(child.stderr.take().unwrap()), lines_tx.clone());
        forward(Box::new(child.stdout.take().unwrap()), lines_tx);
        let mut server = Self {
            child,
            // Known once the server says where it listens.
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: lines_rx,
            seen: Vec::new(),
        };
        // The status line is printed once the socket is bound.
        let line = server.wait_for_line(
            "the `Serving http://…` line",
            Duration::from_secs(60),
            |l| l.trim_start().starts_with("Serving http://"),
        );
        let rest = line.trim_start().strip_prefix("Serving http://").unwrap();
        server.addr = rest.trim_end_matches('/').parse().unwrap();
        server
    }

    /// Waits until a line matching `wanted` has been printed (now or earlier) and
    /// returns it; panics with everything printed if none comes within `limit`.
    fn wait_for_line(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        if let Some(line) = self.seen.iter().find(|l| wanted(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + limit;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(remaining) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("no {what} within {limit:?}; printed: {:#?}", self.seen)
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the server exited before printing {what}; printed: {:#?}",
                        self.seen
                    )
                }
            }
        }
    }

    /// The metrics endpoint's address (started with `--metrics`).
    fn metrics_addr(&mut self) -> SocketAddr {
        // Printed before the `Serving` line `start` waited for.
        let line = self.wait_for_line("the `Metrics http://…` line", LOG_WAIT, |l| {
            l.trim_start().starts_with("Metrics http://")
        });
        line.trim_start()
            .trim_start_matches("Metrics http://")
            .trim_end_matches("/metrics")
            .parse()
            .unwrap()
    }

    /// Sends SIGTERM and waits for the process to exit: its stderr closing is the
    /// signal, then its status is collected.
    fn terminate(&mut self) -> Option<i32> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let limit = Duration::from_secs(30);
        let deadline = Instant::now() + limit;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(remaining) {
                Ok(line) => self.seen.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the server did not stop within {limit:?} of SIGTERM")
                }
            }
        }
        self.child.wait().unwrap().code()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection: (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

#[test]
fn thousand_sequential_requests() {
    let server = Server::start(&["-q"]);
    for i in 0..1000 {
        let path = format!("/n/{i}");
        let (status, body) = request(server.addr, "GET", &path, "");
        assert_eq!(status, 200, "request {i}");
        assert_eq!(body, format!("hello {path}"));
    }
}

#[test]
fn hundred_concurrent_requests() {
    let server = Server::start(&["-q"]);
    let addr = server.addr;
    let workers: Vec<_> = (0..100)
        .map(|i| {
            std::thread::spawn(move || {
                let payload = format!("payload {i} ").repeat(100);
                let (status, body) = request(addr, "POST", "/echo", &payload);
                assert_eq!(status, 200, "request {i}");
                assert_eq!(body, payload, "request {i}");
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a request failed");
    }
}

#[test]
fn timeout_answers_504_and_the_server_keeps_serving() {
    let mut server = Server::start(&["--timeout", "300ms"]);
    let started = Instant::now();
    let (status, _) = request(server.addr, "GET", "/spin", "");
    assert_eq!(status, 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    let (status, _) = request(server.addr, "GET", "/trap", "");
    assert_eq!(status, 500);
    for _ in 0..10 {
        let (status, body) = request(server.addr, "GET", "/", "");
        assert_eq!(status, 200);
        assert_eq!(body, "hello /");
    }
    // The access log line is written before the response is sent; the guest's
    // failure, before that.
    server.wait_for_line("the deadline error", LOG_WAIT, |l| {
        l.starts_with("error: [req ") && l.contains("] GET /spin: deadline exceeded after 300ms")
    });
    server.wait_for_line("the access log line of /spin", LOG_WAIT, |l| {
        l.starts_with("[req ") && l.contains("] GET /spin 504 ")
    });
    server.wait_for_line("the access log line of /", LOG_WAIT, |l| {
        l.starts_with("[req ") && l.contains("] GET / 200 ")
    });
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let mut server = Server::start(&[]);
    let addr = server.addr;
    let in_flight = std::thread::spawn(move || request(addr, "GET", "/sleep", ""));
    // The guest says so when the request has reached it.
    server.wait_for_line("the guest's `sleep: started`", LOG_WAIT, |l| {
        l.starts_with("[req ") && l.ends_with("] sleep: started")
    });
    let code = server.terminate();
    assert_eq!(in_flight.join().unwrap(), (200, "slept".to_string()));
    assert_eq!(code, Some(0));
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "no longer listening"
    );
}

#[test]
fn outgoing_http_is_denied_unless_granted() {
    let target = Server::start(&["-q"]);
    let port = target.addr.port().to_string();

    let denied = Server::start(&["-q"]);
    let (status, body) = request(denied.addr, "GET", &format!("/fetch/{port}"), "");
    assert_eq!(status, 200);
    assert_eq!(body, "fetch failed: ErrorCode::HttpRequestDenied");

    let allowed = Server::start(&["-q", "--allow-outgoing-http"]);
    let (status, body) = request(allowed.addr, "GET", &format!("/fetch/{port}"), "");
    assert_eq!(status, 200);
    assert_eq!(body, "fetched: hello /fetched");
}

#[test]
fn json_access_log_is_one_object_per_request() {
    let mut server = Server::start(&["--log-format", "json"]);
    assert_eq!(request(server.addr, "GET", "/hello", "").0, 200);
    assert_eq!(request(server.addr, "GET", "/trap", "").0, 500);
    let mut entries = Vec::new();
    for path in ["/hello", "/trap"] {
        let line = server.wait_for_line(&format!("the JSON entry of {path}"), LOG_WAIT, |l| {
            l.starts_with('{') && l.contains(&format!("\"path\":\"{path}\""))
        });
        let entry: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        entries.push(entry);
    }
    let (ok, failed) = (&entries[0], &entries[1]);
    assert_eq!(ok["method"], "GET");
    assert_eq!(ok["status"], 200);
    assert!(ok["duration_ms"].as_f64().is_some_and(|d| d >= 0.0), "{ok}");
    assert!(
        ok["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{ok}"
    );
    assert!(ok.get("error").is_none(), "{ok}");
    assert_eq!(failed["status"], 500);
    assert!(
        failed["error"].as_str().is_some_and(|e| e.contains("trap")),
        "{failed}"
    );
    // No text-format lines: every access-log line is JSON.
    assert!(
        !server.seen.iter().any(|l| l.starts_with("[req ")),
        "{:?}",
        server.seen
    );
}

/// `[req N] rest` -> `(N, rest)`.
fn request_tag(line: &str) -> Option<(u64, &str)> {
    let (id, rest) = line.strip_prefix("[req ")?.split_once("] ")?;
    Some((id.parse().ok()?, rest))
}

#[test]
fn guest_output_lines_carry_the_id_of_their_request() {
    let mut server = Server::start(&[]);
    assert_eq!(
        request(server.addr, "GET", "/log", ""),
        (200, "logged".into())
    );
    assert_eq!(request(server.addr, "GET", "/trap", "").0, 500);
    let id_of = |server: &mut Server, what: &str, wanted: &dyn Fn(&str) -> bool| {
        let line = server.wait_for_line(what, LOG_WAIT, |l| {
            request_tag(l).is_some_and(|(_, rest)| wanted(rest))
        });
        request_tag(&line).unwrap().0
    };
    // stdout written in two pieces is one line; a stderr line without a newline is
    // still written when the request ends; both carry the access log's id.
    let log = id_of(&mut server, "the access log line of /log", &|l| {
        l.starts_with("GET /log 200 ")
    });
    assert_eq!(
        id_of(&mut server, "the guest's stdout line", &|l| l
            == "out: one line"),
        log
    );
    assert_eq!(
        id_of(&mut server, "the guest's stderr line", &|l| l
            == "err: no newline"),
        log
    );
    // The panic message of the trapping request sits under its own id, with the error.
    let trap = id_of(&mut server, "the access log line of /trap", &|l| {
        l.starts_with("GET /trap 500 ")
    });
    assert_ne!(trap, log);
    let panicked = id_of(&mut server, "the guest's panic message", &|l| {
        l.contains("panicked at") || l == "trap requested"
    });
    assert_eq!(panicked, trap);
    server.wait_for_line("the trap's error line", LOG_WAIT, |l| {
        l.starts_with(&format!("error: [req {trap}] GET /trap: trap"))
    });
}

#[test]
fn json_guest_output_lines_name_request_and_stream() {
    let mut server = Server::start(&["--log-format", "json"]);
    assert_eq!(request(server.addr, "GET", "/log", "").0, 200);
    let parse = |line: &str| -> serde_json::Value {
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    let access = parse(&server.wait_for_line("the access entry", LOG_WAIT, |l| {
        l.starts_with('{') && l.contains("\"path\":\"/log\"")
    }));
    let out = parse(&server.wait_for_line("the stdout line", LOG_WAIT, |l| {
        l.starts_with('{') && l.contains("out: one line")
    }));
    let err = parse(&server.wait_for_line("the stderr line", LOG_WAIT, |l| {
        l.starts_with('{') && l.contains("err: no newline")
    }));
    assert!(access["request"].as_u64().is_some(), "{access}");
    assert_eq!(out["request"], access["request"]);
    assert_eq!(err["request"], access["request"]);
    assert_eq!(out["stream"], "stdout");
    assert_eq!(err["stream"], "stderr");
    assert_eq!(out["line"], "out: one line");
    assert!(
        out["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{out}"
    );
}

#[test]
fn metrics_count_requests_failures_by_kind_and_latency() {
    let mut server = Server::start(&["--metrics", "127.0.0.1:0", "--timeout", "300ms"]);
    let metrics_addr = server.metrics_addr();
    for _ in 0..3 {
        assert_eq!(request(server.addr, "GET", "/", "").0, 200);
    }
    assert_eq!(request(server.addr, "GET", "/trap", "").0, 500);
    assert_eq!(request(server.addr, "GET", "/spin", "").0, 504);

    let (status, body) = request(metrics_addr, "GET", "/metrics", "");
    assert_eq!(status, 200, "{body}");
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |name: &str, label: Option<(&str, &str)>| -> f64 {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .unwrap_or_else(|| panic!("no `{name}` {label:?} in\n{body}"));
        match &sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.iter().map(|b| b.count).fold(0.0, f64::max)
            }
            other => panic!("unexpected value {other:?}"),
        }
    };
    assert_eq!(value("weld_requests_total", Some(("status", "200"))), 3.0);
    assert_eq!(value("weld_requests_total", Some(("status", "500"))), 1.0);
    assert_eq!(value("weld_requests_total", Some(("status", "504"))), 1.0);
    assert_eq!(
        value("weld_guest_failures_total", Some(("kind", "trap"))),
        1.0
    );
    assert_eq!(
        value("weld_guest_failures_total", Some(("kind", "deadline"))),
        1.0
    );
    assert_eq!(value("weld_requests_in_flight", None), 0.0);
    assert_eq!(value("weld_request_duration_seconds_count", None), 5.0);
    assert_eq!(
        value("weld_request_duration_seconds", None),
        5.0,
        "+Inf bucket"
    );
    assert!(
        body.contains("# TYPE weld_instance_memory_bytes histogram"),
        "{body}"
    );
}

#[test]
fn serve_writes_the_profile_after_the_requested_number_of_requests() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("serve.json");
    let mut server = Server::start(&[
        "--profile",
        profile.to_str().unwrap(),
        "--profile-requests",
        "5",
        "--profile-interval",
        "100us",
    ]);
    for _ in 0..5 {
        assert_eq!(request(server.addr, "GET", "/echo", "x").0, 200);
    }
    // Written while the server keeps serving, not at shutdown.
    let line = server.wait_for_line("the `Profiled` summary", LOG_WAIT, |l| {
        l.trim_start().starts_with("Profiled ")
    });
    assert!(line.contains(&profile.display().to_string()), "{line}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&profile).unwrap()).unwrap();
    assert!(
        json["threads"].as_array().is_some_and(|t| !t.is_empty()),
        "{json}"
    );
    assert_eq!(request(server.addr, "GET", "/", "").0, 200);
}

#[test]
fn profile_bounds_need_a_profile() {
    let (handler, _) = rust_fixtures();
    let out = shim()
        .arg("serve")
        .arg(handler)
        .args(["--profile-requests", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--profile <FILE>"), "{stderr}");
}

/// The value of the sample `name` in a scrape of `--metrics` at `addr`.
fn metric(addr: SocketAddr, name: &str) -> f64 {
    let (status, body) = request(addr, "GET", "/metrics", "");
    assert_eq!(status, 200, "{body}");
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).unwrap();
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == name)
        .unwrap_or_else(|| panic!("no `{name}` in\n{body}"));
    match &sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => *v,
        other => panic!("unexpected value {other:?}"),
    }
}

/// Waits until `idle` instances wait for a request, by the server's metrics: an
/// instance goes back to the pool when its request's task ends, a moment after
/// the client has the whole response.
fn wait_idle(metrics: SocketAddr, idle: f64) {
    let deadline = Instant::now() + LOG_WAIT;
    while metric(metrics, "weld_instances_idle") != idle {
        assert!(
            Instant::now() < deadline,
            "the pool never held {idle} idle instances"
        );
    }
}

/// Flags that turn reuse on, keep idle instances for the whole test and report the
/// pool in metrics.
fn reusing(max_uses: &'static str) -> Vec<&'static str> {
    vec![
        "--max-instance-reuse-count",
        max_uses,
        "--idle-instance-timeout",
        "10min",
        "--metrics",
        "127.0.0.1:0",
    ]
}

#[test]
fn every_request_gets_a_fresh_instance_by_default() {
    let server = Server::start(&[]);
    for _ in 0..3 {
        assert_eq!(request(server.addr, "GET", "/count", ""), (200, "1".into()));
    }
}

#[test]
fn a_reused_instance_answers_up_to_the_reuse_count() {
    let mut server = Server::start(&reusing("3"));
    let metrics = server.metrics_addr();
    let mut counts = Vec::new();
    for n in 1..=7 {
        let (status, body) = request(server.addr, "GET", "/count", "");
        assert_eq!(status, 200, "{body}");
        counts.push(body);
        // Every third request is its instance's last: it is dropped, not kept.
        wait_idle(metrics, if n % 3 == 0 { 0.0 } else { 1.0 });
    }
    assert_eq!(counts, ["1", "2", "3", "1", "2", "3", "1"]);
    assert_eq!(metric(metrics, "weld_reused_instance_requests_total"), 4.0);
}

#[test]
fn an_instance_that_trapped_or_ran_out_of_time_is_not_reused() {
    let mut flags = reusing("100");
    flags.extend(["--timeout", "300ms"]);
    let mut server = Server::start(&flags);
    let metrics = server.metrics_addr();
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "1".into()));
    wait_idle(metrics, 1.0);
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "2".into()));
    wait_idle(metrics, 1.0);
    // The trap takes the only idle instance, and it is not given back.
    assert_eq!(request(server.addr, "GET", "/trap", "").0, 500);
    assert_eq!(metric(metrics, "weld_instances_idle"), 0.0);
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "1".into()));
    wait_idle(metrics, 1.0);
    // The deadline is armed for each request a warm instance takes.
    assert_eq!(request(server.addr, "GET", "/spin", "").0, 504);
    assert_eq!(metric(metrics, "weld_instances_idle"), 0.0);
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "1".into()));
}

#[test]
fn reuse_is_refused_unless_every_stage_is_declared_stateless() {
    let dir = test_dir("reuse-stateless");
    let (handler, _) = rust_fixtures();
    let stateless = StageGrants {
        stateless: true,
        ..Default::default()
    };
    let mixed = with_grants(
        handler,
        &grants(&[
            ("front", stateless.clone()),
            ("tokens", StageGrants::default()),
        ]),
        &dir.join("mixed.wasm"),
    );
    let ran = run_shim([
        "serve".as_ref(),
        mixed.as_os_str(),
        "--addr".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--max-instance-reuse-count".as_ref(),
        "2".as_ref(),
    ]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains(&format!(
            "error: cannot reuse instances of `{}`: stage `tokens` is not declared `stateless: true` in its pipeline.yaml",
            mixed.display()
        )),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("help: a reused instance keeps"),
        "{}",
        ran.stderr
    );

    let all = with_grants(
        handler,
        &grants(&[("front", stateless.clone()), ("tokens", stateless)]),
        &dir.join("stateless.wasm"),
    );
    let mut server = Server::start_with(&all, &reusing("2"));
    let metrics = server.metrics_addr();
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "1".into()));
    wait_idle(metrics, 1.0);
    assert_eq!(request(server.addr, "GET", "/count", ""), (200, "2".into()));
}

#[test]
fn a_reused_instance_tags_its_output_with_the_request_it_serves() {
    let mut server = Server::start(&reusing("2"));
    let metrics = server.metrics_addr();
    assert_eq!(request(server.addr, "GET", "/log", "").0, 200);
    wait_idle(metrics, 1.0);
    assert_eq!(request(server.addr, "GET", "/log", "").0, 200);
    let mut ids = Vec::new();
    for nth in 0..2 {
        let line = server.wait_for_line("an access log line of /log", LOG_WAIT, |l| {
            request_tag(l)
                .is_some_and(|(id, rest)| rest.starts_with("GET /log 200 ") && !ids.contains(&id))
        });
        ids.push(request_tag(&line).unwrap().0);
        assert_eq!(ids.len(), nth + 1);
    }
    for id in ids {
        server.wait_for_line("the request's stdout line", LOG_WAIT, |l| {
            l == format!("[req {id}] out: one line")
        });
        // The first request's unfinished line is written when the instance takes the
        // second; the second's when the instance, at its reuse count, is dropped.
        server.wait_for_line("the request's unfinished stderr line", LOG_WAIT, |l| {
            l == format!("[req {id}] err: no newline")
        });
    }
}
