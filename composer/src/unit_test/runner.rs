//! Running one stage's cases on wasmtime: the type check of every case against the
//! component's own types, then each case in a fresh instance with its mocks.
//!
//! A [`StageRunner`] holds the stage's component linked once: WASI (everything
//! denied, stdout/stderr as logs, `wasi:config/store` answering from the case's
//! `config`) from `weld_shim::host::linker`, and every other import function as a host
//! function that answers from the current case's mocks, or fails the case naming the
//! import. Cases run one after another, each in its own store, so no state leaks from
//! one to the next.

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::{Arc, Mutex},
};

use weld_shim::{
    Capabilities, GuestError, WeldEngine,
    capabilities::{CapturedStdio, Stdio},
    diagnose::classify,
    exports::{ExportedFunc, Exports},
    host::{Host, linker, new_store},
    wasmtime::component::{
        Component, InstancePre, Type, Val,
        types::{ComponentFunc, ComponentItem},
        wasm_wave::{self, parser::ParserError, wasm::DisplayType},
    },
};

use super::cases::{CaseSpec, ExpectSpec, MockSpec, TestFile, Wave};
use crate::diagnostic::{Diagnostic, Diagnostics};

/// An import function of the stage: `demo:text/clean` and `words`.
#[derive(Debug, Clone)]
struct ImportFunc {
    instance: String,
    name: String,
    ty: ComponentFunc,
}

impl ImportFunc {
    fn key(&self) -> String {
        format!("{}.{}", self.instance, self.name)
    }

    fn signature(&self) -> String {
        let params: Vec<String> = self
            .ty
            .params()
            .map(|(n, t)| format!("{n}: {}", DisplayType(&t)))
            .collect();
        let mut s = format!("func({})", params.join(", "));
        if let Some(r) = self.ty.results().next() {
            s.push_str(&format!(" -> {}", DisplayType(&r)));
        }
        s
    }
}

/// A mock ready to answer, with its position for sequences.
#[derive(Debug, Clone)]
enum Mock {
    Fixed(Option<Val>),
    Sequence(Vec<Option<Val>>, usize),
    /// Arms of (argument pattern, `_` as `None`; value), tried in order, and the default.
    Match(Vec<(Vec<Option<Val>>, Option<Val>)>, Option<Option<Val>>),
}

/// An expected import call, checked after the case ran.
#[derive(Debug, Clone)]
struct ExpectedCall {
    import: String,
    text: String,
    /// The argument pattern (`_` as `None`); `None` for any arguments.
    args: Option<Vec<Option<Val>>>,
    times: Option<u32>,
}

/// What a case expects from the call.
#[derive(Debug, Clone)]
enum Expect {
    Value(Option<Val>),
    Trap(String),
    Returns,
}

/// A case whose call, expectation and mocks fit the stage's types.
#[derive(Debug, Clone)]
pub struct CheckedCase {
    /// The case's slug.
    pub slug: String,
    /// The line of its `name` in the test file.
    pub line: usize,
    func: ExportedFunc,
    params: Vec<Val>,
    expect: Expect,
    mocks: HashMap<String, Mock>,
    expect_calls: Vec<ExpectedCall>,
    config: Vec<(String, String)>,
}

impl CheckedCase {
    /// Lays the case's configuration over the stage's declared defaults (pipeline.yaml's
    /// `config:`), as the stage's guard would in the composed artifact. Returns the keys
    /// the case sets that the stage does not declare.
    pub fn apply_declared_config(
        &mut self,
        declared: &[crate::manifest::ConfigKey],
    ) -> Vec<String> {
        let undeclared = self
            .config
            .iter()
            .filter(|(k, _)| !declared.iter().any(|d| &d.key == k))
            .map(|(k, _)| k.clone())
            .collect();
        for d in declared {
            if let Some(default) = &d.default
                && !self.config.iter().any(|(k, _)| k == &d.key)
            {
                self.config.push((d.key.clone(), default.clone()));
            }
        }
        undeclared
    }
}

