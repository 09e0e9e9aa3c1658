//! Arbitrary bytes through decoding, a reader and preprocessing; every
//! article that comes out must have valid spans (see `Article::check_spans`).
//!
//! The first byte picks the reader (txt, html, jsonl) and the language rules
//! (declared en/es/fr/de/pt/it, or detected); the rest is the file.
//!
//! Run: `cargo fuzz run read_and_segment -- -jobs=1 -max_total_time=600`
//! (see fuzz/README.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use newsframe::article::Origin;
use newsframe::input::{decode, html, jsonl, txt};
use newsframe::preprocess::{PreprocessConfig, preprocess};

const LANGS: &[Option<&str>] = &[
    None,
    Some("en"),
    Some("es"),
    Some("fr"),
    Some("de"),
    Some("pt"),
    Some("it"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let config = PreprocessConfig {
        lang: LANGS[(selector as usize / 3) % LANGS.len()].map(str::to_string),
    };
    let origin = Origin::file("fuzz");
    let raws: Vec<_> = match selector % 3 {
        0 | 1 => match decode::decode(bytes, &origin) {
            Ok((text, _)) => {
                let raw = if selector % 3 == 0 {
                    txt::read_txt(&text, origin)
                } else {
                    html::read_html(&text, origin)
                };
                raw.into_iter().collect()
            }
            Err(_) => Vec::new(),
        },
        _ => jsonl::read_records(
            std::io::Cursor::new(bytes.to_vec()),
            "fuzz".to_string(),
            jsonl::FieldMap::default(),
        )
        .filter_map(Result::ok)
        .collect(),
    };
    for raw in raws {
        let article = preprocess(raw, &config);
        if let Err(problem) = article.check_spans() {
            panic!("{problem}\nbody: {:?}", article.body);
        }
    }
});
