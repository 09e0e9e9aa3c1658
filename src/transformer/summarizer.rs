//! Abstractive summaries of whole articles with a seq2seq model.
//!
//! An article that fits the model's input window is summarized in one pass.
//! A longer one is not truncated silently: it is cut into chunks along
//! paragraph boundaries (sentence boundaries inside an overlong paragraph),
//! each chunk is summarized, and the joined chunk summaries are summarized
//! again, repeating until the text fits the window.
//!
//! A cross-lingual model (a `langid_map` in its config, as CrossSum's) writes
//! its summaries in the language asked for ([`SummarizerConfig::summary_lang`]),
//! else in the article's own language when it has that one: the decoder
//! starts with the language's token ([`super::langid`]).
//!
//! T5/mT5 checkpoints decode with the project's own network ([`super::t5`]:
//! cross-attention keys/values computed once per input, preallocated caches);
//! BART and Pegasus decode through rust-bert ([`super::seq2seq`]). Both follow
//! transformers' generation step for step, so the ids are the same.

use std::path::Path;

use serde::{Deserialize, Serialize};

use tch::Device;

use super::Precision;
use super::device::{Compute, cpu_only};
use super::error::{Result, TransformerError};
use super::generate::{GenerationConfig, generate_starting};
use super::langid::LanguageTokens;
use super::model_dir::{Architecture, ModelDir};
use super::seq2seq::{SEQ2SEQ_ARCHITECTURES, Seq2SeqModel};
use super::t5::T5Generator;
use super::tokenize::TextTokenizer;
use crate::article::Article;
use crate::models::GenerationSettings;
use crate::record::{Summary, SummaryMethod};
use crate::summarize::Summarizer;

/// Settings of the transformer summarizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SummarizerConfig {
    /// Decoding settings. Default (`None`): [`GenerationConfig::for_model`],
    /// the model's published settings over the documented defaults.
    pub generation: Option<GenerationConfig>,
    /// Deliberate overrides (from the registry) laid over `generation`.
    pub overrides: Option<GenerationSettings>,
    /// Input window in tokens, special tokens included. Default (`None`): the
    /// model's own limit (512 for T5/mT5, `max_position_embeddings` otherwise).
    pub input_window: Option<usize>,
    /// Text put before every input (e.g. `"summarize: "` for original T5).
    /// Default: none, as mT5_multilingual_XLSum and BART expect.
    pub prefix: String,
    /// Rounds of summarizing summaries before the rest is truncated. Default 3.
    pub max_rounds: usize,
    /// Number format of the dense layers (`bf16`: T5/mT5 models only).
    pub precision: Precision,
    /// Where the model runs: the CPU (default) or a CUDA GPU, from
    /// [`super::device::resolve`].
    #[serde(skip, default = "super::device::cpu")]
    pub device: Device,
    /// The language to write summaries in (ISO 639-1 code). Needs a
    /// cross-lingual model that has the language; loading fails otherwise,
    /// listing the model's languages. Default (`None`): the article's.
    pub summary_lang: Option<String>,
    /// Articles that fit the window are decoded together (T5/mT5), as many
    /// as fit this many padded input tokens (inputs of similar length go
    /// together). Default 2048: four full 512-token inputs. 0 or anything
    /// under one input decodes one article at a time.
    pub batch_tokens: usize,
}

/// Default [`SummarizerConfig::batch_tokens`].
pub const DEFAULT_BATCH_TOKENS: usize = crate::engine::DEFAULT_SUMMARY_BATCH_TOKENS;

impl Default for SummarizerConfig {
    fn default() -> Self {
        SummarizerConfig {
            generation: None,
            overrides: None,
            input_window: None,
            prefix: String::new(),
            max_rounds: 3,
            precision: Precision::F32,
            device: Device::Cpu,
            summary_lang: None,
            batch_tokens: DEFAULT_BATCH_TOKENS,
        }
    }
}

/// A seq2seq model with its tokenizer, summarizing article by article.
pub struct TransformerSummarizer {
    decoder: Decoder,
    tokenizer: TextTokenizer,
    config: SummarizerConfig,
    generation: GenerationConfig,
    /// Tokens left for text once the prefix and special tokens are in.
    text_budget: usize,
    name: String,
    /// The target-language tokens of a cross-lingual model.
    languages: Option<LanguageTokens>,
}

/// The network that generates: the project's T5 for T5/mT5, rust-bert otherwise.
enum Decoder {
    T5(Box<T5Generator>),
    RustBert(Box<Seq2SeqModel>),
}