/// How a case ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// As expected.
    Pass,
    /// Something else happened: the explanation, lines of text.
    Fail(String),
}

#[derive(Debug, Default)]
struct CaseState {
    mocks: HashMap<String, Mock>,
    calls: Vec<(String, Vec<Val>)>,
    failure: Option<String>,
}

/// One stage's component, linked with mocks, ready to run cases.
pub struct StageRunner {
    engine: WeldEngine,
    pre: InstancePre<Host>,
    exports: Exports,
    imports: Vec<ImportFunc>,
    state: Arc<Mutex<CaseState>>,
}

impl std::fmt::Debug for StageRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageRunner")
            .field("exports", &self.exports)
            .finish_non_exhaustive()
    }
}

fn is_wasi(instance: &str) -> bool {
    instance.starts_with("wasi:")
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

impl StageRunner {
    /// Links `component`: WASI denied, every other import a mockable function.
    pub fn new(engine: &WeldEngine, component: &Component) -> anyhow::Result<Self> {
        let mut imports = Vec::new();
        let mut unsupported = Vec::new();
        for (name, item) in component.component_type().imports(engine.engine()) {
            match item.ty {
                ComponentItem::ComponentInstance(instance) if !is_wasi(name) => {
                    for (func, item) in instance.exports(engine.engine()) {
                        match item.ty {
                            ComponentItem::ComponentFunc(ty) => imports.push(ImportFunc {
                                instance: name.to_string(),
                                name: func.to_string(),
                                ty,
                            }),
                            // Types need no definition.
                            ComponentItem::Type(_) => {}
                            _ => unsupported.push(format!("{name}.{func}")),
                        }
                    }
                }
                ComponentItem::ComponentFunc(ty) => imports.push(ImportFunc {
                    instance: String::new(),
                    name: name.to_string(),
                    ty,
                }),
                _ if is_wasi(name) => {}
                _ => unsupported.push(name.to_string()),
            }
        }
        if !unsupported.is_empty() {
            anyhow::bail!(
                "cannot mock {}: only functions can be mocked (resources are not supported yet)",
                unsupported
                    .iter()
                    .map(|u| format!("`{u}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let state = Arc::new(Mutex::new(CaseState::default()));
        let mut linker = linker(engine)?;
        for import in &imports {
            let key = import.key();
            let state = state.clone();
            let answer = move |_store: weld_shim::wasmtime::StoreContextMut<'_, Host>,
                               _ty: ComponentFunc,
                               params: &[Val],
                               results: &mut [Val]|
                  -> weld_shim::wasmtime::Result<()> {
                let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                st.calls.push((key.clone(), params.to_vec()));
                let call = format!("{key}{}", show_args(params));
                let outcome = match st.mocks.get_mut(&key) {
                    None => Err(format!("unmocked import `{key}` was called: {call}")),
                    Some(mock) => mock.answer(params, &key, &call),
                };
                match outcome {
                    Ok(value) => {
                        if let (Some(slot), Some(value)) = (results.first_mut(), value) {
                            *slot = value;
                        }
                        Ok(())
                    }
                    Err(message) => {
                        st.failure.get_or_insert(message.clone());
                        Err(weld_shim::wasmtime::format_err!("{message}"))
                    }
                }
            };
            if import.instance.is_empty() {
                linker.root().func_new(&import.name, answer).map_err(err)?;
            } else {
                linker
                    .instance(&import.instance)
                    .map_err(err)?
                    .func_new(&import.name, answer)
                    .map_err(err)?;
            }
        }
        let pre = linker.instantiate_pre(component).map_err(err)?;
        Ok(Self {
            engine: engine.clone(),
            pre,
            exports: Exports::of(engine.engine(), component),
            imports,
            state,
        })
    }

    /// Checks every case of `file` against the stage's exports and imports,
    /// collecting every problem.
    pub fn check(&self, file: &TestFile, diags: &mut Diagnostics) -> Vec<CheckedCase> {
        let mut out = Vec::new();
        for case in &file.cases {
            let before = diags.error_count();
            let checked = self.check_case(file, case, diags);
            if diags.error_count() == before
                && let Some(c) = checked
            {
                out.push(c);
            }
        }
        out
    }

    fn check_case(
        &self,
        file: &TestFile,
        case: &CaseSpec,
        diags: &mut Diagnostics,
    ) -> Option<CheckedCase> {
        let source = &file.source;
        let line = case.name_span.map_or(0, |s| source.line_col(s.start).0);
        let wave_error = |w: &Wave, what: &str, e: &WaveError, note: Option<String>| {
            let mut d = Diagnostic::error(format!("{what}: {}", e.message)).at_opt(
                source,
                w.sub_span(e.span.clone()),
                "",
            );
            if let Some(n) = note {
                d = d.note(n);
            }
            d
        };
        // The call: the name as the stage exports it (versioned or not), or a bare
        // function name only one export has.
        let call = match weld_call::split(&case.call.text, false) {
            Ok(c) => c,
            Err(e) => {
                diags.push(
                    wave_error(&case.call, "invalid call", &e.into(), None)
                        .help("write `<interface>.<function>(<args>)` with arguments in WAVE"),
                );
                return None;
            }
        };
        let func = match self.exports.find(call.name()) {
            Ok(f) => f.clone(),
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("the stage exports no function `{}`", call.name()))
                        .at_opt(source, case.call.sub_span(call.name_span()), "")
                        .note(e.to_string()),
                );
                return None;
            }
        };
        let signature = format!("`{}`: {}", func.qualified_name(), func.signature());
        let param_types: Vec<Type> = func.ty.params().map(|(_, t)| t).collect();
        let params = match call.params::<Val>(&param_types) {
            Ok(p) => p,
            Err(e) => {
                diags.push(wave_error(
                    &case.call,
                    "the call does not fit the function",
                    &e.into(),
                    Some(signature.clone()),
                ));
                return None;
            }
        };
        let result_ty = func.ty.results().next();
        let expect = match &case.expect {
            ExpectSpec::Returns => Expect::Returns,
            ExpectSpec::Trap(t) => Expect::Trap(t.clone()),
            ExpectSpec::Value(w) => match parse_result(result_ty.as_ref(), w) {
                Ok(v) => Expect::Value(v),
                Err(e) => {
                    diags.push(wave_error(
                        w,
                        "the expected value does not fit the function's result",
                        &e,
                        Some(signature.clone()),
                    ));
                    return None;
                }
            },
        };
        let mut mocks = HashMap::new();
        for (name, key_span, spec) in &case.mocks {
            let import = match self.resolve_import(name) {
                Ok(import) => import,
                Err(note) => {
                    let mut d =
                        Diagnostic::error(format!("the stage imports no function `{name}`"))
                            .at_opt(source, *key_span, "not an import of this stage")
                            .note(note);
                    if name.starts_with("wasi:") {
                        d = d.help("WASI imports are provided with every capability denied and cannot be mocked");
                    }
                    diags.push(d);
                    continue;
                }
            };
            let what = format!("the mock does not fit `{}`", import.key());
            let sig = Some(format!("`{}`: {}", import.key(), import.signature()));
            let ret = import.ty.results().next();
            let parse_ret = |w: &Wave| {
                parse_result(ret.as_ref(), w).map_err(|e| wave_error(w, &what, &e, sig.clone()))
            };
            let mock = match spec {
                MockSpec::Fixed(w) => parse_ret(w).map(Mock::Fixed),
                MockSpec::Sequence(ws) => ws
                    .iter()
                    .map(parse_ret)
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| Mock::Sequence(v, 0)),
                MockSpec::Match { arms, default } => (|| {
                    let mut out = Vec::new();
                    for (args, ret) in arms {
                        let args = parse_arg_patterns(&import, args).map_err(|e| {
                            let d = wave_error(args, &what, &e, sig.clone());
                            if args.text.trim_start().starts_with('(') {
                                d
                            } else {
                                // `args: "(2)"` is the WAVE string "(2)".
                                d.help("`args` is the argument list in parentheses, in single quotes: `args: '(2)'`")
                            }
                        })?;
                        out.push((args, parse_ret(ret)?));
                    }
                    let default = default.as_ref().map(parse_ret).transpose()?;
                    Ok(Mock::Match(out, default))
                })(),
            };
            match mock {
                Ok(m) => {
                    mocks.insert(import.key(), m);
                }
                Err(d) => diags.push(d),
            }
        }
        let mut expect_calls = Vec::new();
        for c in &case.expect_calls {
            let call = match weld_call::split(&c.call.text, true) {
                Ok(call) => call,
                Err(e) => {
                    diags.push(wave_error(&c.call, "invalid expected call", &e.into(), None).help(
                        "write `<interface>.<function>(<args>)`, or `<interface>.<function>` for any arguments",
                    ));
                    continue;
                }
            };
            let import = match self.resolve_import(call.name()) {
                Ok(import) => import,
                Err(note) => {
                    diags.push(
                        Diagnostic::error(format!(
                            "the stage imports no function `{}`",
                            call.name()
                        ))
                        .at_opt(source, c.call.sub_span(call.name_span()), "")
                        .note(note),
                    );
                    continue;
                }
            };
            let args = match call.args_text() {
                None => None,
                Some(_) => {
                    let types: Vec<Type> = import.ty.params().map(|(_, t)| t).collect();
                    match call.param_patterns::<Val>(&types) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            diags.push(wave_error(
                                &c.call,
                                &format!("the expected call does not fit `{}`", import.key()),
                                &e.into(),
                                Some(format!("`{}`: {}", import.key(), import.signature())),
                            ));
                            continue;
                        }
                    }
                }
            };
            let text = c.call.text.trim();
            expect_calls.push(ExpectedCall {
                import: import.key(),
                text: text.to_string(),
                args,
                times: c.times,
            });
        }
        Some(CheckedCase {
            slug: case.slug.clone(),
            line,
            func,
            params,
            expect,
            mocks,
            expect_calls,
            config: case.config.clone(),
        })
    }

    /// `demo:text/clean.words`, `demo:text/clean@0.1.0.words` or a bare `words` that only
    /// one import has, to the import; otherwise a note saying what the stage imports.
    fn resolve_import(&self, name: &str) -> Result<ImportFunc, String> {
        let found = weld_call::matching(name, &self.imports, |i| {
            (Some(i.instance.as_str()), i.name.as_str())
        });
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] if self.imports.is_empty() => {
                Err("the stage imports no functions besides WASI".to_string())
            }
            [] => {
                let known: Vec<String> = self.imports.iter().map(ImportFunc::key).collect();
                Err(format!("the stage imports: {}", known.join(", ")))
            }
            many => {
                let known: Vec<String> = many.iter().map(|i| format!("`{}`", i.key())).collect();
                Err(format!(
                    "`{name}` is ambiguous: qualify it as one of {}",
                    known.join(", ")
                ))
            }
        }
    }

    /// Runs one case in a fresh instance.
    pub async fn run(&self, case: &CheckedCase) -> Outcome {
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            *st = CaseState {
                mocks: case.mocks.clone(),
                ..CaseState::default()
            };
        }
        let output = CapturedStdio::new();
        let result = self.call(case, &output).await;
        let st = std::mem::take(&mut *self.state.lock().unwrap_or_else(|p| p.into_inner()));
        let stdout = String::from_utf8_lossy(&output.stdout.contents()).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr.contents()).into_owned();
        // A QuickJS stage's exception reaches stderr as its runtime's panic: say it with
        // the trap (so `expect-trap` can match its message) instead of as that panic.
        let (exception, stderr) = match weld_shim::js_exception::take(&stderr) {
            Some((exception, rest)) => (Some(exception), rest),
            None => (None, stderr),
        };
        let trap_text = |g: &GuestError| match &exception {
            Some(e) => format!("{e}: {}", guest_text(g)),
            None => guest_text(g),
        };
        let call_text = format!("{}{}", case.func.qualified_name(), show_args(&case.params));
        let mut problems = Vec::new();
        match (&case.expect, result) {
            (_, Err(CallError::Setup(e))) => problems.push(format!("could not run: {e:#}")),
            (_, Err(CallError::Guest(_))) if st.failure.is_some() => {
                problems.push(st.failure.clone().unwrap_or_default())
            }
            (Expect::Trap(want), Err(CallError::Guest(g))) => {
                let got = trap_text(&g);
                if !got.contains(want.as_str()) {
                    problems.push(side_by_side(&format!("trap containing {want:?}"), &got));
                }
            }
            (_, Err(CallError::Guest(g))) => {
                problems.push(format!("{call_text} failed: {}", trap_text(&g)))
            }
            (Expect::Trap(want), Ok(v)) => problems.push(side_by_side(
                &format!("trap containing {want:?}"),
                &show_result(v.as_ref()),
            )),
            (Expect::Returns, Ok(_)) => {}
            (Expect::Value(want), Ok(got)) => {
                if want != &got {
                    problems.push(side_by_side(
                        &show_result(want.as_ref()),
                        &show_result(got.as_ref()),
                    ));
                }
            }
        }
        if problems.is_empty()
            && let Some(f) = &st.failure
        {
            // The guest swallowed a failed import call.
            problems.push(f.clone());
        }
        for expected in &case.expect_calls {
            let matching = st
                .calls
                .iter()
                .filter(|(import, args)| {
                    import == &expected.import
                        && expected
                            .args
                            .as_ref()
                            .is_none_or(|want| weld_call::fits(want, args))
                })
                .count();
            let ok = match expected.times {
                Some(n) => matching == n as usize,
                None => matching > 0,
            };
            if !ok {
                let want = match expected.times {
                    Some(n) => format!("{n} time{}", if n == 1 { "" } else { "s" }),
                    None => "at least once".to_string(),
                };
                let mut text = format!(
                    "expected `{}` to be called {want}, it was called {matching} time{}",
                    expected.text,
                    if matching == 1 { "" } else { "s" }
                );
                let actual: Vec<String> = st
                    .calls
                    .iter()
                    .map(|(i, a)| format!("{i}{}", show_args(a)))
                    .collect();
                if actual.is_empty() {
                    text.push_str("\n  no imports were called");
                } else {
                    text.push_str("\n  imports called:");
                    for a in actual {
                        let _ = write!(text, "\n    {a}");
                    }
                }
                problems.push(text);
            }
        }
        if problems.is_empty() {
            // As `cargo test`: a passing case's output is not shown.
            Outcome::Pass
        } else {
            let mut text = format!("call: {call_text}\n{}", problems.join("\n"));
            for (stream, written) in [("stdout", &stdout), ("stderr", &stderr)] {
                if !written.trim().is_empty() {
                    let _ = write!(text, "\nthe stage's {stream}:");
                    for line in written.lines() {
                        let _ = write!(text, "\n  | {line}");
                    }
                }
            }
            Outcome::Fail(text)
        }
    }

    async fn call(
        &self,
        case: &CheckedCase,
        output: &CapturedStdio,
    ) -> Result<Option<Val>, CallError> {
        // The stage runs alone, so it is asked for its keys as it names them: no
        // `<stage>.` prefix as in a composed artifact.
        let capabilities = Capabilities {
            config: case.config.clone(),
            ..Capabilities::default()
        };
        let host = Host::new(
            &capabilities,
            &[],
            Stdio::Captured(output.clone()),
            self.engine.limits(),
        )
        .map_err(|e| CallError::Setup(e.into()))?;
        let mut store = new_store(&self.engine, host);
        let instance = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| CallError::Guest(classify(e)))?;
        let func = instance
            .get_func(&mut store, case.func.index)
            .ok_or_else(|| {
                CallError::Setup(anyhow::anyhow!(
                    "`{}` is not exported",
                    case.func.qualified_name()
                ))
            })?;
        let mut results = vec![Val::Bool(false); case.func.ty.results().len()];
        func.call_async(&mut store, &case.params, &mut results)
            .await
            .map_err(|e| CallError::Guest(classify(e)))?;
        Ok(results.into_iter().next())
    }
}

