//! The language a summary is asked for (`--summary-lang`): ISO 639-1 codes on
//! the command line and in records, and the language names of the XL-Sum and
//! CrossSum datasets, which key the target-language tokens of CrossSum models
//! (`task_specific_params.langid_map` in their `config.json`).

/// ISO code and XL-Sum/CrossSum name of every language of those datasets.
/// Codes without an ISO 639-1 form use ISO 639-3 (`pcm`); the two scripts of
/// Chinese and of Serbian add a script subtag (`zh` is Simplified Chinese,
/// `sr` Serbian in Cyrillic, as in XL-Sum).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("am", "amharic"),
    ("ar", "arabic"),
    ("az", "azerbaijani"),
    ("bn", "bengali"),
    ("my", "burmese"),
    ("zh", "chinese_simplified"),
    ("zh-hant", "chinese_traditional"),
    ("en", "english"),
    ("fr", "french"),
    ("gu", "gujarati"),
    ("ha", "hausa"),
    ("hi", "hindi"),
    ("ig", "igbo"),
    ("id", "indonesian"),
    ("ja", "japanese"),
    ("rn", "kirundi"),
    ("ko", "korean"),
    ("ky", "kyrgyz"),
    ("mr", "marathi"),
    ("ne", "nepali"),
    ("om", "oromo"),
    ("ps", "pashto"),
    ("fa", "persian"),
    ("pcm", "pidgin"),
    ("pt", "portuguese"),
    ("pa", "punjabi"),
    ("ru", "russian"),
    ("gd", "scottish_gaelic"),
    ("sr", "serbian_cyrillic"),
    ("sr-latn", "serbian_latin"),
    ("si", "sinhala"),
    ("so", "somali"),
    ("es", "spanish"),
    ("sw", "swahili"),
    ("ta", "tamil"),
    ("te", "telugu"),
    ("th", "thai"),
    ("ti", "tigrinya"),
    ("tr", "turkish"),
    ("uk", "ukrainian"),
    ("ur", "urdu"),
    ("uz", "uzbek"),
    ("vi", "vietnamese"),
    ("cy", "welsh"),
    ("yo", "yoruba"),
];

/// The dataset name of the language `code` (`en` → `english`).
pub fn name_of(code: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// The code of the dataset language `name` (`english` → `en`).
pub fn code_of(name: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(code, _)| *code)
}

/// Reads a `--summary-lang` value: an ISO 639-1 code (ISO 639-3 where there
/// is none), optionally with a script subtag (`zh-Hant`, `sr-Latn`),
/// case-insensitive; returns it lowercased. Whether a model has the language
/// is checked when the model is loaded.
pub fn parse_code(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_lowercase();
    let (language, script) = match code.split_once('-') {
        Some((language, script)) => (language, Some(script)),
        None => (code.as_str(), None),
    };
    let letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
    };
    if letters(language, 2..=3) && script.is_none_or(|s| letters(s, 4..=4)) {
        return Ok(code);
    }
    let hint = code_of(&code.replace([' ', '-'], "_"))
        .map(|c| format!(" ({value} is {c})"))
        .unwrap_or_default();
    Err(format!(
        "{value:?} is not a language code: give an ISO 639-1 code such as en, es or fr{hint}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_map_both_ways() {
        assert_eq!(name_of("en"), Some("english"));
        assert_eq!(name_of("zh-hant"), Some("chinese_traditional"));
        assert_eq!(code_of("serbian_latin"), Some("sr-latn"));
        assert_eq!(name_of("de"), None);
        let mut codes: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len(), "a code maps to two names");
        assert_eq!(LANGUAGES.len(), 45, "XL-Sum and CrossSum have 45 languages");
    }

    #[test]
    fn summary_language_codes_are_checked_for_shape_only() {
        assert_eq!(parse_code("EN").unwrap(), "en");
        assert_eq!(parse_code("zh-Hant").unwrap(), "zh-hant");
        assert_eq!(parse_code("pcm").unwrap(), "pcm");
        // A valid code the datasets lack is the model's to refuse.
        assert_eq!(parse_code("de").unwrap(), "de");
        let err = parse_code("english").unwrap_err();
        assert!(err.contains("ISO 639-1") && err.contains("is en"), "{err}");
        assert!(parse_code("e1").is_err());
        assert!(parse_code("zh-h").is_err());
    }
}
