//! A `<stage>.test.yaml` file, as `weld test` reads it.
//!
//! Any text is parsed by `weld::unit_test::cases::parse`; its diagnostics are rendered.
//! Parsed cases go on the way the runner reads them, without a component: the call is
//! split and its arguments, mock arguments and expected values are read against fixed
//! WAVE types, and each error is rendered at the place in the file it points to.

#![no_main]

mod common;

use std::{path::Path, sync::LazyLock};

use libfuzzer_sys::fuzz_target;
use wasm_wave::value::{Type, Value};
use weld::{
    diagnostic::{Diagnostic, Diagnostics},
    unit_test::cases::{self, ExpectSpec, MockSpec, TestFile, Wave},
};

static PARAMS: LazyLock<Vec<Vec<Type>>> = LazyLock::new(common::param_lists);

/// Renders an error about `wave` at the span it points to, as the runner does.
fn report(file: &TestFile, wave: &Wave, message: &str, span: std::ops::Range<usize>) {
    let d = Diagnostic::error(message).at_opt(&file.source, wave.sub_span(span), "");
    common::render_one(&d);
}

/// Reads `wave` as a call (`allow_bare_name` for `expect-calls`).
fn call(file: &TestFile, wave: &Wave, allow_bare_name: bool) {
    let call = match weld_call::split(&wave.text, allow_bare_name) {
        Ok(call) => call,
        Err(e) => return report(file, wave, &e.message, e.span),
    };
    report(file, wave, "name", call.name_span());
    if let Ok(spans) = call.arg_spans() {
        for span in spans {
            report(file, wave, "argument", span);
        }
    }
    for types in PARAMS.iter() {
        if let Err(e) = call.params::<Value>(types) {
            report(file, wave, &e.message, e.span);
        }
    }
}

/// Reads `wave` as an argument list `(a, b)`, as mock `match` arms are.
fn args(file: &TestFile, wave: &Wave) {
    for types in PARAMS.iter() {
        if let Err(e) = weld_call::parse_args::<Value>(&wave.text, 0, types) {
            report(file, wave, &e.message, e.span);
        }
    }
}

/// Reads `wave` as one value, as expectations and mock results are.
fn value(file: &TestFile, wave: &Wave) {
    for ty in PARAMS.iter().flatten().take(12) {
        if let Err(e) = wasm_wave::from_str::<Value>(ty, wave.text.trim()) {
            report(file, wave, &weld_call::describe(&e), e.span());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = match cases::parse(Path::new("stage.test.yaml"), text.to_owned()) {
        Ok(file) => file,
        Err(diags) => return common::render(&diags),
    };
    for case in &file.cases {
        if let Some(span) = case.name_span {
            common::render(&Diagnostics::from(Diagnostic::error("name").at(
                &file.source,
                span,
                "here",
            )));
        }
        call(&file, &case.call, false);
        if let ExpectSpec::Value(w) = &case.expect {
            value(&file, w);
        }
        for (_, _, mock) in &case.mocks {
            match mock {
                MockSpec::Fixed(w) => value(&file, w),
                MockSpec::Sequence(ws) => ws.iter().for_each(|w| value(&file, w)),
                MockSpec::Match { arms, default } => {
                    for (a, r) in arms {
                        args(&file, a);
                        value(&file, r);
                    }
                    if let Some(w) = default {
                        value(&file, w);
                    }
                }
            }
        }
        for c in &case.expect_calls {
            call(&file, &c.call, true);
        }
    }
});
