//! `flows:`: exported functions implemented as a sequence of stage functions.
//!
//! ```yaml
//! flows:
//!   demo:text/pipeline.process:           # <interface>.<function> the artifact exports
//!     - clean.words                       # <stage>.<function>; takes the flow's first parameter
//!     - style.apply: { letter-case: title }   # takes the previous result, and a constant
//!   demo:text/pipeline.shout:             # the long form, with what to return on an error
//!     steps: [clean.normalize, style.upper]
//!     on-error: '""'
//! ```
//!
//! All flows become one stage, [`FLOW_STAGE`], exporting the flows' interfaces; an
//! interface's functions without a flow are forwarded to the stage `exports:` names for
//! it. Types are checked against the pipeline's WIT in [`crate::glue::flow`].

use std::path::PathBuf;

use indexmap::IndexMap;
use serde_yaml::Value;

use super::{Stage, StageName, Target, names_match};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};

/// The name of the stage the `flows:` section becomes; `weld-` names are reserved.
pub const FLOW_STAGE: &str = "weld-flows";

/// The `flows:` section, validated as far as it can be without the WIT.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flows {
    /// The pipeline's WIT folder, where every type is looked up: part of what the
    /// generated component is made from, so two pipelines' flows are never confused.
    pub wit: Option<PathBuf>,
    /// The flows, in file order.
    pub flows: Vec<Flow>,
    /// Interfaces exported by flows whose other functions are forwarded: interface as
    /// written under `exports:` -> the stage exporting it.
    pub forwards: Vec<(String, Target)>,
}

/// One flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flow {
    /// The key as written, `<interface>.<function>`, for messages and spans.
    pub key: String,
    /// The exported interface, as written (the version may be left out).
    pub interface: String,
    /// The function of that interface the flow implements.
    pub function: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// WAVE text of what the flow returns when a step's error cannot be carried by its
    /// result (`on-error:`).
    pub on_error: Option<String>,
    /// Whether the steps are under `steps:` (the long form).
    pub long: bool,
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Step {
    /// The stage called.
    pub stage: StageName,
    /// That stage's declared world, where its functions are found.
    pub world: Option<String>,
    /// The function called, of an interface the stage exports.
    pub function: String,
    /// Parameters given in the step: name -> WAVE text, or a flow parameter's name.
    pub args: Vec<(String, String)>,
}

impl Step {
    /// The step as written, `<stage>.<function>`.
    pub fn written(&self) -> String {
        format!("{}.{}", self.stage, self.function)
    }
}

impl Flows {
    /// The stage the section becomes: a prebuilt component (generated at build time).
    /// Its imports are wired once the WIT says which interfaces the steps call
    /// ([`crate::glue::flow::check`]).
    pub(super) fn stage(&self, dir: &std::path::Path) -> Stage {
        Stage::generated(
            FLOW_STAGE,
            dir,
            IndexMap::new(),
            super::Generated::Flows(self.clone()),
        )
    }
}

