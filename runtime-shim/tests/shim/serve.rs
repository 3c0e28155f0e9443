//! `serve`: many requests, concurrency, timeouts answered with 504 while the
//! server keeps serving, traps answered with 500, graceful shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::common::{rust_fixtures, shim};

/// A `weld-shim serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(flags: &[&str]) -> Self {
        let (handler, _) = rust_fixtures();
        let mut child = shim()
            .arg("serve")
            .arg(handler)
            .args(["--addr", "127.0.0.1:0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = lines_rx.recv_timeout(remaining) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not print its address within 60s");
            };
            if let Some(rest) = line.trim_start().strip_prefix("Serving http://") {
                let addr = rest.trim_end_matches('/').parse().unwrap();
                return Self {
                    child,
                    addr,
                    log: lines_rx,
                };
            }
        }
    }

    /// Log lines printed so far.
    fn log_lines(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }

    fn terminate(&mut self) -> Option<i32> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not stop within 30s of SIGTERM");
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
    let server = Server::start(&["--timeout", "300ms"]);
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
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log_lines();
    assert!(
        log.iter()
            .any(|l| l.starts_with("error: GET /spin: deadline exceeded after 300ms")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.starts_with("GET /spin 504 ")),
        "access log: {log:#?}"
    );
    assert!(log.iter().any(|l| l.starts_with("GET / 200 ")), "{log:#?}");
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let mut server = Server::start(&[]);
    let addr = server.addr;
    let in_flight = std::thread::spawn(move || request(addr, "GET", "/sleep", ""));
    // Give the request time to reach the guest.
    std::thread::sleep(Duration::from_millis(200));
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
