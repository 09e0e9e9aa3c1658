//! Rust side of the engine benchmark (see docs/benchmarks.md and scripts/bench/).
//!
//! Runs one stage per process over the work in `inputs.json` written by
//! `scripts/bench/make_models.py`, with the same batches, token counts and thread
//! count as `scripts/bench/bench_python.py`, and prints one JSON object:
//!
//! ```text
//! cargo build --release --examples
//! target/release/examples/bench_engine --stage greedy --articles 2 --threads 2
//! ```
//!
//! Two implementations can be measured:
//!
//! - `--engine newsframe` (default): the library's transformer engine
//!   (`newsframe::transformer`: `TransformerSummarizer`, `NliClassifier`,
//!   `SentenceEmbedder`), called as the analysis stages call it;
//! - `--engine rust-bert`: rust-bert's own generator and models directly, with
//!   the same batches as the Python side (the baseline the engine builds on).
//!
//! Both tokenize with each model's `tokenizer.json`, so the token ids are those the
//! Python side sees.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, ValueEnum};
use newsframe::engine::DeviceChoice;
use newsframe::transformer::dense::Int8Packing;
use newsframe::transformer::embed::{EmbedConfig, SentenceEmbedder};
use newsframe::transformer::generate::{EarlyStopping, GenerationConfig};
use newsframe::transformer::nli::{NliClassifier, NliConfig, NliPair};
use newsframe::transformer::summarizer::{SummarizerConfig, TransformerSummarizer};
use newsframe::transformer::{Compute, Precision, RuntimeConfig};
use rust_bert::Config;
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use rust_bert::deberta_v2::{DebertaV2Config, DebertaV2ForSequenceClassification};
use rust_bert::pipelines::common::{ModelResource, ModelType};
use rust_bert::pipelines::generation_utils::{GenerateConfig, GenerateOptions, LanguageGenerator};
use rust_bert::resources::LocalResource;
use rust_bert::t5::T5Generator;
use serde::Deserialize;
use serde_json::{Value, json};
use tch::{Device, Kind, Tensor, nn};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

/// Text used to touch every weight once before timing (the "first result" load).
const WARMUP_TEXT: &str = "The council approved the plan on Tuesday.";

#[derive(Parser, Debug)]
#[command(about = "Benchmark one stage of the transformer engine")]
struct Args {
    /// Stage to run.
    #[arg(long, value_enum)]
    stage: Stage,
    /// Implementation under test.
    #[arg(long, value_enum, default_value = "newsframe")]
    engine: Engine,
    /// Directory written by scripts/bench/make_models.py.
    #[arg(long, env = "NEWSFRAME_BENCH_MODELS")]
    models: Option<PathBuf>,
    /// Articles to process.
    #[arg(long, default_value_t = 2)]
    articles: usize,
    /// libtorch intra-op threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Beams of the summary in the `analyze` stage.
    #[arg(long, default_value_t = 1)]
    beams: usize,
    /// Articles decoded together in the greedy, beam4 and analyze stages
    /// (newsframe engine; the others run one at a time whatever this says).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Weight loader of the `load` stage: tch's `VarStore::load` (reads the whole
    /// file, converts every tensor, then copies) or `pread` (reads each tensor's bytes
    /// straight into its variable).
    #[arg(long, value_enum, default_value = "varstore")]
    loader: Loader,
    /// Tokens per summary (64 in the reported runs; fewer for smoke tests).
    #[arg(long, default_value_t = 64)]
    new_tokens: usize,
    /// Model of the `load` stage.
    #[arg(long, default_value = "mt5-base")]
    model: String,
    /// Number format of the newsframe engine's models (f32, bf16 or int8).
    #[arg(long, default_value = "f32")]
    precision: Precision,
    /// Number format of the NLI model alone (default: `--precision`), as
    /// `newsframe --stance-precision` sets it.
    #[arg(long)]
    nli_precision: Option<Precision>,
    /// Where the newsframe engine's models run: cpu, cuda[:N] or auto.
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Loader {
    Varstore,
    Pread,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Stage {
    /// Construct one model (`--model`) and load its weights (`--loader`), nothing else.
    Load,
    Greedy,
    Beam4,
    Nli,
    Embed,
    Analyze,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Engine {
    Newsframe,
    /// Summaries from the project's own T5 decoder (`transformer::t5`); NLI and
    /// embeddings as `newsframe`.
    NewsframeT5,
    RustBert,
}

#[derive(Deserialize)]
struct Inputs {
    summary_inputs: Vec<String>,
    nli: NliInputs,
    embed_sentences: Vec<String>,
}

#[derive(Deserialize)]
struct NliInputs {
    labels: Vec<String>,
    hypothesis_template: String,
    articles: Vec<NliArticle>,
}

#[derive(Deserialize)]
struct NliArticle {
    mentions: Vec<Mention>,
}

#[derive(Deserialize)]
struct Mention {
    premise: String,
    actor: String,
}

fn default_models_dir() -> PathBuf {
    let root = std::env::var_os("NEWSFRAME_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/newsframe")
        });
    root.join("bench-models")
}

/// Peak resident set size of this process in MiB (VmHWM).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn load_tokenizer(dir: &Path, max_length: usize) -> Result<Tokenizer> {
    let mut tok = Tokenizer::from_file(dir.join("tokenizer.json"))
        .map_err(|e| anyhow!("{}: {e}", dir.join("tokenizer.json").display()))?;
    tok.with_truncation(Some(TruncationParams {
        max_length,
        strategy: TruncationStrategy::OnlyFirst,
        ..Default::default()
    }))
    .map_err(|e| anyhow!("{e}"))?;
    tok.with_padding(None);
    Ok(tok)
}

