//! Greedy and beam-search decoding over a [`T5Model`], reproducing
//! transformers 4.57's `generate(do_sample=False)` decision for decision, so that
//! the same checkpoint gives the same token ids.
//!
//! - Scores: greedy picks the arg-max of the raw logits; beam search adds
//!   log-softmax scores to the running beam scores. Before either, banned
//!   n-grams (`no_repeat_ngram_size`) and, below `min_length`, the end token
//!   get `-inf`.
//! - Beam search keeps the best `2 × beams` continuations of an input, continues
//!   the best `beams` that did not end, and files an ended continuation among the
//!   `beams` best finished ones only when it ranks among the first `beams`
//!   candidates, scored `sum log p / generated_len^length_penalty`.
//! - Stopping follows [`EarlyStopping`]; `max_length` ends every hypothesis.
//!
//! The bookkeeping of a few candidates per input runs in Rust on float32 values,
//! in the order transformers computes them; the tensors stay for the network and
//! for the per-step log-softmax and top-k over the vocabulary.

use tch::{Kind, Tensor};

use super::model::{DecoderState, T5Model};
use crate::transformer::device::on_device_of;

pub use crate::transformer::generate::{EarlyStopping, GenerationConfig};

/// Ids that decoding needs from the model's config.
struct SpecialTokens<'a> {
    start: i64,
    pad: i64,
    eos: &'a [i64],
}

/// Tokens that would repeat an n-gram of `tokens` if generated next
/// (transformers' `_calc_banned_ngram_tokens`).
fn banned_tokens(tokens: &[i64], n: usize) -> Vec<i64> {
    let len = tokens.len();
    if n == 0 || len < n {
        return Vec::new();
    }
    let prefix = &tokens[len + 1 - n..];
    (0..=len - n)
        .filter(|&start| &tokens[start..start + n - 1] == prefix)
        .map(|start| tokens[start + n - 1])
        .collect()
}

/// Applies n-gram blocking and the minimum length to `scores` `[rows, vocab]`,
/// row `i` continuing `histories[i]`.
fn process_scores(
    scores: &mut Tensor,
    histories: &[&[i64]],
    config: &GenerationConfig,
    tokens: &SpecialTokens,
) {
    let mut rows = Vec::new();
    let mut columns = Vec::new();
    if config.no_repeat_ngram_size > 0 {
        for (row, history) in histories.iter().enumerate() {
            for token in banned_tokens(history, config.no_repeat_ngram_size) {
                rows.push(row as i64);
                columns.push(token);
            }
        }
    }
    // Every history has the same length.
    let cur_len = histories.first().map_or(0, |h| h.len());
    if cur_len < config.min_length {
        for row in 0..histories.len() {
            for &eos in tokens.eos {
                rows.push(row as i64);
                columns.push(eos);
            }
        }
    }
    if !rows.is_empty() {
        let index = [
            Some(on_device_of(&Tensor::from_slice(&rows), scores)),
            Some(on_device_of(&Tensor::from_slice(&columns), scores)),
        ];
        let banned = on_device_of(&Tensor::from(f32::NEG_INFINITY), scores);
        let _ = scores.index_put_(&index, &banned, false);
    }
}

/// Generates for a padded batch; returns each input's ids, starting with the
/// decoder start token (`start`, else the model's `decoder_start_token_id`)
/// and ending with an end token unless `max_length` cut it.
pub(super) fn generate_batch(
    model: &T5Model,
    input_ids: &Tensor,
    attention_mask: &Tensor,
    config: &GenerationConfig,
    start: Option<i64>,
) -> Vec<Vec<i64>> {
    let _guard = tch::no_grad_guard();
    let model_config = model.config();
    let tokens = SpecialTokens {
        start: start.unwrap_or(model_config.decoder_start_token_id),
        pad: model_config.pad_token_id,
        eos: &model_config.eos_token_ids,
    };
    let states = model.encode(input_ids, attention_mask);
    // Positions fed to the decoder: every output token but the last.
    let capacity = config.max_length as i64 - 1;
    let beams = config.num_beams as i64;
    let mut state = model.start_decoding(&states, attention_mask, beams, capacity);
    if config.num_beams == 1 {
        greedy(model, &mut state, config, &tokens)
    } else {
        beam_search(model, &mut state, config, &tokens)
    }
}

