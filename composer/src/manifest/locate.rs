//! Where each key and value of a YAML document is.
//!
//! serde_yaml reports positions for syntax and schema errors, but not for values that
//! deserialized fine and turn out to be wrong later (a stage name that does not exist, an
//! import wired to itself). This module parses the same text once more into a tree of
//! spans so later steps can point at `stages.gateway.imports.demo:edge/tokens`. It also
//! finds duplicate keys, which serde would silently merge.

use std::collections::HashMap;

use yaml_rust2::{
    parser::{Event, MarkedEventReceiver, Parser},
    scanner::Marker,
};

use crate::diagnostic::Span;

/// A YAML node with its span.
#[derive(Debug, Clone)]
enum Node {
    Scalar(Span),
    Sequence(Span, Vec<Node>),
    Mapping(Span, Vec<(String, Span, Node)>),
}

impl Node {
    fn span(&self) -> Span {
        match self {
            Node::Scalar(s) | Node::Sequence(s, _) | Node::Mapping(s, _) => *s,
        }
    }
}

/// A key that appears twice in one mapping.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    /// The key's text.
    pub key: String,
    /// The path of the mapping holding it.
    pub parent: Vec<String>,
    /// The first occurrence.
    pub first: Span,
    /// The second occurrence.
    pub second: Span,
}

/// Spans of a YAML document's keys and values, looked up by path.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    root: Option<Node>,
    duplicates: Vec<DuplicateKey>,
}

impl Locator {
    /// Indexes `text`. Returns an empty locator if the text is not valid YAML (serde
    /// reports that error with its own position).
    pub fn new(text: &str) -> Self {
        let mut builder = Builder {
            text,
            char_to_byte: CharToByte::new(text),
            stack: Vec::new(),
            root: None,
        };
        if Parser::new_from_str(text)
            .load(&mut builder, false)
            .is_err()
        {
            return Self::default();
        }
        let mut locator = Self {
            root: builder.root,
            duplicates: Vec::new(),
        };
        if let Some(root) = &locator.root {
            let mut dups = Vec::new();
            find_duplicates(root, &mut Vec::new(), &mut dups);
            locator.duplicates = dups;
        }
        locator
    }

    /// Keys that appear twice in a mapping, in document order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// The span of the value at `path` (mapping keys or sequence indexes).
    pub fn value(&self, path: &[&str]) -> Option<Span> {
        self.node(path).map(Node::span)
    }

    /// The span of the last key of `path`, or of the value when the last step is an
    /// index into a sequence.
    pub fn key(&self, path: &[&str]) -> Option<Span> {
        let (last, parent) = path.split_last()?;
        match self.node(parent)? {
            Node::Mapping(_, entries) => entries
                .iter()
                .find(|(k, _, _)| k == last)
                .map(|(_, span, _)| *span),
            Node::Sequence(..) => self.value(path),
            Node::Scalar(_) => None,
        }
    }

    fn node(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self.root.as_ref()?;
        for step in path {
            node = match node {
                Node::Mapping(_, entries) => &entries.iter().find(|(k, _, _)| k == step)?.2,
                Node::Sequence(_, items) => items.get(step.parse::<usize>().ok()?)?,
                Node::Scalar(_) => return None,
            };
        }
        Some(node)
    }
}

fn find_duplicates(node: &Node, path: &mut Vec<String>, out: &mut Vec<DuplicateKey>) {
    match node {
        Node::Scalar(_) => {}
        Node::Sequence(_, items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                find_duplicates(item, path, out);
                path.pop();
            }
        }
        Node::Mapping(_, entries) => {
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for (key, span, value) in entries {
                if let Some(first) = seen.get(key.as_str()) {
                    out.push(DuplicateKey {
                        key: key.clone(),
                        parent: path.clone(),
                        first: *first,
                        second: *span,
                    });
                } else {
                    seen.insert(key, *span);
                }
                path.push(key.clone());
                find_duplicates(value, path, out);
                path.pop();
            }
        }
    }
}

/// yaml-rust2 reports positions in characters; spans are in bytes.
struct CharToByte(Vec<usize>);

impl CharToByte {
    fn new(text: &str) -> Self {
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        Self(offsets)
    }

    fn get(&self, char_index: usize) -> usize {
        self.0
            .get(char_index)
            .copied()
            .unwrap_or(*self.0.last().unwrap())
    }
}

