//! Text to token ids and back, for every model directory the engine loads.
//!
//! `tokenizer.json` (the Hugging Face fast tokenizer, read by the `tokenizers`
//! crate) is preferred: it is what transformers itself uses. Directories that
//! only ship the older vocabulary files (`spiece.model`, `spm.model`,
//! `sentencepiece.bpe.model`, `vocab.txt`, `vocab.json` + `merges.txt`) are
//! read with rust-bert's tokenizers instead.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_bert::pipelines::common::{ModelType, TokenizerOption};
use rust_tokenizers::tokenizer::TruncationStrategy as LegacyTruncation;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::error::{Result, TransformerError};
use super::model_dir::{Architecture, ModelDir};

/// An encoded sequence pair: token ids and their token type (segment) ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairIds {
    pub ids: Vec<i64>,
    pub type_ids: Vec<i64>,
}

/// A tokenizer with a fixed truncation window (`max_length` tokens, special
/// tokens included).
pub struct TextTokenizer {
    inner: Inner,
    max_length: usize,
    path: PathBuf,
}

enum Inner {
    /// `plain` never truncates (for counting); `truncating` cuts to the window,
    /// the first sequence of a pair first.
    Fast {
        plain: Box<Tokenizer>,
        truncating: Box<Tokenizer>,
    },
    Legacy(Box<TokenizerOption>),
}

impl TextTokenizer {
    /// Loads the tokenizer of `dir`, truncating to `max_length` tokens.
    pub fn load(dir: &ModelDir, max_length: usize) -> Result<TextTokenizer> {
        let json = dir.path.join("tokenizer.json");
        if json.is_file() {
            return Self::load_fast(&json, max_length);
        }
        Self::load_legacy(dir, max_length)
    }

    /// Loads the legacy vocabulary files even when `tokenizer.json` exists.
    pub fn load_legacy(dir: &ModelDir, max_length: usize) -> Result<TextTokenizer> {
        let arch = dir
            .architecture
            .ok_or_else(|| TransformerError::MissingFile {
                dir: dir.path.clone(),
                what: "tokenizer.json".into(),
            })?;
        let (model_type, vocab, merges): (ModelType, &[&str], Option<&str>) = match arch {
            Architecture::T5 => (ModelType::T5, &["spiece.model"], None),
            Architecture::Pegasus => (ModelType::Pegasus, &["spiece.model"], None),
            Architecture::DebertaV2 => (ModelType::DebertaV2, &["spm.model", "spiece.model"], None),
            Architecture::XlmRoberta => (ModelType::XLMRoberta, &["sentencepiece.bpe.model"], None),
            Architecture::Bert => (ModelType::Bert, &["vocab.txt"], None),
            Architecture::Bart => (ModelType::Bart, &["vocab.json"], Some("merges.txt")),
        };
        let vocab_path = vocab
            .iter()
            .map(|name| dir.path.join(name))
            .find(|path| path.is_file())
            .ok_or_else(|| TransformerError::MissingFile {
                dir: dir.path.clone(),
                what: format!("tokenizer.json or {}", vocab.join(" or ")),
            })?;
        let merges_path = merges.map(|name| dir.path.join(name));
        let tokenizer_config = read_json(&dir.path.join("tokenizer_config.json"));
        let flag = |key: &str| {
            tokenizer_config
                .as_ref()
                .and_then(|c| c.get(key))
                .and_then(serde_json::Value::as_bool)
        };
        let lower_case = flag("do_lower_case").unwrap_or(arch == Architecture::Bert);
        let tokenizer = TokenizerOption::from_file(
            model_type,
            &vocab_path.to_string_lossy(),
            merges_path
                .as_deref()
                .map(|p| p.to_str().unwrap_or_default()),
            lower_case,
            flag("strip_accents"),
            flag("add_prefix_space"),
        )
        .map_err(|e| TransformerError::Tokenizer {
            path: vocab_path.clone(),
            message: e.to_string(),
        })?;
        Ok(TextTokenizer {
            inner: Inner::Legacy(Box::new(tokenizer)),
            max_length,
            path: vocab_path,
        })
    }

