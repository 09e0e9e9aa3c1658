//! Decoding: greedy and beam search over a [`Seq2SeqModel`], step for step as
//! Hugging Face transformers 4.57 does it (`generate` with `do_sample=False`),
//! so that the same model gives the same token ids.
//!
//! Scores are processed in transformers' order: no-repeat n-grams, minimum
//! length, forced BOS, forced EOS. Beam search keeps `2 × beams` candidates per
//! step, finished hypotheses scored by `log p / generated_len^length_penalty`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tch::{Kind, Tensor};

use super::model_dir::ModelDir;
use super::seq2seq::{DecoderCache, DecodingTokens, Seq2SeqModel};
use crate::models::GenerationSettings;

/// When beam search may stop (transformers' `early_stopping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EarlyStopping {
    /// `early_stopping=False`: stop when no running beam can beat the worst
    /// finished one at its current length.
    #[default]
    Heuristic,
    /// `early_stopping=True`: stop as soon as `num_beams` hypotheses finished.
    Finished,
    /// `early_stopping="never"`: the canonical beam search.
    Never,
}

/// Generation settings. The defaults are those published with
/// mT5_multilingual_XLSum (4 beams, 84 tokens, no repeated bigrams).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    /// Beams; 1 means greedy decoding. Default 4.
    pub num_beams: usize,
    /// Longest output, counting the decoder start token (as transformers'
    /// `max_length`). Default 84.
    pub max_length: usize,
    /// Shortest output before the end token is allowed, counting the decoder
    /// start token. Default 0.
    pub min_length: usize,
    /// No n-gram of this size occurs twice; 0 turns it off. Default 2.
    pub no_repeat_ngram_size: usize,
    /// Exponent of the length normalization of beam scores; > 1 favors longer
    /// outputs. Default 1.0.
    pub length_penalty: f64,
    /// Default `heuristic` (transformers' `early_stopping=False`).
    pub early_stopping: EarlyStopping,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig {
            num_beams: 4,
            max_length: 84,
            min_length: 0,
            no_repeat_ngram_size: 2,
            length_penalty: 1.0,
            early_stopping: EarlyStopping::Heuristic,
        }
    }
}

impl GenerationConfig {
    /// Sets the output length in generated tokens (start token not counted), as
    /// transformers' `min_new_tokens` / `max_new_tokens`.
    pub fn with_new_tokens(mut self, min_new_tokens: usize, max_new_tokens: usize) -> Self {
        self.min_length = if min_new_tokens == 0 {
            0
        } else {
            min_new_tokens + 1
        };
        self.max_length = max_new_tokens + 1;
        self
    }

    /// Why these settings cannot be used, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.num_beams == 0 {
            return Err("num_beams must be at least 1".to_string());
        }
        if self.max_length < 2 {
            return Err(format!(
                "max_length {} leaves no room for a generated token (it counts the start token)",
                self.max_length
            ));
        }
        if !self.length_penalty.is_finite() {
            return Err("length_penalty must be a finite number".to_string());
        }
        Ok(())
    }

    /// These defaults, overridden by the settings the model publishes, as
    /// transformers' summarization pipeline reads them: `generation_config.json`
    /// (else `config.json`), then `config.json`'s
    /// `task_specific_params.summarization` over both (e.g. bart-large-cnn's 4
    /// beams, lengths 56 to 142, `length_penalty` 2; mT5_multilingual_XLSum's
    /// `length_penalty` 0.6).
    pub fn for_model(dir: &ModelDir) -> GenerationConfig {
        let mut config = GenerationConfig::default();
        config.apply_published(|key| dir.generation_value(key));
        if let Some(task) = dir.summarization_params() {
            config.apply_published(|key| task.get(key).filter(|v| !v.is_null()));
        }
        config
    }

    /// Sets every field `get` publishes a usable value for.
    fn apply_published<'a>(&mut self, get: impl Fn(&str) -> Option<&'a Value>) {
        let count = |key: &str| get(key).and_then(Value::as_u64).map(|n| n as usize);
        if let Some(n) = count("num_beams") {
            self.num_beams = n.max(1);
        }
        if let Some(n) = count("max_length") {
            self.max_length = n;
        }
        if let Some(n) = count("min_length") {
            self.min_length = n;
        }
        if let Some(n) = count("no_repeat_ngram_size") {
            self.no_repeat_ngram_size = n;
        }
        if let Some(x) = get("length_penalty").and_then(Value::as_f64) {
            self.length_penalty = x;
        }
        match get("early_stopping") {
            Some(Value::Bool(true)) => self.early_stopping = EarlyStopping::Finished,
            Some(Value::Bool(false)) => self.early_stopping = EarlyStopping::Heuristic,
            Some(Value::String(s)) if s == "never" => self.early_stopping = EarlyStopping::Never,
            _ => {}
        }
    }

    /// These settings with the registry's deliberate overrides applied.
    pub fn with_overrides(mut self, overrides: &GenerationSettings) -> Self {
        if let Some(n) = overrides.num_beams {
            self.num_beams = (n as usize).max(1);
        }
        if let Some(n) = overrides.min_length {
            self.min_length = n as usize;
        }
        if let Some(n) = overrides.max_length {
            self.max_length = n as usize;
        }
        if let Some(n) = overrides.no_repeat_ngram_size {
            self.no_repeat_ngram_size = n as usize;
        }
        if let Some(x) = overrides.length_penalty {
            self.length_penalty = x;
        }
        self
    }
}