enum Frame {
    Sequence(usize, Vec<Node>),
    Mapping(usize, Vec<(String, Span, Node)>, Option<(String, Span)>),
}

struct Builder<'a> {
    text: &'a str,
    char_to_byte: CharToByte,
    stack: Vec<Frame>,
    root: Option<Node>,
}

impl Builder<'_> {
    /// The end of a scalar starting at `start`: quoted scalars end at their closing
    /// quote, plain ones at the end of their text on that line. Always a character
    /// boundary: keys are sliced with it.
    fn scalar_end(&self, start: usize, value: &str) -> usize {
        let end = self.scalar_end_guess(start, value);
        self.text.ceil_char_boundary(end)
    }

    fn scalar_end_guess(&self, start: usize, value: &str) -> usize {
        let rest = &self.text[start..];
        match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let mut escaped = false;
                for (i, c) in rest.char_indices().skip(1) {
                    if q == '"' && c == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if c == q && !escaped {
                        return start + i + 1;
                    }
                    escaped = false;
                }
                start + rest.len()
            }
            _ => {
                // `value` is the folded text: shorter than the source once a line
                // breaks, so only its first line is measured. YAML breaks lines at a
                // lone `\r` too.
                let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
                let len = value.len().min(line_end);
                start + if len == 0 { 1.min(line_end) } else { len }
            }
        }
    }

    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Sequence(_, items)) => items.push(node),
            Some(Frame::Mapping(_, entries, pending)) => match pending.take() {
                None => {
                    // A key: only scalar keys are meaningful in a pipeline.
                    let span = node.span();
                    let key = self.text[span.start..span.end]
                        .trim_matches(|c| c == '"' || c == '\'')
                        .to_string();
                    if let Some(Frame::Mapping(_, _, pending)) = self.stack.last_mut() {
                        *pending = Some((key, span));
                    }
                }
                Some((key, span)) => entries.push((key, span, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = self.char_to_byte.get(mark.index());
        match ev {
            Event::Scalar(value, ..) => {
                let end = self.scalar_end(at, &value);
                self.push_node(Node::Scalar(Span::new(at, end)));
            }
            Event::Alias(_) => self.push_node(Node::Scalar(Span::new(at, at + 1))),
            Event::SequenceStart(..) => self.stack.push(Frame::Sequence(at, Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Mapping(at, Vec::new(), None)),
            Event::SequenceEnd => {
                if let Some(Frame::Sequence(start, items)) = self.stack.pop() {
                    let end = items.last().map_or(at, |n| n.span().end);
                    self.push_node(Node::Sequence(Span::new(start, end), items));
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping(start, entries, _)) = self.stack.pop() {
                    let end = entries.last().map_or(at, |(_, _, n)| n.span().end);
                    self.push_node(Node::Mapping(Span::new(start, end), entries));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_values_and_duplicates() {
        let text = "a:\n  b: hello\n  c: [x, 'y z']\na: 2\n";
        let loc = Locator::new(text);
        let b = loc.value(&["a", "b"]).unwrap();
        assert_eq!(&text[b.start..b.end], "hello");
        let key = loc.key(&["a", "c"]).unwrap();
        assert_eq!(&text[key.start..key.end], "c");
        let y = loc.value(&["a", "c", "1"]).unwrap();
        assert_eq!(&text[y.start..y.end], "'y z'");
        assert_eq!(loc.duplicates().len(), 1);
        assert_eq!(loc.duplicates()[0].key, "a");
    }

    /// Found by the `pipeline` fuzz target: a plain key folded over `\r` line breaks
    /// is shorter than its source, and its length used to end the span inside `ü`.
    #[test]
    fn spans_end_on_character_boundaries() {
        for text in [
            "{a\r\rbü: 1}",
            "{a\r\r büc: 1}",
            "k: a\r\r büc\n",
            "{Tok a\x0e\x13\r\rs#\r܁: 1}",
        ] {
            let loc = Locator::new(text);
            let keys = ["a", "k", "Tok a\u{e}\u{13}"];
            let spans = keys.iter().flat_map(|k| [loc.key(&[k]), loc.value(&[k])]);
            for span in std::iter::once(loc.value(&[])).chain(spans).flatten() {
                assert!(
                    text.get(span.start..span.end).is_some(),
                    "{text:?}: {span:?}"
                );
            }
        }
        let loc = Locator::new("{a\r\rbü: 1}");
        assert_eq!(loc.key(&["a"]), Some(Span::new(1, 2)));
    }
}
