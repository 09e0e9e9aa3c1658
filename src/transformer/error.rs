//! Errors of the transformer engine, each naming the file or model directory
//! involved and what to do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TransformerError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: invalid model config: {message}")]
    Config { path: PathBuf, message: String },
    #[error(
        "{dir}: model_type {model_type:?} cannot be used for {task} \
         (supported: {supported}); pick a model of a supported architecture"
    )]
    UnsupportedArchitecture {
        dir: PathBuf,
        model_type: String,
        task: &'static str,
        supported: &'static str,
    },
    #[error("{dir}: no {what} found; is this a complete Hugging Face model directory?")]
    MissingFile { dir: PathBuf, what: String },
    #[error("{path}: cannot load the tokenizer: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error("tokenizing failed: {0}")]
    Encode(String),
    #[error("{path}: cannot load the weights: {message}")]
    Weights { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Labels { path: PathBuf, message: String },
    #[error("{dir}: {message}")]
    SummaryLanguage { dir: PathBuf, message: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("model {dir}: inference failed: {message}")]
    Inference { dir: PathBuf, message: String },
}

pub type Result<T, E = TransformerError> = std::result::Result<T, E>;
