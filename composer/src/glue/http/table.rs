//! The routing table the prebuilt router reads (format in composer/glue/README.md).
//!
//! Binary rather than JSON: a new instance serves each request, so the router walks
//! the table in place on every one, and a length-prefixed layout needs no parser.

use crate::manifest::{Action, Http, StageName};

const MAGIC: &[u8; 8] = b"WELDHTTP";
const VERSION: u32 = 1;

/// `http` as the router's table. Handlers and middleware are numbered by
/// [`Http::handlers`] and [`Http::middleware`], the order of the generated imports.
pub fn encode(http: &Http) -> Vec<u8> {
    let handlers = http.handlers();
    let middleware = http.middleware();
    let index = |list: &[&StageName], stage: &StageName| {
        u32::try_from(
            list.iter()
                .position(|s| *s == stage)
                .expect("numbered above"),
        )
        .expect("fewer than 2^32 stages")
    };
    let mut out = Table(Vec::new());
    out.0.extend_from_slice(MAGIC);
    out.u32(VERSION);
    out.u32(http.max_body);
    out.len(http.routes.len());
    for route in &http.routes {
        out.str(&route.method);
        out.str(&route.path);
        out.len(route.middleware.len());
        for stage in &route.middleware {
            out.u32(index(&middleware, stage));
        }
        match &route.action {
            Action::Handler(stage) => {
                out.0.push(0);
                out.u32(index(&handlers, stage));
            }
            Action::Respond {
                status,
                headers,
                body,
            } => {
                out.0.push(1);
                out.0.extend_from_slice(&status.to_le_bytes());
                out.len(headers.len());
                for (name, value) in headers {
                    out.str(name);
                    out.str(value);
                }
                out.str(body);
            }
        }
    }
    out.0
}

struct Table(Vec<u8>);

impl Table {
    fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("a pipeline's lists fit in 32 bits"));
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Route;

    fn stage(name: &str) -> StageName {
        name.parse().unwrap()
    }

    #[test]
    fn numbers_stages_by_first_use_and_lays_out_fields() {
        let http = Http {
            max_body: 65536,
            routes: vec![
                Route {
                    method: "GET".into(),
                    path: "/a/{id}".into(),
                    middleware: vec![stage("auth")],
                    action: Action::Handler(stage("b")),
                },
                Route {
                    method: "*".into(),
                    path: "/h".into(),
                    middleware: vec![],
                    action: Action::Respond {
                        status: 204,
                        headers: vec![("x".into(), "y".into())],
                        body: "ok".into(),
                    },
                },
            ],
        };
        let mut want = b"WELDHTTP".to_vec();
        for n in [1u32, 65536, 2, 3] {
            want.extend_from_slice(&n.to_le_bytes());
        }
        want.extend_from_slice(b"GET");
        want.extend_from_slice(&7u32.to_le_bytes());
        want.extend_from_slice(b"/a/{id}");
        want.extend_from_slice(&1u32.to_le_bytes()); // one middleware
        want.extend_from_slice(&0u32.to_le_bytes()); // auth = 0
        want.push(0); // handler
        want.extend_from_slice(&0u32.to_le_bytes()); // b = 0
        want.extend_from_slice(&1u32.to_le_bytes());
        want.extend_from_slice(b"*");
        want.extend_from_slice(&2u32.to_le_bytes());
        want.extend_from_slice(b"/h");
        want.extend_from_slice(&0u32.to_le_bytes());
        want.push(1);
        want.extend_from_slice(&204u16.to_le_bytes());
        want.extend_from_slice(&1u32.to_le_bytes());
        for s in ["x", "y", "ok"] {
            want.extend_from_slice(&(s.len() as u32).to_le_bytes());
            want.extend_from_slice(s.as_bytes());
        }
        assert_eq!(encode(&http), want);
    }
}
