//! The `app` stage of the text pipeline: exports `demo:text/pipeline`.
//!
//! It splits its input into words with the `clean` stage (Go) and puts them in title
//! case with the `style` stage (JS); both arrive as imports wired by the composer.

wit_bindgen::generate!({
    path: "../../../../wit/text",
    world: "demo:text/app",
});

use demo::text::{clean, style};
use exports::demo::text::pipeline::{Guest, Summary};

struct App;

impl Guest for App {
    fn process(input: String) -> String {
        let words = clean::words(&input);
        // `style::apply` refuses an empty list; blank input is simply blank output.
        style::apply(&words, style::LetterCase::Title).unwrap_or_default()
    }

    fn analyze(input: String) -> Result<Summary, String> {
        let words = clean::words(&input);
        let title = style::apply(&words, style::LetterCase::Title)
            .map_err(|e| format!("cannot analyze blank input: {e}"))?;
        let mut longest: Option<&String> = None;
        for word in &words {
            if longest.is_none_or(|l| word.chars().count() > l.chars().count()) {
                longest = Some(word);
            }
        }
        Ok(Summary {
            title,
            words: words.len() as u32,
            longest: longest.cloned(),
        })
    }
}

export!(App);
