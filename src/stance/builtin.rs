//! The builtin stance engine: a small linear model over targeted lexicon
//! features ([`super::features`]), fitted offline on NewsMTSC's training
//! split by `scripts/fit_builtin_stance.py` and shipped as weights files
//! (`data/lexicons/model/*.tsv`, compiled in).
//!
//! Two models: `universal.tsv` weighs only the language-independent dense
//! features and scores every language; a language with a model of its own
//! (`en.tsv`, which adds word weights induced from the training sentences)
//! uses it instead. Sentence probabilities are the softmax of the model's
//! logits, shrunk toward uniform so that no single sentence is more than
//! `max_confidence` sure (lexicon evidence is thin; the aggregate over
//! several sentences is never surer than its sentences). The judgment weight
//! is `0.5 + min(evidence, 2)`, halved for context sentences, so sentences
//! with evaluative language near the actor lead the aggregate.
//!
//! Weights format: `feature<TAB>positive<TAB>neutral<TAB>negative`, `#`
//! comments; the feature `bias` is the intercept. Unknown features weigh 0.

use std::collections::HashMap;

use crate::record::LabelProbs;

use super::features::{DENSE, TargetFeatures, features};
use super::general::GeneralLexicons;
use super::lexicon::{
    LexiconError, LexiconStanceConfig, LexiconStanceScorer, Lexicons, data_lines,
};
use super::{SentenceJudgment, StanceQuery, StanceScorer};

/// Version of the builtin stance engine, recorded as `builtin-lexicon@…`.
/// Bump whenever its outputs change (lexicons, features or weights).
pub const BUILTIN_STANCE_VERSION: &str = "0.3.0";

/// The weights shipped with newsframe: (language or `*`, file, content).
pub const BUILTIN_MODELS: &[(&str, &str, &str)] = &[
    (
        "*",
        "model/universal.tsv",
        include_str!("../../data/lexicons/model/universal.tsv"),
    ),
    (
        "en",
        "model/en.tsv",
        include_str!("../../data/lexicons/model/en.tsv"),
    ),
];

/// A linear three-class model: logits = bias + Σ value · weight.
#[derive(Debug, Clone, Default)]
pub struct LinearModel {
    bias: [f64; 3],
    dense: [[f64; 3]; DENSE.len()],
    words: HashMap<String, [f64; 3]>,
}

impl LinearModel {
    /// Parses weights; `file` only names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<LinearModel, LexiconError> {
        let mut model = LinearModel::default();
        for (line_no, line) in data_lines(text) {
            let err = |message: String| LexiconError {
                file: file.to_string(),
                line: line_no,
                message,
            };
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 4 {
                return Err(err(format!(
                    "expected feature<TAB>positive<TAB>neutral<TAB>negative, found {line:?}"
                )));
            }
            let mut w = [0.0; 3];
            for (k, v) in fields[1..].iter().enumerate() {
                w[k] = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| err(format!("weight {v:?} is not a finite number")))?;
            }
            let name = fields[0].trim();
            if name == "bias" {
                model.bias = w;
            } else if let Some(i) = DENSE.iter().position(|d| *d == name) {
                model.dense[i] = w;
            } else if ["w:", "n:", "t:"].iter().any(|p| name.starts_with(p)) {
                model.words.insert(name.to_string(), w);
            } else {
                return Err(err(format!(
                    "unknown feature {name:?} (dense features: {}; words: w:WORD, n:WORD, t:NGRAM)",
                    DENSE.join(", ")
                )));
            }
        }
        Ok(model)
    }

    /// Logits (positive, neutral, negative) of a feature vector.
    pub fn logits(&self, f: &TargetFeatures) -> [f64; 3] {
        let mut z = self.bias;
        for (x, w) in f.dense.iter().zip(&self.dense) {
            for k in 0..3 {
                z[k] += x * w[k];
            }
        }
        if !self.words.is_empty() {
            let mut key = String::new();
            for (prefix, words) in [
                ("w:", &f.words),
                ("n:", &f.near_words),
                ("t:", &f.target_context),
            ] {
                for word in words {
                    key.clear();
                    key.push_str(prefix);
                    key.push_str(word);
                    if let Some(w) = self.words.get(&key) {
                        for k in 0..3 {
                            z[k] += w[k];
                        }
                    }
                }
            }
        }
        z
    }
}

