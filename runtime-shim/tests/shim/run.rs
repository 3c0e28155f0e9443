//! `run`: a `wasi:cli` command with stdio, arguments and exit status passed
//! through, and capabilities denied unless granted.

use std::io::Write;
use std::process::Stdio;

use super::common::{Ran, run_shim, rust_fixtures, shim, test_dir, wat_component};

fn run_echo(flags: &[&str], args: &[&str], stdin: &str) -> Ran {
    let (_, echo) = rust_fixtures();
    let mut child = shim()
        .arg("run")
        .args(flags)
        .arg(echo)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

#[test]
fn stdio_and_arguments_pass_through() {
    let ran = run_echo(&[], &["a", "--b"], "hello\n");
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "HELLO\n");
    assert!(ran.stderr.contains("args: a --b"), "{}", ran.stderr);
}

#[test]
fn exit_status_passes_through() {
    let ran = run_echo(&[], &["fail"], "");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        !ran.stderr.contains("error:"),
        "a guest exit is not a shim error: {}",
        ran.stderr
    );
}

#[test]
fn a_guest_exit_code_passes_through() {
    // `wasi:cli/exit.exit-with-code(3)`: the shim exits with 3 too.
    let ran = run_shim(["run".as_ref(), wat_component("exit-code").as_os_str()]);
    assert_eq!(ran.code, Some(3), "{ran:?}");
    assert!(
        !ran.stderr.contains("error:"),
        "a guest exit is not a shim error: {}",
        ran.stderr
    );
}

#[test]
fn environment_and_files_are_denied_by_default() {
    let dir = test_dir("capabilities");
    std::fs::write(dir.join("secret.txt"), "s3cret").unwrap();
    let read = format!("read:{}", dir.join("secret.txt").display());
    // This process has PATH and friends set; the guest must see none of them.
    let ran = run_echo(&[], &["env", &read], "");
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("env: []"), "{}", ran.stderr);
    assert!(ran.stderr.contains("failed"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("s3cret"), "{}", ran.stderr);

    let dir_flag = format!("{}::/data", dir.display());
    let ran = run_echo(
        &["--env", "GREETING=hi", "--dir", &dir_flag],
        &["env", "read:/data/secret.txt"],
        "",
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("env: [GREETING=hi]"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("read /data/secret.txt: s3cret"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_library_component_is_not_a_command() {
    let ran = run_shim(["run".as_ref(), wat_component("pipeline").as_os_str()]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("is not a command: it does not export `wasi:cli/run`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("demo:text/pipeline"), "{}", ran.stderr);
}
