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
//! A term feature (`x:TERM`) has a fifth column, its inverse document
//! frequency: the model weighs the sentence's terms it knows as scikit-learn's
//! `TfidfTransformer(sublinear_tf=True)` does, `(1 + ln count) · idf`, the
//! vector L2-normalized, so that a long sentence does not outvote a short one.

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
pub const BUILTIN_STANCE_VERSION: &str = "0.4.0";

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
    /// `x:` terms without the prefix: weights and idf.
    terms: HashMap<String, ([f64; 3], f64)>,
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
            let name = fields[0].trim();
            let term = name.strip_prefix("x:");
            let expected = if term.is_some() { 5 } else { 4 };
            if fields.len() != expected {
                return Err(err(if term.is_some() {
                    format!(
                        "expected x:TERM<TAB>positive<TAB>neutral<TAB>negative<TAB>idf, found {line:?}"
                    )
                } else {
                    format!(
                        "expected feature<TAB>positive<TAB>neutral<TAB>negative, found {line:?}"
                    )
                }));
            }
            let number = |v: &str| {
                v.trim()
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| err(format!("weight {v:?} is not a finite number")))
            };
            let mut w = [0.0; 3];
            for (k, v) in fields[1..4].iter().enumerate() {
                w[k] = number(v)?;
            }
            if let Some(term) = term {
                let idf = number(fields[4])?;
                if idf <= 0.0 {
                    return Err(err(format!("idf {idf} of {name:?} is not positive")));
                }
                model.terms.insert(term.to_string(), (w, idf));
            } else if name == "bias" {
                model.bias = w;
            } else if let Some(i) = DENSE.iter().position(|d| *d == name) {
                model.dense[i] = w;
            } else if ["w:", "n:", "t:"].iter().any(|p| name.starts_with(p)) {
                model.words.insert(name.to_string(), w);
            } else {
                return Err(err(format!(
                    "unknown feature {name:?} (dense features: {}; words: w:WORD, n:WORD, t:NGRAM; terms: x:TERM)",
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
        if !self.terms.is_empty() {
            let mut sum = [0.0; 3];
            let mut norm2 = 0.0;
            for (term, count) in &f.terms {
                if let Some((w, idf)) = self.terms.get(term) {
                    let v = (1.0 + f64::from(*count).ln()) * idf;
                    norm2 += v * v;
                    for k in 0..3 {
                        sum[k] += v * w[k];
                    }
                }
            }
            if norm2 > 0.0 {
                let norm = norm2.sqrt();
                for k in 0..3 {
                    z[k] += sum[k] / norm;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn features_with_terms(terms: &[(&str, u32)]) -> TargetFeatures {
        TargetFeatures {
            dense: [0.0; DENSE.len()],
            words: Vec::new(),
            near_words: Vec::new(),
            target_context: Vec::new(),
            terms: terms.iter().map(|(t, c)| (t.to_string(), *c)).collect(),
            evidence: 0.0,
            rule: Default::default(),
        }
    }

    #[test]
    fn terms_are_weighed_as_normalized_sublinear_tf_idf() {
        let model = LinearModel::parse(
            "bias\t0\t0.5\t0\nx:good\t1\t0\t0\t2\nx:[t] fled\t0\t0\t1\t1\n",
            "m.tsv",
        )
        .unwrap();
        // good: (1 + ln 1)·2 = 2; "[t] fled": (1 + ln e)·1 = 2; unknown terms
        // take no part in the norm.
        let z = model.logits(&features_with_terms(&[
            ("good", 1),
            ("[t] fled", 3),
            ("unseen", 5),
        ]));
        let v = 1.0 + 3f64.ln();
        let norm = (4.0 + v * v).sqrt();
        assert!((z[0] - 2.0 / norm).abs() < 1e-12, "{z:?}");
        assert!((z[1] - 0.5).abs() < 1e-12);
        assert!((z[2] - v / norm).abs() < 1e-12);
        // No known term: the bias alone.
        assert_eq!(
            model.logits(&features_with_terms(&[("unseen", 1)])),
            [0.0, 0.5, 0.0]
        );
    }

    #[test]
    fn bad_weight_lines_name_file_and_line() {
        for (text, needle) in [
            ("x:good\t1\t0\t0\n", "idf"),
            ("x:good\t1\t0\t0\t0\n", "not positive"),
            ("w:good\t1\t0\t0\t2\n", "expected feature"),
            ("bogus\t1\t0\t0\n", "unknown feature"),
        ] {
            let err = LinearModel::parse(text, "m.tsv").unwrap_err();
            assert_eq!(err.line, 1, "{text:?}");
            let message = err.to_string();
            assert!(
                message.contains("m.tsv") && message.contains(needle),
                "{message}"
            );
        }
    }
}
