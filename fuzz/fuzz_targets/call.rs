//! A call as `weld invoke` and `weld test` read it: `wasi:foo/bar@0.2.0.baz(1, "x")`.
//!
//! Any text goes through `weld_call::split` (with and without a bare name allowed),
//! then its arguments are read against parameter lists of every WAVE type, as a call and
//! as a pattern (`_` for any value). Nothing may panic, and every span returned, in a
//! result or an error, must be a range of the input on character boundaries (callers
//! slice the text with it).

#![no_main]

mod common;

use std::{ops::Range, sync::LazyLock};

use libfuzzer_sys::fuzz_target;
use wasm_wave::value::{Type, Value};

static PARAMS: LazyLock<Vec<Vec<Type>>> = LazyLock::new(common::param_lists);

fn assert_span(text: &str, span: &Range<usize>, what: &str) {
    assert!(
        text.get(span.clone()).is_some(),
        "{what} span {span:?} is not a char-boundary range of {text:?} ({} bytes)",
        text.len()
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for allow_bare_name in [false, true] {
        let call = match weld_call::split(text, allow_bare_name) {
            Ok(call) => call,
            Err(e) => {
                assert_span(text, &e.span, "split error");
                let _ = e.with_snippet(text);
                continue;
            }
        };
        assert_span(text, &call.name_span(), "name");
        let _ = weld_call::split_function_name(call.name());
        match call.arg_spans() {
            Ok(spans) => {
                for span in &spans {
                    assert_span(text, span, "argument");
                }
            }
            Err(e) => assert_span(text, &e.span, "arg_spans error"),
        }
        for types in PARAMS.iter() {
            match call.params::<Value>(types) {
                Ok(values) => {
                    assert!(values.len() <= types.len());
                    for v in &values {
                        let _ = wasm_wave::to_string(v);
                    }
                }
                Err(e) => {
                    assert_span(text, &e.span, "params error");
                    let _ = e.with_snippet(text);
                }
            }
            // The same as a pattern (`_` for any value), as mocks and expected calls
            // read it.
            match call.param_patterns::<Value>(types) {
                Ok(pattern) => assert!(pattern.len() <= types.len()),
                Err(e) => assert_span(text, &e.span, "param_patterns error"),
            }
        }
    }
});