impl Decoder {
    fn load(dir: &ModelDir, compute: Compute) -> Result<Decoder> {
        let precision = compute.precision;
        let arch = dir.require(
            "summarization",
            SEQ2SEQ_ARCHITECTURES,
            &[Architecture::T5, Architecture::Bart, Architecture::Pegasus],
        )?;
        if precision != Precision::F32 && arch != Architecture::T5 {
            return Err(TransformerError::Config {
                path: dir.config_path(),
                message: format!(
                    "precision {} is available for T5/mT5 summary models only; this one is {}: use f32",
                    precision.name(),
                    dir.model_type
                ),
            });
        }
        if compute.device != Device::Cpu && arch != Architecture::T5 {
            return Err(cpu_only(dir, "T5/mT5 summary models"));
        }
        Ok(match arch {
            Architecture::T5 => Decoder::T5(Box::new(T5Generator::load_with(&dir.path, compute)?)),
            _ => Decoder::RustBert(Box::new(Seq2SeqModel::load(dir)?)),
        })
    }

    /// The token decoding starts with unless another is asked for.
    fn start_token(&self) -> i64 {
        match self {
            Decoder::T5(generator) => generator.model().config().decoder_start_token_id,
            Decoder::RustBert(model) => model.tokens.decoder_start,
        }
    }

    /// Longest input the encoder takes, in tokens.
    fn max_input_tokens(&self) -> usize {
        match self {
            // Relative positions: no hard limit; 512 is what T5/mT5 were trained on.
            Decoder::T5(_) => 512,
            Decoder::RustBert(model) => model.max_input_tokens,
        }
    }

    /// Output ids of several inputs decoded as one batch, when the network
    /// batches (T5/mT5); `None` otherwise.
    fn generate_batch(
        &self,
        inputs: &[Vec<i64>],
        config: &GenerationConfig,
        start: Option<i64>,
    ) -> Option<Result<Vec<Vec<i64>>>> {
        match self {
            Decoder::T5(generator) => Some(match start {
                Some(start) => generator.generate_starting(inputs, config, start),
                None => generator.generate(inputs, config),
            }),
            Decoder::RustBert(_) => None,
        }
    }

    /// Output ids, the decoder started on `start` (else the model's own start token).
    fn generate(
        &self,
        ids: &[i64],
        config: &GenerationConfig,
        start: Option<i64>,
    ) -> Result<Vec<i64>> {
        let input = [ids.to_vec()];
        match self {
            Decoder::T5(generator) => Ok(match start {
                Some(start) => generator.generate_starting(&input, config, start)?,
                None => generator.generate(&input, config)?,
            }
            .pop()
            .unwrap_or_default()),
            Decoder::RustBert(model) => Ok(generate_starting(
                model,
                ids,
                config,
                start.unwrap_or(model.tokens.decoder_start),
            )),
        }
    }
}

/// What one summary took: the chunks of the first round, and whether any text
/// had to be truncated after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryPlan {
    pub chunks: usize,
    pub rounds: usize,
    pub truncated: bool,
}