/// Generates the output ids for one input; the result starts with the decoder
/// start token and ends with an end token unless `max_length` cut it.
pub fn generate(model: &Seq2SeqModel, input_ids: &[i64], config: &GenerationConfig) -> Vec<i64> {
    generate_starting(model, input_ids, config, model.tokens.decoder_start)
}

/// [`generate`] with the decoder started on `start` instead of the model's
/// `decoder_start_token_id` (transformers' `generate(decoder_start_token_id=…)`,
/// e.g. a target-language token).
pub fn generate_starting(
    model: &Seq2SeqModel,
    input_ids: &[i64],
    config: &GenerationConfig,
    start: i64,
) -> Vec<i64> {
    let _guard = tch::no_grad_guard();
    let input = Tensor::from_slice(input_ids).unsqueeze(0);
    let mask = input.ones_like();
    let states = model.encode(&input, &mask);
    let max_length = config.max_length.max(2);
    if config.num_beams <= 1 {
        greedy(model, &states, &mask, config, max_length, start)
    } else {
        beam_search(model, &states, &mask, config, max_length, start)
    }
}

fn greedy(
    model: &Seq2SeqModel,
    states: &Tensor,
    mask: &Tensor,
    config: &GenerationConfig,
    max_length: usize,
    start: i64,
) -> Vec<i64> {
    let tokens = &model.tokens;
    let mut sequence = vec![start];
    let mut cache = DecoderCache::Empty;
    while sequence.len() < max_length {
        let last = Tensor::from_slice(&sequence[sequence.len() - 1..]).unsqueeze(0);
        let (logits, next_cache) = model.decode(states, mask, &last, cache);
        cache = next_cache;
        let mut scores = last_step_scores(&logits, false).remove(0);
        process_scores(&mut scores, &sequence, config, tokens, max_length);
        let next = argmax(&scores) as i64;
        sequence.push(next);
        if tokens.eos.contains(&next) {
            break;
        }
    }
    sequence
}

/// Scores `[rows][vocab]` of the last decoder position, as f32 like
/// transformers; log-softmaxed for beam search.
fn last_step_scores(logits: &Tensor, log_softmax: bool) -> Vec<Vec<f32>> {
    let last = logits.select(1, -1).to_kind(Kind::Float);
    let last = if log_softmax {
        last.log_softmax(-1, Kind::Float)
    } else {
        last
    };
    let rows = last.size()[0];
    (0..rows)
        .map(|row| Vec::<f32>::try_from(last.get(row)).expect("f32 logits"))
        .collect()
}

/// The first index of the largest score, as torch's argmax.
fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

/// transformers' logits processors, in its order, for one hypothesis.
fn process_scores(
    scores: &mut [f32],
    sequence: &[i64],
    config: &GenerationConfig,
    tokens: &DecodingTokens,
    max_length: usize,
) {
    let cur_len = sequence.len();
    let n = config.no_repeat_ngram_size;
    if n > 0 && cur_len + 1 >= n {
        let prefix = &sequence[cur_len + 1 - n..];
        for window in sequence.windows(n) {
            if &window[..n - 1] == prefix
                && let Some(s) = scores.get_mut(window[n - 1] as usize)
            {
                *s = f32::NEG_INFINITY;
            }
        }
    }
    if cur_len < config.min_length {
        for &eos in &tokens.eos {
            if let Some(s) = scores.get_mut(eos as usize) {
                *s = f32::NEG_INFINITY;
            }
        }
    }
    let forced = match (tokens.forced_bos, tokens.forced_eos) {
        (Some(bos), _) if cur_len == 1 => Some(bos),
        (_, Some(eos)) if cur_len + 1 == max_length => Some(eos),
        _ => None,
    };
    if let Some(token) = forced {
        scores.fill(f32::NEG_INFINITY);
        if let Some(s) = scores.get_mut(token as usize) {
            *s = 0.0;
        }
    }
}

/// A candidate continuation of one step.
struct Candidate {
    sequence: Vec<i64>,
    score: f32,
    source_beam: usize,
    finishes: bool,
}