/// Token ids and attention mask of a batch, right-padded with `pad_id` to the longest.
fn batch_tensors(encodings: &[tokenizers::Encoding], pad_id: i64) -> (Tensor, Tensor, usize) {
    let width = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(encodings.len() * width);
    let mut mask = Vec::with_capacity(encodings.len() * width);
    for e in encodings {
        ids.extend(e.get_ids().iter().map(|&i| i as i64));
        mask.extend(std::iter::repeat_n(1i64, e.len()));
        ids.extend(std::iter::repeat_n(pad_id, width - e.len()));
        mask.extend(std::iter::repeat_n(0i64, width - e.len()));
    }
    let n = encodings.len() as i64;
    (
        Tensor::from_slice(&ids).view([n, width as i64]),
        Tensor::from_slice(&mask).view([n, width as i64]),
        encodings.len() * width,
    )
}

/// Summaries of exactly 64 new tokens from a 512-token input window.
trait SummaryEngine {
    /// Returns (input tokens, new tokens).
    fn summarize(&self, text: &str) -> Result<(usize, usize)>;

    /// The same for several texts, decoded together where the engine can.
    fn summarize_batch(&self, texts: &[String]) -> Result<Vec<(usize, usize)>> {
        texts.iter().map(|t| self.summarize(t)).collect()
    }
}

/// Stance pairs of one article: 5 actors x 2 mentions x 3 hypotheses.
trait NliEngine {
    /// Returns (pairs, padded tokens).
    fn classify_article(&self, nli: &NliInputs, article: &NliArticle) -> Result<(usize, usize)>;
}

trait EmbedEngine {
    fn embed_all(&self, sentences: &[String]) -> Result<()>;
}

