//! `pipeline.yaml`, version 1: reading, validating and locating.
//!
//! Text enters as a file path and leaves as a [`Manifest`]: stages in the order the file
//! lists them, paths resolved against the file's folder, and a [`Locator`] so that later
//! steps can point their diagnostics at the key or value they are about. The schema is
//! strict: unknown keys, duplicate keys, bad names and tabs are errors with a position.

mod flows;
mod grants;
mod http;
mod locate;
mod names;

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use indexmap::IndexMap;
use serde::{Deserialize, de};

pub use flows::{FLOW_STAGE, Flow, Flows, Step};
pub use grants::{ConfigKey, FileGrant, StageGrants};
pub use http::{
    Action, DEFAULT_MAX_BODY, HANDLER_INTERFACE, HTTP_STAGE, Http, MIDDLEWARE_INTERFACE, Route,
};
pub use locate::Locator;
pub use names::{HOST, Init, JsEngine, Lang, StageName, WarmUp, names_match, unversioned};

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};

/// The only pipeline format version this Weld reads.
pub const VERSION: u32 = 1;

/// A parsed and validated pipeline.
#[derive(Debug)]
pub struct Manifest {
    /// The pipeline file.
    pub path: PathBuf,
    /// The folder relative paths are resolved against.
    pub dir: PathBuf,
    /// The file's text, for diagnostics.
    pub source: Arc<SourceFile>,
    /// Where each key and value is.
    pub locator: Locator,
    /// The pipeline's name (`name:`, or the folder's name).
    pub name: String,
    /// The WIT directory (`wit:`), resolved.
    pub wit: Option<PathBuf>,
    /// The stages, in file order.
    pub stages: IndexMap<StageName, Stage>,
    /// Non-WASI imports deliberately left to the host.
    pub host_imports: Vec<String>,
    /// What the composed component exports: export name -> where it comes from.
    pub exports: IndexMap<String, Target>,
    /// The routes served by generated HTTP glue (`http:`), which is also the stage
    /// [`HTTP_STAGE`].
    pub http: Option<Http>,
    /// The flows (`flows:`), which are also the stage [`FLOW_STAGE`].
    pub flows: Option<Flows>,
}

/// One stage of a pipeline.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's name.
    pub name: StageName,
    /// The language, which picks the builder.
    pub lang: Lang,
    /// The source (crate dir, Go module dir, `.js` entry, or component), resolved.
    pub path: PathBuf,
    /// The world the stage targets, for source stages.
    pub world: Option<String>,
    /// Explicit wiring of imports: import name -> a stage's export, or the host.
    pub imports: IndexMap<String, ImportSource>,
    /// What it may reach beyond the ambient set (`grants:`), its configuration
    /// keys (`config:`), and whether it is declared `stateless:`; all of it is
    /// recorded in the artifact for the host.
    pub grants: StageGrants,
    /// How its instances start (`init:`).
    pub init: Init,
    /// The engine of a JS stage (`engine:`); `None` for other languages.
    pub engine: Option<JsEngine>,
    /// What runs before the stage's snapshot is taken (`warm-up:`).
    pub warm_up: Option<WarmUp>,
    /// Set for a stage Weld generates from the pipeline (`lang` is then `wasm`).
    pub generated: Option<Generated>,
}

impl Stage {
    /// The stage Weld generates from a section of the pipeline, named `name`.
    fn generated(
        name: &str,
        dir: &Path,
        imports: IndexMap<String, ImportSource>,
        generated: Generated,
    ) -> Stage {
        Stage {
            name: StageName::try_from(name.to_string()).expect("a valid name"),
            lang: Lang::Wasm,
            // Where the build writes it (in the default work folder), for messages.
            path: dir
                .join(".weld")
                .join("generated")
                .join(format!("{name}.wasm")),
            world: None,
            imports,
            // Weld's glue keeps nothing between calls (its heap is reset after each).
            grants: StageGrants {
                stateless: true,
                ..Default::default()
            },
            init: Init::default(),
            engine: None,
            warm_up: None,
            generated: Some(generated),
        }
    }
}

