//! The `style` stage of the text pipeline in Rust: exports `demo:text/style`,
//! the same contract as the JS stage in `stages/style`.

wit_bindgen::generate!({
    path: "../../../../wit/text",
    world: "demo:text/style-stage",
});

use exports::demo::text::style::{Guest, LetterCase};

struct Style;

impl Guest for Style {
    fn apply(words: Vec<String>, letter_case: LetterCase) -> Result<String, String> {
        if words.is_empty() {
            return Err("no words to style".to_owned());
        }
        let joined = words.join(" ");
        Ok(match letter_case {
            LetterCase::Upper => joined.to_uppercase(),
            LetterCase::Lower => joined.to_lowercase(),
            LetterCase::Title => words
                .iter()
                .map(|w| title_case(w))
                .collect::<Vec<_>>()
                .join(" "),
        })
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

export!(Style);
