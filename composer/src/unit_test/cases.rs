//! Reading a `<stage>.test.yaml` file: the cases as written, each WAVE text with the
//! place in the file it came from, so the type check can point at it.
//!
//! The file is a list of cases, or a mapping with `config` (configuration for every case)
//! and `cases`. serde checks the shape (unknown keys, missing `name`/`call`); WAVE text
//! is taken as the scalar's own source text where possible, so `expect: "Hello"` is the
//! WAVE string `"Hello"` and `expect: ["a", "b"]` the WAVE list, not a YAML list.
//! Configuration is resolved here: each case carries the file's values with its own
//! laid over them.

use std::{path::Path, sync::Arc};

use indexmap::IndexMap;
use serde::Deserialize;

use crate::{
    diagnostic::{Diagnostic, Diagnostics, SourceFile, Span},
    manifest::Locator,
};

/// A piece of WAVE text and where it is in the test file.
#[derive(Debug, Clone)]
pub struct Wave {
    /// The WAVE text.
    pub text: String,
    /// The span of the YAML value holding it.
    pub span: Option<Span>,
    /// Whether `text` is the file's text starting at `span.start` (then a WAVE error's
    /// offset points at the exact character).
    pub verbatim: bool,
}

impl Wave {
    /// The span of `inner` (a byte range of `text`) in the file, or the whole value.
    pub fn sub_span(&self, inner: std::ops::Range<usize>) -> Option<Span> {
        let span = self.span?;
        if self.verbatim && inner.end <= self.text.len() && inner.start < inner.end {
            Some(Span::new(span.start + inner.start, span.start + inner.end))
        } else {
            Some(span)
        }
    }
}

/// One mock: what an import answers.
#[derive(Debug, Clone)]
pub enum MockSpec {
    /// The same value on every call.
    Fixed(Wave),
    /// One value per call, in order.
    Sequence(Vec<Wave>),
    /// The value of the first arm whose arguments equal the call's, else `default`.
    Match {
        /// `(args)` and the value returned for them.
        arms: Vec<(Wave, Wave)>,
        /// The value when no arm matches.
        default: Option<Wave>,
    },
}

/// An expected call of an import.
#[derive(Debug, Clone)]
pub struct CallSpec {
    /// `iface.func(args)`, or `iface.func` for any arguments.
    pub call: Wave,
    /// How often; `None`: at least once.
    pub times: Option<u32>,
}

/// What a case expects.
#[derive(Debug, Clone)]
pub enum ExpectSpec {
    /// The result, in WAVE.
    Value(Wave),
    /// A trap whose message contains this text.
    Trap(String),
    /// Only that the call returns.
    Returns,
}

/// One test case as written.
#[derive(Debug, Clone)]
pub struct CaseSpec {
    /// The name in test output: lowercase, words joined by `-`.
    pub slug: String,
    /// The span of the case's `name` value.
    pub name_span: Option<Span>,
    /// `iface.func(args)` in WAVE.
    pub call: Wave,
    /// The expectation.
    pub expect: ExpectSpec,
    /// Mocks by import function name (`iface.func`), with the key's span.
    pub mocks: Vec<(String, Option<Span>, MockSpec)>,
    /// Expected import calls.
    pub expect_calls: Vec<CallSpec>,
    /// What the stage reads through `wasi:config/store`: the file's `config` with the
    /// case's over it, keys as the stage asks for them.
    pub config: Vec<(String, String)>,
}

/// A parsed test file.
#[derive(Debug)]
pub struct TestFile {
    /// The file, for diagnostics.
    pub source: Arc<SourceFile>,
    /// Its cases, in file order.
    pub cases: Vec<CaseSpec>,
}

/// The mapping form of the file: cases with file-wide configuration.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    config: IndexMap<String, String>,
    #[serde(default)]
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCase {
    name: String,
    call: serde_yaml::Value,
    expect: Option<serde_yaml::Value>,
    expect_trap: Option<String>,
    #[serde(default)]
    mocks: IndexMap<String, serde_yaml::Value>,
    #[serde(default)]
    expect_calls: Vec<RawCall>,
    /// `None` for a key the file sets: the case runs without it.
    #[serde(default)]
    config: IndexMap<String, Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    call: serde_yaml::Value,
    times: Option<u32>,
}

