//! The responses the router makes itself (all compact JSON with
//! `content-type: application/json`), and the checks a response passes before it is
//! sent.

use alloc::{
    format,
    string::{String, ToString},
    vec,
    vec::Vec,
};

use crate::text::push_json_string;

/// A response to send, whoever made it: a stage, a route's fixed answer, or the router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply with this body.
    fn json(status: u16, body: Json) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".to_string(), "application/json".to_string())],
            body: body.finish().into_bytes(),
        }
    }

    /// A JSON reply `{"error":error,name:value,...}`, the values strings.
    fn error(status: u16, error: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .fold(Json::new().string("error", error), |body, (name, value)| {
                body.string(name, value)
            });
        Reply::json(status, body)
    }

    /// 404: no route has this path.
    pub fn not_found(path: &str) -> Reply {
        Reply::error(404, "not-found", &[("path", path)])
    }

    /// 405: the path's routes take only the methods in `allow`.
    pub fn method_not_allowed(allow: &str) -> Reply {
        let mut reply = Reply::error(405, "method-not-allowed", &[("allow", allow)]);
        reply.headers.push(("allow".to_string(), allow.to_string()));
        reply
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn payload_too_large(limit: u32) -> Reply {
        let body = Json::new()
            .string("error", "payload-too-large")
            .raw("limit", &limit.to_string());
        Reply::json(413, body)
    }

    /// 400: the request's body could not be read to its end.
    pub fn unreadable_body() -> Reply {
        Reply::error(
            400,
            "bad-request",
            &[("reason", "the request body could not be read")],
        )
    }

    /// 500: the router has no routing table.
    pub fn no_routes() -> Reply {
        Reply::error(
            500,
            "no-routes",
            &[(
                "reason",
                "this router has no routing table (it must be linked by weld compose)",
            )],
        )
    }

    /// 500: the routing table cannot be read.
    pub fn invalid_routes(reason: &str) -> Reply {
        Reply::error(
            500,
            "invalid-routes",
            &[(
                "reason",
                &format!("the routing table is malformed: {reason}"),
            )],
        )
    }

    /// 500: a stage (or a route's fixed answer) made a response that cannot be sent.
    pub fn invalid_response(reason: &str) -> Reply {
        Reply::error(500, "invalid-response", &[("reason", reason)])
    }
}

/// Why a status cannot be sent, if it cannot: HTTP's codes are 100 to 599.
pub fn check_status(status: u16) -> Result<(), String> {
    if (100..=599).contains(&status) {
        Ok(())
    } else {
        Err(format!("status {status} is not a valid HTTP status"))
    }
}

/// The reason for a header the host refused: `forbidden` when it is one a component may
/// not set (`connection`, `host`, ...), otherwise its name or value is not valid.
pub fn bad_header(name: &str, forbidden: bool) -> String {
    if forbidden {
        format!("header `{name}` is not allowed in a response")
    } else {
        format!("header `{name}` is not valid")
    }
}

/// A compact JSON object, written field by field.
struct Json(String);

impl Json {
    fn new() -> Json {
        Json(String::from("{"))
    }

    /// Adds `name: value` with `value` already JSON.
    fn raw(mut self, name: &str, value: &str) -> Json {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, name);
        self.0.push(':');
        self.0.push_str(value);
        self
    }

    /// Adds `name: "value"`.
    fn string(mut self, name: &str, value: &str) -> Json {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, name);
        self.0.push(':');
        push_json_string(&mut self.0, value);
        self
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}
