//! Diagnostics a person can act on.
//!
//! Every problem Weld finds in a user's input becomes a [`Diagnostic`]: a one-line
//! message with the names the user wrote, optionally a labelled span of the file it is
//! about, notes, and a help line saying what to do. They render like rustc and cargo
//! (`error: ...`, `--> file:line:column`, a snippet with a caret) and also implement
//! [`miette::Diagnostic`] so library users can render them with miette's handlers.

use std::{fmt, path::PathBuf, sync::Arc};

use anstyle::{AnsiColor, Style};

/// A text file a diagnostic can point into (usually `pipeline.yaml`).
#[derive(Debug)]
pub struct SourceFile {
    /// The path as it is shown to the user.
    pub display_path: PathBuf,
    /// The file's full text.
    pub text: String,
}

impl SourceFile {
    /// Creates a source file from its display path and text.
    pub fn new(display_path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            display_path: display_path.into(),
            text: text.into(),
        })
    }

    /// `span` made safe to slice and print: both ends kept within the text and moved
    /// onto character boundaries, the start down and the end up, so a span that cut a
    /// multi-byte character covers all of it.
    ///
    /// Spans are byte offsets computed by many steps, some from other libraries'
    /// positions (YAML parsers count characters, WAVE counts bytes of other text); this
    /// is the one place that makes any of them safe, so no caller can make rendering
    /// panic.
    pub fn clamp(&self, span: Span) -> Span {
        let len = self.text.len();
        let start = self.text.floor_char_boundary(span.start.min(len));
        let end = self.text.ceil_char_boundary(span.end.min(len));
        Span::new(start, end)
    }

    /// The 1-based line and column (in characters) of a byte offset; an offset inside a
    /// character counts as that character's, one past the end as the end.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.text.floor_char_boundary(offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// The text of the 1-based line `line`, without its line break.
    fn line_text(&self, line: usize) -> &str {
        self.text
            .lines()
            .nth(line - 1)
            .unwrap_or_default()
            .trim_end_matches('\r')
    }
}

/// A byte range in a [`SourceFile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start,
            end: end.max(start),
        }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The command fails.
    Error,
    /// Worth knowing; the command goes on.
    Warning,
}

/// A labelled place in a source file.
#[derive(Debug, Clone)]
pub struct Location {
    /// The file.
    pub file: Arc<SourceFile>,
    /// The span the label points at.
    pub span: Span,
    /// The text printed under the caret (may be empty).
    pub label: String,
}