/// The pairs of one article grouped per actor, in input order.
fn article_pairs(nli: &NliInputs, article: &NliArticle) -> Vec<Vec<(String, String)>> {
    let mut actors: Vec<&str> = Vec::new();
    for m in &article.mentions {
        if !actors.contains(&m.actor.as_str()) {
            actors.push(&m.actor);
        }
    }
    actors
        .into_iter()
        .map(|actor| {
            let template = nli.hypothesis_template.replace("{actor}", actor);
            article
                .mentions
                .iter()
                .filter(|m| m.actor == actor)
                .flat_map(|m| {
                    nli.labels
                        .iter()
                        .map(|l| (m.premise.clone(), template.replacen("{}", l, 1)))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

// ---- newsframe's transformer engine -------------------------------------------

struct NfSummarizer(TransformerSummarizer);

impl NfSummarizer {
    fn load(
        models: &Path,
        beams: usize,
        new_tokens: usize,
        compute: Compute,
    ) -> Result<NfSummarizer> {
        let config = SummarizerConfig {
            generation: Some(GenerationConfig {
                num_beams: beams,
                // Lengths count the decoder start token, as transformers' do.
                max_length: new_tokens + 1,
                min_length: new_tokens + 1,
                no_repeat_ngram_size: 0,
                length_penalty: 1.0,
                early_stopping: EarlyStopping::Heuristic,
            }),
            input_window: Some(512),
            precision: compute.precision,
            device: compute.device,
            ..Default::default()
        };
        let s = TransformerSummarizer::load(&models.join("mt5-base"), "bench", config)?;
        // The first result, as on the Python side: two new tokens of a short text.
        let warmup = GenerationConfig {
            max_length: 3,
            min_length: 3,
            ..s.generation().clone()
        };
        s.generate_ids_with(WARMUP_TEXT, &warmup)?;
        Ok(NfSummarizer(s))
    }
}

impl SummaryEngine for NfSummarizer {
    fn summarize(&self, text: &str) -> Result<(usize, usize)> {
        let input = self.0.tokenizer().encode(text)?.len();
        let ids = self.0.generate_ids(text)?;
        Ok((input, ids.len().saturating_sub(1)))
    }

    fn summarize_batch(&self, texts: &[String]) -> Result<Vec<(usize, usize)>> {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let outputs = self.0.generate_ids_batch(&refs, self.0.generation())?;
        texts
            .iter()
            .zip(outputs)
            .map(|(text, ids)| {
                let input = self.0.tokenizer().encode(text)?.len();
                Ok((input, ids.len().saturating_sub(1)))
            })
            .collect()
    }
}

struct NfClassifier(NliClassifier);

fn nli_pair(premise: String, hypothesis: String) -> NliPair {
    NliPair {
        premise,
        hypothesis,
    }
}

/// Pairs per classify call: the stance stage's default chunk (src/stance/nli.rs).
const NF_NLI_CHUNK: usize = 16;

impl NfClassifier {
    fn load(models: &Path, compute: Compute) -> Result<NfClassifier> {
        let config = NliConfig {
            max_length: 512,
            batch_size: NF_NLI_CHUNK,
            precision: compute.precision,
            device: compute.device,
        };
        let c = NliClassifier::load(&models.join("mdeberta-nli"), "bench", config)?;
        c.classify(&[nli_pair(WARMUP_TEXT.into(), WARMUP_TEXT.into())])?;
        Ok(NfClassifier(c))
    }
}

impl NliEngine for NfClassifier {
    /// All pairs of the article in chunks of 16, as the stance scorer sends them.
    fn classify_article(&self, nli: &NliInputs, article: &NliArticle) -> Result<(usize, usize)> {
        let pairs: Vec<NliPair> = article_pairs(nli, article)
            .into_iter()
            .flatten()
            .map(|(p, h)| nli_pair(p, h))
            .collect();
        let mut padded = 0;
        for chunk in pairs.chunks(NF_NLI_CHUNK) {
            self.0.classify(chunk)?;
            // One chunk is one batch: padded to its longest pair.
            let longest = chunk
                .iter()
                .map(|p| self.0.tokenizer().encode_pair(&p.premise, &p.hypothesis))
                .collect::<Result<Vec<_>, _>>()?
                .iter()
                .map(Vec::len)
                .max()
                .unwrap_or(0);
            padded += longest * chunk.len();
        }
        Ok((pairs.len(), padded))
    }
}

struct NfEmbedder(SentenceEmbedder);

impl NfEmbedder {
    fn load(models: &Path, compute: Compute) -> Result<NfEmbedder> {
        let config = EmbedConfig {
            max_length: Some(128),
            batch_size: 16,
            precision: compute.precision,
            device: compute.device,
        };
        let e = SentenceEmbedder::load(&models.join("minilm-l12"), config)?;
        e.embed(&[WARMUP_TEXT])?;
        Ok(NfEmbedder(e))
    }
}

impl EmbedEngine for NfEmbedder {
    fn embed_all(&self, sentences: &[String]) -> Result<()> {
        let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
        self.0.embed(&refs)?;
        Ok(())
    }
}

/// The project's own T5/mT5 network and decoder (`newsframe::transformer::t5`).
struct NfT5Summarizer {
    generator: newsframe::transformer::t5::T5Generator,
    tokenizer: Tokenizer,
    config: newsframe::transformer::t5::GenerationConfig,
}

impl NfT5Summarizer {
    fn load(models: &Path, beams: usize, new_tokens: usize) -> Result<NfT5Summarizer> {
        use newsframe::transformer::t5;
        let dir = models.join("mt5-base");
        let runtime = RuntimeConfig {
            threads: Some(tch::get_num_threads() as usize),
            ..Default::default()
        };
        let generator = t5::T5Generator::load(&dir, &runtime)?;
        let config = t5::GenerationConfig {
            num_beams: beams,
            max_length: new_tokens + 1,
            min_length: new_tokens + 1,
            no_repeat_ngram_size: 0,
            length_penalty: 1.0,
            early_stopping: t5::EarlyStopping::Heuristic,
        };
        let s = NfT5Summarizer {
            generator,
            tokenizer: load_tokenizer(&dir, 512)?,
            config,
        };
        let warmup = t5::GenerationConfig {
            num_beams: 1,
            max_length: 3,
            min_length: 0,
            ..s.config.clone()
        };
        let ids = s.ids(WARMUP_TEXT)?;
        s.generator.generate(&[ids], &warmup)?;
        Ok(s)
    }

    fn ids(&self, text: &str) -> Result<Vec<i64>> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(enc.get_ids().iter().map(|&i| i as i64).collect())
    }
}

impl SummaryEngine for NfT5Summarizer {
    fn summarize(&self, text: &str) -> Result<(usize, usize)> {
        let ids = self.ids(text)?;
        let n = ids.len();
        let out = self.generator.generate(&[ids], &self.config)?;
        Ok((n, out.first().map_or(0, |o| o.len().saturating_sub(1))))
    }
}

// ---- rust-bert directly ------------------------------------------------------

struct RbSummarizer {
    generator: T5Generator,
    tokenizer: Tokenizer,
    beams: i64,
    new_tokens: i64,
}

impl RbSummarizer {
    fn load(models: &Path, beams: usize, new_tokens: usize) -> Result<RbSummarizer> {
        let dir = models.join("mt5-base");
        let config = GenerateConfig {
            model_type: ModelType::T5,
            model_resource: ModelResource::Torch(Box::new(LocalResource::from(
                dir.join("model.safetensors"),
            ))),
            config_resource: Box::new(LocalResource::from(dir.join("config.json"))),
            vocab_resource: Box::new(LocalResource::from(dir.join("spiece.model"))),
            merges_resource: None,
            min_length: 0,
            max_length: Some(new_tokens as i64 + 1),
            do_sample: false,
            early_stopping: false,
            num_beams: beams as i64,
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            repetition_penalty: 1.0,
            length_penalty: 1.0,
            no_repeat_ngram_size: 0,
            num_return_sequences: 1,
            num_beam_groups: None,
            diversity_penalty: None,
            device: Device::Cpu,
            kind: None,
        };
        let generator = T5Generator::new(config).context("loading mT5")?;
        let summarizer = RbSummarizer {
            generator,
            tokenizer: load_tokenizer(&dir, 512)?,
            beams: beams as i64,
            new_tokens: new_tokens as i64,
        };
        summarizer.generate(WARMUP_TEXT, 1, 2)?;
        Ok(summarizer)
    }

    /// Decodes exactly `new_tokens` tokens; returns (input tokens, new tokens).
    fn generate(&self, text: &str, beams: i64, new_tokens: i64) -> Result<(usize, usize)> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| anyhow!("{e}"))?;
        let (ids, mask, _) = batch_tensors(std::slice::from_ref(&enc), 0);
        // The decoder start token counts towards rust-bert's lengths.
        let options = GenerateOptions {
            min_length: Some(new_tokens + 1),
            max_length: Some(new_tokens + 1),
            num_beams: Some(beams),
            do_sample: Some(false),
            early_stopping: Some(false),
            no_repeat_ngram_size: Some(0),
            ..Default::default()
        };
        let out = tch::no_grad(|| {
            self.generator
                .generate_from_ids_and_past(ids, Some(mask), Some(options))
        })?;
        let generated = out.first().map_or(0, |o| o.indices.len().saturating_sub(1));
        Ok((enc.len(), generated))
    }
}

impl SummaryEngine for RbSummarizer {
    fn summarize(&self, text: &str) -> Result<(usize, usize)> {
        self.generate(text, self.beams, self.new_tokens)
    }
}

struct RbClassifier {
    model: DebertaV2ForSequenceClassification,
    _vs: nn::VarStore,
    tokenizer: Tokenizer,
}

impl RbClassifier {
    fn load(models: &Path) -> Result<RbClassifier> {
        let dir = models.join("mdeberta-nli");
        let config = DebertaV2Config::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let model = DebertaV2ForSequenceClassification::new(vs.root(), &config)?;
        vs.load(dir.join("model.safetensors"))?;
        let classifier = RbClassifier {
            model,
            _vs: vs,
            tokenizer: load_tokenizer(&dir, 512)?,
        };
        let _ = classifier.forward(&[(WARMUP_TEXT.to_string(), WARMUP_TEXT.to_string())])?;
        Ok(classifier)
    }

    /// Softmaxed logits of one batch, padded to its longest pair; and the padded size.
    fn forward(&self, pairs: &[(String, String)]) -> Result<(Tensor, usize)> {
        let encodings = self
            .tokenizer
            .encode_batch(pairs.to_vec(), true)
            .map_err(|e| anyhow!("{e}"))?;
        let (ids, mask, padded) = batch_tensors(&encodings, 0);
        let out = tch::no_grad(|| {
            self.model
                .forward_t(Some(&ids), Some(&mask), None, None, None, false)
        })?;
        Ok((out.logits.softmax(-1, Kind::Float), padded))
    }
}

impl NliEngine for RbClassifier {
    /// One batch per (article, actor), the batches the Python zero-shot pipeline forms.
    fn classify_article(&self, nli: &NliInputs, article: &NliArticle) -> Result<(usize, usize)> {
        let (mut pairs, mut padded) = (0, 0);
        for batch in article_pairs(nli, article) {
            let (_, n) = self.forward(&batch)?;
            pairs += batch.len();
            padded += n;
        }
        Ok((pairs, padded))
    }
}

struct RbEmbedder {
    model: BertModel<BertEmbeddings>,
    _vs: nn::VarStore,
    tokenizer: Tokenizer,
}

impl RbEmbedder {
    fn load(models: &Path) -> Result<RbEmbedder> {
        let dir = models.join("minilm-l12");
        let config = BertConfig::from_file(dir.join("config.json"));
        let mut vs = nn::VarStore::new(Device::Cpu);
        let model = BertModel::<BertEmbeddings>::new(vs.root(), &config);
        vs.load(dir.join("model.safetensors"))?;
        let embedder = RbEmbedder {
            model,
            _vs: vs,
            tokenizer: load_tokenizer(&dir, 128)?,
        };
        let _ = embedder.embed(&[WARMUP_TEXT.to_string()])?;
        Ok(embedder)
    }

    /// Mean-pooled, L2-normalized embeddings of one batch.
    fn embed(&self, sentences: &[String]) -> Result<Tensor> {
        let encodings = self
            .tokenizer
            .encode_batch(sentences.to_vec(), true)
            .map_err(|e| anyhow!("{e}"))?;
        // XLM-R vocabulary: <pad> is id 1.
        let (ids, mask, _) = batch_tensors(&encodings, 1);
        let hidden = tch::no_grad(|| {
            self.model
                .forward_t(Some(&ids), Some(&mask), None, None, None, None, None, false)
        })?
        .hidden_state;
        let m = mask.unsqueeze(-1).to_kind(Kind::Float);
        let summed = (hidden * &m).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
        let counts = m
            .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
            .clamp_min(1e-9);
        let emb = summed / counts;
        let norm = emb
            .norm_scalaropt_dim(2, [-1i64].as_slice(), true)
            .clamp_min(1e-12);
        Ok(emb / norm)
    }
}

impl EmbedEngine for RbEmbedder {
    fn embed_all(&self, sentences: &[String]) -> Result<()> {
        for chunk in sentences.chunks(16) {
            let _ = self.embed(chunk)?;
        }
        Ok(())
    }
}

// ---- weight loading --------------------------------------------------------------

/// Reads each variable's bytes from `model.safetensors` directly into the variable's
/// storage: no copy of the file in memory, so the peak stays at the model's size.
fn load_pread(vs: &nn::VarStore, path: &Path) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path).with_context(|| path.display().to_string())?;
    let mut len = [0u8; 8];
    file.read_exact_at(&mut len, 0)?;
    let header_len = u64::from_le_bytes(len);
    let mut header = vec![0u8; header_len as usize];
    file.read_exact_at(&mut header, 8)?;
    let header: Value = serde_json::from_slice(&header)?;
    for (name, var) in vs.variables() {
        let entry = header
            .get(&name)
            .ok_or_else(|| anyhow!("{}: no tensor {name}", path.display()))?;
        let offsets = entry["data_offsets"].as_array().context("data_offsets")?;
        let (start, end) = (
            offsets[0].as_u64().unwrap_or(0),
            offsets[1].as_u64().unwrap_or(0),
        );
        let bytes = var.numel() * var.kind().elt_size_in_bytes();
        if entry["dtype"] != "F32" || var.kind() != Kind::Float || !var.is_contiguous() {
            bail!("{name}: only contiguous f32 tensors are handled here");
        }
        if (end - start) as usize != bytes {
            bail!(
                "{name}: {} bytes in the file, {bytes} in the model",
                end - start
            );
        }
        // SAFETY: `var` is a contiguous f32 CPU tensor of exactly `bytes` bytes that
        // nothing else reads while it is filled.
        let dst = unsafe { std::slice::from_raw_parts_mut(var.data_ptr() as *mut u8, bytes) };
        file.read_exact_at(dst, 8 + header_len + start)?;
    }
    Ok(())
}