impl super::Manifest {
    /// Reads `flows:`, reporting every problem at its place.
    pub(super) fn read_flows(&self, raw: &Value, diags: &mut Diagnostics) -> Option<Flows> {
        let src = &self.source;
        let before = diags.0.len();
        let Some(map) = raw.as_mapping() else {
            diags.push(
                Diagnostic::error("`flows:` is not a map of flows")
                    .at_opt(src, self.locator.value(&["flows"]), "")
                    .help("write `flows:` then, indented, `<interface>.<function>:` and its steps, e.g. `demo:text/pipeline.process: [clean.words]`"),
            );
            return None;
        };
        let stage_names: Vec<&str> = self.stages.keys().map(StageName::as_str).collect();
        let mut flows = Vec::new();
        for (key, value) in map {
            let key = scalar_text(key).unwrap_or_default();
            let key_span = self.locator.key(&["flows", &key]);
            let Some((interface, function)) = split_flow_key(&key) else {
                diags.push(
                    Diagnostic::error(format!("`{key}` does not name an exported function"))
                        .at_opt(src, key_span, "")
                        .help("name it `<package>/<interface>.<function>`, e.g. `demo:text/pipeline.process`"),
                );
                continue;
            };
            let (steps_value, on_error, long) = match value {
                Value::Sequence(_) => (value, None, false),
                Value::Mapping(m) => {
                    for k in m.keys() {
                        let k = scalar_text(k).unwrap_or_default();
                        if k != "steps" && k != "on-error" {
                            diags.push(
                                Diagnostic::error(format!("unknown key `{k}` in flow `{key}`"))
                                    .at_opt(src, self.locator.key(&["flows", &key, &k]), "")
                                    .help("a flow is a list of steps, or `{ steps: [...], on-error: <WAVE value> }`"),
                            );
                        }
                    }
                    let on_error = match m.get("on-error") {
                        None => None,
                        Some(v) => match scalar_text(v) {
                            Some(text) => Some(text),
                            None => {
                                diags.push(
                                    Diagnostic::error(format!("`on-error` of flow `{key}` is not a value"))
                                        .at_opt(src, self.locator.value(&["flows", &key, "on-error"]), "")
                                        .help("write the value in WAVE, quoted for YAML when it needs to be, e.g. `on-error: '\"\"'` for an empty string"),
                                );
                                None
                            }
                        },
                    };
                    match m.get("steps") {
                        Some(steps) => (steps, on_error, true),
                        None => {
                            diags.push(
                                Diagnostic::error(format!("flow `{key}` has no `steps`"))
                                    .at_opt(src, key_span, "")
                                    .help("list the steps under `steps:`, e.g. `steps: [clean.words]`"),
                            );
                            continue;
                        }
                    }
                }
                _ => (value, None, false),
            };
            let steps_path: Vec<&str> = if long {
                vec!["flows", &key, "steps"]
            } else {
                vec!["flows", &key]
            };
            let Some(list) = steps_value.as_sequence().filter(|l| !l.is_empty()) else {
                diags.push(
                    Diagnostic::error(format!("flow `{key}` has no steps"))
                        .at_opt(src, self.locator.value(&steps_path).or(key_span), "")
                        .help("list the stage functions it calls, in order, e.g. `[clean.words, style.apply]`"),
                );
                continue;
            };
            let mut steps = Vec::new();
            for (i, step) in list.iter().enumerate() {
                let index = i.to_string();
                let mut path = steps_path.clone();
                path.push(&index);
                let at = self.locator.value(&path);
                let (written, args) = match step {
                    Value::Mapping(m) if m.len() == 1 => {
                        let (name, args) = m.iter().next().expect("one entry");
                        (scalar_text(name).unwrap_or_default(), Some(args))
                    }
                    other => match scalar_text(other) {
                        Some(text) => (text, None),
                        None => (String::new(), None),
                    },
                };
                let Some((stage, function)) = written
                    .split_once('.')
                    .filter(|(s, f)| !s.is_empty() && !f.is_empty() && !f.contains('.'))
                else {
                    diags.push(
                        Diagnostic::error(format!(
                            "step {} of flow `{key}` does not name a stage function",
                            i + 1
                        ))
                        .at_opt(src, at, "")
                        .help("write `<stage>.<function>`, or `<stage>.<function>: { <parameter>: <value> }` to give other parameters"),
                    );
                    continue;
                };
                let Some(stage) = self
                    .stages
                    .keys()
                    .find(|s| s.as_str() == stage)
                    .filter(|s| !s.as_str().starts_with(super::RESERVED_PREFIX))
                else {
                    let mut d = Diagnostic::error(format!("`{stage}` is not a stage")).at_opt(
                        src,
                        at,
                        "no such stage",
                    );
                    if let Some(help) = did_you_mean(stage, stage_names.iter().copied()) {
                        d = d.help(help);
                    }
                    diags.push(d);
                    continue;
                };
                let mut parsed_args = Vec::new();
                match args {
                    None | Some(Value::Null) => {}
                    Some(Value::Mapping(m)) => {
                        for (name, value) in m {
                            let name = scalar_text(name).unwrap_or_default();
                            match scalar_text(value) {
                                Some(text) => parsed_args.push((name, text)),
                                None => {
                                    let mut arg_path = path.clone();
                                    arg_path.extend([written.as_str(), name.as_str()]);
                                    diags.push(
                                        Diagnostic::error(format!("parameter `{name}` of step `{written}` is not a value"))
                                            .at_opt(src, self.locator.value(&arg_path), "")
                                            .help("write the value in WAVE as one YAML scalar, quoted when it needs to be: `'[1, 2]'`, `'{ a: 1 }'`, `'\"text\"'`"),
                                    );
                                }
                            }
                        }
                    }
                    Some(_) => diags.push(
                        Diagnostic::error(format!("the parameters of step `{written}` are not a map"))
                            .at_opt(src, at, "")
                            .help("give them as `{ <parameter>: <value> }`, e.g. `style.apply: { letter-case: title }`"),
                    ),
                }
                steps.push(Step {
                    stage: stage.clone(),
                    world: self.stages[stage].world.clone(),
                    function: function.to_string(),
                    args: parsed_args,
                });
            }
            flows.push(Flow {
                key: key.clone(),
                interface: interface.to_string(),
                function: function.to_string(),
                steps,
                on_error,
                long,
            });
        }
        if diags.0.len() != before {
            return None;
        }
        // Each interface a flow exports: the stage `exports:` names takes the rest.
        let mut forwards: Vec<(String, Target)> = Vec::new();
        for flow in &flows {
            if forwards
                .iter()
                .any(|(i, _)| names_match(i, &flow.interface) || names_match(&flow.interface, i))
            {
                continue;
            }
            if let Some((written, target)) = self
                .exports
                .iter()
                .find(|(e, _)| names_match(e, &flow.interface) || names_match(&flow.interface, e))
            {
                forwards.push((written.clone(), target.clone()));
            }
        }
        Some(Flows {
            wit: self.wit.clone(),
            flows,
            forwards,
        })
    }