/// What a generated stage is made from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Generated {
    /// The HTTP glue of the `http:` section.
    Http(Http),
    /// The flows of the `flows:` section.
    Flows(Flows),
}

/// Names Weld gives the components it generates (`weld-http`, `weld-guard`).
const RESERVED_PREFIX: &str = "weld-";

/// Where an explicitly wired import comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// An export of another stage.
    Stage(Target),
    /// The host (`host`), even when a stage exports the same name.
    Host,
}

impl<'de> Deserialize<'de> for ImportSource {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `host` is checked before the name is read as a stage name, which rejects it.
        let value = serde_yaml::Value::deserialize(d)?;
        if value.as_str() == Some(HOST) {
            return Ok(ImportSource::Host);
        }
        Target::deserialize(value)
            .map(ImportSource::Stage)
            .map_err(de::Error::custom)
    }
}

/// Where an import or export is satisfied from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The stage providing it.
    pub stage: StageName,
    /// The export of that stage, when named explicitly (long form).
    pub export: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.export {
            Some(export) => write!(f, "{}.{export}", self.stage),
            None => write!(f, "{}", self.stage),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawManifest {
    #[expect(dead_code, reason = "checked while deserializing")]
    version: Version,
    name: Option<String>,
    wit: Option<PathBuf>,
    stages: IndexMap<StageName, RawStage>,
    #[serde(default)]
    host_imports: Vec<String>,
    #[serde(default)]
    exports: IndexMap<String, Target>,
    http: Option<http::RawHttp>,
    // Read by hand: its keys are interface functions and its steps maps keyed by
    // stage functions.
    flows: Option<serde_yaml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStage {
    lang: Lang,
    path: PathBuf,
    world: Option<String>,
    #[serde(default)]
    imports: IndexMap<String, ImportSource>,
    grants: Option<grants::RawGrants>,
    #[serde(default)]
    config: IndexMap<String, grants::RawConfig>,
    init: Option<Init>,
    engine: Option<JsEngine>,
    warm_up: Option<WarmUp>,
    #[serde(default)]
    stateless: bool,
}

/// `version:`, checked while parsing so a newer file fails with a clear message.
struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        if v == u64::from(VERSION) {
            Ok(Version)
        } else {
            Err(de::Error::custom(format!(
                "unsupported pipeline version {v}: this Weld reads version {VERSION}"
            )))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongTarget {
    stage: StageName,
    export: String,
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Target;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a stage name, `{ stage: NAME, export: EXPORT }`, or `host` (in `imports:`)",
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Target, E> {
                let stage = StageName::try_from(v.to_string()).map_err(E::custom)?;
                Ok(Target {
                    stage,
                    export: None,
                })
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Target, A::Error> {
                let long = LongTarget::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Target {
                    stage: long.stage,
                    export: Some(long.export),
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Manifest {
    /// Reads and validates the pipeline at `path`.
    pub fn load(path: &Path) -> Result<Manifest, Diagnostics> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(format!("cannot read pipeline `{}`: {e}", path.display()))
                .help("pass the path of a pipeline.yaml file")
        })?;
        Self::parse(path, text)
    }

    /// Validates the pipeline `text`, read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Manifest, Diagnostics> {
        let source = SourceFile::new(path, text);
        let text = source.text.as_str();

        if let Some(d) = find_tab_indentation(&source) {
            return Err(d.into());
        }

        let locator = Locator::new(text);
        let mut diags = Diagnostics::default();
        for dup in locator.duplicates() {
            let (line, _) = source.line_col(dup.first.start);
            let message = if dup.parent == ["stages"] {
                format!("stage `{}` is defined twice", dup.key)
            } else {
                format!("duplicate key `{}`", dup.key)
            };
            diags.push(
                Diagnostic::error(message)
                    .at(&source, dup.second, "defined again here")
                    .note(format!("first defined on line {line}"))
                    .help("each key may appear once; remove or rename one of them"),
            );
        }
        if diags.has_errors() {
            return Err(diags);
        }

        let raw: RawManifest = serde_yaml::from_str(text).map_err(|e| yaml_error(&source, &e))?;

        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let name = raw.name.clone().unwrap_or_else(|| {
            std::fs::canonicalize(&dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "pipeline".to_string())
        });

        let mut manifest = Manifest {
            path: path.to_path_buf(),
            wit: raw.wit.map(|w| dir.join(w)),
            stages: raw
                .stages
                .into_iter()
                .map(|(name, s)| {
                    let stage = Stage {
                        name: name.clone(),
                        lang: s.lang,
                        path: dir.join(s.path),
                        world: s.world,
                        imports: s.imports,
                        grants: grants::stage_grants(s.grants, s.config, s.stateless),
                        init: s.init.unwrap_or_default(),
                        engine: s
                            .engine
                            .or((s.lang == Lang::Js).then_some(JsEngine::default())),
                        warm_up: s.warm_up,
                        generated: None,
                    };
                    (name, stage)
                })
                .collect(),
            host_imports: raw.host_imports,
            exports: raw.exports,
            http: None,
            flows: None,
            dir,
            source,
            locator,
            name,
        };
        let mut diags = match raw.http {
            Some(raw) => manifest.add_http(raw),
            None => Diagnostics::default(),
        };
        if let Some(raw) = &raw.flows {
            diags.extend(manifest.add_flows(raw));
        }
        if let Err(more) = manifest.validate() {
            diags.extend(more);
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(manifest)
    }

    /// Reads `http:` and adds the stage it becomes, and that stage's export of
    /// `wasi:http/incoming-handler`.
    fn add_http(&mut self, raw: http::RawHttp) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let http = self.read_http(raw, &mut diags);
        if let Some(name) = self
            .exports
            .keys()
            .find(|e| unversioned(e) == "wasi:http/incoming-handler")
        {
            diags.push(
                Diagnostic::error(format!("`{name}` is exported, and `http:` exports it too"))
                    .at_opt(&self.source, self.locator.key(&["exports", name]), "")
                    .note("the component Weld generates for `http:` exports `wasi:http/incoming-handler`")
                    .help("remove this export to serve the routes of `http:`, or remove `http:` to serve this stage"),
            );
        }
        let Some(http) = http.filter(|_| !diags.has_errors()) else {
            return diags;
        };
        let stage = http.stage(&self.dir);
        if self.stages.contains_key(&stage.name) {
            // A stage of the user's has the name: `validate` says it is reserved.
            return diags;
        }
        self.exports.insert(
            "wasi:http/incoming-handler".to_string(),
            Target {
                stage: stage.name.clone(),
                export: None,
            },
        );
        self.stages.insert(stage.name.clone(), stage);
        self.http = Some(http);
        diags
    }

    /// Reads `flows:` and adds the stage it becomes, which then exports the flows'
    /// interfaces in place of the stages `exports:` names for them.
    fn add_flows(&mut self, raw: &serde_yaml::Value) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let Some(flows) = self.read_flows(raw, &mut diags) else {
            return diags;
        };
        let stage = flows.stage(&self.dir);
        if self.stages.contains_key(&stage.name) {
            // A stage of the user's has the name: `validate` says it is reserved.
            return diags;
        }
        let target = Target {
            stage: stage.name.clone(),
            export: None,
        };
        for flow in &flows.flows {
            match self
                .exports
                .iter_mut()
                .find(|(e, _)| names_match(e, &flow.interface) || names_match(&flow.interface, e))
            {
                Some((_, t)) => *t = target.clone(),
                None => {
                    self.exports.insert(flow.interface.clone(), target.clone());
                }
            }
        }
        self.stages.insert(stage.name.clone(), stage);
        self.flows = Some(flows);
        diags
    }

    /// Checks what serde cannot: worlds where they are needed, and a WIT directory.
    fn validate(&self) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::default();
        if self.stages.is_empty() {
            diags.push(
                Diagnostic::error("the pipeline has no stages")
                    .at_opt(
                        &self.source,
                        self.locator.key(&["stages"]),
                        "no stages here",
                    )
                    .help("add at least one stage under `stages:`"),
            );
        }
        // The name becomes file and folder names (`build/<name>.wasm`, the build
        // cache): nothing that could leave or confuse a path.
        let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.locator.value(&["name"]).is_some()
            && (self.name.is_empty() || self.name.starts_with('.') || !self.name.chars().all(safe))
        {
            diags.push(
                Diagnostic::error(format!("invalid pipeline name `{}`", self.name))
                    .at_opt(&self.source, self.locator.value(&["name"]), "")
                    .note("the name is used for the artifact's file name, `build/<name>.wasm`")
                    .help("use letters, digits, `-`, `_` and `.`, not starting with `.` (e.g. `edge-api`)"),
            );
        }
        if self.exports.is_empty()
            && self.locator.key(&["http"]).is_none()
            && self.locator.key(&["flows"]).is_none()
        {
            diags.push(
                Diagnostic::error("the pipeline exports nothing")
                    .at_opt(&self.source, self.locator.key(&["exports"]), "")
                    .help("list what the composed component exports under `exports:`, or serve routes with `http:`"),
            );
        }
        for stage in self.stages.values() {
            let name = stage.name.as_str();
            if stage.generated.is_none() && name.starts_with(RESERVED_PREFIX) {
                diags.push(
                    Diagnostic::error(format!("stage name `{name}` is reserved"))
                        .at_opt(&self.source, self.locator.key(&["stages", name]), "")
                        .note(format!("names starting with `{RESERVED_PREFIX}` are those of the components Weld generates"))
                        .help("rename the stage"),
                );
            }
            match (stage.lang, &stage.world) {
                (Lang::Wasm, _) | (_, Some(_)) => {}
                (lang, None) => diags.push(
                    Diagnostic::error(format!("stage `{name}` has no `world`"))
                        .at_opt(&self.source, self.locator.key(&["stages", name]), "")
                        .note(format!("a `{lang}` stage is built from source against a WIT world"))
                        .help("add `world: <package>/<world>` naming a world in the pipeline's `wit` directory"),
                ),
            }
            if stage.lang != Lang::Wasm && stage.world.is_some() && self.wit.is_none() {
                diags.push(
                    Diagnostic::error(format!(
                        "stage `{name}` names a world but the pipeline has no `wit` directory"
                    ))
                    .at_opt(
                        &self.source,
                        self.locator.value(&["stages", name, "world"]),
                        "",
                    )
                    .help(
                        "add `wit: <dir>` at the top of the pipeline, pointing at the WIT package",
                    ),
                );
            }
        }
        self.validate_grants(&mut diags);
        self.validate_start(&mut diags);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// Checks `init:` and `engine:` against the stage's language and grants.
    fn validate_start(&self, diags: &mut Diagnostics) {
        let src = &self.source;
        for stage in self.stages.values() {
            let name = stage.name.as_str();
            let at = |field: &str| self.locator.value(&["stages", name, field]);
            if self.locator.value(&["stages", name, "engine"]).is_some() && stage.lang != Lang::Js {
                diags.push(
                    Diagnostic::error(format!(
                        "stage `{name}`: `engine` applies to js stages, and this one is {}",
                        stage.lang
                    ))
                    .at_opt(src, at("engine"), "")
                    .help("remove `engine:`, or make the stage `lang: js`"),
                );
            }
            // Which stages can be built from a snapshot of their start-up.
            let snapshot_only = stage.lang == Lang::Js;
            let snapshot_ok = matches!(stage.lang, Lang::Go | Lang::Js);
            if self.locator.value(&["stages", name, "init"]).is_some() {
                let problem = match stage.init {
                    Init::Start if snapshot_only => Some((
                        format!("stage `{name}`: js stages are always built from a snapshot"),
                        "the engine is pre-initialized at build time, with the stage's module already evaluated".to_string(),
                    )),
                    Init::Snapshot if !snapshot_ok => Some((
                        format!(
                            "stage `{name}`: `init: snapshot` applies to go and js stages, and this one is {}",
                            stage.lang
                        ),
                        if stage.lang == Lang::Rust {
                            "a Rust stage's start-up is its constructors; there is no runtime to start".to_string()
                        } else {
                            "a prebuilt component is used as it is".to_string()
                        },
                    )),
                    _ => None,
                };
                if let Some((message, note)) = problem {
                    diags.push(
                        Diagnostic::error(message)
                            .at_opt(src, at("init"), "")
                            .note(note)
                            .help("remove `init:`"),
                    );
                    continue;
                }
            }
            self.validate_warm_up(stage, diags);
            if stage.lang != Lang::Go || stage.init != Init::Snapshot {
                continue;
            }
            // The Go runtime reads these once, while it starts: in a snapshot they would
            // be those of the build, not of the instance.
            let g = &stage.grants;
            let frozen: Vec<&str> = [
                (!g.env.is_empty()).then_some("env"),
                g.args.then_some("args"),
                (!g.files.is_empty()).then_some("files"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if let Some(first) = frozen.first() {
                diags.push(
                    Diagnostic::error(format!(
                        "stage `{name}`: `init: snapshot` cannot be combined with {}",
                        match frozen.as_slice() {
                            [one] => format!("the `{one}` grant"),
                            [first @ .., last] => format!(
                                "the {} and `{last}` grants",
                                first.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                            ),
                            [] => unreachable!("checked above"),
                        }
                    ))
                    .at_opt(
                        src,
                        self.locator.value(&["stages", name, "grants", first]),
                        "read once, while the Go runtime starts",
                    )
                    .note("Go reads its environment, arguments and preopened directories at start-up; a snapshot would keep the build's (none) for every instance")
                    .help("use `init: start` for this stage, or pass such values as `config:` keys, which are read per call"),
                );
            }
        }
    }

    /// Checks `warm-up:`: calls run before the snapshot are kept in every instance, so
    /// only a stage declared to keep nothing between calls may run them, and only on
    /// the engine whose snapshot Weld takes after the module (QuickJS).
    fn validate_warm_up(&self, stage: &Stage, diags: &mut Diagnostics) {
        let Some(warm_up) = stage.warm_up else {
            return;
        };
        let name = stage.name.as_str();
        let at = self.locator.value(&["stages", name, "warm-up"]);
        let problem = if stage.lang != Lang::Js {
            Some((
                format!(
                    "stage `{name}`: `warm-up` applies to js stages, and this one is {}",
                    stage.lang
                ),
                "remove `warm-up:`".to_string(),
            ))
        } else if stage.engine != Some(JsEngine::Quickjs) {
            Some((
                format!("stage `{name}`: `warm-up` needs `engine: quickjs`"),
                "remove `engine: spidermonkey`, or remove `warm-up:`".to_string(),
            ))
        } else if !stage.grants.stateless {
            Some((
                format!(
                    "stage `{name}`: `warm-up: {}` needs a stage declared `stateless: true`",
                    warm_up.as_str()
                ),
                "add `stateless: true` if the stage keeps nothing from one call to the next, or remove `warm-up:`".to_string(),
            ))
        } else if !stage.grants.config.is_empty() {
            Some((
                format!("stage `{name}`: `warm-up` cannot be combined with `config:`"),
                "remove `warm-up:`: configuration is supplied when the artifact runs, so it is not there for calls made while the stage is built".to_string(),
            ))
        } else {
            None
        };
        if let Some((message, help)) = problem {
            diags.push(
                Diagnostic::error(message)
                    .at_opt(&self.source, at, "")
                    .note("the calls run once while the stage is built, and every instance starts from the memory they leave")
                    .help(help),
            );
        }
    }

    /// Checks the values of every `grants:` and `config:`.
    fn validate_grants(&self, diags: &mut Diagnostics) {
        let src = &self.source;
        let mut guest_dirs: IndexMap<&str, (&str, bool)> = IndexMap::new();
        for stage in self.stages.values() {
            let name = stage.name.as_str();
            let g = &stage.grants;
            let at = |field: &str| self.locator.value(&["stages", name, "grants", field]);
            let bad = |field: &str, message: String, help: &str| {
                Diagnostic::error(format!("stage `{name}`: {message}"))
                    .at_opt(src, at(field), "")
                    .help(help.to_string())
            };
            for var in &g.env {
                if var.is_empty() || var.contains('=') || (var == "*" && g.env.len() > 1) {
                    diags.push(bad(
                        "env",
                        format!("`{var}` is not an environment variable name"),
                        "list variable names (`[LOG_LEVEL, REGION]`), or write `env: \"*\"` for all",
                    ));
                }
            }
            let mut seen = std::collections::HashSet::new();
            for file in &g.files {
                if !file.guest.starts_with('/') {
                    diags.push(bad(
                        "files",
                        format!("the guest path `{}` is not absolute", file.guest),
                        "guest paths start with `/`, e.g. `{ guest: /data, host: ./data }`",
                    ));
                } else if !seen.insert(file.guest.as_str()) {
                    diags.push(bad(
                        "files",
                        format!("the guest path `{}` is granted twice", file.guest),
                        "list each directory once",
                    ));
                }
                match guest_dirs.get(file.guest.as_str()) {
                    Some((other, read_only)) if *read_only != file.read_only => diags.push(
                        Diagnostic::error(format!(
                            "stages `{other}` and `{name}` are granted `{}` with different modes",
                            file.guest
                        ))
                        .at_opt(src, at("files"), "")
                        .note("the host opens a guest directory once, for every stage it is granted to")
                        .help("give both the same `mode`, or use two guest paths"),
                    ),
                    Some(_) => {}
                    None => {
                        guest_dirs.insert(&file.guest, (name, file.read_only));
                    }
                }
            }
            for host in &g.http {
                if let Some(problem) = grants::http_host_problem(host) {
                    diags.push(bad("http", format!("`{host}` is not an HTTP host: {problem}"), "e.g. `http: [api.example.com, \"*.example.com\", localhost:8080]`, or `http: \"*\"` for any host"));
                }
            }
            for interface in &g.host {
                let valid = interface.split_once(':').is_some_and(|(ns, rest)| {
                    !ns.is_empty()
                        && rest
                            .split_once('/')
                            .is_some_and(|(p, i)| !p.is_empty() && !i.is_empty())
                });
                if !valid || interface.contains('@') {
                    diags.push(bad(
                        "host",
                        format!("`{interface}` is not an interface name"),
                        "name host interfaces without version, e.g. `wasi:keyvalue/store`",
                    ));
                }
            }
            for key in &g.config {
                if key.key.is_empty() || key.key.contains(char::is_whitespace) {
                    diags.push(
                        Diagnostic::error(format!(
                            "stage `{name}`: `{}` is not a configuration key",
                            key.key
                        ))
                        .at_opt(
                            src,
                            self.locator.key(&["stages", name, "config", &key.key]),
                            "",
                        )
                        .help("keys are words without spaces, e.g. `secret` or `api-url`"),
                    );
                }
            }
        }
    }

    /// The span of a key, e.g. `["stages", "auth"]`. Paths into the generated stage
    /// `weld-http` point into `http:`, where the user wrote what it became.
    pub fn key_span(&self, path: &[&str]) -> Option<Span> {
        self.generated_span(path).or_else(|| self.locator.key(path))
    }

    /// The span of a value, e.g. `["stages", "auth", "path"]`.
    pub fn value_span(&self, path: &[&str]) -> Option<Span> {
        self.generated_span(path)
            .or_else(|| self.locator.value(path))
    }

    /// For a path under `stages.weld-http`: the first place in `http:` naming the stage
    /// that an import of it is wired to (`handler-<stage>`, `middleware-<stage>`), or
    /// `http:` itself.
    fn generated_span(&self, path: &[&str]) -> Option<Span> {
        if let ["stages", FLOW_STAGE, ..] = path {
            return self.locator.key(&["flows"]);
        }
        let http = self.http.as_ref()?;
        let ["stages", HTTP_STAGE, rest @ ..] = path else {
            return None;
        };
        let found = match rest {
            ["imports", key, ..] => {
                if let Some(stage) = key.strip_prefix("handler-") {
                    http.routes
                        .iter()
                        .position(
                            |r| matches!(&r.action, Action::Handler(s) if s.as_str() == stage),
                        )
                        .and_then(|i| {
                            self.locator
                                .value(&["http", "routes", &i.to_string(), "handler"])
                        })
                } else if let Some(stage) = key.strip_prefix("middleware-") {
                    self.middleware_span(http, stage)
                } else {
                    None
                }
            }
            _ => None,
        };
        found.or_else(|| self.locator.key(&["http"]))
    }

    /// Where middleware `stage` is first listed in `http:`.
    fn middleware_span(&self, http: &Http, stage: &str) -> Option<Span> {
        let position = |list: &[&str]| {
            let mut i = 0;
            while let Some(span) = self.locator.value(&[list, &[&i.to_string()]].concat()) {
                if self.source.text.get(span.start..span.end) == Some(stage) {
                    return Some(span);
                }
                i += 1;
            }
            None
        };
        position(&["http", "middleware"]).or_else(|| {
            (0..http.routes.len())
                .find_map(|r| position(&["http", "routes", &r.to_string(), "middleware"]))
        })
    }

    /// The span of the stage name a target refers to, in a long or short form entry at
    /// `path`.
    pub fn target_stage_span(&self, path: &[&str]) -> Option<Span> {
        let mut long = path.to_vec();
        long.push("stage");
        self.value_span(&long).or_else(|| self.value_span(path))
    }
}

/// YAML forbids tabs in indentation; say so plainly instead of the parser's message.
fn find_tab_indentation(source: &Arc<SourceFile>) -> Option<Diagnostic> {
    let mut offset = 0;
    for line in source.text.split_inclusive('\n') {
        let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(tab) = line[..indent_len].find('\t') {
            let at = offset + tab;
            return Some(
                Diagnostic::error("tab character in indentation")
                    .at(source, Span::new(at, at + 1), "tab here")
                    .help("YAML indentation must use spaces; replace the tab with spaces"),
            );
        }
        offset += line.len();
    }
    None
}

/// Turns a serde_yaml error into a diagnostic at its position.
fn yaml_error(source: &Arc<SourceFile>, e: &serde_yaml::Error) -> Diagnostics {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; the snippet shows the position instead.
    let message = without_position(&full);
    let message = message.replace("unknown variant", "unknown value");
    let mut d = Diagnostic::error(format!("invalid pipeline: {message}"));
    if let Some(loc) = e.location() {
        let start = loc.index().min(source.text.len());
        let rest = &source.text[start..];
        let len = rest
            .find(['\n', ':', ',', '}', ']'])
            .unwrap_or(rest.len())
            .max(1)
            .min(rest.len());
        d = d.at(source, Span::new(start, start + len), "");
    }
    if message.contains("unknown field") {
        d = d.help("see the pipeline format in README.md; keys are kebab-case");
    } else if message.contains("missing field `version`") {
        d = d.help(format!("start the file with `version: {VERSION}`"));
    }
    d.into()
}

/// Drops serde_yaml's " at line L column C": the snippet shows the position.
fn without_position(message: &str) -> String {
    let Some(at) = message.find(" at line ") else {
        return message.to_string();
    };
    let rest = &message[at + " at line ".len()..];
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix(" column ").unwrap_or(rest);
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{}{rest}", &message[..at])
}
