//! `http:`: routes and middleware, served by a component Weld generates.
//!
//! ```yaml
//! http:
//!   max-body: 64KiB                     # 413 past it (default 1MiB)
//!   middleware: [auth]                  # before every route, in order
//!   routes:
//!     - { method: POST, path: /orders/{id}, handler: orders }
//!     - { method: GET, path: /health, middleware: [], respond: { status: 200, body: ok } }
//! ```
//!
//! The section becomes a stage of its own, [`HTTP_STAGE`], whose imports are wired to
//! the handler and middleware stages (see [`crate::glue::http`]); everything after the
//! manifest (wiring, types, graph, link) treats it as any prebuilt stage.

use indexmap::IndexMap;
use serde::Deserialize;

use super::{ImportSource, Stage, StageName, Target};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};

/// The name of the stage the `http:` section becomes; `weld-` names are reserved.
pub const HTTP_STAGE: &str = "weld-http";

/// The interface a handler stage exports (any 0.1 version).
pub const HANDLER_INTERFACE: &str = "weld:http/handler";

/// The interface a middleware stage exports (any 0.1 version).
pub const MIDDLEWARE_INTERFACE: &str = "weld:http/middleware";

/// The default body limit: 1 MiB.
pub const DEFAULT_MAX_BODY: u32 = 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawHttp {
    max_body: Option<serde_yaml::Value>,
    #[serde(default)]
    middleware: Vec<StageName>,
    routes: Vec<RawRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRoute {
    method: String,
    path: String,
    handler: Option<StageName>,
    respond: Option<RawRespond>,
    middleware: Option<Vec<StageName>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRespond {
    #[serde(default = "ok_status")]
    status: u16,
    #[serde(default)]
    headers: IndexMap<String, String>,
    #[serde(default)]
    body: String,
}

fn ok_status() -> u16 {
    200
}

/// The `http:` section, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Http {
    /// Requests with a larger body are answered 413.
    pub max_body: u32,
    /// The routes, in the order they are tried.
    pub routes: Vec<Route>,
}

/// One route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The method, uppercase, or `*` for any.
    pub method: String,
    /// The path pattern: literal segments, `{name}`, and a last `{name...}`.
    pub path: String,
    /// The middleware stages that run first, in order.
    pub middleware: Vec<StageName>,
    /// What answers.
    pub action: Action,
}

/// What answers a route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// A stage exporting `weld:http/handler`.
    Handler(StageName),
    /// A fixed response.
    Respond {
        /// The status.
        status: u16,
        /// The headers, in order.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
}

impl Http {
    /// The handler stages, each once, in route order: their index is what the
    /// generated router calls them by.
    pub fn handlers(&self) -> Vec<&StageName> {
        let mut out: Vec<&StageName> = Vec::new();
        for route in &self.routes {
            if let Action::Handler(stage) = &route.action
                && !out.contains(&stage)
            {
                out.push(stage);
            }
        }
        out
    }

    /// The middleware stages, each once, in route order.
    pub fn middleware(&self) -> Vec<&StageName> {
        let mut out: Vec<&StageName> = Vec::new();
        for stage in self.routes.iter().flat_map(|r| &r.middleware) {
            if !out.contains(&stage) {
                out.push(stage);
            }
        }
        out
    }

    /// The generated stage's import for handler `stage`.
    pub fn handler_import(stage: &StageName) -> String {
        format!("handler-{stage}")
    }

    /// The generated stage's import for middleware `stage`.
    pub fn middleware_import(stage: &StageName) -> String {
        format!("middleware-{stage}")
    }

    /// The stage the section becomes: a prebuilt component (generated at build time)
    /// whose imports name the handler and middleware stages' exports.
    pub(super) fn stage(&self, dir: &std::path::Path) -> Stage {
        let mut imports = IndexMap::new();
        for stage in self.middleware() {
            imports.insert(
                Self::middleware_import(stage),
                ImportSource::Stage(Target {
                    stage: stage.clone(),
                    export: Some(MIDDLEWARE_INTERFACE.to_string()),
                }),
            );
        }
        for stage in self.handlers() {
            imports.insert(
                Self::handler_import(stage),
                ImportSource::Stage(Target {
                    stage: stage.clone(),
                    export: Some(HANDLER_INTERFACE.to_string()),
                }),
            );
        }
        Stage::generated(
            HTTP_STAGE,
            dir,
            imports,
            super::Generated::Http(self.clone()),
        )
    }
}

