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
//! F_avg). Other names come in through a [`LabelMap`] (`--label-map`).

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
    /// An unknown label of a dataset read without `--label-map`.
    #[error("{0}; {LABEL_MAP_HINT}")]
    Unmapped(Box<LabelError>),
    #[error("stance label {text:?} is not in --label-map (mapped: {mapped})")]
    NotInMap { text: String, mapped: String },
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

/// How to tell a dataset label what to map other names: the hint of an
/// unknown-label error.
const LABEL_MAP_HINT: &str = "map other names with --label-map NAME=negative|neutral|positive";

/// A dataset's own label names mapped onto the stance labels
/// (`--label-map FROM=TO`, repeatable). Once given, only the mapped names are
/// labels: a name left out is an error rather than read in one of the
/// conventions above (`0` means neutral there, negative in a 0/1/2 set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap(Vec<(String, StanceLabel)>);

impl LabelMap {
    /// Parses `FROM=TO` pairs, `TO` one of negative, neutral, positive.
    pub fn parse(pairs: &[String]) -> Result<LabelMap, String> {
        let mut map = LabelMap::default();
        for pair in pairs {
            let (from, to) = pair
                .rsplit_once('=')
                .map(|(f, t)| (f.trim(), t.trim()))
                .filter(|(f, _)| !f.is_empty())
                .ok_or_else(|| {
                    format!("--label-map {pair:?}: expected FROM=TO, e.g. -1=negative")
                })?;
            let label = match to.to_ascii_lowercase().as_str() {
                "negative" => StanceLabel::Negative,
                "neutral" => StanceLabel::Neutral,
                "positive" => StanceLabel::Positive,
                _ => {
                    return Err(format!(
                        "--label-map {pair:?}: {to:?} is not a stance label \
                         (negative, neutral or positive)"
                    ));
                }
            };
            match map.lookup(from) {
                Some(earlier) if earlier != label => {
                    return Err(format!(
                        "--label-map {pair:?}: {from:?} is already mapped to {earlier}"
                    ));
                }
                Some(_) => {}
                None => map.0.push((from.to_string(), label)),
            }
        }
        Ok(map)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The mapped names and their labels, in the order given.
    pub fn entries(&self) -> impl Iterator<Item = (&str, StanceLabel)> {
        self.0.iter().map(|(from, label)| (from.as_str(), *label))
    }

    /// A dataset's label as text: by the map when one is given, else in any
    /// known convention.
    pub fn label(&self, text: &str) -> Result<StanceLabel, LabelError> {
        if self.is_empty() {
            return parse_label(text).map_err(|e| LabelError::Unmapped(Box::new(e)));
        }
        self.lookup(text).ok_or_else(|| {
            let names: Vec<&str> = self.0.iter().map(|(from, _)| from.as_str()).collect();
            LabelError::NotInMap {
                text: text.to_string(),
                mapped: names.join(", "),
            }
        })
    }

    /// A dataset's label as JSON (a string or a number).
    pub fn label_value(&self, value: &serde_json::Value) -> Result<StanceLabel, LabelError> {
        match value {
            _ if self.is_empty() => {
                parse_label_value(value).map_err(|e| LabelError::Unmapped(Box::new(e)))
            }
            serde_json::Value::String(s) => self.label(s),
            serde_json::Value::Number(n) => self.label(&n.to_string()),
            other => Err(LabelError::NotText(other.clone())),
        }
    }

    /// The mapped label of `text`: names compared without case, numbers by
    /// value (`1` and `1.0` are one label).
    fn lookup(&self, text: &str) -> Option<StanceLabel> {
        let text = text.trim();
        let number = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
        self.0
            .iter()
            .find(|(from, _)| {
                from.eq_ignore_ascii_case(text)
                    || number(from).is_some_and(|a| number(text) == Some(a))
            })
            .map(|(_, label)| *label)
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
    fn a_label_map_replaces_the_conventions() {
        let map = LabelMap::parse(&[
            "0=negative".into(),
            "1 = Neutral".into(),
            "2=positive".into(),
            "Bad=negative".into(),
        ])
        .unwrap();
        assert_eq!(map.label("0"), Ok(StanceLabel::Negative));
        assert_eq!(map.label(" 1.0 "), Ok(StanceLabel::Neutral));
        assert_eq!(map.label("bad"), Ok(StanceLabel::Negative));
        assert_eq!(
            map.label_value(&serde_json::json!(2)),
            Ok(StanceLabel::Positive)
        );
        // Only mapped names: "positive" is not one of them.
        let err = map.label("positive").unwrap_err().to_string();
        assert!(
            err.contains("not in --label-map (mapped: 0, 1, 2, Bad)"),
            "{err}"
        );
        // Without a map, the conventions, and a hint.
        let none = LabelMap::default();
        assert_eq!(none.label("0"), Ok(StanceLabel::Neutral));
        let err = none.label("great").unwrap_err().to_string();
        assert!(err.contains("--label-map NAME=negative"), "{err}");
        for bad in ["x", "=negative", "a=good"] {
            assert!(LabelMap::parse(&[bad.into()]).is_err(), "{bad}");
        }
        let clash = LabelMap::parse(&["a=negative".into(), "A=positive".into()]).unwrap_err();
        assert!(clash.contains("already mapped to negative"), "{clash}");
    }

    #[test]
    fn scheme_names() {
        assert_eq!(LabelScheme::Semeval.name(StanceLabel::Neutral), "NONE");
        assert_eq!(LabelScheme::Xstance.classes().len(), 2);
    }
}
