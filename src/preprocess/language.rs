//! Language identification per article, with a flag for mixed-language articles.
//!
//! Uses `whatlang` (trigram profiles, no model files, fast on long text). A
//! language declared in metadata wins over detection; detection still runs
//! per paragraph to flag articles that quote or embed another language.

use crate::article::{Language, LanguageSource};

/// Paragraphs shorter than this are too short to judge reliably.
const MIN_PARAGRAPH_CHARS: usize = 80;
/// Detection reads at most this many bytes of the body (speed on huge input).
const MAX_SAMPLE_BYTES: usize = 20_000;

/// Decides the article language from `declared` and the paragraphs.
pub fn identify(declared: Option<&str>, paragraphs: &[String]) -> Language {
    let mut sample = String::new();
    for p in paragraphs {
        if sample.len() >= MAX_SAMPLE_BYTES {
            break;
        }
        sample.push_str(p);
        sample.push('\n');
    }
    let detected = whatlang::detect(&sample);
    let (code, source, confidence) = match declared.map(str::trim).filter(|d| !d.is_empty()) {
        Some(lang) => (lang.to_ascii_lowercase(), LanguageSource::Declared, 1.0),
        None => match detected {
            Some(info) => (
                iso639_1(info.lang()).to_string(),
                LanguageSource::Detected,
                info.confidence(),
            ),
            None => ("und".to_string(), LanguageSource::Detected, 0.0),
        },
    };
    let mut others: Vec<String> = Vec::new();
    let mut sampled = 0;
    for p in paragraphs {
        if sampled >= MAX_SAMPLE_BYTES {
            break;
        }
        sampled += p.len();
        if p.chars().count() < MIN_PARAGRAPH_CHARS {
            continue;
        }
        if let Some(info) = whatlang::detect(p) {
            let other = iso639_1(info.lang());
            if info.is_reliable() && other != code && !others.iter().any(|o| o == other) {
                others.push(other.to_string());
            }
        }
    }
    Language {
        code,
        source,
        confidence,
        mixed: !others.is_empty(),
        others,
    }
}

/// ISO 639-1 code for the languages newsframe knows; ISO 639-3 otherwise.
pub fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Eng => "en",
        Spa => "es",
        Fra => "fr",
        Deu => "de",
        Por => "pt",
        Ita => "it",
        Nld => "nl",
        Rus => "ru",
        Ukr => "uk",
        Pol => "pl",
        Tur => "tr",
        Ara => "ar",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Hin => "hi",
        Nob => "nb",
        Swe => "sv",
        Dan => "da",
        Fin => "fi",
        Cat => "ca",
        Ron => "ro",
        Ell => "el",
        Heb => "he",
        Pes => "fa",
        Ind => "id",
        Vie => "vi",
        other => other.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_flags_mixed() {
        let en = "The government and the opposition sent delegations to Oslo, where Norwegian diplomats are brokering the talks.".to_string();
        let es = "El gobierno y la oposición enviaron delegaciones a Oslo, donde diplomáticos noruegos median en las conversaciones.".to_string();
        let lang = identify(None, &[en.clone(), en.clone(), es]);
        assert_eq!(lang.code, "en");
        assert!(lang.mixed);
        assert_eq!(lang.others, vec!["es"]);
        let lang = identify(None, &[en]);
        assert!(!lang.mixed);
    }

    #[test]
    fn declared_wins() {
        let lang = identify(Some("PT"), &["Short.".to_string()]);
        assert_eq!(
            (lang.code.as_str(), lang.source),
            ("pt", LanguageSource::Declared)
        );
    }
}
