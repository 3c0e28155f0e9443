//! No input makes Weld panic: pipelines and test files with non-ASCII text, and every
//! input a fuzz target (`fuzz/`, see TESTING.md) once crashed on, as a plain test.
//!
//! Diagnostics point at byte spans of the file; a span that ends inside a multi-byte
//! character used to panic when the snippet was printed. Each pipeline below is put
//! through the library (parse, check, render three ways) and through the `weld check`
//! binary, which must fail with `error:` and exit code 1, never a panic.

mod common;

use std::path::Path;

use common::{stderr, weld};
use indexmap::IndexMap;
use weld::{
    diagnostic::{Diagnostic, Diagnostics},
    manifest::Manifest,
    pipeline,
    unit_test::cases,
};

/// Invalid pipelines with non-ASCII text, each with a word its error must contain.
const PIPELINES: &[(&str, &str, &str)] = &[
    (
        "non-ASCII stage name",
        "version: 1\nstages:\n  stägé: { lang: wasm, path: a.wasm }\nexports:\n  a:b/c: stägé\n",
        "stägé",
    ),
    (
        "non-ASCII key",
        "version: 1\nstages:\n  a:\n    näme: 🦀\n    lang: wasm\n    path: a.wasm\nexports:\n  a:b/c: a\n",
        "näme",
    ),
    (
        "emoji in values",
        "version: 1\nname: 🦀🦀\nstages:\n  a: { lang: wasm, path: 🦀.wasm }\nexports:\n  a:b/c: a\n",
        "🦀",
    ),
    (
        "tab after a multi-byte character",
        "version: 1\nstages:\n  a:\n    lang: wasm\n    path: é\t.wasm\n\tworld: ü\nexports:\n  a:b/c: a\n",
        "tab",
    ),
    (
        "unknown language in Greek",
        "version: 1\nstages:\n  a: { lang: ελληνικά, path: a.wasm }\nexports:\n  a:b/c: a\n",
        "ελληνικά",
    ),
    (
        // A block scalar's span was cut at the decoded value's length, inside the `€`
        // of the comment on its header line.
        "block scalar with a multi-byte comment",
        "version: 1\nname: |2 #€€\n  a!cd\nstages:\n  a: { lang: wasm, path: a.wasm }\nexports:\n  a:b/c: a\n",
        "invalid pipeline name",
    ),
    (
        // The same as a key: the key's text was sliced with that span.
        "block scalar key with a multi-byte comment",
        "version: 1\nstages:\n  ? |2 #€€\n    abcd\n  : { lang: wasm, path: a.wasm }\nexports:\n  a:b/c: a\n",
        "error",
    ),
    (
        // Found by the `pipeline` fuzz target: a plain key folded over `\r` line breaks
        // is shorter than its source; its span ended inside `ü` and slicing the key's
        // text panicked.
        "key folded over carriage returns",
        "version: 1\nstages: {a\r\rbü: { lang: wasm, path: a.wasm }}\nexports:\n  a:b/c: a\n",
        "error",
    ),
    (
        // The fuzzer's own input of that crash, unminimised.
        "fuzz crash f0359fcb",
        "{Tok a\x0e\x0e\x0e\x0e\x0e\x13\r\rs#\r\u{701}",
        "error",
    ),
    (
        // The same as a value: the invalid name's span ended inside `ü`, and printing
        // the snippet panicked.
        "value folded over carriage returns",
        "version: 1\nname: a\r\r büc\nstages:\n  a: { lang: wasm, path: a.wasm }\nexports:\n  a:b/c: a\n",
        "invalid pipeline name",
    ),
    (
        "wiring with non-ASCII import names",
        "version: 1\nstages:\n  a:\n    lang: wasm\n    path: a.wasm\n    imports:\n      wäsi:ïo/strëams: b\nexports:\n  ä:b/c: a\n",
        "error",
    ),
];

/// Renders `diags` as `weld` does (plain and coloured) and through miette.
fn render(diags: &Diagnostics) -> String {
    let _ = diags.render(true);
    for d in &diags.0 {
        let mut out = String::new();
        miette::NarratableReportHandler::new()
            .render_report(&mut out, d)
            .unwrap();
    }
    diags.render(false)
}

fn parse_and_check(path: &Path, text: &str) -> String {
    match Manifest::parse(path, text.to_string())
        .and_then(|m| pipeline::check(m, None, &IndexMap::new()))
    {
        Ok(checked) => panic!("expected an error, got:\n{}", checked.summary()),
        Err(diags) => render(&diags),
    }
}

#[test]
fn non_ascii_pipelines_render_their_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("pipeline.yaml");
    for (what, text, expected) in PIPELINES {
        let rendered = parse_and_check(&path, text);
        assert!(rendered.starts_with("error"), "{what}:\n{rendered}");
        assert!(rendered.contains(expected), "{what}:\n{rendered}");
    }
}

#[test]
fn weld_check_fails_cleanly_on_non_ascii_pipelines() {
    for (what, text, expected) in PIPELINES {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("pipeline.yaml"), text).unwrap();
        let out = weld(tmp.path(), &["check"]);
        let stderr = stderr(&out);
        assert!(!stderr.contains("panicked"), "{what}:\n{stderr}");
        assert_eq!(out.status.code(), Some(1), "{what}:\n{stderr}");
        assert!(stderr.contains("error:"), "{what}:\n{stderr}");
        assert!(stderr.contains(expected), "{what}:\n{stderr}");
    }
}

/// Test files (`<stage>.test.yaml`) with non-ASCII text: each parses or fails with
/// diagnostics that render, and every span it holds is a char-boundary range.
#[test]
fn non_ascii_test_files_parse_or_render_their_errors() {
    let files = [
        "- name: ünïcode\n  call: f(\"ü\")\n  expect: '\"é\"'\n",
        "- name: x\n  call: 'f(\"€\", ''a'')'\n",
        "- name: x\n  call: |2 #€€\n    f()\n",
        "- name: 🦀\n  call: f()\n  mocks:\n    i.g: { sequence: ['\"ä\"', '[\"ö\"]'] }\n",
        "- näme: x\n  call: f()\n",
        "- name: a\n  call: f()\n- name: A\n  call: g()\n  expect-trap: \"ü\"\n",
        "config:\n  ключ: значение\ncases:\n  - name: ü\n    call: f(\"ü\")\n    config: { ü: ~, ключ: ~ }\n",
        "config:\n  ключ: { ü: 1 }\ncases: []\n",
    ];
    for text in files {
        match cases::parse(Path::new("s.test.yaml"), text.to_string()) {
            Err(diags) => {
                let rendered = render(&diags);
                assert!(rendered.starts_with("error"), "{text}:\n{rendered}");
            }
            Ok(file) => {
                for case in &file.cases {
                    let waves = std::iter::once(&case.call)
                        .chain(case.expect_calls.iter().map(|c| &c.call));
                    for wave in waves {
                        let span = wave.span.unwrap();
                        assert!(text.get(span.start..span.end).is_some(), "{text}: {span:?}");
                        // Any range of the WAVE text, as a WAVE error may give.
                        for end in 0..=wave.text.len() + 1 {
                            let d = Diagnostic::error("x").at_opt(
                                &file.source,
                                wave.sub_span(0..end),
                                "",
                            );
                            render(&d.into());
                        }
                    }
                }
            }
        }
    }
}
