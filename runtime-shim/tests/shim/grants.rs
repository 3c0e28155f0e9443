//! Per-stage grants on the host side: configuration values for
//! `wasi:config/store` (flag, file, environment, checked against the declared
//! keys), the directories and environment a `weld:grants` record hands over,
//! and calls Weld's guard refused.
//!
//! Artifacts are fixtures with a `weld:grants` section appended, as `weld
//! compose` writes it: `config.wat` reads a configuration key the way a guard
//! does on behalf of its stage; `denied.wat` calls a refused function.

use std::path::{Path, PathBuf};
use std::process::Command;

use weld_shim::grants::{ConfigKey, FileGrant, StageGrants};

use super::common::{
    Ran, grants, run_shim, rust_fixtures, shim, test_dir, wat_component, with_grants,
};

/// Stage `tokens` with a required secret `secret` and `region` defaulting to `eu`.
fn tokens() -> StageGrants {
    StageGrants {
        config: vec![
            ConfigKey {
                key: "secret".into(),
                secret: true,
                default: None,
            },
            ConfigKey {
                key: "region".into(),
                secret: false,
                default: Some("eu".into()),
            },
        ],
        ..Default::default()
    }
}

/// `config.wat` with stage `tokens`'s grants, in `dir`.
fn config_artifact(dir: &Path) -> PathBuf {
    with_grants(
        &wat_component("config"),
        &grants(&[("tokens", tokens())]),
        &dir.join("tokens.wasm"),
    )
}

/// `weld-shim <args>` in `dir`, with no `WELD_CONFIG_*` from the caller's
/// environment except `env`.
fn shim_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut command = shim();
    command.current_dir(dir).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("WELD_CONFIG_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    output(command)
}

fn output(mut command: Command) -> Ran {
    command
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run weld-shim")
        .into()
}

const READ_SECRET: &str = "read(\"tokens.secret\")";

#[test]
fn configuration_comes_from_a_flag_a_file_or_the_environment() {
    let dir = test_dir("config-sources");
    let artifact = config_artifact(&dir);
    let artifact = artifact.to_str().unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[tokens]\nsecret = \"from-file\"\n",
    )
    .unwrap();
    let env = [("WELD_CONFIG_TOKENS_SECRET", "from-env")];
    let flag = ["--config", "tokens.secret=from-flag"];
    let file = ["--config-file", "config.toml"];

    // Flags, environment, and the value the guest should read.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (&flag, &[], "from-flag"),
        (&file, &[], "from-file"),
        (&[], &env, "from-env"),
        // Precedence: flag, then file, then environment.
        (&[flag[0], flag[1], file[0], file[1]], &env, "from-flag"),
        (&file, &env, "from-file"),
    ];
    for (flags, env, expected) in cases {
        let mut args = vec!["invoke", artifact, READ_SECRET];
        args.extend_from_slice(flags);
        let ran = shim_in(&dir, &args, env);
        assert_eq!(ran.code, Some(0), "{flags:?} {env:?}: {ran:?}");
        assert_eq!(
            ran.stdout,
            format!("some(\"{expected}\")\n"),
            "{flags:?} {env:?}"
        );
    }

    // The default of `region` is the artifact's to apply, not the host's.
    let ran = shim_in(&dir, &["invoke", artifact, "read(\"tokens.region\")"], &env);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "none\n");
}

