//! JUnit XML, the report format CI systems read: one `<testsuite>` per stage, one
//! `<testcase>` per case, a `<failure>` holding the same text the terminal shows.

use std::fmt::Write as _;

use indexmap::IndexMap;

use super::{CaseResult, TestReport};

pub(super) fn render(report: &TestReport) -> String {
    let mut by_stage: IndexMap<&str, Vec<&CaseResult>> = IndexMap::new();
    for r in &report.results {
        by_stage.entry(r.stage.as_str()).or_default().push(r);
    }
    let total_time: f64 = report
        .results
        .iter()
        .map(|r| r.duration.as_secs_f64())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{total_time:.3}\">",
        escape(&report.pipeline),
        report.results.len(),
        report.failed()
    );
    for (stage, results) in by_stage {
        let failures = results.iter().filter(|r| r.failure.is_some()).count();
        let time: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}::{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\">",
            escape(&report.pipeline),
            escape(stage),
            results.len()
        );
        for r in results {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}.{}\" file=\"{}\" time=\"{:.3}\"",
                escape(&r.case),
                escape(&report.pipeline),
                escape(stage),
                escape(&r.location),
                r.duration.as_secs_f64()
            );
            match &r.failure {
                None => out.push_str("/>\n"),
                Some(text) => {
                    let first = text.lines().find(|l| !l.starts_with("call:")).unwrap_or("");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(first.trim()),
                        escape(text)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_counts() {
        let report = TestReport {
            pipeline: "p".into(),
            results: vec![
                CaseResult {
                    stage: "s".into(),
                    case: "a".into(),
                    location: "s.test.yaml:1".into(),
                    failure: None,
                    duration: Default::default(),
                },
                CaseResult {
                    stage: "s".into(),
                    case: "b".into(),
                    location: "s.test.yaml:5".into(),
                    failure: Some("call: f()\nexpected: \"<x>\"\n  actual: \"&\"".into()),
                    duration: Default::default(),
                },
            ],
            filtered_out: 0,
        };
        let xml = render(&report);
        assert!(xml.contains("tests=\"2\" failures=\"1\""));
        assert!(xml.contains("message=\"expected: &quot;&lt;x&gt;&quot;\""));
    }
}
