//! Inputs the `call` fuzz target (`fuzz/`, see TESTING.md) found, as plain tests.
//!
//! Every span `weld-call` returns, in a result or an error, must be a range of the call
//! text on character boundaries: `weld test` points diagnostics with them and `invoke`
//! cuts the snippet out of the call.

use std::ops::Range;

use wasm_wave::value::{Type, Value};

fn assert_char_range(text: &str, span: &Range<usize>) {
    assert!(
        text.get(span.clone()).is_some(),
        "span {span:?} is not a char-boundary range of {text:?}"
    );
}

/// Splits `text` and reads its arguments as `types`; checks every span on the way.
fn check(text: &str, types: &[Type]) {
    let call = match weld_call::split(text, false) {
        Ok(call) => call,
        Err(e) => return assert_char_range(text, &e.span),
    };
    assert_char_range(text, &call.name_span());
    match call.arg_spans() {
        Ok(spans) => spans.iter().for_each(|s| assert_char_range(text, s)),
        Err(e) => assert_char_range(text, &e.span),
    }
    if let Err(e) = call.params::<Value>(types) {
        assert_char_range(text, &e.span);
    }
    if let Err(e) = call.param_patterns::<Value>(types) {
        assert_char_range(text, &e.span);
    }
}

/// wasm-wave 0.254.2 places the error about a multiline string's closing `"""` on the
/// last three bytes of the string's content (`end - 3..end`, `strings.rs`), and the
/// errors about its opening line and indentation on one byte (`pos..pos + 1`): inside a
/// character when that content ends or starts with a multi-byte one. `weld-call` widens
/// every span to whole characters.
#[test]
fn multiline_string_errors_point_at_whole_characters() {
    for text in [
        // Found by the fuzzer: closing `"""` not on a line of its own, `߷` (2 bytes).
        "f(\"\"\"2'\t\r\n߷=+\"\"\")",
        "f(\"\"\"\na€b\"\"\")",
        // Opening `"""` not followed by a newline.
        "f(\"\"\"é\n\"\"\")",
        // A line less indented than the closing `"""`.
        "f(\"\"\"\né\n  \"\"\")",
    ] {
        check(text, &[Type::STRING]);
    }
}
