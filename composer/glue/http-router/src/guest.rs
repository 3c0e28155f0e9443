//! The wasm side: the bindings, the `wasi:http` handler, the routing table's buffer and
//! what `std` would otherwise give (allocator, `cabi_realloc`, panic handler).

use alloc::{
    string::{String, ToString},
    vec::Vec,
};

use crate::{
    reply::{self, Reply},
    routing::{self, Routed},
    table::{Action, Headers, Route, Table, TableError},
    text,
};

wit_bindgen::generate!({
    path: "wit",
    world: "router",
    // Bindings for the wasi:http and wasi:io interfaces, too.
    generate_all,
});

use wasi::{
    http::types::{
        ErrorCode, Fields, HeaderError, IncomingBody, IncomingRequest, Method, OutgoingBody,
        OutgoingResponse, ResponseOutparam,
    },
    io::streams::StreamError,
};
use weld::http::types::{Request, Response};
use weld::http_router::dispatch;

/// The size of [`ROUTE_TABLE`], in bytes.
const ROUTE_TABLE_SIZE: usize = 64 * 1024;

/// The routing table, written by Weld at compose time as an active data segment at this
/// buffer's address. Zeros, so that it lands in `.bss` and the module has no data
/// segment of its own here: an unlinked router reads no magic and says so.
static mut ROUTE_TABLE: [u8; ROUTE_TABLE_SIZE] = [0; ROUTE_TABLE_SIZE];

/// The address of the routing table's buffer. Weld reads it from this function's body,
/// which must stay exactly `i32.const <address>`.
#[unsafe(no_mangle)]
pub extern "C" fn weld_route_table() -> *const u8 {
    (&raw const ROUTE_TABLE).cast()
}

/// The size of the routing table's buffer. Weld reads it from this function's body,
/// which must stay exactly `i32.const <size>`.
#[unsafe(no_mangle)]
pub extern "C" fn weld_route_table_size() -> u32 {
    ROUTE_TABLE_SIZE as u32
}

/// The routing table's buffer. Nothing in this module writes it, so without the black
/// box the compiler could assume it is all zeros and fold the whole router away.
fn route_table() -> &'static [u8] {
    let ptr: *const u8 = core::hint::black_box((&raw const ROUTE_TABLE).cast());
    // SAFETY: the buffer is a static of this size, and only read once the module runs.
    unsafe { core::slice::from_raw_parts(ptr, ROUTE_TABLE_SIZE) }
}

/// Bytes asked of the body stream per read.
const READ_CHUNK: u64 = 64 * 1024;
/// Bytes written to the response stream per call.
const WRITE_CHUNK: usize = 4096;

struct Router;

impl exports::wasi::http::incoming_handler::Guest for Router {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let reply = serve(request);
        send(response_out, reply);
    }
}

export!(Router);

/// Routes `request`, runs its route and returns what to answer. `request` is dropped
/// once its body (a child resource) has been finished, before any stage runs.
fn serve(request: IncomingRequest) -> Reply {
    let table = match Table::parse(route_table()) {
        Ok(table) => table,
        Err(TableError::Missing) => return Reply::no_routes(),
        Err(TableError::Malformed(reason)) => return Reply::invalid_routes(&reason),
    };
    let method = method_name(request.method());
    let target = request.path_with_query().unwrap_or_default();
    let (path, query) = text::split_target(&target);
    let route = match routing::route(&table, &method, path) {
        Routed::Found(route) => route,
        Routed::NotFound => return Reply::not_found(path),
        Routed::MethodNotAllowed(allow) => return Reply::method_not_allowed(&allow),
    };
    if route.middleware().next().is_none()
        && let Action::Respond {
            status,
            headers,
            body,
        } = route.action
    {
        // Nothing would read the request: answer without asking the host for its
        // headers and body (a dozen host calls, a fifth of a warm `GET /health`).
        return fixed_reply(status, headers, body);
    }

    let headers = read_headers(&request);
    let too_large = headers.iter().any(|(name, value)| {
        name == "content-length" && text::content_length_exceeds(value.as_bytes(), table.max_body)
    });
    if too_large {
        return Reply::payload_too_large(table.max_body);
    }
    let body = match read_body(&request, table.max_body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    drop(request);

    let record = Request {
        method,
        path: path.to_string(),
        route: route.pattern.to_string(),
        params: crate::pattern::params(route.pattern, path),
        query: text::parse_query(query),
        headers,
        body,
    };
    run(&route, record)
}

/// Runs `route`'s middleware, then its action.
fn run(route: &Route<'_>, mut request: Request) -> Reply {
    for index in route.middleware() {
        match dispatch::middleware(index, &request) {
            Ok(next) => request = next,
            Err(response) => return from_response(response),
        }
    }
    match route.action {
        Action::Handler(index) => from_response(dispatch::handler(index, &request)),
        Action::Respond {
            status,
            headers,
            body,
        } => fixed_reply(status, headers, body),
    }
}

/// A route's fixed response (`respond:`).
fn fixed_reply(status: u16, headers: Headers<'_>, body: &[u8]) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

fn from_response(response: Response) -> Reply {
    Reply {
        status: response.status,
        headers: response.headers,
        body: response.body,
    }
}

/// The method's name as sent, uppercase for the standard ones.
fn method_name(method: Method) -> String {
    let name = match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => return other,
    };
    name.to_string()
}

/// Every header, names lowercase, values as UTF-8 (lossy).
fn read_headers(request: &IncomingRequest) -> Vec<(String, String)> {
    let fields = request.headers();
    let entries = fields.entries();
    drop(fields);
    entries
        .into_iter()
        .map(|(mut name, value)| {
            name.make_ascii_lowercase();
            let value = match String::from_utf8(value) {
                Ok(value) => value,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            (name, value)
        })
        .collect()
}

/// The whole body, or the reply to send instead: 413 past `max_body` bytes, 400 when
/// the stream fails. The stream is dropped before the body is finished (a child
/// resource must go before its parent).
fn read_body(request: &IncomingRequest, max_body: u32) -> Result<Vec<u8>, Reply> {
    let mut body = Vec::new();
    let Ok(incoming) = request.consume() else {
        return Ok(body);
    };
    let Ok(stream) = incoming.stream() else {
        let _trailers = IncomingBody::finish(incoming);
        return Ok(body);
    };
    let outcome = loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > u64::from(max_body) {
                    break Err(Reply::payload_too_large(max_body));
                }
            }
            Err(StreamError::Closed) => break Ok(()),
            Err(StreamError::LastOperationFailed(_)) => break Err(Reply::unreadable_body()),
        }
    };
    drop(stream);
    match outcome {
        Ok(()) => {
            let _trailers = IncomingBody::finish(incoming);
            Ok(body)
        }
        Err(reply) => {
            drop(incoming);
            Err(reply)
        }
    }
}