fn greedy(
    model: &T5Model,
    state: &mut DecoderState,
    config: &GenerationConfig,
    tokens: &SpecialTokens,
) -> Vec<Vec<i64>> {
    let inputs = state.inputs() as usize;
    let mut sequences: Vec<Vec<i64>> = vec![vec![tokens.start]; inputs];
    let mut done = vec![false; inputs];
    loop {
        let last: Vec<i64> = sequences.iter().map(|s| *s.last().unwrap()).collect();
        let mut scores = model.decode_step(state, &last);
        let histories: Vec<&[i64]> = sequences.iter().map(Vec::as_slice).collect();
        process_scores(&mut scores, &histories, config, tokens);
        let next = Vec::<i64>::try_from(scores.argmax(-1, false)).expect("int64 arg-max");
        for (i, sequence) in sequences.iter_mut().enumerate() {
            // Finished rows go on with the pad token, as in transformers.
            let token = if done[i] { tokens.pad } else { next[i] };
            sequence.push(token);
            done[i] |= tokens.eos.contains(&token);
        }
        if sequences[0].len() >= config.max_length || done.iter().all(|&d| d) {
            break;
        }
    }
    sequences
        .into_iter()
        .map(|mut s| {
            if let Some(end) = s.iter().skip(1).position(|t| tokens.eos.contains(t)) {
                s.truncate(end + 2);
            }
            s
        })
        .collect()
}

/// One input's beams: running hypotheses and the best finished ones.
struct Beams {
    running: Vec<Vec<i64>>,
    running_scores: Vec<f32>,
    /// `num_beams` slots, best first; slots not yet filled hold -1e9 and a
    /// placeholder, as in transformers.
    finished: Vec<Vec<i64>>,
    finished_scores: Vec<f32>,
    finished_flags: Vec<bool>,
    /// transformers' `is_early_stop_heuristic_unsatisfied`.
    improvable: bool,
}

/// Indices of `values` ordered by descending value; ties keep the lower index first.
fn ranked(values: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order
}

/// The `candidates` best continuations of each input, as transformers ranks
/// them: running score plus the next token's log-probability, over all of the
/// input's beams. Returns each input's values (best first) and indices into
/// `beams × vocab`, `candidates` per input, inputs one after another.
///
/// Each hypothesis row's own top `candidates` hold every continuation that can
/// make the input's top `candidates`, and adding the row's running score keeps
/// the row's order: so a top-k per row (rows run in parallel) and a merge of
/// `beams × candidates` values give the same candidates and values as one top-k
/// over the input's whole `beams × vocab` sums, without materializing them (a
/// single-row top-k over a million values is one thread's work each step).
/// Equal values rank by index, lowest first.
fn best_continuations(
    log_probs: &Tensor,
    all: &[Beams],
    candidates: usize,
    vocab: i64,
) -> (Vec<f32>, Vec<i64>) {
    // A tiny vocabulary may have fewer tokens than candidates.
    let per_row = candidates.min(vocab as usize);
    let (row_values, row_tokens) = rows_top_k(log_probs, per_row);
    let mut values = Vec::with_capacity(all.len() * candidates);
    let mut indices = Vec::with_capacity(all.len() * candidates);
    let mut row = 0;
    for beams in all {
        let mut pool: Vec<(f32, i64)> = Vec::with_capacity(beams.running_scores.len() * per_row);
        for (beam, &running) in beams.running_scores.iter().enumerate() {
            let offset = row * per_row;
            for j in offset..offset + per_row {
                pool.push((running + row_values[j], beam as i64 * vocab + row_tokens[j]));
            }
            row += 1;
        }
        pool.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(value, index) in &pool[..candidates] {
            values.push(value);
            indices.push(index);
        }
    }
    (values, indices)
}

/// The `k` largest values of each row of `scores` `[rows, vocab]` and their
/// columns, rows one after another, each row's best first (equal values:
/// lowest column first).
///
/// On the CPU one pass per row over the scores in place: libtorch's top-k
/// sorts a copy of each row's candidates, which cost 2.4 ms a step for four
/// beams of a 250k vocabulary (2 threads) against ~0.6 ms here (one thread). Elsewhere
/// (a GPU) libtorch's.
fn rows_top_k(scores: &Tensor, k: usize) -> (Vec<f32>, Vec<i64>) {
    let cpu_floats = scores.device() == tch::Device::Cpu
        && scores.kind() == Kind::Float
        && scores.dim() == 2
        && scores.is_contiguous();
    if !cpu_floats {
        let (values, tokens) = scores.topk(k as i64, -1, true, true);
        let values = Vec::<f32>::try_from(values.contiguous().view([-1])).expect("float32 scores");
        let tokens = Vec::<i64>::try_from(tokens.contiguous().view([-1])).expect("int64 indices");
        return (values, tokens);
    }
    let (rows, vocab) = (scores.size()[0] as usize, scores.size()[1] as usize);
    // SAFETY: a contiguous float32 CPU tensor of rows × vocab elements,
    // borrowed for the length of this call and not written meanwhile.
    let all = unsafe { std::slice::from_raw_parts(scores.data_ptr() as *const f32, rows * vocab) };
    let mut values = Vec::with_capacity(rows * k);
    let mut tokens = Vec::with_capacity(rows * k);
    for row in all.chunks_exact(vocab) {
        for (column, value) in top_k_of_row(row, k) {
            values.push(value);
            tokens.push(column as i64);
        }
    }
    (values, tokens)
}