fn stage_load(args: &Args, models: &Path) -> Result<Value> {
    let dir = models.join(&args.model);
    let weights = dir.join("model.safetensors");
    let (params, load_s) = timed(|| {
        let mut vs = nn::VarStore::new(Device::Cpu);
        match args.model.as_str() {
            "mt5-base" => {
                let c = rust_bert::t5::T5Config::from_file(dir.join("config.json"));
                let _ = rust_bert::t5::T5ForConditionalGeneration::new(vs.root(), &c);
            }
            "mdeberta-nli" => {
                let c = DebertaV2Config::from_file(dir.join("config.json"));
                let _ = DebertaV2ForSequenceClassification::new(vs.root(), &c)?;
            }
            "minilm-l12" => {
                let c = BertConfig::from_file(dir.join("config.json"));
                let _ = BertModel::<BertEmbeddings>::new(vs.root(), &c);
            }
            other => bail!("--model {other}: one of mt5-base, mdeberta-nli, minilm-l12"),
        }
        match args.loader {
            Loader::Varstore => vs.load(&weights)?,
            Loader::Pread => load_pread(&vs, &weights)?,
        }
        Ok(vs)
    })?;
    // The peak of loading, before the checksum's temporaries.
    let rss = peak_rss_mb();
    let vars = params.variables();
    // Same weights whichever loader: compare these across loaders.
    let checksum: f64 = tch::no_grad(|| {
        vars.values()
            .map(|t| t.abs().sum(Kind::Double).double_value(&[]))
            .sum()
    });
    let params: usize = vars.values().map(|t| t.numel()).sum();
    Ok(json!({
        "load_s": load_s, "run_s": 0.0, "items": 1, "params": params, "checksum": checksum,
        "peak_rss_mb": rss,
        "model": args.model, "loader": format!("{:?}", args.loader).to_lowercase(),
    }))
}