/// Turns a case name into its slug: `Rejects an expired token` -> `rejects-an-expired-token`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Reads and parses the test file at `path`.
pub fn load(path: &Path) -> Result<TestFile, Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(format!("cannot read test file `{}`: {e}", path.display()))
    })?;
    parse(path, text)
}

/// Parses the test file `text`, read from `path`.
pub fn parse(path: &Path, text: String) -> Result<TestFile, Diagnostics> {
    let source = SourceFile::new(path, text);
    let locator = Locator::new(&source.text);
    let mut diags = Diagnostics::default();
    for dup in locator.duplicates() {
        diags.push(
            Diagnostic::error(format!("duplicate key `{}`", dup.key)).at(
                &source,
                dup.second,
                "defined again here",
            ),
        );
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // A mapping is the form with `config`; anything else is read as the list of cases
    // (and serde says what is wrong with it, at its position).
    let is_mapping =
        serde_yaml::from_str::<serde_yaml::Value>(&source.text).is_ok_and(|v| v.is_mapping());
    let (config, raw, prefix): (IndexMap<String, String>, Vec<RawCase>, &[&str]) =
        if source.text.trim().is_empty() {
            Default::default()
        } else if is_mapping {
            let file: RawFile =
                serde_yaml::from_str(&source.text).map_err(|e| yaml_error(&source, &e))?;
            (file.config, file.cases, &["cases"])
        } else {
            let cases = serde_yaml::from_str(&source.text).map_err(|e| yaml_error(&source, &e))?;
            (IndexMap::new(), cases, &[])
        };
    let cx = Context {
        source: &source,
        locator: &locator,
    };
    for key in config.keys() {
        if let Some(d) = cx.config_key(key, &["config", key]) {
            diags.push(d);
        }
    }
    let mut cases = Vec::new();
    let mut seen: IndexMap<String, usize> = IndexMap::new();
    for (i, raw) in raw.into_iter().enumerate() {
        let index = i.to_string();
        let at = |rest: &[&str]| {
            let mut path: Vec<&str> = prefix.to_vec();
            path.push(&index);
            path.extend_from_slice(rest);
            path.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let locate = |rest: &[&str]| {
            let path = at(rest);
            locator.value(&path.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let locate_key = |rest: &[&str]| {
            let path = at(rest);
            locator.key(&path.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let name_span = locate(&["name"]);
        let slug = slug(&raw.name);
        if slug.is_empty() {
            diags.push(
                Diagnostic::error("a test case needs a name with letters or digits")
                    .at_opt(&source, name_span, ""),
            );
        } else if let Some(first) = seen.insert(slug.clone(), i) {
            diags.push(
                Diagnostic::error(format!("two test cases are named `{slug}`"))
                    .at_opt(&source, name_span, "second case of that name")
                    .note(format!("the first is case {}", first + 1))
                    .help("give every case of a file its own name"),
            );
        }
        let call = match cx.wave(&raw.call, &at(&["call"])) {
            Ok(w) => w,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let expect = match (&raw.expect, raw.expect_trap) {
            (Some(_), Some(_)) => {
                diags.push(
                    Diagnostic::error("a case has either `expect` or `expect-trap`, not both")
                        .at_opt(&source, locate_key(&["expect-trap"]), ""),
                );
                continue;
            }
            (Some(v), None) => match cx.wave(v, &at(&["expect"])) {
                Ok(w) => ExpectSpec::Value(w),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            },
            (None, Some(trap)) => ExpectSpec::Trap(trap),
            (None, None) => ExpectSpec::Returns,
        };
        let mut mocks = Vec::new();
        for (name, value) in &raw.mocks {
            let key_span = locate_key(&["mocks", name]);
            match cx.mock(value, &at(&["mocks", name])) {
                Ok(m) => mocks.push((name.clone(), key_span, m)),
                Err(d) => diags.push(d),
            }
        }
        let mut expect_calls = Vec::new();
        for (j, c) in raw.expect_calls.iter().enumerate() {
            let j = j.to_string();
            match cx.wave(&c.call, &at(&["expect-calls", &j, "call"])) {
                Ok(call) => expect_calls.push(CallSpec {
                    call,
                    times: c.times,
                }),
                Err(d) => diags.push(d),
            }
        }
        let mut case_config = config.clone();
        for (key, value) in &raw.config {
            let path = at(&["config", key]);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(d) = cx.config_key(key, &path) {
                diags.push(d);
                continue;
            }
            match value {
                Some(value) => {
                    case_config.insert(key.clone(), value.clone());
                }
                None => {
                    if case_config.shift_remove(key).is_none() {
                        diags.push(
                            Diagnostic::error(format!(
                                "`{key}: ~` unsets a key of the file's `config`, which has no `{key}`"
                            ))
                            .at_opt(&source, locate_key(&["config", key]), "")
                            .help("leave the key out: a case without it runs without it"),
                        );
                    }
                }
            }
        }
        cases.push(CaseSpec {
            slug,
            name_span,
            call,
            expect,
            mocks,
            expect_calls,
            config: case_config.into_iter().collect(),
        });
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(TestFile { source, cases })
    }
}

struct Context<'a> {
    source: &'a Arc<SourceFile>,
    locator: &'a Locator,
}

impl Context<'_> {
    /// A problem with the configuration key `key` at `path`, if any: keys follow
    /// pipeline.yaml's rule for a stage's `config:`.
    fn config_key(&self, key: &str, path: &[&str]) -> Option<Diagnostic> {
        (key.is_empty() || key.contains(char::is_whitespace)).then(|| {
            Diagnostic::error(format!("`{key}` is not a configuration key"))
                .at_opt(self.source, self.locator.key(path), "")
                .help("keys are words without spaces, as the stage asks `wasi:config/store` for them, e.g. `secret`")
        })
    }

    /// The WAVE text of the YAML value at `path`.
    fn wave(&self, value: &serde_yaml::Value, path: &[String]) -> Result<Wave, Diagnostic> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let span = self.locator.value(&path);
        let text = &self.source.text;
        let raw = span.map(|s| &text[s.start..]);
        // Flow collections are WAVE lists, records or tuples written without quotes.
        if let (Some(raw), Some(span)) = (raw, span)
            && (raw.starts_with('[') || raw.starts_with('{'))
            && let Some(len) = balanced_len(raw)
        {
            return Ok(Wave {
                text: raw[..len].to_string(),
                span: Some(Span::new(span.start, span.start + len)),
                verbatim: true,
            });
        }
        let decoded = match value {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            serde_yaml::Value::Bool(b) => b.to_string(),
            _ => {
                return Err(Diagnostic::error("expected a value in WAVE syntax")
                    .at_opt(self.source, span, "")
                    .help("write the value as text, e.g. `expect: 'ok({title: \"x\"})'`"));
            }
        };
        // Plain and double-quoted scalars are taken as written: `"hi"` is a WAVE
        // string. Single quotes only protect WAVE text from YAML (`: `, `#`).
        if let (Some(raw), Some(span)) = (raw, span)
            && !raw.starts_with(['\'', '|', '>'])
        {
            let len = span.end - span.start;
            let verbatim = &raw[..len];
            if raw.starts_with('"') || verbatim == decoded {
                return Ok(Wave {
                    text: verbatim.to_string(),
                    span: Some(span),
                    verbatim: true,
                });
            }
        }
        let verbatim = raw.is_some_and(|r| r.starts_with('\''));
        Ok(Wave {
            text: decoded,
            // Inside single quotes, offsets are off by the opening quote.
            span: span.map(|s| {
                if verbatim {
                    Span::new(s.start + 1, s.end.saturating_sub(1))
                } else {
                    s
                }
            }),
            verbatim: verbatim && !raw.unwrap_or_default().contains("''"),
        })
    }

    fn mock(&self, value: &serde_yaml::Value, path: &[String]) -> Result<MockSpec, Diagnostic> {
        let sub = |rest: &[&str]| {
            let mut p = path.to_vec();
            p.extend(rest.iter().map(|s| s.to_string()));
            p
        };
        let serde_yaml::Value::Mapping(map) = value else {
            return self.wave(value, path).map(MockSpec::Fixed);
        };
        let keys: Vec<&str> = map.keys().filter_map(|k| k.as_str()).collect();
        let is_form = |k: &&str| matches!(*k, "sequence" | "match" | "default");
        if !keys.iter().any(is_form) {
            // A WAVE record written as a YAML flow mapping.
            return self.wave(value, path).map(MockSpec::Fixed);
        }
        let path_strs: Vec<&str> = path.iter().map(String::as_str).collect();
        let here = self.locator.value(&path_strs);
        if let Some(bad) = keys.iter().find(|k| !is_form(k)) {
            let mut p = path_strs.clone();
            p.push(bad);
            return Err(Diagnostic::error(format!("unknown key `{bad}` in a mock"))
                .at_opt(self.source, self.locator.key(&p), "")
                .help("a mock is a WAVE value, `{ sequence: [...] }`, or `{ match: [{ args: \"(...)\", return: ... }], default: ... }`"));
        }
        if keys.contains(&"sequence") {
            if keys.len() > 1 {
                return Err(
                    Diagnostic::error("a `sequence` mock has no `match` or `default`").at_opt(
                        self.source,
                        here,
                        "",
                    ),
                );
            }
            let Some(serde_yaml::Value::Sequence(items)) = map.get("sequence") else {
                return Err(
                    Diagnostic::error("`sequence` is a list of values, one per call").at_opt(
                        self.source,
                        here,
                        "",
                    ),
                );
            };
            let values = items
                .iter()
                .enumerate()
                .map(|(i, v)| self.wave(v, &sub(&["sequence", &i.to_string()])))
                .collect::<Result<_, _>>()?;
            return Ok(MockSpec::Sequence(values));
        }
        let mut arms = Vec::new();
        match map.get("match") {
            Some(serde_yaml::Value::Sequence(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let i = i.to_string();
                    let serde_yaml::Value::Mapping(arm) = item else {
                        return Err(Diagnostic::error(
                            "a `match` arm is `{ args: \"(...)\", return: <value> }`",
                        )
                        .at_opt(
                            self.source,
                            self.locator
                                .value(&[&path_strs[..], &["match", &i]].concat()),
                            "",
                        ));
                    };
                    let (Some(args), Some(ret)) = (arm.get("args"), arm.get("return")) else {
                        return Err(Diagnostic::error("a `match` arm needs `args` and `return`")
                            .at_opt(
                                self.source,
                                self.locator
                                    .value(&[&path_strs[..], &["match", &i]].concat()),
                                "",
                            )
                            .help("e.g. `{ args: '(\"a b\")', return: '[\"a\", \"b\"]' }`"));
                    };
                    if let Some(bad) = arm
                        .keys()
                        .filter_map(|k| k.as_str())
                        .find(|k| !matches!(*k, "args" | "return"))
                    {
                        return Err(Diagnostic::error(format!(
                            "unknown key `{bad}` in a `match` arm"
                        ))
                        .at_opt(
                            self.source,
                            self.locator
                                .key(&[&path_strs[..], &["match", &i, bad]].concat()),
                            "",
                        ));
                    }
                    arms.push((
                        self.wave(args, &sub(&["match", &i, "args"]))?,
                        self.wave(ret, &sub(&["match", &i, "return"]))?,
                    ));
                }
            }
            Some(_) => {
                return Err(Diagnostic::error("`match` is a list of arms").at_opt(
                    self.source,
                    here,
                    "",
                ));
            }
            None => {}
        }
        let default = map
            .get("default")
            .map(|d| self.wave(d, &sub(&["default"])))
            .transpose()?;
        Ok(MockSpec::Match { arms, default })
    }
}

/// The length of the bracketed text at the start of `text` (`[...]` or `{...}`),
/// skipping brackets inside WAVE strings and chars.
fn balanced_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A serde_yaml error as a diagnostic at its position.
fn yaml_error(source: &Arc<SourceFile>, e: &serde_yaml::Error) -> Diagnostics {
    let full = e.to_string();
    let message = match full.find(" at line ") {
        Some(at) => full[..at].to_string(),
        None => full,
    };
    let mut d = Diagnostic::error(format!("invalid test file: {message}"));
    if let Some(loc) = e.location() {
        let start = loc.index().min(source.text.len());
        let rest = &source.text[start..];
        let len = rest.find(['\n', ':']).unwrap_or(rest.len()).max(1);
        d = d.at(
            source,
            Span::new(start, (start + len).min(source.text.len())),
            "",
        );
    }
    if message.contains("unknown field") || message.contains("missing field") {
        d = d.help(
            "a test file is a list of cases with `name`, `call`, and optionally `expect` or \
             `expect-trap`, `mocks`, `expect-calls`, `config`; or a mapping with `config` \
             (for every case) and `cases` (that list)",
        );
    }
    d.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Rejects an expired token"), "rejects-an-expired-token");
        assert_eq!(slug("  a -- b!"), "a-b");
    }

    #[test]
    fn wave_text_as_written() {
        let text = "- name: x\n  call: f(\"a b\", 1)\n  expect: \"Hi\"\n  mocks:\n    i.g: [\"a\", \"b\"]\n    i.h: { sequence: [1, '\"x: y\"'] }\n    i.k: { match: [ { args: '(1)', return: 2 } ], default: 3 }\n";
        let file = parse(Path::new("t.test.yaml"), text.to_string()).unwrap();
        let case = &file.cases[0];
        assert_eq!(case.call.text, "f(\"a b\", 1)");
        let ExpectSpec::Value(expect) = &case.expect else {
            panic!()
        };
        assert_eq!(expect.text, "\"Hi\"");
        let MockSpec::Fixed(g) = &case.mocks[0].2 else {
            panic!()
        };
        assert_eq!(g.text, "[\"a\", \"b\"]");
        let MockSpec::Sequence(h) = &case.mocks[1].2 else {
            panic!()
        };
        assert_eq!(h[1].text, "\"x: y\"");
        let MockSpec::Match { arms, default } = &case.mocks[2].2 else {
            panic!()
        };
        assert_eq!(arms[0].0.text, "(1)");
        assert_eq!(default.as_ref().unwrap().text, "3");
    }

    #[test]
    fn a_case_lays_its_config_over_the_files() {
        let text = "config:\n  a: \"1\"\n  b: x\ncases:\n  - name: file\n    call: f()\n  - name: own\n    call: f()\n    config: { b: y, c: 2, a: ~ }\n";
        let file = parse(Path::new("t.test.yaml"), text.to_string()).unwrap();
        let pairs = |i: usize| {
            let config = &file.cases[i].config;
            config
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs(0), ["a=1", "b=x"]);
        assert_eq!(pairs(1), ["b=y", "c=2"]);
        // Positions inside `cases:` are found under the mapping.
        let span = file.cases[1].name_span.unwrap();
        assert_eq!(&file.source.text[span.start..span.end], "own");
    }

    #[test]
    fn a_key_with_a_space_is_refused_at_its_place() {
        let text = "config:\n  my secret: x\ncases: []\n";
        let diags = parse(Path::new("t.test.yaml"), text.to_string()).unwrap_err();
        let rendered = format!("{diags:?}");
        assert!(
            rendered.contains("`my secret` is not a configuration key"),
            "{rendered}"
        );
    }

    #[test]
    fn a_list_of_cases_may_set_config_per_case() {
        let text = "- name: x\n  call: f()\n  config:\n    k: v\n";
        let file = parse(Path::new("t.test.yaml"), text.to_string()).unwrap();
        assert_eq!(file.cases[0].config, [("k".to_string(), "v".to_string())]);
    }
}
