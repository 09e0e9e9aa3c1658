//! Target-language tokens of cross-lingual summarizers such as
//! csebuetnlp/mT5_m2m_crossSum: `config.json`'s
//! `task_specific_params.langid_map` maps a language name (`"english"`) to
//! `[index, token]` (`[30, "▁<extra_id_69>"]`), and the summary comes out in
//! that language when the decoder starts with the token's id, as the model
//! card does it: `generate(…, decoder_start_token_id=get_lang_id(lang))` with
//! `get_lang_id` = `tokenizer._convert_token_to_id(langid_map[lang][1])`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::{Result, TransformerError};
use super::model_dir::ModelDir;
use super::tokenize::TextTokenizer;
use crate::summarize::language;

/// The languages a model can write its summaries in, by ISO code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTokens {
    /// ISO code → (dataset name, token id).
    by_code: BTreeMap<String, (String, i64)>,
}

impl LanguageTokens {
    /// The model's language tokens, or `None` when its config has no
    /// `langid_map` (a summarizer that writes in the input's language).
    /// A map that is malformed, names a language this build does not know,
    /// or whose token the vocabulary lacks is an error naming the config.
    pub fn read(dir: &ModelDir, tokenizer: &TextTokenizer) -> Result<Option<LanguageTokens>> {
        let Some(map) = dir
            .config()
            .get("task_specific_params")
            .and_then(|p| p.get("langid_map"))
        else {
            return Ok(None);
        };
        let invalid = |message: String| TransformerError::Config {
            path: dir.config_path(),
            message: format!("task_specific_params.langid_map: {message}"),
        };
        let map = map
            .as_object()
            .ok_or_else(|| invalid("not an object".into()))?;
        let mut by_code = BTreeMap::new();
        for (name, entry) in map {
            let token = match entry {
                Value::Array(pair) if pair.len() == 2 => pair[1].as_str(),
                _ => None,
            }
            .ok_or_else(|| invalid(format!("{name:?} is not an [index, token] pair")))?;
            let code = language::code_of(name).ok_or_else(|| {
                invalid(format!(
                    "language {name:?} is not one of the XL-Sum/CrossSum languages"
                ))
            })?;
            let id = tokenizer.token_id(token).ok_or_else(|| {
                invalid(format!(
                    "the token {token:?} of {name} is not in the vocabulary ({})",
                    tokenizer.path().display()
                ))
            })?;
            by_code.insert(code.to_string(), (name.clone(), id));
        }
        if by_code.is_empty() {
            return Err(invalid("no languages".into()));
        }
        Ok(Some(LanguageTokens { by_code }))
    }

    /// The token id that starts a summary in `code`, or `None` when the model
    /// does not have that language.
    pub fn token_for(&self, code: &str) -> Option<i64> {
        self.by_code.get(code).map(|(_, id)| *id)
    }

    /// The ISO code of the language whose token is `id`.
    pub fn code_of_token(&self, id: i64) -> Option<&str> {
        self.by_code
            .iter()
            .find(|(_, (_, token))| *token == id)
            .map(|(code, _)| code.as_str())
    }

    /// The ISO codes of the model's languages, sorted.
    pub fn codes(&self) -> Vec<&str> {
        self.by_code.keys().map(String::as_str).collect()
    }

    /// Whether `id` is one of the language tokens (left out of summary text,
    /// as transformers' `skip_special_tokens` does with the checkpoint's
    /// `additional_special_tokens`).
    pub fn is_language_token(&self, id: i64) -> bool {
        self.by_code.values().any(|(_, token)| *token == id)
    }
}