/// Settings of the builtin scorer.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinStanceConfig {
    /// Weight of a context sentence (default 0.5).
    pub context_weight: f64,
    /// The highest probability one sentence may give a label (default 0.9).
    pub max_confidence: f64,
}

impl Default for BuiltinStanceConfig {
    fn default() -> BuiltinStanceConfig {
        BuiltinStanceConfig {
            context_weight: 0.5,
            max_confidence: 0.9,
        }
    }
}

/// The builtin stance scorer.
#[derive(Debug)]
pub struct BuiltinStanceScorer {
    rules: LexiconStanceScorer,
    general: GeneralLexicons,
    universal: LinearModel,
    by_lang: HashMap<String, LinearModel>,
    config: BuiltinStanceConfig,
}

impl BuiltinStanceScorer {
    /// The scorer with the shipped general lexicons and weights, and the
    /// given project lexicons (builtin or from `--lexicon-dir`).
    pub fn new(lexicons: Lexicons, rules: LexiconStanceConfig) -> BuiltinStanceScorer {
        let mut universal = LinearModel::default();
        let mut by_lang = HashMap::new();
        for (lang, file, text) in BUILTIN_MODELS {
            let model = LinearModel::parse(text, &format!("data/lexicons/{file}"))
                .expect("builtin weights are checked by the test suite");
            if *lang == "*" {
                universal = model;
            } else {
                by_lang.insert(lang.to_string(), model);
            }
        }
        BuiltinStanceScorer {
            rules: LexiconStanceScorer::new(lexicons, rules),
            general: GeneralLexicons::builtin(),
            universal,
            by_lang,
            config: BuiltinStanceConfig::default(),
        }
    }

    /// The features of one sentence for one query's actor.
    pub fn features(
        &self,
        query: &StanceQuery<'_>,
        sentence: usize,
        direct: bool,
    ) -> TargetFeatures {
        features(&self.rules, &self.general, query, sentence, direct)
    }

    /// The model for an article's language.
    fn model(&self, lang: &str) -> &LinearModel {
        self.by_lang.get(lang).unwrap_or(&self.universal)
    }

    /// Sentence probabilities from features, confidence capped. A language
    /// without a model of its own averages the universal model (fitted on
    /// English features) with the rule-based scorer of its own lexicon.
    pub fn probs(&self, lang: &str, f: &TargetFeatures) -> LabelProbs {
        let z = self.model(lang).logits(f);
        let max = z.iter().cloned().fold(f64::MIN, f64::max);
        let e = z.map(|v| (v - max).exp());
        let sum: f64 = e.iter().sum();
        let mut p = [e[0] / sum, e[1] / sum, e[2] / sum];
        if !self.by_lang.contains_key(lang) {
            let r = self.rules.probs(f.rule);
            p = [
                (p[0] + r.positive) / 2.0,
                (p[1] + r.neutral) / 2.0,
                (p[2] + r.negative) / 2.0,
            ];
        }
        let cap = self.config.max_confidence.clamp(1.0 / 3.0, 1.0);
        let keep = (cap - 1.0 / 3.0) / (2.0 / 3.0);
        let shrink = |p: f64| keep * p + (1.0 - keep) / 3.0;
        LabelProbs {
            positive: shrink(p[0]),
            neutral: shrink(p[1]),
            negative: shrink(p[2]),
        }
    }
}

impl StanceScorer for BuiltinStanceScorer {
    fn describe(&self) -> String {
        format!("builtin-lexicon@{BUILTIN_STANCE_VERSION}")
    }

    fn judge(&self, queries: &[StanceQuery<'_>]) -> anyhow::Result<Vec<Vec<SentenceJudgment>>> {
        Ok(queries
            .iter()
            .map(|query| {
                let lang = query.article.lang();
                query
                    .sentences
                    .iter()
                    .map(|target| {
                        let f = self.features(query, target.index, target.direct);
                        let base = if target.direct {
                            1.0
                        } else {
                            self.config.context_weight
                        };
                        SentenceJudgment {
                            sentence: target.index,
                            probs: self.probs(lang, &f),
                            weight: base * (0.5 + f.evidence.min(2.0)),
                        }
                    })
                    .collect()
            })
            .collect())
    }
}
