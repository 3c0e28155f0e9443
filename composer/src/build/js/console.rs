//! `console` for QuickJS stages, writing to the stage's stdout and stderr.
//!
//! QuickJS has no `console`, and componentize-qjs adds none: a stage that logs would
//! fail with `console is not defined`. Weld gives it one by building the stage against
//! a world of its own, which includes the stage's world and imports
//! `wasi:cli/stdout` and `wasi:cli/stderr` (ambient: a stage needs no grant for them),
//! and by putting a few statements before the stage's module that define `console` on
//! top of those imports. The statements go on the module's first line, so every line
//! number in an error or stack trace still points at the stage's own file; one more
//! after its last line turns `console` on once the module has been evaluated (at build
//! time, before the snapshot, it writes nothing: see [`EPILOGUE`]).
//!
//! The WASI interfaces come from the QuickJS runtime itself: its Rust standard library
//! carries the WIT of the `wasi:cli` and `wasi:io` packages it was built against. So the
//! stage imports the same versions the runtime does, and Weld ships no copy of WASI's
//! WIT.

use anyhow::{Context as _, Result, bail};
use wit_parser::{PackageId, Resolve, WorldId};

/// The package and world Weld builds a QuickJS stage against.
pub const WORLD: &str = "weld:quickjs-stage/stage";

/// The WIT (one file: Weld's package first, every other package nested after it) of a
/// world that is the stage's world `world` of `resolve` plus `wasi:cli/stdout` and
/// `wasi:cli/stderr` in the versions the QuickJS `runtime` was built against; and that
/// version, for [`prelude`].
pub fn stage_wit(resolve: &Resolve, world: WorldId, runtime: &[u8]) -> Result<(String, String)> {
    let (_, runtime_wit) = wit_component::metadata::decode(runtime)
        .context("failed to read the WIT the QuickJS runtime carries")?;
    let mut merged = resolve.clone();
    merged
        .merge(runtime_wit.resolve)
        .context("the stage's WIT and the QuickJS runtime's WASI do not fit together")?;
    let cli = newest_package(&merged, "wasi", "cli").context(
        "the QuickJS runtime carries no `wasi:cli` WIT: it is not the runtime Weld was built for",
    )?;
    let version = merged.packages[cli]
        .name
        .version
        .as_ref()
        .map(|v| format!("@{v}"))
        .unwrap_or_default();
    for interface in ["stdout", "stderr"] {
        if !merged.packages[cli].interfaces.contains_key(interface) {
            bail!("the QuickJS runtime's `wasi:cli{version}` has no `{interface}` interface");
        }
    }
    let world = &resolve.worlds[world];
    let owner = world
        .package
        .context("the stage's world belongs to no package")?;
    let included = format!("{}/{}", resolve.packages[owner].name, world.name);

    // Every package, nested in Weld's: one file, whatever the stage's WIT folder holds.
    let mut packages = String::new();
    for (id, package) in merged.packages.iter() {
        let mut printer = wit_component::WitPrinter::default();
        printer.emit_docs(false);
        printer
            .print(&merged, id, &[])
            .with_context(|| format!("failed to print `{}`", package.name))?;
        packages.push_str(&nest(&printer.output.to_string()));
        packages.push('\n');
    }
    let wit = format!(
        "package weld:quickjs-stage;\n\n\
         world stage {{\n  include {included};\n  import wasi:cli/stdout{version};\n  import wasi:cli/stderr{version};\n}}\n\n\
         {packages}"
    );
    Ok((wit, version))
}

/// A package printed as a file (`package a:b;` then its items) as a nested package
/// (`package a:b { items }`).
fn nest(file: &str) -> String {
    let mut lines = file.lines();
    let mut out = String::new();
    for line in lines.by_ref() {
        if let Some(name) = line.trim().strip_prefix("package ") {
            out.push_str(&format!("package {} {{\n", name.trim_end_matches(';')));
            break;
        }
    }
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

/// The `namespace:name` package of `merged` with the highest version.
fn newest_package(merged: &Resolve, namespace: &str, name: &str) -> Option<PackageId> {
    merged
        .packages
        .iter()
        .filter(|(_, p)| p.name.namespace == namespace && p.name.name == name)
        .max_by(|(_, a), (_, b)| a.name.version.cmp(&b.name.version))
        .map(|(id, _)| id)
}

/// The statements put before the stage's module, on its first line: `console.log`,
/// `info` and `debug` write a line to stdout, `warn` and `error` to stderr, each
/// argument shown as `String` shows it except objects, which are written as JSON (as
/// SpiderMonkey's and Node's consoles show plain data). `version` is `@0.2.x` or empty.
pub fn prelude(version: &str) -> String {
    PRELUDE
        .replace("@VERSION", version)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The statement put after the stage's module, on a line of its own: from here on, which
/// is after the module has been evaluated and the engine snapshotted, `console` writes.
/// While the module is evaluated at build time it writes nothing: a stream opened then
/// would be a handle of the build's host, left in the snapshot.
pub const EPILOGUE: &str = "\n__weldConsoleLive = true;\n";

/// No line comments, and every statement ends in `;`: [`prelude`] joins the lines.
const PRELUDE: &str = r#"
import { getStdout as __weldStdout } from 'wasi:cli/stdout@VERSION';
import { getStderr as __weldStderr } from 'wasi:cli/stderr@VERSION';
let __weldConsoleLive = false;
globalThis.console = (() => {
  const show = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return value.stack ? `${value}\n${value.stack}` : String(value);
    if (value !== null && typeof value === 'object') {
      try { return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)); } catch { return String(value); }
    }
    return String(value);
  };
  const utf8 = (text) => {
    const bytes = [];
    for (const ch of text) {
      const c = ch.codePointAt(0);
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(bytes);
  };
  const writer = (open) => {
    let stream;
    return (...args) => {
      if (!__weldConsoleLive) return;
      const bytes = utf8(`${args.map(show).join(' ')}\n`);
      stream ??= open();
      for (let at = 0; at < bytes.length; at += 4096) {
        stream.blockingWriteAndFlush(bytes.subarray(at, at + 4096));
      }
    };
  };
  const out = writer(__weldStdout);
  const err = writer(__weldStderr);
  return Object.freeze({ log: out, info: out, debug: out, warn: err, error: err });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_is_one_line_and_names_the_version() {
        let prelude = prelude("@0.2.9");
        assert!(!prelude.contains('\n'), "{prelude}");
        assert!(
            prelude.contains("from 'wasi:cli/stderr@0.2.9';"),
            "{prelude}"
        );
        assert!(prelude.starts_with("import "), "{prelude}");
    }

    #[test]
    fn a_printed_package_is_nested() {
        let nested = nest("package a:b@1.0.0;\n\ninterface i {\n  f: func();\n}\n");
        assert_eq!(
            nested,
            "package a:b@1.0.0 {\n\ninterface i {\n  f: func();\n}\n}\n"
        );
        let mut resolve = Resolve::default();
        resolve
            .push_str("x.wit", &format!("package r:oot;\n{nested}"))
            .unwrap();
        assert!(resolve.packages.iter().any(|(_, p)| p.name.name == "b"));
    }
}
