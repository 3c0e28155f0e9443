//! The routing table: the bytes Weld writes into the router's `ROUTE_TABLE` buffer at
//! compose time, read in place (nothing is copied or allocated on success).
//!
//! Little-endian; `str` is a u32 byte length then UTF-8, `bytes` a u32 length then bytes:
//!
//! ```text
//! magic          8 bytes  b"WELDHTTP"
//! version        u32      1
//! max_body       u32      bytes
//! route_count    u32
//! each route:
//!   method       str      uppercase, "*" for any method
//!   path         str      pattern: "/orders/{id}", "/files/{rest...}"
//!   middleware   u32 count, then that many u32 indices, run in this order
//!   action       u8       0: u32 handler index
//!                         1: u16 status, u32 header count, (str, str) per header, bytes body
//! ```
//!
//! [`Table::parse`] checks the whole table once (a walk over at most the buffer's 64 KiB),
//! so that a malformed table answers every request the same way, whatever its path; the
//! routes are then read again, infallibly, by [`Table::routes`]. Bytes after the last
//! route are ignored (the rest of the buffer is zeros).

use alloc::{format, string::String};

use crate::pattern;

/// The first bytes of a table.
pub const MAGIC: &[u8; 8] = b"WELDHTTP";
/// The version of the format this router reads.
pub const VERSION: u32 = 1;

/// Why there is no usable table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// The buffer does not start with [`MAGIC`]: the router was not linked by Weld.
    Missing,
    /// The table is there but cannot be read; the text says why.
    Malformed(String),
}

/// A checked routing table.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// The largest request body accepted, in bytes.
    pub max_body: u32,
    route_count: u32,
    /// The routes' bytes, from the first route on.
    routes: &'a [u8],
}

/// One route, borrowed from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route<'a> {
    /// The method, uppercase, or `*` for any.
    pub method: &'a str,
    /// The path pattern, as written in pipeline.yaml.
    pub pattern: &'a str,
    /// The middleware indices, 4 bytes each (see [`Route::middleware`]).
    middleware: &'a [u8],
    /// What the route does once its middleware let the request through.
    pub action: Action<'a>,
}

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Calls the handler with this index.
    Handler(u32),
    /// Answers with a fixed response.
    Respond {
        /// The status code.
        status: u16,
        /// The headers.
        headers: Headers<'a>,
        /// The body.
        body: &'a [u8],
    },
}

/// A fixed response's headers, read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headers<'a> {
    count: u32,
    bytes: &'a [u8],
}

impl<'a> Table<'a> {
    /// Reads and checks the table at the start of `buffer`.
    pub fn parse(buffer: &'a [u8]) -> Result<Table<'a>, TableError> {
        if buffer.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(TableError::Missing);
        }
        let mut r = Reader::new(&buffer[MAGIC.len()..]);
        let header = |e: Cut| TableError::Malformed(format!("the table's header is {e}"));
        let version = r.u32().map_err(header)?;
        if version != VERSION {
            return Err(TableError::Malformed(format!(
                "the table has version {version}; this router reads version {VERSION}"
            )));
        }
        let max_body = r.u32().map_err(header)?;
        let route_count = r.u32().map_err(header)?;
        let table = Table {
            max_body,
            route_count,
            routes: r.rest(),
        };
        for number in 0..route_count {
            Route::read(&mut r).map_err(|e| {
                TableError::Malformed(format!("route {} of {route_count} {e}", number + 1))
            })?;
        }
        Ok(table)
    }

    /// The routes, in table order.
    pub fn routes(&self) -> impl Iterator<Item = Route<'a>> + use<'a> {
        let mut r = Reader::new(self.routes);
        // `parse` has read every route once, so none of these reads fails.
        (0..self.route_count).map_while(move |_| Route::read(&mut r).ok())
    }
}

impl<'a> Route<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Route<'a>, RouteError<'a>> {
        let method = r.str().map_err(|e| RouteError::Field("method", e))?;
        if method.is_empty() {
            return Err(RouteError::EmptyMethod);
        }
        let pattern = r.str().map_err(|e| RouteError::Field("path", e))?;
        if let Err(problem) = pattern::check(pattern) {
            return Err(RouteError::Pattern(pattern, problem));
        }
        let count = r
            .u32()
            .map_err(|e| RouteError::Field("middleware count", e))?;
        let middleware = r
            .take_array(count, 4)
            .map_err(|e| RouteError::Field("middleware list", e))?;
        let action = match r.u8().map_err(|e| RouteError::Field("action", e))? {
            0 => Action::Handler(r.u32().map_err(|e| RouteError::Field("handler index", e))?),
            1 => {
                let status = r.u16().map_err(|e| RouteError::Field("status", e))?;
                let count = r.u32().map_err(|e| RouteError::Field("header count", e))?;
                let start = r.rest();
                for _ in 0..count {
                    r.str().map_err(|e| RouteError::Field("header name", e))?;
                    r.str().map_err(|e| RouteError::Field("header value", e))?;
                }
                let bytes = &start[..start.len() - r.rest().len()];
                let body = r.bytes().map_err(|e| RouteError::Field("body", e))?;
                Action::Respond {
                    status,
                    headers: Headers { count, bytes },
                    body,
                }
            }
            other => return Err(RouteError::Action(other)),
        };
        Ok(Route {
            method,
            pattern,
            middleware,
            action,
        })
    }

    /// The middleware indices, in the order they run.
    pub fn middleware(&self) -> impl Iterator<Item = u32> + use<'a> {
        self.middleware
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl<'a> Headers<'a> {
    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The `(name, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let mut r = Reader::new(self.bytes);
        // Checked by `Route::read`.
        (0..self.count).map_while(move |_| Some((r.str().ok()?, r.str().ok()?)))
    }
}

/// What is wrong with one route.
enum RouteError<'a> {
    Field(&'static str, Cut),
    EmptyMethod,
    Pattern(&'a str, pattern::Problem),
    Action(u8),
}

impl core::fmt::Display for RouteError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RouteError::Field(field, cut) => write!(f, "has its {field} {cut}"),
            RouteError::EmptyMethod => f.write_str("has an empty method"),
            RouteError::Pattern(pattern, problem) => {
                write!(f, "has the path `{pattern}`, which {problem}")
            }
            RouteError::Action(action) => {
                write!(f, "has the unknown action {action} (expected 0 or 1)")
            }
        }
    }
}

/// Why a read stopped.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// The bytes ran out.
    Short,
    /// A string is not UTF-8.
    NotUtf8,
}

impl core::fmt::Display for Cut {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Cut::Short => "cut short (past the end of the table)",
            Cut::NotUtf8 => "not valid UTF-8",
        })
    }
}

/// A little-endian cursor.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Cut> {
        if n > self.bytes.len() {
            return Err(Cut::Short);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// `count` items of `size` bytes each, without overflowing on a huge count.
    fn take_array(&mut self, count: u32, size: usize) -> Result<&'a [u8], Cut> {
        let n = usize::try_from(count)
            .ok()
            .and_then(|count| count.checked_mul(size))
            .ok_or(Cut::Short)?;
        self.take(n)
    }

    fn u8(&mut self) -> Result<u8, Cut> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Cut> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, Cut> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn bytes(&mut self) -> Result<&'a [u8], Cut> {
        let len = self.u32()?;
        self.take_array(len, 1)
    }

    fn str(&mut self) -> Result<&'a str, Cut> {
        core::str::from_utf8(self.bytes()?).map_err(|_| Cut::NotUtf8)
    }
}