#[test]
fn verbose_output_names_configuration_keys_but_not_secret_values() {
    let dir = test_dir("config-verbose");
    let artifact = config_artifact(&dir);
    let ran = shim_in(
        &dir,
        &[
            "-v",
            "invoke",
            artifact.to_str().unwrap(),
            READ_SECRET,
            "--config",
            "tokens.region=us",
        ],
        &[("WELD_CONFIG_TOKENS_SECRET", "hunter2")],
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "some(\"hunter2\")\n");
    assert!(
        ran.stderr.contains(
            "Configured `tokens.secret` (secret, from environment variable `WELD_CONFIG_TOKENS_SECRET`)"
        ),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("Configured `tokens.region` = \"us\" (from --config)"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("hunter2"), "{}", ran.stderr);
}

#[test]
fn a_missing_required_key_stops_before_anything_runs() {
    let dir = test_dir("config-missing");
    let artifact = config_artifact(&dir);
    let artifact = artifact.to_str().unwrap();
    let expected = "error: stage `tokens` needs the configuration key `secret`\n\
                    help: pass --config tokens.secret=VALUE, put `secret` under [tokens] in \
                    --config-file, or set WELD_CONFIG_TOKENS_SECRET\n";

    // `region` has a default, so only `secret` is missing.
    let ran = shim_in(
        &dir,
        &[
            "invoke",
            artifact,
            READ_SECRET,
            "--config",
            "tokens.region=us",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(ran.stdout, "", "nothing was called");
    assert_eq!(ran.stderr, expected);

    // Checked before the artifact is loaded: `serve` would otherwise refuse it
    // for not being an HTTP handler, and bind and print its address first.
    let ran = shim_in(&dir, &["serve", artifact, "--addr", "127.0.0.1:0"], &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(ran.stderr, expected);
}

#[test]
fn an_undeclared_key_or_stage_is_refused_with_the_declared_ones() {
    let dir = test_dir("config-undeclared");
    let artifact = config_artifact(&dir);
    let artifact = artifact.to_str().unwrap();
    let ran = shim_in(
        &dir,
        &[
            "invoke",
            artifact,
            READ_SECRET,
            "--config",
            "tokens.secrt=s3cret",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(
        ran.stderr,
        "error: stage `tokens` has no configuration key `secrt` (given by --config); \
         it declares `secret`, `region`\nhelp: did you mean `secret`?\n"
    );
    assert!(!ran.stderr.contains("s3cret"));

    std::fs::write(dir.join("config.toml"), "[token]\nsecret = \"s3cret\"\n").unwrap();
    let ran = shim_in(
        &dir,
        &[
            "invoke",
            artifact,
            READ_SECRET,
            "--config-file",
            "config.toml",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.starts_with(
            "error: the artifact has no stage `token` (given by --config-file `config.toml`); \
             its stages: `tokens`\nhelp: did you mean `tokens`?"
        ),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("s3cret"));
}

#[test]
fn without_grants_configuration_passes_through_as_given() {
    let dir = test_dir("config-no-grants");
    let artifact = wat_component("config");
    let ran = shim_in(
        &dir,
        &[
            "invoke",
            artifact.to_str().unwrap(),
            "read(\"a.b\")",
            "--config",
            "a.b=c",
        ],
        // No declared keys to read the environment for.
        &[("WELD_CONFIG_A_B", "from-env")],
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "some(\"c\")\n");
}

#[test]
fn a_precompiled_artifact_keeps_its_grants_next_to_it() {
    let dir = test_dir("config-precompiled");
    let artifact = config_artifact(&dir);
    let cwasm = dir.join("tokens.cwasm");
    let ran = run_shim([
        "precompile".as_ref(),
        artifact.as_os_str(),
        "-o".as_ref(),
        cwasm.as_os_str(),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(dir.join("tokens.cwasm.grants.json").is_file());

    let cwasm = cwasm.to_str().unwrap();
    let ran = shim_in(&dir, &["invoke", cwasm, READ_SECRET], &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: stage `tokens` needs the configuration key `secret`"),
        "{}",
        ran.stderr
    );
    let ran = shim_in(
        &dir,
        &[
            "invoke",
            cwasm,
            READ_SECRET,
            "--config",
            "tokens.secret=aot",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "some(\"aot\")\n");

    // Precompiling an artifact without grants to the same place drops them.
    let ran = run_shim([
        "precompile".as_ref(),
        wat_component("config").as_os_str(),
        "-o".as_ref(),
        cwasm.as_ref(),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(!dir.join("tokens.cwasm.grants.json").exists());
}

#[test]
fn a_refused_call_names_the_grant_to_add() {
    let ran = run_shim([
        "invoke".as_ref(),
        wat_component("denied").as_os_str(),
        "connect()".as_ref(),
    ]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.starts_with(
            "error: stage `tokens` used `wasi:sockets/instance-network#instance-network`, \
             which pipeline.yaml does not grant it\nguest stack, innermost first:"
        ),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.ends_with(
            "\nhelp: to grant it, add `grants: { network: true }` to stage `tokens` in pipeline.yaml\n"
        ),
        "{}",
        ran.stderr
    );
    // The caller is still in the stack.
    assert!(
        ran.stderr.contains("stage `tokens`: connect"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_granted_directory_without_a_host_directory_stops_start_up() {
    let dir = test_dir("grant-no-dir");
    let stage = StageGrants {
        files: vec![FileGrant {
            guest: "/data".into(),
            host: None,
            read_only: false,
        }],
        ..tokens()
    };
    let artifact = with_grants(
        &wat_component("config"),
        &grants(&[("tokens", stage)]),
        &dir.join("files.wasm"),
    );
    let artifact = artifact.to_str().unwrap();
    let args = [
        "invoke",
        artifact,
        READ_SECRET,
        "--config",
        "tokens.secret=x",
    ];
    let ran = shim_in(&dir, &args, &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert_eq!(ran.stdout, "");
    assert_eq!(
        ran.stderr,
        "error: stage `tokens` is granted the directory `/data`, but no host directory is \
         given for it\nhelp: pass --dir HOST_DIR::/data\n"
    );

    std::fs::create_dir(dir.join("chosen")).unwrap();
    let mut args = args.to_vec();
    args.extend(["--dir", "chosen::/data"]);
    let ran = shim_in(&dir, &args, &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "some(\"x\")\n");
}

/// The echo stage ran and saw the granted variable and file, nothing else.
#[track_caller]
fn assert_granted_reached(ran: &Ran) {
    assert_eq!(ran.code, Some(0), "{ran:?}");
    for line in ["env: [WELD_GRANTED=yes]", "read /data/secret.txt: s3cret"] {
        assert!(ran.stderr.contains(line), "{}", ran.stderr);
    }
}

#[test]
fn granted_environment_and_directories_reach_the_guest() {
    let dir = test_dir("grant-env-files");
    std::fs::create_dir(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/secret.txt"), "s3cret").unwrap();
    let stage = StageGrants {
        env: vec!["WELD_GRANTED".into()],
        files: vec![FileGrant {
            guest: "/data".into(),
            // Relative to where the shim runs.
            host: Some("data".into()),
            read_only: true,
        }],
        ..Default::default()
    };
    let (_, echo) = rust_fixtures();
    let artifact = with_grants(echo, &grants(&[("echo", stage)]), &dir.join("echo.wasm"));
    let env = [("WELD_GRANTED", "yes"), ("WELD_NOT_GRANTED", "no")];
    let guest_args = ["env", "read:/data/secret.txt"];

    let mut args = vec!["-v", "run", artifact.to_str().unwrap()];
    args.extend(guest_args);
    let ran = shim_in(&dir, &args, &env);
    assert_granted_reached(&ran);
    assert!(
        ran.stderr
            .contains("Granted directory `data` as `/data`, read-only to `echo`"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("Granted environment variable `WELD_GRANTED` to `echo`"),
        "{}",
        ran.stderr
    );

    // The same from a precompiled artifact, whose grants are kept next to it.
    let cwasm = dir.join("echo.cwasm");
    let ran = run_shim([
        "precompile".as_ref(),
        artifact.as_os_str(),
        "-o".as_ref(),
        cwasm.as_os_str(),
    ]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let mut args = vec!["run", cwasm.to_str().unwrap()];
    args.extend(guest_args);
    let ran = shim_in(&dir, &args, &env);
    assert_granted_reached(&ran);

    // Without the record, nothing is handed over.
    let mut args = vec!["run", echo.to_str().unwrap()];
    args.extend(guest_args);
    let ran = shim_in(&dir, &args, &env);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("env: []"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("read /data/secret.txt failed"),
        "{}",
        ran.stderr
    );
}