/// The `k` best `(column, value)` of one row, best first; equal values keep
/// the lower column first.
fn top_k_of_row(row: &[f32], k: usize) -> Vec<(usize, f32)> {
    const CHUNK: usize = 32;
    // Best first. A value enters only when it beats the k-th (`floor`), so an
    // equal value at a higher column never displaces one before it; a chunk
    // with nothing above the floor is skipped after one vectorized pass.
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    let mut floor = f32::NEG_INFINITY;
    for (c, chunk) in row.chunks(CHUNK).enumerate() {
        let full = best.len() == k;
        if full && !chunk.iter().fold(false, |any, &v| any | (v > floor)) {
            continue;
        }
        for (i, &value) in chunk.iter().enumerate() {
            // NaN (a broken network's output) never ranks.
            if value.is_nan() || (best.len() == k && value <= floor) {
                continue;
            }
            let at = best.partition_point(|&(_, v)| v >= value);
            best.insert(at, (c * CHUNK + i, value));
            best.truncate(k);
            if best.len() == k {
                floor = best[k - 1].1;
            }
        }
    }
    best
}

fn beam_search(
    model: &T5Model,
    state: &mut DecoderState,
    config: &GenerationConfig,
    tokens: &SpecialTokens,
) -> Vec<Vec<i64>> {
    const LOST: f32 = -1.0e9;
    let num_beams = config.num_beams;
    let inputs = state.inputs() as usize;
    let vocab = model.config().vocab_size;
    let candidates = 2.max(1 + tokens.eos.len()) * num_beams;
    let lp = config.length_penalty;
    let mut cur_len = 1usize;
    let mut all = (0..inputs)
        .map(|_| Beams {
            running: vec![vec![tokens.start]; num_beams],
            running_scores: (0..num_beams)
                .map(|b| if b == 0 { 0.0 } else { LOST })
                .collect(),
            finished: vec![vec![tokens.start]; num_beams],
            finished_scores: vec![LOST; num_beams],
            finished_flags: vec![false; num_beams],
            improvable: true,
        })
        .collect::<Vec<_>>();
    loop {
        let last: Vec<i64> = all
            .iter()
            .flat_map(|b| b.running.iter().map(|s| *s.last().unwrap()))
            .collect();
        let logits = model.decode_step(state, &last);
        let mut log_probs = logits.log_softmax(-1, Kind::Float);
        let histories: Vec<&[i64]> = all
            .iter()
            .flat_map(|b| b.running.iter().map(Vec::as_slice))
            .collect();
        process_scores(&mut log_probs, &histories, config, tokens);
        let (top_values, top_indices) = best_continuations(&log_probs, &all, candidates, vocab);

        let mut sources = Vec::with_capacity(inputs * num_beams);
        let mut every_candidate_ends = true;
        let denominator = (cur_len as f64).powf(lp) as f32;
        for (b, beams) in all.iter_mut().enumerate() {
            let values = &top_values[b * candidates..(b + 1) * candidates];
            let indices = &top_indices[b * candidates..(b + 1) * candidates];
            let sequences: Vec<Vec<i64>> = indices
                .iter()
                .map(|&index| {
                    let mut s = beams.running[(index / vocab) as usize].clone();
                    s.push(index % vocab);
                    s
                })
                .collect();
            let ends: Vec<bool> = indices
                .iter()
                .map(|&index| {
                    tokens.eos.contains(&(index % vocab)) || cur_len + 1 >= config.max_length
                })
                .collect();
            every_candidate_ends &= ends.iter().all(|&e| e);

            // Running beams for the next step: the best that did not end.
            let continuing: Vec<f32> = values
                .iter()
                .zip(&ends)
                .map(|(&v, &e)| v + if e { LOST } else { -0.0 })
                .collect();
            let next = &ranked(&continuing)[..num_beams];
            for &j in next {
                sources.push((b * num_beams) as i64 + indices[j] / vocab);
            }
            let running: Vec<Vec<i64>> = next.iter().map(|&j| sequences[j].clone()).collect();
            let running_scores: Vec<f32> = next.iter().map(|&j| continuing[j]).collect();

            // Finished: merge the ended among the first `num_beams` candidates.
            let full = config.early_stopping == EarlyStopping::Finished
                && beams.finished_flags.iter().all(|&f| f);
            let mut merged_scores = beams.finished_scores.clone();
            let mut merged_flags = beams.finished_flags.clone();
            for (j, (&value, &ended)) in values.iter().zip(&ends).enumerate() {
                let just_finished = ended && j < num_beams;
                let mut score = value / denominator;
                score += if full { LOST } else { -0.0 };
                score += if beams.improvable { -0.0 } else { LOST };
                score += if just_finished { -0.0 } else { LOST };
                merged_scores.push(score);
                merged_flags.push(just_finished);
            }
            let keep = &ranked(&merged_scores)[..num_beams];
            let finished: Vec<Vec<i64>> = keep
                .iter()
                .map(|&k| {
                    if k < num_beams {
                        beams.finished[k].clone()
                    } else {
                        sequences[k - num_beams].clone()
                    }
                })
                .collect();
            beams.finished_scores = keep.iter().map(|&k| merged_scores[k]).collect();
            beams.finished_flags = keep.iter().map(|&k| merged_flags[k]).collect();
            beams.finished = finished;
            beams.running = running;
            beams.running_scores = running_scores;
        }

        let identity = sources.iter().enumerate().all(|(i, &s)| s == i as i64);
        if !identity {
            state.reorder(&sources);
        }
        cur_len += 1;

        // May a running beam still beat the worst finished one?
        let best_len = if config.early_stopping == EarlyStopping::Never && lp > 0.0 {
            config.max_length - 1
        } else {
            cur_len - 1
        };
        let best_len_penalty = (best_len as f64).powf(lp) as f32;
        for beams in &mut all {
            let best_possible = beams.running_scores[0] / best_len_penalty;
            let worst = beams
                .finished_scores
                .iter()
                .copied()
                .fold(f32::INFINITY, f32::min);
            let beatable = beams
                .finished_flags
                .iter()
                .any(|&f| best_possible > if f { worst } else { LOST });
            beams.improvable &= beatable;
        }
        let improvement_possible = all.iter().any(|b| b.improvable);
        let all_full = config.early_stopping == EarlyStopping::Finished
            && all.iter().all(|b| b.finished_flags.iter().all(|&f| f));
        if !improvement_possible || all_full || every_candidate_ends {
            break;
        }
    }
    all.into_iter()
        .map(|mut b| std::mem::take(&mut b.finished[0]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bans_tokens_that_would_repeat_an_ngram() {
        // Bigram blocking after "5 7 ... 5": 7 is banned.
        assert_eq!(banned_tokens(&[0, 5, 7, 9, 5], 2), vec![7]);
        // Trigram blocking needs the last two tokens to have occurred before.
        assert_eq!(banned_tokens(&[0, 5, 7, 9, 5, 7], 3), vec![9]);
        assert!(banned_tokens(&[0, 5], 3).is_empty());
        // Unigram blocking bans everything generated so far, the start token too.
        assert_eq!(banned_tokens(&[0, 5, 7], 1), vec![0, 5, 7]);
    }

    #[test]
    fn row_top_k_matches_libtorch_and_ranks_ties_by_column() {
        let scores = Tensor::from_slice(&[
            0.5f32,
            -1.0,
            3.0,
            3.0,
            f32::NEG_INFINITY,
            2.0, //
            -2.0,
            -3.0,
            -1.0,
            -1.0,
            -1.0,
            -4.0,
        ])
        .view([2, 6]);
        let (values, tokens) = rows_top_k(&scores, 3);
        assert_eq!(values, vec![3.0, 3.0, 2.0, -1.0, -1.0, -1.0]);
        assert_eq!(tokens, vec![2, 3, 5, 2, 3, 4]);
        // Random rows: the same values as libtorch's top-k.
        let scores = Tensor::randn([4, 1000], (Kind::Float, tch::Device::Cpu));
        let (values, tokens) = rows_top_k(&scores, 8);
        let (want, _) = scores.topk(8, -1, true, true);
        assert_eq!(values, Vec::<f32>::try_from(want.view([-1])).unwrap());
        let picked = scores.gather(1, &Tensor::from_slice(&tokens).view([4, 8]), false);
        assert_eq!(values, Vec::<f32>::try_from(picked.view([-1])).unwrap());
    }

    #[test]
    fn ranks_descending_with_stable_ties() {
        assert_eq!(ranked(&[1.0, 3.0, 3.0, -1e9, 2.0]), vec![1, 2, 4, 0, 3]);
    }

    #[test]
    fn new_token_counts_exclude_the_start_token() {
        let config = GenerationConfig::default().with_new_tokens(64, 64);
        assert_eq!((config.min_length, config.max_length), (65, 65));
        assert!(
            GenerationConfig {
                max_length: 1,
                ..config
            }
            .check()
            .is_err()
        );
    }
}
