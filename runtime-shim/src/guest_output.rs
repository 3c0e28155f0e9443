//! What a served request's guest writes to stdout and stderr, one line at a time and
//! tagged with the request it belongs to, so the output of concurrent requests can be
//! told apart and matched with their access-log entries (which carry the same id).
//!
//! Text: `[req 17] <line>`. JSON: `{"time":…,"request":17,"stream":"stderr","line":…}`.
//! Each line keeps the stream it was written to. A line is written in one `write` call,
//! so lines of concurrent requests never interleave; a last line without a newline is
//! written when the request's instance is dropped, or, for an instance `serve` reuses,
//! when it is handed its next request ([`TaggedStdio::retag`]).

use std::io::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::serve::LogFormat;

/// A line longer than this is written out in pieces: a guest writing without ever
/// ending its line cannot make the host buffer without bound.
const MAX_LINE: usize = 64 * 1024;

/// Which request a guest's output belongs to, and how to write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTag {
    /// The request's id, as in the access log.
    pub request: u64,
    /// Text or JSON lines.
    pub format: LogFormat,
}

/// One of the guest's output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// `wasi:cli/stdout`, written to the shim's stdout.
    Stdout,
    /// `wasi:cli/stderr`, written to the shim's stderr.
    Stderr,
}

/// A guest output stream that tags each line with its request.
///
/// Every stream a stage opens (`get-stdout` is called once per stage, and again after
/// each close) shares one line buffer, so a line written in pieces stays one line.
#[derive(Debug, Clone)]
pub struct TaggedOutput(Arc<Lines>);

#[derive(Debug)]
struct Lines {
    format: LogFormat,
    /// The request the instance is serving now.
    request: AtomicU64,
    stream: Stream,
    partial: Mutex<Vec<u8>>,
}

impl TaggedOutput {
    /// The `stream` of the request tagged `tag`.
    pub fn new(tag: RequestTag, stream: Stream) -> Self {
        Self(Arc::new(Lines {
            format: tag.format,
            request: AtomicU64::new(tag.request),
            stream,
            partial: Mutex::new(Vec::new()),
        }))
    }
}

/// The stdout and stderr of one instance, tagged with the request it serves.
#[derive(Debug, Clone)]
pub struct TaggedStdio {
    /// `wasi:cli/stdout`.
    pub stdout: TaggedOutput,
    /// `wasi:cli/stderr`.
    pub stderr: TaggedOutput,
}

impl TaggedStdio {
    /// Both streams of the request tagged `tag`.
    pub fn new(tag: RequestTag) -> Self {
        Self {
            stdout: TaggedOutput::new(tag, Stream::Stdout),
            stderr: TaggedOutput::new(tag, Stream::Stderr),
        }
    }

    /// Tags what follows with `request`, for an instance serving its next request.
    /// A line the last request left unfinished is written first, under its own id.
    pub fn retag(&self, request: u64) {
        for lines in [&self.stdout.0, &self.stderr.0] {
            lines.flush_partial();
            lines.request.store(request, Ordering::Relaxed);
        }
    }
}

impl Lines {
    fn flush_partial(&self) {
        let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        if !partial.is_empty() {
            self.emit(&partial);
            partial.clear();
        }
    }

    fn write(&self, mut bytes: &[u8]) {
        let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            partial.extend_from_slice(&bytes[..end]);
            self.emit(&partial);
            partial.clear();
            bytes = &bytes[end + 1..];
        }
        partial.extend_from_slice(bytes);
        if partial.len() >= MAX_LINE {
            self.emit(&partial);
            partial.clear();
        }
    }

    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line));
        let request = self.request.load(Ordering::Relaxed);
        let mut text = match self.format {
            LogFormat::Text => format!("[req {request}] {line}"),
            LogFormat::Json => serde_json::json!({
                "time": humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
                "request": request,
                "stream": match self.stream {
                    Stream::Stdout => "stdout",
                    Stream::Stderr => "stderr",
                },
                "line": line,
            })
            .to_string(),
        };
        text.push('\n');
        // Losing a log line beats failing the guest's write.
        let _ = match self.stream {
            Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        self.flush_partial();
    }
}

impl IsTerminal for TaggedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for TaggedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for TaggedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.0.write(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE)
    }
}

#[async_trait::async_trait]
impl Pollable for TaggedOutput {
    // Writes never block: always ready.
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for TaggedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
