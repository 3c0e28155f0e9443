//! Host tests of the router's logic: the table, patterns, routing, text helpers and the
//! router's own answers, byte for byte.

use alloc::{
    string::{String, ToString},
    vec,
    vec::Vec,
};

use crate::{
    pattern::{self, Problem},
    reply::{self, Reply},
    routing::{self, Routed},
    table::{Action, Table, TableError},
    text,
};

/// A route to encode.
struct R<'a> {
    method: &'a str,
    path: &'a str,
    middleware: &'a [u32],
    action: A<'a>,
}

enum A<'a> {
    Handler(u32),
    Respond(u16, &'a [(&'a str, &'a str)], &'a [u8]),
}

fn route<'a>(method: &'a str, path: &'a str, handler: u32) -> R<'a> {
    R {
        method,
        path,
        middleware: &[],
        action: A::Handler(handler),
    }
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// A table in the format Weld writes, without the buffer's trailing zeros.
fn encode(max_body: u32, routes: &[R<'_>]) -> Vec<u8> {
    let mut out = b"WELDHTTP".to_vec();
    put_u32(&mut out, 1);
    put_u32(&mut out, max_body);
    put_u32(&mut out, routes.len() as u32);
    for r in routes {
        put_bytes(&mut out, r.method.as_bytes());
        put_bytes(&mut out, r.path.as_bytes());
        put_u32(&mut out, r.middleware.len() as u32);
        for &m in r.middleware {
            put_u32(&mut out, m);
        }
        match r.action {
            A::Handler(i) => {
                out.push(0);
                put_u32(&mut out, i);
            }
            A::Respond(status, headers, body) => {
                out.push(1);
                out.extend_from_slice(&status.to_le_bytes());
                put_u32(&mut out, headers.len() as u32);
                for (name, value) in headers {
                    put_bytes(&mut out, name.as_bytes());
                    put_bytes(&mut out, value.as_bytes());
                }
                put_bytes(&mut out, body);
            }
        }
    }
    out
}

/// `table` in a zeroed 64 KiB buffer, as the router sees it.
fn in_buffer(table: &[u8]) -> Vec<u8> {
    let mut buffer = vec![0; 64 * 1024];
    buffer[..table.len()].copy_from_slice(table);
    buffer
}

fn malformed(bytes: &[u8]) -> String {
    match Table::parse(bytes) {
        Err(TableError::Malformed(reason)) => reason,
        other => panic!("expected a malformed table, got {other:?}"),
    }
}

/// The handler index a request reaches, or how it is refused.
fn routed(table: &Table<'_>, method: &str, path: &str) -> Result<u32, String> {
    match routing::route(table, method, path) {
        Routed::Found(route) => match route.action {
            Action::Handler(i) => Ok(i),
            Action::Respond { status, .. } => Err(alloc::format!("respond {status}")),
        },
        Routed::NotFound => Err("404".to_string()),
        Routed::MethodNotAllowed(allow) => Err(alloc::format!("405 {allow}")),
    }
}

fn body(reply: &Reply) -> &str {
    core::str::from_utf8(&reply.body).unwrap()
}

fn header<'r>(reply: &'r Reply, name: &str) -> Vec<&'r str> {
    reply
        .headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

// --- The table --------------------------------------------------------------------------

#[test]
fn a_zeroed_or_short_buffer_has_no_table() {
    assert_eq!(
        Table::parse(&[0; 64 * 1024]).unwrap_err(),
        TableError::Missing
    );
    assert_eq!(Table::parse(&[]).unwrap_err(), TableError::Missing);
    assert_eq!(Table::parse(b"WELDHTT").unwrap_err(), TableError::Missing);
    assert_eq!(
        Table::parse(b"weldhttp\x01\0\0\0").unwrap_err(),
        TableError::Missing
    );
}

#[test]
fn reads_every_field_of_every_route() {
    let headers = [("content-type", "text/plain"), ("x-a", "1")];
    let bytes = in_buffer(&encode(
        4096,
        &[
            R {
                method: "GET",
                path: "/orders/{id}",
                middleware: &[2, 0, 7],
                action: A::Handler(3),
            },
            R {
                method: "*",
                path: "/health",
                middleware: &[],
                action: A::Respond(204, &headers, b"ok\n"),
            },
        ],
    ));
    let table = Table::parse(&bytes).unwrap();
    assert_eq!(table.max_body, 4096);
    let routes: Vec<_> = table.routes().collect();
    assert_eq!(routes.len(), 2);

    assert_eq!(routes[0].method, "GET");
    assert_eq!(routes[0].pattern, "/orders/{id}");
    assert_eq!(routes[0].middleware().collect::<Vec<_>>(), [2, 0, 7]);
    assert_eq!(routes[0].action, Action::Handler(3));

    assert_eq!(routes[1].method, "*");
    assert_eq!(routes[1].middleware().count(), 0);
    let Action::Respond {
        status,
        headers: h,
        body,
    } = routes[1].action
    else {
        panic!("expected a fixed response");
    };
    assert_eq!(status, 204);
    assert_eq!(h.len(), 2);
    assert_eq!(h.iter().collect::<Vec<_>>(), headers);
    assert_eq!(body, b"ok\n");
}

#[test]
fn a_table_without_routes_is_valid() {
    let bytes = encode(0, &[]);
    let table = Table::parse(&bytes).unwrap();
    assert_eq!(table.routes().count(), 0);
    assert_eq!(routed(&table, "GET", "/"), Err("404".to_string()));
}

#[test]
fn another_version_is_refused_by_name() {
    let mut bytes = encode(10, &[route("GET", "/", 0)]);
    bytes[8] = 2;
    assert_eq!(
        malformed(&bytes),
        "the table has version 2; this router reads version 1"
    );
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let headers = [("a", "b")];
    let full = encode(
        100,
        &[
            R {
                method: "POST",
                path: "/x/{rest...}",
                middleware: &[1, 2],
                action: A::Handler(0),
            },
            R {
                method: "GET",
                path: "/y",
                middleware: &[],
                action: A::Respond(200, &headers, b"body"),
            },
        ],
    );
    assert!(Table::parse(&full).is_ok());
    for len in 8..full.len() {
        let reason = malformed(&full[..len]);
        assert!(reason.contains("cut short"), "{len}: {reason}");
    }
}

#[test]
fn names_the_route_and_field_that_is_cut_short() {
    let full = encode(100, &[route("GET", "/a", 0), route("GET", "/b", 1)]);
    assert_eq!(
        malformed(&full[..full.len() - 2]),
        "route 2 of 2 has its handler index cut short (past the end of the table)"
    );
    assert_eq!(
        malformed(&full[..12]),
        "the table's header is cut short (past the end of the table)"
    );
}

#[test]
fn a_huge_count_is_an_error_not_an_overflow() {
    let mut bytes = encode(100, &[route("GET", "/a", 0)]);
    // The middleware count of the first route: after the header (20 bytes), "GET" (7)
    // and "/a" (6).
    bytes[33..37].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(malformed(&in_buffer(&bytes)).contains("middleware list cut short"));

    let mut bytes = encode(100, &[]);
    bytes[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(malformed(&in_buffer(&bytes)).starts_with("route 1 of 4294967295 "));
}

#[test]
fn an_unknown_action_is_named() {
    let mut bytes = encode(100, &[route("GET", "/a", 0)]);
    bytes[37] = 7;
    assert_eq!(
        malformed(&bytes),
        "route 1 of 1 has the unknown action 7 (expected 0 or 1)"
    );
}

#[test]
fn strings_must_be_utf8() {
    let mut bytes = encode(100, &[route("GET", "/a", 0)]);
    bytes[24] = 0xff;
    assert_eq!(
        malformed(&bytes),
        "route 1 of 1 has its method not valid UTF-8"
    );
}

#[test]
fn bad_methods_and_patterns_are_refused() {
    assert_eq!(
        malformed(&encode(1, &[route("", "/a", 0)])),
        "route 1 of 1 has an empty method"
    );
    assert_eq!(
        malformed(&encode(
            1,
            &[route("GET", "/a", 0), route("GET", "/{rest...}/x", 1)]
        )),
        "route 2 of 2 has the path `/{rest...}/x`, which has a `{name...}` parameter that is not its last segment"
    );
    assert!(malformed(&encode(1, &[route("GET", "a", 0)])).contains("does not start with `/`"));
}

#[test]
fn garbage_after_the_magic_never_panics() {
    let mut state: u32 = 0x1234_5678;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let valid = encode(
        100,
        &[route("GET", "/a/{b}", 0), route("*", "/c/{d...}", 1)],
    );
    for _ in 0..2000 {
        let mut bytes = in_buffer(&valid);
        // Flip a few bytes of a valid table (past the magic), or fill it with noise.
        if next() % 4 == 0 {
            for b in &mut bytes[8..200] {
                *b = next() as u8;
            }
        } else {
            for _ in 0..1 + next() % 4 {
                let at = 8 + (next() as usize) % (valid.len() - 8);
                bytes[at] = next() as u8;
            }
        }
        if let Ok(table) = Table::parse(&bytes) {
            for route in table.routes() {
                let _ = route.middleware().count();
            }
            let _ = routing::route(&table, "GET", "/a/x");
        }
    }
}

// --- Patterns ---------------------------------------------------------------------------

#[test]
fn a_parameter_captures_one_non_empty_segment() {
    assert!(pattern::matches("/orders/{id}", "/orders/42"));
    assert_eq!(
        pattern::params("/orders/{id}/items/{item}", "/orders/42/items/7"),
        [
            ("id".to_string(), "42".to_string()),
            ("item".to_string(), "7".to_string())
        ]
    );
    assert!(!pattern::matches("/orders/{id}", "/orders/"));
    assert!(!pattern::matches("/orders/{id}", "/orders"));
    assert!(!pattern::matches("/orders/{id}", "/orders/42/items"));
    assert!(!pattern::matches("/orders/{id}", "/order/42"));
}

#[test]
fn a_trailing_slash_does_not_match() {
    assert!(!pattern::matches("/orders/{id}", "/orders/42/"));
    assert!(!pattern::matches("/health", "/health/"));
    assert!(!pattern::matches("/health/", "/health"));
    assert!(pattern::matches("/health/", "/health/"));
}

#[test]
fn the_root_matches_only_the_root() {
    assert!(pattern::matches("/", "/"));
    assert!(!pattern::matches("/", "/a"));
    assert!(!pattern::matches("/", ""));
    assert!(!pattern::matches("/a", "*"));
}

#[test]
fn a_rest_parameter_takes_the_remainder() {
    assert_eq!(
        pattern::params("/files/{rest...}", "/files/a/b/c.txt"),
        [("rest".to_string(), "a/b/c.txt".to_string())]
    );
    assert_eq!(
        pattern::params("/files/{rest...}", "/files/a/"),
        [("rest".to_string(), "a/".to_string())]
    );
    assert_eq!(
        pattern::params("/{all...}", "//x"),
        [("all".to_string(), "/x".to_string())]
    );
    assert!(!pattern::matches("/files/{rest...}", "/files/"));
    assert!(!pattern::matches("/files/{rest...}", "/files"));
    assert_eq!(
        pattern::params("/u/{user}/{path...}", "/u/ann/x/y"),
        [
            ("user".to_string(), "ann".to_string()),
            ("path".to_string(), "x/y".to_string())
        ]
    );
}

#[test]
fn captures_are_percent_decoded_literals_are_not() {
    assert_eq!(
        pattern::params("/orders/{id}", "/orders/a%2Fb%20c+d"),
        [("id".to_string(), "a/b c+d".to_string())]
    );
    assert_eq!(
        pattern::params("/f/{rest...}", "/f/x%2fy/%C3%A9"),
        [("rest".to_string(), "x/y/é".to_string())]
    );
    assert!(!pattern::matches("/a b", "/a%20b"));
    assert!(pattern::matches("/a%20b", "/a%20b"));
}

#[test]
fn no_params_when_there_is_no_match() {
    assert!(pattern::params("/a/{x}/b", "/a/1/c").is_empty());
}

#[test]
fn checks_patterns() {
    assert_eq!(pattern::check("/"), Ok(()));
    assert_eq!(pattern::check("/a/{b}/{c...}"), Ok(()));
    assert_eq!(pattern::check("a"), Err(Problem::NoLeadingSlash));
    assert_eq!(pattern::check(""), Err(Problem::NoLeadingSlash));
    assert_eq!(pattern::check("/{}"), Err(Problem::EmptyName));
    assert_eq!(pattern::check("/{...}"), Err(Problem::EmptyName));
    assert_eq!(pattern::check("/{a"), Err(Problem::StrayBrace));
    assert_eq!(pattern::check("/x{a}"), Err(Problem::StrayBrace));
    assert_eq!(pattern::check("/{a{b}"), Err(Problem::StrayBrace));
    assert_eq!(pattern::check("/{a...}/b"), Err(Problem::RestNotLast));
}

// --- Routing ----------------------------------------------------------------------------

#[test]
fn the_first_route_in_table_order_wins() {
    let bytes = encode(
        0,
        &[
            route("GET", "/orders/new", 0),
            route("GET", "/orders/{id}", 1),
            route("*", "/orders/{id}", 2),
        ],
    );
    let table = Table::parse(&bytes).unwrap();
    assert_eq!(routed(&table, "GET", "/orders/new"), Ok(0));
    assert_eq!(routed(&table, "GET", "/orders/7"), Ok(1));
    assert_eq!(routed(&table, "DELETE", "/orders/7"), Ok(2));
    assert_eq!(routed(&table, "PATCH", "/orders/new"), Ok(2));
}

#[test]
fn methods_are_matched_exactly() {
    let table = encode(0, &[route("GET", "/a", 0)]);
    let table = Table::parse(&table).unwrap();
    assert_eq!(routed(&table, "get", "/a"), Err("405 GET".to_string()));
}

#[test]
fn no_path_match_is_404_and_a_path_match_without_method_is_405() {
    let bytes = encode(
        0,
        &[
            route("GET", "/x", 0),
            route("POST", "/x", 1),
            route("GET", "/{any}", 2),
            route("DELETE", "/y", 3),
            route("PUT", "/x/{id}", 4),
        ],
    );
    let table = Table::parse(&bytes).unwrap();
    assert_eq!(
        routed(&table, "GET", "/nothing/here"),
        Err("404".to_string())
    );
    assert_eq!(
        routed(&table, "PUT", "/x"),
        Err("405 GET, POST".to_string())
    );
    assert_eq!(
        routed(&table, "POST", "/y"),
        Err("405 GET, DELETE".to_string())
    );
    assert_eq!(routed(&table, "POST", "/x"), Ok(1));
}

#[test]
fn a_fixed_response_is_a_route_too() {
    let bytes = encode(
        0,
        &[R {
            method: "GET",
            path: "/health",
            middleware: &[],
            action: A::Respond(200, &[], b"{}"),
        }],
    );
    let table = Table::parse(&bytes).unwrap();
    assert_eq!(
        routed(&table, "GET", "/health"),
        Err("respond 200".to_string())
    );
}

#[test]
fn the_allow_list_keeps_table_order_once_each() {
    assert_eq!(routing::allow_header(&["GET"]), "GET");
    assert_eq!(
        routing::allow_header(&["POST", "GET", "POST", "DELETE", "GET"]),
        "POST, GET, DELETE"
    );
}

// --- Text -------------------------------------------------------------------------------

#[test]
fn splits_the_target_at_the_first_question_mark() {
    assert_eq!(text::split_target("/a/b?x=1?y=2"), ("/a/b", "x=1?y=2"));
    assert_eq!(text::split_target("/a"), ("/a", ""));
    assert_eq!(text::split_target("/a?"), ("/a", ""));
    assert_eq!(text::split_target(""), ("", ""));
}

#[test]
fn percent_decoding() {
    assert_eq!(text::percent_decode("plain", false), "plain");
    assert_eq!(text::percent_decode("%41%62%2f%2F", false), "Ab//");
    assert_eq!(text::percent_decode("a+b", false), "a+b");
    assert_eq!(text::percent_decode("a+b%2B", true), "a b+");
    // Not an escape: kept as written.
    assert_eq!(text::percent_decode("100%", false), "100%");
    assert_eq!(text::percent_decode("%4", false), "%4");
    assert_eq!(text::percent_decode("%zz%", false), "%zz%");
    assert_eq!(text::percent_decode("%%41", false), "%A");
    // Not UTF-8: replaced, never an error.
    assert_eq!(text::percent_decode("a%FFb", false), "a\u{FFFD}b");
    assert_eq!(text::percent_decode("%C3%A9", false), "é");
}

#[test]
fn query_pairs() {
    let pairs = |q: &str| -> Vec<(String, String)> { text::parse_query(q) };
    let owned = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(pairs(""), owned(&[]));
    assert_eq!(
        pairs("a=1&flag&&c=x%20y+z&=v&k=&a=2"),
        owned(&[
            ("a", "1"),
            ("flag", ""),
            ("c", "x y z"),
            ("", "v"),
            ("k", ""),
            ("a", "2")
        ])
    );
    assert_eq!(pairs("a=b=c"), owned(&[("a", "b=c")]));
    assert_eq!(pairs("q=%26%3D&&"), owned(&[("q", "&=")]));
    assert_eq!(pairs("na+me=%E2%82%AC"), owned(&[("na me", "€")]));
}

#[test]
fn content_length_against_the_limit() {
    assert!(!text::content_length_exceeds(b"10", 10));
    assert!(text::content_length_exceeds(b"11", 10));
    assert!(text::content_length_exceeds(b" 11 ", 10));
    assert!(!text::content_length_exceeds(b"0", 0));
    assert!(text::content_length_exceeds(b"1", 0));
    assert!(text::content_length_exceeds(
        b"99999999999999999999999999",
        u32::MAX
    ));
    // Not a number: the body's real size decides.
    assert!(!text::content_length_exceeds(b"", 0));
    assert!(!text::content_length_exceeds(b"12abc", 0));
    assert!(!text::content_length_exceeds(b"-1", 0));
}

#[test]
fn json_strings_are_escaped_as_serde_json_does() {
    let json = |s: &str| {
        let mut out = String::new();
        text::push_json_string(&mut out, s);
        out
    };
    assert_eq!(json(""), r#""""#);
    assert_eq!(json("/a\"b\\c"), r#""/a\"b\\c""#);
    assert_eq!(json("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
    assert_eq!(json("\u{1}\u{1f}"), r#""\u0001\u001f""#);
    assert_eq!(json("é€\u{7f}/"), "\"é€\u{7f}/\"");
}

// --- The router's answers ---------------------------------------------------------------

#[test]
fn not_found_names_the_path() {
    let reply = Reply::not_found("/no\"pe");
    assert_eq!(reply.status, 404);
    assert_eq!(body(&reply), r#"{"error":"not-found","path":"/no\"pe"}"#);
    assert_eq!(header(&reply, "content-type"), ["application/json"]);
    assert_eq!(reply.headers.len(), 1);
}

#[test]
fn method_not_allowed_has_an_allow_header() {
    let reply = Reply::method_not_allowed("GET, POST");
    assert_eq!(reply.status, 405);
    assert_eq!(
        body(&reply),
        r#"{"error":"method-not-allowed","allow":"GET, POST"}"#
    );
    assert_eq!(header(&reply, "content-type"), ["application/json"]);
    assert_eq!(header(&reply, "allow"), ["GET, POST"]);
}

#[test]
fn payload_too_large_gives_the_limit_as_a_number() {
    let reply = Reply::payload_too_large(65536);
    assert_eq!(reply.status, 413);
    assert_eq!(
        body(&reply),
        r#"{"error":"payload-too-large","limit":65536}"#
    );
}

#[test]
fn table_problems_are_500s() {
    let reply = Reply::no_routes();
    assert_eq!(reply.status, 500);
    assert_eq!(
        body(&reply),
        r#"{"error":"no-routes","reason":"this router has no routing table (it must be linked by weld compose)"}"#
    );
    let reply = Reply::invalid_routes("route 1 of 1 has an empty method");
    assert_eq!(reply.status, 500);
    assert_eq!(
        body(&reply),
        r#"{"error":"invalid-routes","reason":"the routing table is malformed: route 1 of 1 has an empty method"}"#
    );
}

#[test]
fn invalid_responses_say_why() {
    assert_eq!(reply::check_status(100), Ok(()));
    assert_eq!(reply::check_status(599), Ok(()));
    assert!(reply::check_status(99).is_err());
    assert!(reply::check_status(600).is_err());
    let reason = reply::check_status(42).unwrap_err();
    let reply = Reply::invalid_response(&reason);
    assert_eq!(reply.status, 500);
    assert_eq!(
        body(&reply),
        r#"{"error":"invalid-response","reason":"status 42 is not a valid HTTP status"}"#
    );
    assert_eq!(
        body(&Reply::invalid_response(&reply::bad_header(
            "bad name", false
        ))),
        r#"{"error":"invalid-response","reason":"header `bad name` is not valid"}"#
    );
    assert_eq!(
        reply::bad_header("connection", true),
        "header `connection` is not allowed in a response"
    );
}

#[test]
fn unreadable_bodies_are_400s() {
    let reply = Reply::unreadable_body();
    assert_eq!(reply.status, 400);
    assert_eq!(
        body(&reply),
        r#"{"error":"bad-request","reason":"the request body could not be read"}"#
    );
}