/// Beam search for one input, after transformers' `_beam_search` (4.57).
fn beam_search(
    model: &Seq2SeqModel,
    states: &Tensor,
    mask: &Tensor,
    config: &GenerationConfig,
    max_length: usize,
    start: i64,
) -> Vec<i64> {
    const NEG: f32 = -1.0e9;
    let tokens = &model.tokens;
    let beams = config.num_beams;
    let keep = 2.max(1 + tokens.eos.len()) * beams;
    let lp = config.length_penalty;
    let rows = beams as i64;
    let states = states.expand([rows, states.size()[1], states.size()[2]], true);
    let mask = mask.expand([rows, mask.size()[1]], true);

    let mut running: Vec<Vec<i64>> = vec![vec![start]; beams];
    let mut running_scores: Vec<f32> = (0..beams).map(|b| if b == 0 { 0.0 } else { NEG }).collect();
    // Finished slots: (sequence, score, finished?), `beams` of them, best first.
    let mut finished: Vec<(Vec<i64>, f32, bool)> = vec![(Vec::new(), NEG, false); beams];
    let mut improvable = true;
    let mut cache = DecoderCache::Empty;
    let mut cur_len = 1usize;

    loop {
        let last: Vec<i64> = running.iter().map(|s| s[s.len() - 1]).collect();
        let last = Tensor::from_slice(&last).unsqueeze(1);
        let (logits, next_cache) = model.decode(&states, &mask, &last, cache);
        cache = next_cache;
        let mut log_probs = last_step_scores(&logits, true);
        for (beam, scores) in log_probs.iter_mut().enumerate() {
            process_scores(scores, &running[beam], config, tokens, max_length);
            let base = running_scores[beam];
            scores.iter_mut().for_each(|s| *s += base);
        }
        let top = top_k(&log_probs, keep);
        let candidates: Vec<Candidate> = top
            .into_iter()
            .map(|(score, beam, token)| {
                let mut sequence = running[beam].clone();
                sequence.push(token as i64);
                let finishes = tokens.eos.contains(&(token as i64)) || sequence.len() >= max_length;
                Candidate {
                    sequence,
                    score,
                    source_beam: beam,
                    finishes,
                }
            })
            .collect();

        // Next running beams: the best candidates that did not finish.
        let mut order: Vec<(f32, usize)> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (c.score + if c.finishes { NEG } else { 0.0 }, i))
            .collect();
        sort_desc(&mut order);
        order.truncate(beams);
        let sources: Vec<i64> = order
            .iter()
            .map(|&(_, i)| candidates[i].source_beam as i64)
            .collect();
        running = order
            .iter()
            .map(|&(_, i)| candidates[i].sequence.clone())
            .collect();
        running_scores = order.iter().map(|&(s, _)| s).collect();

        // Finished hypotheses: only the top `beams` candidates may finish.
        let all_finished = finished.iter().all(|f| f.2);
        let denominator = (cur_len as f64).powf(lp) as f32;
        let mut merged = std::mem::take(&mut finished);
        for (rank, candidate) in candidates.iter().enumerate() {
            let just_finished = candidate.finishes && rank < beams;
            let mut score = candidate.score / denominator;
            if all_finished && config.early_stopping == EarlyStopping::Finished {
                score += NEG;
            }
            if !improvable {
                score += NEG;
            }
            if !just_finished {
                score += NEG;
            }
            merged.push((candidate.sequence.clone(), score, just_finished));
        }
        let mut order: Vec<(f32, usize)> =
            merged.iter().enumerate().map(|(i, m)| (m.1, i)).collect();
        sort_desc(&mut order);
        finished = order
            .iter()
            .take(beams)
            .map(|&(_, i)| merged[i].clone())
            .collect();

        cache.reorder(&Tensor::from_slice(&sources));
        cur_len += 1;

        // Can a running beam still beat the worst finished one?
        let best_len = if config.early_stopping == EarlyStopping::Never && lp > 0.0 {
            max_length - 1
        } else {
            cur_len - 1
        };
        let best_possible = running_scores[0] / (best_len as f64).powf(lp) as f32;
        let worst_finished = finished.iter().map(|f| f.1).fold(f32::INFINITY, f32::min);
        improvable = improvable
            && finished
                .iter()
                .any(|f| best_possible > if f.2 { worst_finished } else { NEG });
        let open_beam =
            !(finished.iter().all(|f| f.2) && config.early_stopping == EarlyStopping::Finished);
        let can_continue = !candidates.iter().all(|c| c.finishes);
        if !(improvable && open_beam && can_continue) {
            break;
        }
    }
    let best = finished.swap_remove(0);
    if best.0.is_empty() {
        // No hypothesis ever finished (cannot happen with max_length): fall
        // back to the best running beam rather than returning nothing.
        return running.swap_remove(0);
    }
    best.0
}

/// The `k` best (score, beam, token) over all beams, best first; ties go to
/// the lower flat index.
fn top_k(scores: &[Vec<f32>], k: usize) -> Vec<(f32, usize, usize)> {
    let vocab = scores[0].len();
    let mut flat: Vec<(f32, usize)> = scores
        .iter()
        .flat_map(|row| row.iter().copied())
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    let k = k.min(flat.len());
    let cmp = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    flat.select_nth_unstable_by(k - 1, cmp);
    flat.truncate(k);
    flat.sort_by(cmp);
    flat.into_iter()
        .map(|(s, i)| (s, i / vocab, i % vocab))
        .collect()
}

/// Sorts (score, index) pairs best first, ties by index.
fn sort_desc(items: &mut [(f32, usize)]) {
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}
