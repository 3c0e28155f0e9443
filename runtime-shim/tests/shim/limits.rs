//! Deadlines, memory limits and traps, each named after the stage it hit.

use std::time::{Duration, Instant};

use weld_shim::diagnose::Origin;
use weld_shim::{GuestError, InvokeError, InvokeOptions, Limits, invoke};

use super::common::{invoke_pipeline, wat_component};

#[test]
fn deadline_stops_an_infinite_loop() {
    let started = Instant::now();
    let ran = invoke_pipeline("demo:test/hog.spin()", &["--timeout", "200ms"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(
        ran.stderr.trim_end(),
        "error: deadline exceeded after 200ms in stage `hog`"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn memory_limit_fails_the_call_that_grows_past_it() {
    let ran = invoke_pipeline("grow(100)", &["--max-memory", "1MiB"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: memory limit of 1 MiB exceeded in stage `hog`"),
        "{}",
        ran.stderr
    );

    // Within the limit the same call succeeds: 1 page before, 2 after.
    let ran = invoke_pipeline("grow(1)", &["--max-memory", "1MiB"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "1\n");
}

#[test]
fn trap_names_the_stage_it_happened_in() {
    let ran = invoke_pipeline("demo:check/validate.check(\"!boom\")", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    let mut lines = ran.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("error: trap in stage `validate`: unreachable executed")
    );
    assert_eq!(lines.next(), Some("guest stack, innermost first:"));
    // The trapping function by its name-section name, then its caller.
    assert_eq!(lines.next(), Some("    0: stage `validate`: fail"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("    1: stage `validate`: "),
        "{}",
        ran.stderr
    );
}

#[test]
fn trap_in_a_called_stage_names_the_callee() {
    // `upper` calls into `validate`, which traps: the innermost stage wins.
    let ran = invoke_pipeline("demo:text/pipeline.process(\"!boom\")", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: trap in stage `validate`: unreachable executed\n"),
        "{}",
        ran.stderr
    );
    // The whole path is on the stack: the callee's frames first, the caller's last.
    let frames: Vec<&str> = ran
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("guest stack"))
        .skip(1)
        .collect();
    assert_eq!(
        frames.first(),
        Some(&"    0: stage `validate`: fail"),
        "{frames:?}"
    );
    assert!(
        frames.last().unwrap().contains("stage `upper`: "),
        "{frames:?}"
    );
}

#[test]
fn library_reports_structured_failures() {
    let options = |call: &str, limits: Limits| InvokeOptions {
        artifact: wat_component("pipeline"),
        call: call.to_string(),
        capabilities: Default::default(),
        limits,
        load: weld_shim::LoadOptions {
            no_cache: true,
            cache_dir: None,
        },
    };
    let error = invoke(&options(
        "spin()",
        Limits {
            timeout: Some(Duration::from_millis(50)),
            max_memory: None,
        },
    ))
    .unwrap_err();
    match error {
        InvokeError::Guest(GuestError::DeadlineExceeded { after, origin }) => {
            assert_eq!(after, Duration::from_millis(50));
            assert_eq!(origin, Origin::Stage("hog".into()));
        }
        other => panic!("expected a deadline, got {other:?}"),
    }

    let error = invoke(&options(
        "demo:text/pipeline.process(\"!\")",
        Limits::default(),
    ))
    .unwrap_err();
    match error {
        InvokeError::Guest(GuestError::Trap {
            message,
            origin,
            backtrace,
        }) => {
            assert_eq!(message, "unreachable executed");
            assert_eq!(origin.stage(), Some("validate"));
            assert_eq!(backtrace[0].function, "fail");
            assert_eq!(backtrace[0].origin.stage(), Some("validate"));
            assert_eq!(backtrace[0].location, None, "the WAT stage has no DWARF");
            assert!(
                backtrace
                    .iter()
                    .any(|frame| frame.origin.stage() == Some("upper")),
                "the caller's frames are kept: {backtrace:?}"
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}