// ---- stages ------------------------------------------------------------------

/// The newsframe engine's precision and device (an error where the device is absent).
fn compute(args: &Args) -> Result<Compute> {
    compute_in(args, args.precision)
}

fn compute_in(args: &Args, precision: Precision) -> Result<Compute> {
    let device = newsframe::transformer::device::resolve(args.device, precision)?;
    Ok(Compute::new(precision, device))
}

fn load_summarizer(args: &Args, models: &Path, beams: usize) -> Result<Box<dyn SummaryEngine>> {
    let n = args.new_tokens;
    Ok(match args.engine {
        Engine::Newsframe => Box::new(NfSummarizer::load(models, beams, n, compute(args)?)?),
        Engine::NewsframeT5 => Box::new(NfT5Summarizer::load(models, beams, n)?),
        Engine::RustBert => Box::new(RbSummarizer::load(models, beams, n)?),
    })
}

fn load_classifier(args: &Args, models: &Path) -> Result<Box<dyn NliEngine>> {
    Ok(match args.engine {
        Engine::Newsframe | Engine::NewsframeT5 => {
            let precision = args.nli_precision.unwrap_or(args.precision);
            Box::new(NfClassifier::load(models, compute_in(args, precision)?)?)
        }
        Engine::RustBert => Box::new(RbClassifier::load(models)?),
    })
}