impl TransformerSummarizer {
    /// Loads the model in `dir`; `name` (e.g. `mt5-xlsum@<revision>`) is what
    /// output records name as the engine.
    pub fn load(dir: &Path, name: &str, config: SummarizerConfig) -> Result<Self> {
        let dir = ModelDir::open(dir)?;
        let decoder = Decoder::load(&dir, Compute::new(config.precision, config.device))?;
        let window = config
            .input_window
            .unwrap_or(decoder.max_input_tokens())
            .min(decoder.max_input_tokens());
        let tokenizer = TextTokenizer::load(&dir, window)?;
        let overhead = tokenizer.special_tokens_single()? + tokenizer.count(&config.prefix)?;
        if window <= overhead + 8 {
            return Err(TransformerError::Config {
                path: dir.config_path(),
                message: format!("input window of {window} tokens leaves no room for text"),
            });
        }
        let mut generation = config
            .generation
            .clone()
            .unwrap_or_else(|| GenerationConfig::for_model(&dir));
        if let Some(overrides) = &config.overrides {
            generation = generation.with_overrides(overrides);
        }
        let languages = LanguageTokens::read(&dir, &tokenizer)?;
        if let Some(code) = &config.summary_lang {
            check_summary_lang(&dir, languages.as_ref(), code)?;
        }
        Ok(TransformerSummarizer {
            text_budget: window - overhead,
            generation,
            decoder,
            tokenizer,
            config,
            name: name.to_string(),
            languages,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The decoding settings in use.
    pub fn generation(&self) -> &GenerationConfig {
        &self.generation
    }

    /// The target-language tokens, for a cross-lingual model.
    pub fn languages(&self) -> Option<&LanguageTokens> {
        self.languages.as_ref()
    }

    /// The decoder start token that makes the model write in `code`, or
    /// `None` when the model cannot choose its summary language or lacks `code`.
    pub fn language_token(&self, code: &str) -> Option<i64> {
        self.languages.as_ref()?.token_for(code)
    }

    /// Output ids for one text that fits the window (longer text is cut).
    pub fn generate_ids(&self, text: &str) -> Result<Vec<i64>> {
        self.generate_ids_with(text, &self.generation)
    }

    /// [`Self::generate_ids`] with other decoding settings for this call.
    pub fn generate_ids_with(&self, text: &str, generation: &GenerationConfig) -> Result<Vec<i64>> {
        self.generate_ids_starting(text, generation, None)
    }

    /// Output ids of several texts that fit the window, decoded as one batch
    /// on T5/mT5 (one at a time on other networks); equal to
    /// [`Self::generate_ids_with`] on each.
    pub fn generate_ids_batch(
        &self,
        texts: &[&str],
        generation: &GenerationConfig,
    ) -> Result<Vec<Vec<i64>>> {
        let inputs = texts
            .iter()
            .map(|text| {
                self.tokenizer
                    .encode(&format!("{}{}", self.config.prefix, text))
            })
            .collect::<Result<Vec<_>>>()?;
        match self.decoder.generate_batch(&inputs, generation, None) {
            Some(outputs) => outputs,
            None => inputs
                .iter()
                .map(|ids| self.decoder.generate(ids, generation, None))
                .collect(),
        }
    }

    /// [`Self::generate_ids_with`] with the decoder started on `start` (a
    /// [`Self::language_token`]) instead of the model's own start token.
    pub fn generate_ids_starting(
        &self,
        text: &str,
        generation: &GenerationConfig,
        start: Option<i64>,
    ) -> Result<Vec<i64>> {
        let input = format!("{}{}", self.config.prefix, text);
        let ids = self.tokenizer.encode(&input)?;
        self.decoder.generate(&ids, generation, start)
    }

    /// The start token of `summary_lang`, when one was asked for.
    fn asked_language_token(&self) -> Option<i64> {
        self.language_token(self.config.summary_lang.as_deref()?)
    }

    /// Summary of one text that fits the window (in `summary_lang` when set).
    pub fn summarize_text(&self, text: &str) -> Result<String> {
        self.summarize_text_starting(text, self.asked_language_token())
    }

    fn summarize_text_starting(&self, text: &str, start: Option<i64>) -> Result<String> {
        let ids = self.generate_ids_starting(text, &self.generation, start)?;
        self.decode_summary(ids)
    }

    /// The text of a summary's output ids.
    fn decode_summary(&self, ids: Vec<i64>) -> Result<String> {
        // Language tokens are special tokens of the checkpoint: not text.
        let ids: Vec<i64> = match &self.languages {
            Some(languages) => ids
                .into_iter()
                .filter(|&id| !languages.is_language_token(id))
                .collect(),
            None => ids,
        };
        Ok(self.tokenizer.decode(&ids)?.trim().to_string())
    }

    /// The language a summary of `article` is written in, and the decoder
    /// start token that asks for it: `summary_lang`, else the article's
    /// language when the model has it, else the language of the checkpoint's
    /// own start token (a cross-lingual model only; other models write in the
    /// input's language and record none).
    fn target_language(&self, article: &Article) -> TargetLanguage {
        let languages = self.languages.as_ref()?;
        let code = self
            .config
            .summary_lang
            .clone()
            .unwrap_or_else(|| article.lang().to_string());
        if let Some(token) = languages.token_for(&code) {
            return Some((code, token));
        }
        let start = self.decoder.start_token();
        Some((languages.code_of_token(start)?.to_string(), start))
    }

    /// Summary of an article, following the chunk plan for long ones.
    pub fn summarize_article(&self, article: &Article) -> Result<(Summary, SummaryPlan)> {
        let paragraphs = paragraphs_of(article);
        let target = self.target_language(article);
        let (text, plan) =
            self.summarize_paragraphs_starting(&paragraphs, target.as_ref().map(|t| t.1))?;
        Ok((
            Summary {
                text,
                method: SummaryMethod::Abstractive,
                sentences: Vec::new(),
                lang: target.map(|t| t.0),
            },
            plan,
        ))
    }

    /// Summary of text given as paragraphs of sentences (in `summary_lang`
    /// when set).
    pub fn summarize_paragraphs(&self, paragraphs: &[Vec<&str>]) -> Result<(String, SummaryPlan)> {
        self.summarize_paragraphs_starting(paragraphs, self.asked_language_token())
    }

    /// [`Self::summarize_paragraphs`], every decoding started on `start`.
    fn summarize_paragraphs_starting(
        &self,
        paragraphs: &[Vec<&str>],
        start: Option<i64>,
    ) -> Result<(String, SummaryPlan)> {
        if paragraphs
            .iter()
            .all(|p| p.iter().all(|s| s.trim().is_empty()))
        {
            let plan = SummaryPlan {
                chunks: 0,
                rounds: 0,
                truncated: false,
            };
            return Ok((String::new(), plan));
        }
        let units = self.measure(paragraphs)?;
        let mut plan = SummaryPlan {
            chunks: 1,
            rounds: 1,
            truncated: false,
        };
        let mut chunks = plan_chunks(&units, self.text_budget);
        plan.chunks = chunks.len();
        loop {
            if chunks.len() == 1 || plan.rounds > self.config.max_rounds {
                if chunks.len() > 1 {
                    plan.truncated = true;
                }
                let text = chunks.join(" ");
                plan.truncated |= self.tokenizer.count(&text)? > self.text_budget;
                return Ok((self.summarize_text_starting(&text, start)?, plan));
            }
            let summaries = chunks
                .iter()
                .map(|chunk| self.summarize_text_starting(chunk, start))
                .collect::<Result<Vec<_>>>()?;
            let joined: Vec<Vec<&str>> = vec![summaries.iter().map(String::as_str).collect()];
            let units = self.measure(&joined)?;
            chunks = plan_chunks(&units, self.text_budget);
            plan.rounds += 1;
        }
    }

    /// The input ids of an article that fits the window in one chunk (what
    /// [`Self::summarize_article`] would decode in one call), with its target
    /// language; `None` for an empty article or one that needs the chunk plan.
    fn single_input(&self, article: &Article) -> Result<Option<(Vec<i64>, TargetLanguage)>> {
        let paragraphs = paragraphs_of(article);
        if paragraphs
            .iter()
            .all(|p| p.iter().all(|s| s.trim().is_empty()))
        {
            return Ok(None);
        }
        let chunks = plan_chunks(&self.measure(&paragraphs)?, self.text_budget);
        if chunks.len() != 1 {
            return Ok(None);
        }
        let ids = self
            .tokenizer
            .encode(&format!("{}{}", self.config.prefix, chunks[0]))?;
        Ok(Some((ids, self.target_language(article))))
    }

    /// Summaries of several articles. Those that fit the window are decoded
    /// in batches of similar input length within [`SummarizerConfig::batch_tokens`]
    /// (outputs equal to one at a time: the generator pads and finishes
    /// hypotheses as transformers does); the others, and every article of a
    /// batch that failed, go one at a time, so an error names its article.
    pub fn summarize_articles(&self, articles: &[&Article]) -> Vec<Result<Summary>> {
        let mut out: Vec<Option<Result<Summary>>> = articles.iter().map(|_| None).collect();
        let mut singles = Vec::new();
        if articles.len() > 1 {
            for (i, article) in articles.iter().enumerate() {
                if let Ok(Some((ids, target))) = self.single_input(article) {
                    singles.push((i, ids, target));
                }
            }
        }
        // Similar lengths together, one start token per batch.
        singles.sort_by_key(|(i, ids, target)| (target.as_ref().map(|t| t.1), ids.len(), *i));
        let mut k = 0;
        while k < singles.len() {
            let start = singles[k].2.as_ref().map(|t| t.1);
            let mut end = k + 1;
            while end < singles.len()
                && singles[end].2.as_ref().map(|t| t.1) == start
                && (end + 1 - k) * singles[end].1.len() <= self.config.batch_tokens
            {
                end += 1;
            }
            let batch = &singles[k..end];
            if batch.len() > 1 {
                let inputs: Vec<Vec<i64>> = batch.iter().map(|(_, ids, _)| ids.clone()).collect();
                if let Some(Ok(outputs)) =
                    self.decoder
                        .generate_batch(&inputs, &self.generation, start)
                {
                    for ((i, _, target), ids) in batch.iter().zip(outputs) {
                        out[*i] = Some(self.decode_summary(ids).map(|text| Summary {
                            text,
                            method: SummaryMethod::Abstractive,
                            sentences: Vec::new(),
                            lang: target.as_ref().map(|t| t.0.clone()),
                        }));
                    }
                }
            }
            k = end;
        }
        articles
            .iter()
            .zip(out)
            .map(|(article, done)| {
                done.unwrap_or_else(|| self.summarize_article(article).map(|(summary, _)| summary))
            })
            .collect()
    }

    /// Token counts of every sentence, paragraph by paragraph.
    fn measure<'a>(&self, paragraphs: &[Vec<&'a str>]) -> Result<Vec<Vec<(&'a str, usize)>>> {
        paragraphs
            .iter()
            .map(|sentences| {
                sentences
                    .iter()
                    .map(|s| Ok((*s, self.tokenizer.count(s)?)))
                    .collect()
            })
            .collect()
    }
}

impl Summarizer for TransformerSummarizer {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn summarize(&self, articles: &[&Article]) -> anyhow::Result<Vec<Summary>> {
        articles
            .iter()
            .zip(self.summarize_articles(articles))
            .map(|(article, summary)| {
                summary
                    .map_err(|e| anyhow::anyhow!("article {}: summarizing failed: {e}", article.id))
            })
            .collect()
    }
}

/// A summary's language code and the decoder start token that asks for it
/// (cross-lingual models only).
type TargetLanguage = Option<(String, i64)>;

/// An article's sentences, paragraph by paragraph.
fn paragraphs_of(article: &Article) -> Vec<Vec<&str>> {
    article
        .paragraphs
        .iter()
        .map(|p| {
            p.sentences
                .clone()
                .map(|s| article.sentence_text(s))
                .collect()
        })
        .collect()
}

/// Checks that the model in `dir` can write summaries in `code`; the error
/// lists the languages it has.
fn check_summary_lang(
    dir: &ModelDir,
    languages: Option<&LanguageTokens>,
    code: &str,
) -> Result<()> {
    let message = match languages {
        None => format!(
            "this summary model cannot choose the language of its summaries (its config.json \
             has no task_specific_params.langid_map), so --summary-lang {code} cannot be \
             honored; use a cross-lingual model such as mt5-crosssum"
        ),
        Some(languages) if languages.token_for(code).is_none() => format!(
            "this summary model cannot write summaries in {code:?}; it has: {}",
            languages.codes().join(", ")
        ),
        Some(_) => return Ok(()),
    };
    Err(TransformerError::SummaryLanguage {
        dir: dir.path.clone(),
        message,
    })
}

/// Groups sentences into chunks of at most `budget` tokens: whole paragraphs
/// where they fit, sentence by sentence inside a paragraph that does not. A
/// single sentence longer than the budget forms its own chunk (and is cut when
/// encoded). Token counts of separate pieces are summed, a close upper bound
/// of the count of the joined text.
pub fn plan_chunks(paragraphs: &[Vec<(&str, usize)>], budget: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut used = 0;
    let mut flush = |current: &mut Vec<&str>, used: &mut usize| {
        if !current.is_empty() {
            chunks.push(current.join(" "));
            current.clear();
        }
        *used = 0;
    };
    for paragraph in paragraphs {
        let size: usize = paragraph.iter().map(|(_, n)| n).sum();
        if used + size <= budget {
            current.extend(paragraph.iter().map(|(s, _)| *s));
            used += size;
            continue;
        }
        if size <= budget {
            flush(&mut current, &mut used);
            current.extend(paragraph.iter().map(|(s, _)| *s));
            used = size;
            continue;
        }
        for &(sentence, n) in paragraph {
            if used + n > budget {
                flush(&mut current, &mut used);
            }
            current.push(sentence);
            used += n;
        }
    }
    flush(&mut current, &mut used);
    if chunks.is_empty() {
        chunks.push(String::new());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::plan_chunks;

    #[test]
    fn paragraphs_that_fit_stay_together() {
        let paragraphs = vec![vec![("A a.", 3), ("B b.", 3)], vec![("C c.", 3)]];
        assert_eq!(plan_chunks(&paragraphs, 10), vec!["A a. B b. C c."]);
        assert_eq!(plan_chunks(&paragraphs, 6), vec!["A a. B b.", "C c."]);
    }

    #[test]
    fn an_overlong_paragraph_is_cut_at_sentences() {
        let paragraphs = vec![vec![("A.", 4), ("B.", 4), ("C.", 4)], vec![("D.", 2)]];
        assert_eq!(plan_chunks(&paragraphs, 8), vec!["A. B.", "C. D."]);
        assert_eq!(plan_chunks(&[vec![("Long.", 50)]], 8), vec!["Long."]);
    }
}