    /// The span of a flow's key, step or step parameter.
    pub fn flow_span(
        &self,
        flow: &Flow,
        step: Option<usize>,
        arg: Option<&str>,
    ) -> Option<super::Span> {
        let mut path = vec!["flows", flow.key.as_str()];
        if flow.long {
            path.push("steps");
        }
        let Some(step) = step else {
            return self.locator.key(&path[..2]);
        };
        let index = step.to_string();
        path.push(&index);
        let written = flow.steps.get(step).map(Step::written).unwrap_or_default();
        // A step with parameters is a map: point at its name rather than the map.
        let mut at_name = path.clone();
        at_name.push(&written);
        let at_step = self
            .locator
            .key(&at_name)
            .or_else(|| self.locator.value(&path));
        match arg {
            Some(arg) => {
                at_name.push(arg);
                self.locator.value(&at_name).or(at_step)
            }
            None => at_step,
        }
    }
}

/// `<interface>.<function>` split at the last `.` (versions have dots too).
fn split_flow_key(key: &str) -> Option<(&str, &str)> {
    let (interface, function) = key.rsplit_once('.')?;
    let valid_interface = interface.split_once(':').is_some_and(|(ns, rest)| {
        !ns.is_empty()
            && rest
                .split_once('/')
                .is_some_and(|(p, i)| !p.is_empty() && !i.is_empty())
    });
    let valid_function = !function.is_empty()
        && function
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !function.chars().all(|c| c.is_ascii_digit());
    (valid_interface && valid_function).then_some((interface, function))
}

/// A YAML scalar as text: strings as they are, numbers and booleans as written.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::split_flow_key;

    #[test]
    fn flow_keys() {
        assert_eq!(
            split_flow_key("demo:text/pipeline.process"),
            Some(("demo:text/pipeline", "process"))
        );
        assert_eq!(
            split_flow_key("demo:text/pipeline@1.2.0.process"),
            Some(("demo:text/pipeline@1.2.0", "process"))
        );
        for bad in [
            "process",
            "demo:text/pipeline",
            "pipeline.process",
            "demo:text/pipeline.",
        ] {
            assert_eq!(split_flow_key(bad), None, "{bad}");
        }
    }
}