fn load_embedder(args: &Args, models: &Path) -> Result<Box<dyn EmbedEngine>> {
    Ok(match args.engine {
        Engine::Newsframe | Engine::NewsframeT5 => {
            Box::new(NfEmbedder::load(models, compute(args)?)?)
        }
        Engine::RustBert => Box::new(RbEmbedder::load(models)?),
    })
}

/// Starts `perf` sampling once loading is done, when `scripts/bench/profile.sh` runs
/// this under `perf record --control fifo:...` (it sets `BENCH_PERF_CTL`).
fn profile_from_here() {
    if let Some(ctl) = std::env::var_os("BENCH_PERF_CTL") {
        use std::io::Write;
        if let Ok(mut fifo) = std::fs::OpenOptions::new().write(true).open(ctl) {
            let _ = fifo.write_all(b"enable\n");
        }
    }
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let t0 = Instant::now();
    let v = f()?;
    Ok((v, t0.elapsed().as_secs_f64()))
}

fn stage_summary(args: &Args, models: &Path, inputs: &Inputs, beams: usize) -> Result<Value> {
    let (summarizer, load_s) = timed(|| load_summarizer(args, models, beams))?;
    profile_from_here();
    let texts = &inputs.summary_inputs[..args.articles.min(inputs.summary_inputs.len())];
    let (mut item_s, mut input_tokens, mut new_tokens) = (vec![], vec![], vec![]);
    for batch in texts.chunks(args.batch.max(1)) {
        let (counts, s) = timed(|| summarizer.summarize_batch(batch))?;
        for (inp, new) in counts {
            item_s.push(s / batch.len() as f64);
            input_tokens.push(inp);
            new_tokens.push(new);
        }
    }
    let total: f64 = item_s.iter().sum();
    Ok(json!({
        "load_s": load_s, "run_s": total, "items": texts.len(),
        "articles_per_s": texts.len() as f64 / total,
        "tokens_per_s": new_tokens.iter().sum::<usize>() as f64 / total,
        "new_tokens": new_tokens, "input_tokens": input_tokens, "item_s": item_s,
    }))
}

