//! General-purpose polarity lexicons (`data/lexicons/general/<lang>.tsv`,
//! compiled in): how positive or negative a word is in any context, from
//! broad licensed resources (VADER for English, LeIA for Portuguese,
//! ML-SentiCon for Spanish and German, Pattern for French; see
//! `data/lexicons/README.md`). They complement the project's stance
//! lexicons, which say how a word bears on an actor (attribute, conduct,
//! evaluation), with breadth: several thousand words per language.
//!
//! Format: `term<TAB>valence[<TAB>stem]`, valence in [-1, 1], `#` comments.
//! A term marked `stem` is a Snowball stem of the accent-free lowercase word
//! (the form the nlp.js lexicons ship); other terms are words, matched
//! case- and accent-insensitively. A word is looked up as itself first,
//! then by its stem.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

use crate::actors::fold::fold_str;

use super::lexicon::{LexiconError, data_lines};

/// The general lexicons shipped with newsframe: (language, file, content).
pub const GENERAL_LEXICONS: &[(&str, &str, &str)] = &[
    (
        "en",
        "general/en.tsv",
        include_str!("../../data/lexicons/general/en.tsv"),
    ),
    (
        "es",
        "general/es.tsv",
        include_str!("../../data/lexicons/general/es.tsv"),
    ),
    (
        "fr",
        "general/fr.tsv",
        include_str!("../../data/lexicons/general/fr.tsv"),
    ),
    (
        "de",
        "general/de.tsv",
        include_str!("../../data/lexicons/general/de.tsv"),
    ),
    (
        "pt",
        "general/pt.tsv",
        include_str!("../../data/lexicons/general/pt.tsv"),
    ),
];

/// One language's general lexicon.
pub struct GeneralLexicon {
    words: HashMap<String, f64>,
    stems: HashMap<String, f64>,
    stemmer: Option<Stemmer>,
}

impl std::fmt::Debug for GeneralLexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneralLexicon")
            .field("words", &self.words.len())
            .field("stems", &self.stems.len())
            .finish()
    }
}

fn algorithm(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "en" => Algorithm::English,
        "es" => Algorithm::Spanish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "pt" => Algorithm::Portuguese,
        _ => return None,
    })
}

impl GeneralLexicon {
    /// Parses a lexicon for `lang`; `file` only names it in errors.
    pub fn parse(text: &str, lang: &str, file: &str) -> Result<GeneralLexicon, LexiconError> {
        let mut words = HashMap::new();
        let mut stems = HashMap::new();
        for (line_no, line) in data_lines(text) {
            let err = |message: String| LexiconError {
                file: file.to_string(),
                line: line_no,
                message,
            };
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let (term, value) = match fields.as_slice() {
                [term, value] | [term, value, "stem"] => (*term, *value),
                _ => {
                    return Err(err(format!(
                        "expected term<TAB>valence[<TAB>stem], found {line:?}"
                    )));
                }
            };
            let value: f64 = value
                .parse()
                .map_err(|_| err(format!("valence {value:?} is not a number")))?;
            if !(value.is_finite() && value.abs() <= 1.0) {
                return Err(err(format!("valence {value} is outside [-1, 1]")));
            }
            let key = fold_str(term, true);
            if fields.len() == 3 {
                stems.insert(key, value);
            } else {
                words.insert(key, value);
            }
        }
        Ok(GeneralLexicon {
            words,
            stems,
            stemmer: algorithm(lang).map(Stemmer::create),
        })
    }

    pub fn len(&self) -> usize {
        self.words.len() + self.stems.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Valence of a folded (lowercase, accent-free) word; 0 when unknown.
    pub fn valence(&self, folded: &str) -> f64 {
        if let Some(v) = self.words.get(folded) {
            return *v;
        }
        if self.stems.is_empty() {
            return 0.0;
        }
        match &self.stemmer {
            Some(stemmer) => self
                .stems
                .get(stemmer.stem(folded).as_ref())
                .copied()
                .unwrap_or(0.0),
            None => 0.0,
        }
    }
}

/// General lexicons by language.
#[derive(Debug, Default)]
pub struct GeneralLexicons {
    by_lang: HashMap<String, GeneralLexicon>,
}

impl GeneralLexicons {
    /// The lexicons compiled into newsframe.
    pub fn builtin() -> GeneralLexicons {
        let by_lang = GENERAL_LEXICONS
            .iter()
            .map(|(lang, file, text)| {
                let lexicon = GeneralLexicon::parse(text, lang, &format!("data/lexicons/{file}"))
                    .expect("builtin general lexicons are checked by the test suite");
                (lang.to_string(), lexicon)
            })
            .collect();
        GeneralLexicons { by_lang }
    }

    pub fn get(&self, lang: &str) -> Option<&GeneralLexicon> {
        self.by_lang.get(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_then_stems() {
        let en = GeneralLexicons::builtin();
        let en = en.get("en").unwrap();
        assert!(en.valence("praised") > 0.0);
        assert!(en.valence("killed") < 0.0);
        assert_eq!(en.valence("table"), 0.0);
        let all = GeneralLexicons::builtin();
        let es = all.get("es").unwrap();
        // `admirable` → stem `admir` (0.625 in ML-SentiCon).
        assert!(es.valence("admirable") > 0.5, "{}", es.valence("admirable"));
        let de = all.get("de").unwrap();
        assert!(de.len() > 4000);
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let err = GeneralLexicon::parse("good\t0.5\nbad\t-3\n", "en", "x.tsv").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("x.tsv"));
    }
}