enum CallError {
    Setup(anyhow::Error),
    Guest(GuestError),
}

impl Mock {
    fn answer(&mut self, params: &[Val], key: &str, call: &str) -> Result<Option<Val>, String> {
        match self {
            Mock::Fixed(v) => Ok(v.clone()),
            Mock::Sequence(values, next) => {
                let i = *next;
                *next += 1;
                values.get(i).cloned().ok_or_else(|| {
                    format!(
                        "import `{key}` was called more often than its mock `sequence` has values ({}): call {} was {call}",
                        values.len(),
                        i + 1,
                    )
                })
            }
            Mock::Match(arms, default) => arms
                .iter()
                .find(|(pattern, _)| weld_call::fits(pattern, params))
                .map(|(_, v)| v.clone())
                .or_else(|| default.clone())
                .ok_or_else(|| {
                    format!("no `match` arm of the mock of `{key}` fits the call {call} and it has no `default`")
                }),
        }
    }
}

/// A value of the function's result type, or `()` for a function without one.
fn parse_result(ty: Option<&Type>, w: &Wave) -> Result<Option<Val>, WaveError> {
    match ty {
        Some(ty) => Ok(Some(wasm_wave::from_str::<Val>(ty, w.text.trim())?)),
        // `()`: no result, read as an empty argument list to reuse its errors.
        None => weld_call::parse_args::<Val>(&w.text, 0, &[])
            .map(|_| None)
            .map_err(WaveError::from),
    }
}

