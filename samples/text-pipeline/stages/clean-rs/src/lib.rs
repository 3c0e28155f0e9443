//! The `clean` stage of the text pipeline in Rust: exports `demo:text/clean`,
//! the same contract as the Go stage in `stages/clean`.

wit_bindgen::generate!({
    path: "../../../../wit/text",
    world: "demo:text/clean-stage",
});

use exports::demo::text::clean::Guest;

struct Clean;

impl Guest for Clean {
    fn normalize(input: String) -> String {
        input.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn words(input: String) -> Vec<String> {
        input.split_whitespace().map(str::to_owned).collect()
    }
}

export!(Clean);