/// One problem found in the user's input.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The one-line message (lowercase, names in backticks).
    pub message: String,
    /// Where in a file the problem is, if it is in one.
    pub location: Option<Location>,
    /// Extra facts (`= note: ...`).
    pub notes: Vec<String>,
    /// What to do about it (`= help: ...`).
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error with a message and nothing else.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            notes: Vec::new(),
            help: None,
        }
    }

    /// A new warning with a message and nothing else.
    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message)
        }
    }

    /// Points the diagnostic at `span` of `file` with a label. The span is clamped to the
    /// file's text and its character boundaries ([`SourceFile::clamp`]).
    pub fn at(mut self, file: &Arc<SourceFile>, span: Span, label: impl Into<String>) -> Self {
        self.location = Some(Location {
            file: file.clone(),
            span: file.clamp(span),
            label: label.into(),
        });
        self
    }

    /// Points the diagnostic at an optional place.
    pub fn at_opt(
        self,
        file: &Arc<SourceFile>,
        span: Option<Span>,
        label: impl Into<String>,
    ) -> Self {
        match span {
            Some(span) => self.at(file, span, label),
            None => self,
        }
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic like rustc does; `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        let paint = |style: Style, text: &str| {
            if color {
                format!("{}{text}{}", style.render(), style.render_reset())
            } else {
                text.to_string()
            }
        };
        let (word, word_style) = match self.severity {
            Severity::Error => ("error", AnsiColor::BrightRed.on_default().bold()),
            Severity::Warning => ("warning", AnsiColor::BrightYellow.on_default().bold()),
        };
        let blue = AnsiColor::BrightBlue.on_default().bold();
        let bold = Style::new().bold();

        let mut out = format!(
            "{}{} {}\n",
            paint(word_style, word),
            paint(bold, ":"),
            paint(bold, &self.message)
        );
        let mut gutter = 1;
        if let Some(loc) = &self.location {
            // `Location`'s fields are public: clamp again in case it was built by hand.
            let span = loc.file.clamp(loc.span);
            let (line, col) = loc.file.line_col(span.start);
            gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            out += &format!(
                "{pad}{} {}:{line}:{col}\n",
                paint(blue, "-->"),
                loc.file.display_path.display()
            );
            out += &format!("{pad} {}\n", paint(blue, "|"));
            let text = loc.file.line_text(line);
            out += &format!(
                "{} {} {text}\n",
                paint(blue, &line.to_string()),
                paint(blue, "|")
            );
            let (end_line, end_col) = loc.file.line_col(span.end);
            let width = if end_line == line && end_col > col {
                end_col - col
            } else {
                1
            };
            let carets = "^".repeat(width);
            let marker = if loc.label.is_empty() {
                carets
            } else {
                format!("{carets} {}", loc.label)
            };
            out += &format!(
                "{pad} {} {}{}\n",
                paint(blue, "|"),
                " ".repeat(col - 1),
                paint(word_style, &marker)
            );
        }
        let pad = " ".repeat(gutter);
        if (!self.notes.is_empty() || self.help.is_some()) && self.location.is_some() {
            out += &format!("{pad} {}\n", paint(blue, "|"));
        }
        for note in &self.notes {
            out += &format!(
                "{pad} {} {}: {}\n",
                paint(blue, "="),
                paint(bold, "note"),
                indent_rest(note, gutter + 9)
            );
        }
        if let Some(help) = &self.help {
            out += &format!(
                "{pad} {} {}: {}\n",
                paint(blue, "="),
                paint(bold, "help"),
                indent_rest(help, gutter + 9)
            );
        }
        out
    }
}

/// Indents every line after the first so multi-line notes stay aligned.
fn indent_rest(text: &str, width: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(width)))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.display_path.display().to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

impl miette::Diagnostic for Diagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.location
            .as_ref()
            .map(|l| &*l.file as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let loc = self.location.as_ref()?;
        let clamped = loc.file.clamp(loc.span);
        let span = miette::LabeledSpan::new(
            Some(loc.label.clone()).filter(|l| !l.is_empty()),
            clamped.start,
            clamped.end - clamped.start,
        );
        Some(Box::new(std::iter::once(span)))
    }
}

/// Every problem found by one step, errors and warnings, in the order found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// The warnings, dropping errors.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }

    /// Renders all diagnostics, separated by blank lines.
    pub fn render(&self, color: bool) -> String {
        self.0
            .iter()
            .map(|d| d.render(color))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Moves the diagnostics of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_count() {
            0 => write!(f, "no errors"),
            1 => write!(f, "{}", self.0.iter().find(|d| d.is_error()).unwrap()),
            n => write!(f, "{n} errors"),
        }
    }
}

impl std::error::Error for Diagnostics {}

/// Suggests the candidate closest to `name`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders `d` both ways a user may see it: Weld's own output and miette's.
    fn render_both(d: &Diagnostic) -> (String, String) {
        let mut miette = String::new();
        miette::NarratableReportHandler::new()
            .render_report(&mut miette, d)
            .unwrap();
        (d.render(false), miette)
    }

    #[test]
    fn spans_inside_a_character_are_widened_to_it() {
        // `ä` is bytes 3..5 and `🦀` bytes 9..13 of `  näme: 🦀`.
        let file = SourceFile::new("pipeline.yaml", "  näme: 🦀\n");
        assert_eq!(file.clamp(Span::new(4, 4)), Span::new(3, 5));
        assert_eq!(file.clamp(Span::new(4, 10)), Span::new(3, 13));
        assert_eq!(file.clamp(Span::new(10, 100)), Span::new(9, 14));
        assert_eq!(file.line_col(4), (1, 4));
        assert_eq!(file.line_col(100), (2, 1));
    }

    #[test]
    fn any_span_renders_without_panicking() {
        let text = "version: 1\nstages:\n  stägé:\n    päth: \"🦀 x\"\té\n";
        let file = SourceFile::new("pipeline.yaml", text);
        for start in 0..=text.len() + 2 {
            for end in [start, start + 1, start + 3, text.len() + 5] {
                let d = Diagnostic::error("bad").at(&file, Span { start, end }, "here");
                let span = d.location.as_ref().unwrap().span;
                assert!(text.get(span.start..span.end).is_some(), "{start}..{end}");
                let (ours, miette) = render_both(&d);
                assert!(ours.contains("--> pipeline.yaml:"), "{ours}");
                assert!(miette.contains("bad"), "{miette}");
            }
        }
        // A location built by hand, bypassing `at`, is clamped when rendered.
        let mut d = Diagnostic::error("bad").at(&file, Span::new(0, 1), "");
        d.location.as_mut().unwrap().span = Span { start: 24, end: 23 };
        let (ours, _) = render_both(&d);
        assert!(ours.contains("pipeline.yaml:3:5"), "{ours}");
    }
}