/// Sends `reply`, or a 500 that says why it cannot be sent.
fn send(response_out: ResponseOutparam, reply: Reply) {
    let (response, body) = match prepare(&reply) {
        Ok(prepared) => (prepared, reply.body),
        Err(reason) => {
            let error = Reply::invalid_response(&reason);
            match prepare(&error) {
                Ok(prepared) => (prepared, error.body),
                // Not reached: the router's own replies are valid.
                Err(reason) => {
                    ResponseOutparam::set(
                        response_out,
                        Err(ErrorCode::InternalError(Some(reason))),
                    );
                    return;
                }
            }
        }
    };
    let Ok(outgoing) = response.body() else {
        ResponseOutparam::set(response_out, Err(ErrorCode::InternalError(None)));
        return;
    };
    ResponseOutparam::set(response_out, Ok(response));
    if let Ok(stream) = outgoing.write() {
        for chunk in body.chunks(WRITE_CHUNK) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                break;
            }
        }
    }
    let _ = OutgoingBody::finish(outgoing, None);
}

/// The outgoing response for `reply`, or why the host refuses it.
fn prepare(reply: &Reply) -> Result<OutgoingResponse, String> {
    reply::check_status(reply.status)?;
    let entries: Vec<(String, Vec<u8>)> = reply
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), value.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&entries).map_err(|_| refused_header(&entries))?;
    let response = OutgoingResponse::new(fields);
    response
        .set_status_code(reply.status)
        .map_err(|()| alloc::format!("status {} is not a valid HTTP status", reply.status))?;
    Ok(response)
}

/// Names the header the host refused, trying them one by one (only on this error path).
fn refused_header(entries: &[(String, Vec<u8>)]) -> String {
    for entry in entries {
        match Fields::from_list(core::slice::from_ref(entry)) {
            Ok(_) => {}
            Err(HeaderError::Forbidden) => return reply::bad_header(&entry.0, true),
            Err(_) => return reply::bad_header(&entry.0, false),
        }
    }
    "the headers are not valid".to_string()
}

// What std would otherwise give: wasi-libc's allocator (which imports nothing), the
// canonical ABI's `cabi_realloc` over it, and a panic handler. The edge-api sample's
// stages get the same from samples/edge-api/support/nostd; the router keeps its own
// copy because Weld's shipped code cannot depend on a sample.

#[link(name = "c")]
unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

/// libc's allocator, which `cabi_realloc` also uses: the canonical ABI hands us strings
/// and lists allocated there, and we free them.
struct LibcAlloc;

/// What `malloc` guarantees on wasm32 wasi-libc.
const MALLOC_ALIGN: usize = 16;

// SAFETY: forwards to libc's allocator, asking for at least the requested alignment.
unsafe impl core::alloc::GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: plain libc allocation calls.
        unsafe {
            if layout.align() <= MALLOC_ALIGN {
                malloc(layout.size())
            } else {
                aligned_alloc(layout.align(), layout.size())
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: core::alloc::Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` here.
        unsafe { free(ptr) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: core::alloc::Layout,
        new_size: usize,
    ) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: `ptr` came from this allocator.
            unsafe { realloc(ptr, new_size) }
        } else {
            // SAFETY: allocate, copy the smaller size, free the old block.
            unsafe {
                let new = aligned_alloc(layout.align(), new_size);
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    free(ptr);
                }
                new
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: LibcAlloc = LibcAlloc;

/// The canonical ABI's allocation entry point, over the global allocator. (wit-bindgen
/// leaves it to wasi-libc on wasm32-wasip2, and std is not linked.)
///
/// # Safety
/// Called by the component model: `old_ptr`/`old_len`/`align` describe a block this
/// function returned before, or `old_len` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the component model passes a power-of-two alignment and, for a non-zero
    // `old_len`, a block allocated here with the same alignment.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
