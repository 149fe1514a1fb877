#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod error;
pub mod eval;
pub mod io;
pub mod keywords;
pub mod kind;
pub mod lang;
pub mod learn;
pub mod phrases;
pub mod pipeline;
pub mod priority;
pub mod report;
pub mod route;
pub mod segment;
pub mod sentiment;
pub mod topics;
pub mod types;

pub use error::{Error, Result};
pub use io::{Record, Timestamp};
pub use kind::Kind;
pub use lang::{LanguageConfig, LanguageDetector, StandardDetector};
pub use pipeline::{
    run_stream, scan_stream, Analysis, Aspect, AssignedTopic, Engine, EngineBuilder, EngineConfig,
    HistoryMode, LearnedTask, Limits, Parallelism, StreamOptions, Summary, TextAnalysis,
};
pub use sentiment::{Sentiment, SentimentConfig, SentimentLabel};
pub use topics::TopicModel;
pub use types::{ChineseScript, Lang, Script, Token, TokenKind, Tokens};
