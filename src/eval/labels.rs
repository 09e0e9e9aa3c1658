//! Stance label conventions and the maps between them.
//!
//! Internally every label is a [`StanceLabel`]. Datasets speak their own
//! conventions, mapped as follows:
//!
//! | convention | positive | neutral | negative |
//! |---|---|---|---|
//! | newsframe | `positive` | `neutral` | `negative` |
//! | SemEval-2016 Task 6, X-Stance | `FAVOR` | `NONE` | `AGAINST` |
//! | NewsMTSC polarity | `6` (`6.0`) | `4` | `2` |
//! | signed | `1` | `0` | `-1` |
//!
//! A [`LabelScheme`] remembers which convention a dataset uses, so reports
//! print its own label names and compute its own headline metric (SemEval's
//! F_avg).

use serde::Serialize;

use crate::record::StanceLabel;

/// The label convention of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelScheme {
    /// positive / neutral / negative (newsframe, NewsMTSC).
    Sentiment,
    /// FAVOR / AGAINST / NONE (SemEval-2016 Task 6).
    Semeval,
    /// FAVOR / AGAINST (X-Stance).
    Xstance,
}

impl LabelScheme {
    /// The classes of the scheme, in report order (negative first).
    pub fn classes(self) -> &'static [StanceLabel] {
        match self {
            LabelScheme::Sentiment | LabelScheme::Semeval => &[
                StanceLabel::Negative,
                StanceLabel::Neutral,
                StanceLabel::Positive,
            ],
            LabelScheme::Xstance => &[StanceLabel::Negative, StanceLabel::Positive],
        }
    }

    /// The dataset's own name of `label`.
    pub fn name(self, label: StanceLabel) -> &'static str {
        match (self, label) {
            (LabelScheme::Sentiment, l) => l.as_str(),
            (_, StanceLabel::Positive) => "FAVOR",
            (_, StanceLabel::Negative) => "AGAINST",
            (_, StanceLabel::Neutral) => "NONE",
        }
    }

    /// Whether the scheme's headline metric is SemEval's F_avg.
    pub fn uses_f_avg(self) -> bool {
        matches!(self, LabelScheme::Semeval | LabelScheme::Xstance)
    }
}

/// A gold or predicted label that is none of the known conventions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error(
        "unknown stance label {0:?} (expected positive/neutral/negative, \
         FAVOR/AGAINST/NONE, -1/0/1 or NewsMTSC's 2/4/6)"
    )]
    Unknown(String),
    #[error("unknown numeric stance label {0}")]
    UnknownNumber(serde_json::Number),
    #[error("stance label must be a string or number, got {0}")]
    NotText(serde_json::Value),
}

/// Parses a label in any of the conventions above (case-insensitive).
pub fn parse_label(text: &str) -> Result<StanceLabel, LabelError> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "positive" | "pos" | "favor" | "favour" | "1" | "+1" | "1.0" | "6" | "6.0" => {
            Ok(StanceLabel::Positive)
        }
        "neutral" | "neu" | "none" | "0" | "0.0" | "4" | "4.0" => Ok(StanceLabel::Neutral),
        "negative" | "neg" | "against" | "-1" | "-1.0" | "2" | "2.0" => Ok(StanceLabel::Negative),
        _ => Err(LabelError::Unknown(text.to_string())),
    }
}

/// Parses a label from a JSON value: a string or a number in any convention.
pub fn parse_label_value(value: &serde_json::Value) -> Result<StanceLabel, LabelError> {
    match value {
        serde_json::Value::String(s) => parse_label(s),
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let label = [
                (-1.0, StanceLabel::Negative),
                (0.0, StanceLabel::Neutral),
                (1.0, StanceLabel::Positive),
                (2.0, StanceLabel::Negative),
                (4.0, StanceLabel::Neutral),
                (6.0, StanceLabel::Positive),
            ]
            .into_iter()
            .find(|(v, _)| *v == x)
            .map(|(_, l)| l);
            label.ok_or_else(|| LabelError::UnknownNumber(n.clone()))
        }
        other => Err(LabelError::NotText(other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions_map_to_the_same_labels() {
        for (text, label) in [
            ("FAVOR", StanceLabel::Positive),
            ("AGAINST", StanceLabel::Negative),
            ("NONE", StanceLabel::Neutral),
            ("6.0", StanceLabel::Positive),
            ("2", StanceLabel::Negative),
            ("-1", StanceLabel::Negative),
            ("Neutral", StanceLabel::Neutral),
        ] {
            assert_eq!(parse_label(text), Ok(label), "{text}");
        }
        assert!(parse_label("maybe").is_err());
        assert_eq!(
            parse_label_value(&serde_json::json!(4.0)),
            Ok(StanceLabel::Neutral)
        );
    }

    #[test]
    fn scheme_names() {
        assert_eq!(LabelScheme::Semeval.name(StanceLabel::Neutral), "NONE");
        assert_eq!(LabelScheme::Xstance.classes().len(), 2);
    }
}