    fn load_fast(path: &Path, max_length: usize) -> Result<TextTokenizer> {
        let error = |message: String| TransformerError::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        let mut plain = Tokenizer::from_file(path).map_err(|e| error(e.to_string()))?;
        plain.with_padding(None);
        plain
            .with_truncation(None)
            .map_err(|e| error(e.to_string()))?;
        let mut truncating = plain.clone();
        truncating
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::OnlyFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| error(e.to_string()))?;
        Ok(TextTokenizer {
            inner: Inner::Fast {
                plain: Box::new(plain),
                truncating: Box::new(truncating),
            },
            max_length,
            path: path.to_path_buf(),
        })
    }

    /// The file the vocabulary was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The truncation window, special tokens included.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Ids of `text` with the model's special tokens, cut to the window.
    pub fn encode(&self, text: &str) -> Result<Vec<i64>> {
        match &self.inner {
            Inner::Fast { truncating, .. } => fast_ids(truncating, text),
            Inner::Legacy(tokenizer) => Ok(tokenizer
                .encode_list(&[text], self.max_length, &LegacyTruncation::LongestFirst, 0)
                .remove(0)
                .token_ids),
        }
    }

    /// Ids of a (premise, hypothesis) pair; only the premise is cut to fit.
    pub fn encode_pair(&self, first: &str, second: &str) -> Result<Vec<i64>> {
        match &self.inner {
            Inner::Fast { truncating, .. } => fast_ids(truncating, (first, second)).map_err(|e| {
                TransformerError::Encode(format!(
                    "the pair does not fit the {}-token window even with the premise cut \
                         ({e}); shorten the hypothesis",
                    self.max_length
                ))
            }),
            Inner::Legacy(tokenizer) => {
                let ids = tokenizer
                    .encode_pair_list(
                        &[(first, second)],
                        self.max_length,
                        &LegacyTruncation::OnlyFirst,
                        0,
                    )
                    .remove(0)
                    .token_ids;
                if ids.len() > self.max_length {
                    return Err(TransformerError::Encode(format!(
                        "the hypothesis alone is longer than the {}-token window",
                        self.max_length
                    )));
                }
                Ok(ids)
            }
        }
    }

    /// Ids of many pairs, as [`Self::encode_pair`] gives them. Each distinct
    /// premise and hypothesis is tokenized once: stance pairs repeat both (the
    /// same hypotheses for every article, each premise against several).
    pub fn encode_pairs(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<i64>>> {
        Ok(self
            .encode_pairs_typed(pairs)?
            .into_iter()
            .map(|p| p.ids)
            .collect())
    }

    /// Pairs as [`Self::encode_pairs`] gives them, with the token type
    /// (segment) ids of the tokenizer's pair template: 0 for the first
    /// sequence, 1 for the second in BERT-style templates.
    pub fn encode_pairs_typed(&self, pairs: &[(&str, &str)]) -> Result<Vec<PairIds>> {
        let Inner::Fast { plain, truncating } = &self.inner else {
            return pairs
                .iter()
                .map(|(a, b)| self.encode_pair_legacy_typed(a, b))
                .collect();
        };
        let mut pieces: HashMap<&str, tokenizers::Encoding> = HashMap::new();
        for &(first, second) in pairs {
            for text in [first, second] {
                if !pieces.contains_key(text) {
                    let encoding = plain
                        .encode(text, false)
                        .map_err(|e| TransformerError::Encode(e.to_string()))?;
                    pieces.insert(text, encoding);
                }
            }
        }
        pairs
            .iter()
            .map(|(first, second)| {
                // Truncation and special tokens, exactly as `encode` applies them.
                truncating
                    .post_process(pieces[first].clone(), Some(pieces[second].clone()), true)
                    .map(|e| PairIds {
                        ids: e.get_ids().iter().map(|&id| id as i64).collect(),
                        type_ids: e.get_type_ids().iter().map(|&id| id as i64).collect(),
                    })
                    .map_err(|e| {
                        TransformerError::Encode(format!(
                            "the pair does not fit the {}-token window even with the premise \
                             cut ({e}); shorten the hypothesis",
                            self.max_length
                        ))
                    })
            })
            .collect()
    }

    /// One pair through the legacy tokenizer, with its segment ids.
    fn encode_pair_legacy_typed(&self, first: &str, second: &str) -> Result<PairIds> {
        let Inner::Legacy(tokenizer) = &self.inner else {
            unreachable!("called for legacy tokenizers only");
        };
        let encoded = tokenizer
            .encode_pair_list(
                &[(first, second)],
                self.max_length,
                &LegacyTruncation::OnlyFirst,
                0,
            )
            .remove(0);
        if encoded.token_ids.len() > self.max_length {
            return Err(TransformerError::Encode(format!(
                "the hypothesis alone is longer than the {}-token window",
                self.max_length
            )));
        }
        Ok(PairIds {
            type_ids: encoded.segment_ids.iter().map(|&s| s as i64).collect(),
            ids: encoded.token_ids,
        })
    }

    /// Number of tokens of `text` without special tokens and without truncation.
    pub fn count(&self, text: &str) -> Result<usize> {
        match &self.inner {
            Inner::Fast { plain, .. } => plain
                .encode(text, false)
                .map(|e| e.get_ids().len())
                .map_err(|e| TransformerError::Encode(e.to_string())),
            Inner::Legacy(tokenizer) => Ok(tokenizer.tokenize(text).len()),
        }
    }

    /// Number of special tokens added around a single sequence.
    pub fn special_tokens_single(&self) -> Result<usize> {
        match &self.inner {
            Inner::Fast { plain, .. } => fast_ids(plain, "").map(|ids| ids.len()),
            Inner::Legacy(tokenizer) => Ok(tokenizer
                .encode_list(&[""], usize::MAX / 2, &LegacyTruncation::LongestFirst, 0)
                .remove(0)
                .token_ids
                .len()),
        }
    }

    /// The id of one vocabulary entry given by its text (transformers'
    /// `_convert_token_to_id`), or `None` when the vocabulary lacks it (where
    /// transformers would quietly give the unknown token's id).
    pub fn token_id(&self, token: &str) -> Option<i64> {
        match &self.inner {
            Inner::Fast { plain, .. } => plain.token_to_id(token).map(i64::from),
            Inner::Legacy(tokenizer) => {
                let id = *tokenizer.convert_tokens_to_ids(&[token]).first()?;
                (id != tokenizer.get_unk_id() || token == "<unk>").then_some(id)
            }
        }
    }

    /// Text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[i64]) -> Result<String> {
        match &self.inner {
            Inner::Fast { plain, .. } => {
                let ids: Vec<u32> = ids.iter().map(|&id| id as u32).collect();
                plain
                    .decode(&ids, true)
                    .map_err(|e| TransformerError::Encode(e.to_string()))
            }
            Inner::Legacy(tokenizer) => Ok(tokenizer.decode(ids, true, true)),
        }
    }
}

fn fast_ids<'s, E>(tokenizer: &Tokenizer, input: E) -> Result<Vec<i64>>
where
    E: Into<tokenizers::EncodeInput<'s>>,
{
    tokenizer
        .encode(input, true)
        .map(|e| e.get_ids().iter().map(|&id| id as i64).collect())
        .map_err(|e| TransformerError::Encode(e.to_string()))
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}