fn stage_nli(args: &Args, models: &Path, inputs: &Inputs) -> Result<Value> {
    let (classifier, load_s) = timed(|| load_classifier(args, models))?;
    profile_from_here();
    let articles = &inputs.nli.articles[..args.articles.min(inputs.nli.articles.len())];
    let ((pairs, padded), total) = timed(|| {
        let (mut pairs, mut padded) = (0, 0);
        for a in articles {
            let (p, n) = classifier.classify_article(&inputs.nli, a)?;
            pairs += p;
            padded += n;
        }
        Ok((pairs, padded))
    })?;
    Ok(json!({
        "load_s": load_s, "run_s": total, "items": pairs,
        "pairs_per_s": pairs as f64 / total, "padded_tokens": padded,
    }))
}

fn stage_embed(args: &Args, models: &Path, inputs: &Inputs) -> Result<Value> {
    let (embedder, load_s) = timed(|| load_embedder(args, models))?;
    profile_from_here();
    let sents = &inputs.embed_sentences;
    let (_, total) = timed(|| embedder.embed_all(sents))?;
    Ok(json!({
        "load_s": load_s, "run_s": total, "items": sents.len(),
        "sentences_per_s": sents.len() as f64 / total,
    }))
}

fn stage_analyze(args: &Args, models: &Path, inputs: &Inputs) -> Result<Value> {
    let ((summarizer, classifier), load_s) = timed(|| {
        Ok((
            load_summarizer(args, models, args.beams)?,
            load_classifier(args, models)?,
        ))
    })?;
    profile_from_here();
    let n = args
        .articles
        .min(inputs.summary_inputs.len())
        .min(inputs.nli.articles.len());
    // `--batch N`: the summaries of N articles decoded together, then their
    // stance pairs, as `newsframe analyze` hands the summarizer several
    // articles at a time.
    let mut item_s = vec![];
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(args.batch.max(1)) {
        let (_, s) = timed(|| {
            let texts: Vec<String> = chunk
                .iter()
                .map(|&i| inputs.summary_inputs[i].clone())
                .collect();
            summarizer.summarize_batch(&texts)?;
            for &i in chunk {
                classifier.classify_article(&inputs.nli, &inputs.nli.articles[i])?;
            }
            Ok(())
        })?;
        item_s.extend(std::iter::repeat_n(s / chunk.len() as f64, chunk.len()));
    }
    let total: f64 = item_s.iter().sum();
    Ok(json!({
        "load_s": load_s, "run_s": total, "items": n, "batch": args.batch.max(1),
        "articles_per_s": n as f64 / total, "item_s": item_s,
    }))
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.threads < 1 {
        bail!("--threads must be at least 1");
    }
    RuntimeConfig {
        threads: Some(args.threads),
        ..Default::default()
    }
    .apply();
    let models = args.models.clone().unwrap_or_else(default_models_dir);
    let inputs_path = models.join("inputs.json");
    let inputs: Inputs =
        serde_json::from_str(&std::fs::read_to_string(&inputs_path).with_context(|| {
            format!(
                "{}: run scripts/bench/make_models.py first",
                inputs_path.display()
            )
        })?)
        .with_context(|| format!("{}: not benchmark inputs", inputs_path.display()))?;

    let mut result = match args.stage {
        Stage::Load => stage_load(&args, &models)?,
        Stage::Greedy => stage_summary(&args, &models, &inputs, 1)?,
        Stage::Beam4 => stage_summary(&args, &models, &inputs, 4)?,
        Stage::Nli => stage_nli(&args, &models, &inputs)?,
        Stage::Embed => stage_embed(&args, &models, &inputs)?,
        Stage::Analyze => stage_analyze(&args, &models, &inputs)?,
    };
    let engine = match args.engine {
        Engine::Newsframe if args.precision == Precision::Bf16 => "newsframe-bf16",
        Engine::Newsframe if args.precision == Precision::Int8 => "newsframe-int8",
        Engine::Newsframe => "newsframe",
        Engine::NewsframeT5 => "newsframe-t5",
        Engine::RustBert => "rust-bert",
    };
    // A mixed setting names the NLI model's own precision: `newsframe-int8-nli-bf16`.
    let engine = match args.nli_precision {
        Some(p) if p != args.precision && args.engine != Engine::RustBert => {
            format!("{engine}-nli-{}", p.name())
        }
        _ => engine.to_string(),
    };
    let uses_int8 =
        args.precision == Precision::Int8 || args.nli_precision == Some(Precision::Int8);
    let extra = json!({
        "engine": match args.device {
            DeviceChoice::Cpu => engine.clone(),
            device => format!("{engine}-{device}"),
        },
        "precision": args.precision.name(),
        "nli_precision": args.nli_precision.unwrap_or(args.precision).name(),
        "int8_kernel": uses_int8.then(|| match Int8Packing::for_this_cpu() {
            Int8Packing::Vnni => "vnni",
            Int8Packing::Fbgemm => "fbgemm",
        }),
        "device": args.device.to_string(),
        "stage": format!("{:?}", args.stage).to_lowercase(),
        "threads": tch::get_num_threads(),
        "peak_rss_mb": peak_rss_mb(),
        "pid": std::process::id(),
    });
    if let (Value::Object(r), Value::Object(e)) = (&mut result, extra) {
        for (k, v) in e {
            r.entry(k).or_insert(v);
        }
    }
    println!("{result}");
    Ok(())
}