impl super::Manifest {
    /// Reads `http:`, reporting every problem at its place.
    pub(super) fn read_http(&self, raw: RawHttp, diags: &mut Diagnostics) -> Option<Http> {
        let src = &self.source;
        let at = |path: &[&str]| {
            let mut full = vec!["http"];
            full.extend_from_slice(path);
            self.locator.value(&full)
        };
        let before = diags.0.len();
        let stage_names: Vec<&str> = self.stages.keys().map(StageName::as_str).collect();
        let unknown_stage = |stage: &StageName, path: &[&str], role: &str| {
            if self.stages.contains_key(stage) {
                return None;
            }
            let mut d = Diagnostic::error(format!("{role} `{stage}` is not a stage")).at_opt(
                src,
                at(path),
                "no such stage",
            );
            if let Some(help) = did_you_mean(stage.as_str(), stage_names.iter().copied()) {
                d = d.help(help);
            }
            Some(d)
        };

        let max_body = match &raw.max_body {
            None => DEFAULT_MAX_BODY,
            Some(value) => {
                let text = match value {
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                match weld_shim::limits::parse_size(&text)
                    .ok()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                {
                    Some(n) => n,
                    None => {
                        diags.push(
                            Diagnostic::error(format!("`{text}` is not a body size limit"))
                                .at_opt(src, at(&["max-body"]), "")
                                .help("give bytes or a size below 4 GiB, e.g. `65536`, `64KiB`, `1MiB`"),
                        );
                        DEFAULT_MAX_BODY
                    }
                }
            }
        };
        for (i, stage) in raw.middleware.iter().enumerate() {
            diags.0.extend(unknown_stage(
                stage,
                &["middleware", &i.to_string()],
                "middleware",
            ));
        }
        if raw.routes.is_empty() {
            diags.push(
                Diagnostic::error("`http:` has no routes")
                    .at_opt(src, self.locator.key(&["http", "routes"]), "")
                    .help("add routes, e.g. `- { method: GET, path: /hello, handler: hello }`"),
            );
        }

        let mut routes = Vec::new();
        let mut seen: IndexMap<(String, String), usize> = IndexMap::new();
        for (i, raw_route) in raw.routes.into_iter().enumerate() {
            let index = i.to_string();
            let field = |name: &'static str| ["routes", index.as_str(), name];
            let method = raw_route.method.trim().to_string();
            if !(method == "*"
                || (!method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase())))
            {
                diags.push(
                    Diagnostic::error(format!("`{method}` is not an HTTP method"))
                        .at_opt(src, at(&field("method")), "")
                        .help(if method.bytes().any(|b| b.is_ascii_lowercase()) {
                            format!("methods are uppercase: `{}`", method.to_ascii_uppercase())
                        } else {
                            "e.g. `GET`, `POST`, or `*` for any method".to_string()
                        }),
                );
            }
            if let Err(problem) = check_pattern(&raw_route.path) {
                diags.push(
                    Diagnostic::error(format!("`{}` is not a route path: {problem}", raw_route.path))
                        .at_opt(src, at(&field("path")), "")
                        .help("paths start with `/`; `{name}` matches one segment and a last `{name...}` the rest, e.g. `/orders/{id}`"),
                );
            }
            if let Some(first) = seen.get(&(method.clone(), raw_route.path.clone())) {
                diags.push(
                    Diagnostic::error(format!(
                        "route `{method} {}` is defined twice",
                        raw_route.path
                    ))
                    .at_opt(src, at(&field("path")), "never reached")
                    .note(
                        match self
                            .locator
                            .value(&["http", "routes", &first.to_string(), "path"])
                        {
                            Some(span) => format!(
                                "the route on line {} answers it first",
                                src.line_col(span.start).0
                            ),
                            None => format!("route {first} answers it first"),
                        },
                    )
                    .help("remove one of them"),
                );
            } else {
                seen.insert((method.clone(), raw_route.path.clone()), i);
            }
            let middleware = match raw_route.middleware {
                Some(list) => {
                    for (j, stage) in list.iter().enumerate() {
                        diags.0.extend(unknown_stage(
                            stage,
                            &["routes", &index, "middleware", &j.to_string()],
                            "middleware",
                        ));
                    }
                    list
                }
                None => raw.middleware.clone(),
            };
            let action = match (raw_route.handler, raw_route.respond) {
                (Some(stage), None) => {
                    diags
                        .0
                        .extend(unknown_stage(&stage, &field("handler"), "handler"));
                    Action::Handler(stage)
                }
                (None, Some(respond)) => {
                    if !(100..=599).contains(&respond.status) {
                        diags.push(
                            Diagnostic::error(format!("{} is not an HTTP status", respond.status))
                                .at_opt(src, at(&["routes", &index, "respond", "status"]), "")
                                .help("use a status from 100 to 599"),
                        );
                    }
                    Action::Respond {
                        status: respond.status,
                        headers: respond.headers.into_iter().collect(),
                        body: respond.body,
                    }
                }
                (handler, _) => {
                    diags.push(
                        Diagnostic::error(format!(
                            "route `{method} {}` needs exactly one of `handler` and `respond`",
                            raw_route.path
                        ))
                        .at_opt(src, self.locator.key(&["http", "routes", &index]).or(at(&field("path"))), if handler.is_some() { "both given" } else { "neither given" })
                        .help("`handler: <stage>` calls a stage exporting `weld:http/handler`; `respond: { status, headers, body }` answers with a fixed response"),
                    );
                    continue;
                }
            };
            routes.push(Route {
                method,
                path: raw_route.path,
                middleware,
                action,
            });
        }
        (diags.0.len() == before).then_some(Http { max_body, routes })
    }
}

/// Why `path` is not a route pattern.
fn check_pattern(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("it does not start with `/`".to_string());
    }
    if path.contains(['?', '#']) {
        return Err("a query or fragment is not part of a route".to_string());
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut names = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            if segment.contains(['{', '}']) {
                return Err(format!(
                    "`{segment}`: a parameter is a whole segment, `{{name}}`"
                ));
            }
            continue;
        };
        let (name, rest) = match inner.strip_suffix("...") {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if rest && i + 1 != segments.len() {
            return Err(format!(
                "`{segment}` takes the rest of the path, so it must come last"
            ));
        }
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!(
                "`{segment}`: parameter names are letters, digits, `-` and `_`"
            ));
        }
        if names.contains(&name) {
            return Err(format!("parameter `{name}` appears twice"));
        }
        names.push(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_pattern;

    #[test]
    fn patterns() {
        for ok in [
            "/",
            "/health",
            "/orders/{id}",
            "/files/{rest...}",
            "/a/{x}/b/{y_2}",
        ] {
            assert!(check_pattern(ok).is_ok(), "{ok}");
        }
        for bad in [
            "health",
            "/a?b=1",
            "/x{id}",
            "/{rest...}/x",
            "/{}",
            "/{a}/{a}",
            "/{a b}",
        ] {
            assert!(check_pattern(bad).is_err(), "{bad}");
        }
    }
}
