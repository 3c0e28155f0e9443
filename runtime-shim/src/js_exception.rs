//! The exception that ended a call of a QuickJS stage, read back from its stderr.
//!
//! componentize-qjs's runtime turns an exception that escapes an export (of a function
//! whose result is not a `result`) into a Rust panic, which writes the exception in
//! Rust's `Debug` form to stderr and traps with `unreachable`:
//!
//! ```text
//! thread '<unnamed>' (1) panicked at crates/runtime/src/interpreter.rs:51:31:
//! Failed to call 'fail': Exception(Exception { message: Some("no"), stack: Some("    at fail (/x.js:3:9)\n") })
//! note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
//! ```
//!
//! The trap alone says `unreachable executed`; this finds the message and the stack, so
//! a caller can say what the exception was (and `weld test` can match it), and takes
//! those three lines out of the output shown with it.

/// An exception that ended a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsException {
    /// The export that was called, as the runtime names it (`fail`).
    pub function: String,
    /// `String(exception)`'s message, when the runtime had one.
    pub message: Option<String>,
    /// The JS stack, one `at ...` line per frame, when the runtime had one.
    pub stack: Option<String>,
}

impl std::fmt::Display for JsException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "uncaught exception in `{}`", self.function)?;
        if let Some(message) = &self.message {
            write!(f, ": {}", message.trim_end())?;
        }
        if let Some(at) = self.stack.as_deref().and_then(|s| s.lines().next()) {
            write!(f, " ({})", at.trim())?;
        }
        Ok(())
    }
}

const CALL_PREFIX: &str = "Failed to call '";
const EXCEPTION: &str = "': Exception(Exception { message: ";

/// The exception `stderr` reports, and `stderr` without the lines that report it.
/// `None` when there is no such report.
pub fn take(stderr: &str) -> Option<(JsException, String)> {
    let lines: Vec<&str> = stderr.split_inclusive('\n').collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(CALL_PREFIX) && l.contains(EXCEPTION))?;
    let exception = parse(lines[at].trim_end())?;
    let panicked =
        at > 0 && lines[at - 1].starts_with("thread ") && lines[at - 1].contains(" panicked at ");
    let note = lines
        .get(at + 1)
        .is_some_and(|l| l.starts_with("note: run with `RUST_BACKTRACE=1`"));
    let first = if panicked { at - 1 } else { at };
    let last = if note { at + 1 } else { at };
    let rest: String = lines[..first]
        .iter()
        .chain(&lines[last + 1..])
        .copied()
        .collect();
    Some((exception, rest))
}

/// `Failed to call '<f>': Exception(Exception { message: <opt>, stack: <opt> })`.
fn parse(line: &str) -> Option<JsException> {
    let rest = line.strip_prefix(CALL_PREFIX)?;
    let (function, rest) = rest.split_once(EXCEPTION)?;
    let (message, rest) = debug_option(rest)?;
    let rest = rest.strip_prefix(", stack: ")?;
    let (stack, rest) = debug_option(rest)?;
    (rest == " })").then(|| JsException {
        function: function.to_string(),
        message,
        stack,
    })
}

/// An `Option<String>` in `Debug` form at the start of `text`, and what follows it.
fn debug_option(text: &str) -> Option<(Option<String>, &str)> {
    if let Some(rest) = text.strip_prefix("None") {
        return Some((None, rest));
    }
    let rest = text.strip_prefix("Some(\"")?;
    let (value, rest) = debug_string(rest)?;
    Some((Some(value), rest.strip_prefix(')')?))
}

/// The body of a `Debug`-quoted string up to its closing quote (unescaped), and what
/// follows the quote.
fn debug_string(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'u' => {
                    let (start, brace) = chars.next()?;
                    if brace != '{' {
                        return None;
                    }
                    let end = text[start..].find('}')? + start;
                    let code = u32::from_str_radix(&text[start + 1..end], 16).ok()?;
                    out.push(char::from_u32(code)?);
                    while chars.next()?.0 < end {}
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "before\nthread '<unnamed>' (1) panicked at crates/runtime/src/interpreter.rs:51:31:\nFailed to call 'fail': Exception(Exception { message: Some(\"no \\\"way\\\" \\u{e9}\\n\"), stack: Some(\"    at fail (/x.js:3:9)\\n    at <eval> (/x.js:9)\\n\") })\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\nafter\n";

    #[test]
    fn the_message_and_stack_are_read_and_the_report_is_taken_out() {
        let (exception, rest) = take(REPORT).unwrap();
        assert_eq!(exception.function, "fail");
        assert_eq!(exception.message.as_deref(), Some("no \"way\" é\n"));
        assert_eq!(
            exception.stack.as_deref(),
            Some("    at fail (/x.js:3:9)\n    at <eval> (/x.js:9)\n")
        );
        assert_eq!(rest, "before\nafter\n");
        assert_eq!(
            exception.to_string(),
            "uncaught exception in `fail`: no \"way\" é (at fail (/x.js:3:9))"
        );
    }

    #[test]
    fn an_exception_without_message_or_stack_is_read_too() {
        let text = "Failed to call 'f': Exception(Exception { message: None, stack: None })\n";
        let (exception, rest) = take(text).unwrap();
        assert_eq!(exception.to_string(), "uncaught exception in `f`");
        assert_eq!(rest, "");
    }

    #[test]
    fn other_output_is_no_exception() {
        assert_eq!(take("Failed to call 'f': something else\n"), None);
        assert_eq!(take("just a log line\n"), None);
        assert_eq!(
            take("Failed to call 'f': Exception(Exception { message: Some(\"open"),
            None
        );
    }
}