/// `(args)` of an import's parameters, as a pattern: `_` (`None`) for any value.
fn parse_arg_patterns(import: &ImportFunc, w: &Wave) -> Result<Vec<Option<Val>>, WaveError> {
    let types: Vec<Type> = import.ty.params().map(|(_, t)| t).collect();
    weld_call::parse_arg_patterns::<Val>(&w.text, 0, &types).map_err(WaveError::from)
}

/// A WAVE error: what is wrong, and where in the WAVE text.
#[derive(Debug)]
struct WaveError {
    message: String,
    span: std::ops::Range<usize>,
}

impl From<ParserError> for WaveError {
    fn from(e: ParserError) -> Self {
        Self {
            message: weld_call::describe(&e),
            span: e.span(),
        }
    }
}

impl From<weld_call::CallError> for WaveError {
    fn from(e: weld_call::CallError) -> Self {
        Self {
            message: e.message,
            span: e.span,
        }
    }
}

/// A value in WAVE, or Rust's debug form when it has none (resources).
pub fn show(v: &Val) -> String {
    wasm_wave::to_string(v).unwrap_or_else(|_| format!("{v:?}"))
}

fn show_result(v: Option<&Val>) -> String {
    v.map_or_else(|| "()".to_string(), show)
}

fn show_args(params: &[Val]) -> String {
    format!(
        "({})",
        params.iter().map(show).collect::<Vec<_>>().join(", ")
    )
}

fn guest_text(g: &GuestError) -> String {
    let mut text = g.to_string();
    let mut source = std::error::Error::source(g);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `expected: ...` over `actual: ...`, values aligned, and where they differ.
fn side_by_side(expected: &str, actual: &str) -> String {
    let mut out = format!("expected: {expected}\n  actual: {actual}");
    let at = expected
        .char_indices()
        .zip(actual.chars())
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| expected[..i].chars().count())
        .unwrap_or_else(|| expected.chars().count().min(actual.chars().count()));
    if expected.len() > 20 || actual.len() > 20 {
        let _ = write!(out, "\n          {}^ first difference", " ".repeat(at));
    }
    out
}
