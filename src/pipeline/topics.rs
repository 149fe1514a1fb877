//! Fitting a topic model to a stream of records: terms counted in parallel, interned in input
//! order, clustered on the engine's pool.

use std::io::{Read, Write};

use super::stream::{scan_stream, StreamOptions, Summary};
use super::Engine;
use crate::error::{Error, Result};
use crate::topics::{CountedDoc, TopicCorpus, TopicModel, TopicOptions};

/// What [`fit_topics`] made of a stream.
#[derive(Debug)]
#[non_exhaustive]
pub struct TopicFit {
    /// The fitted model.
    pub model: TopicModel,
    /// Each analysable record's topic, in input order (`None` for an outlier).
    pub assigned: Vec<Option<u32>>,
    /// How the stream was read: records used and rejected.
    pub summary: Summary,
}

/// Reads every record of `input` and fits a topic model to them. Records that cannot be
/// analysed go to `rejects` as in [`super::run_stream`]. The model is the same whatever the
/// engine's thread count: term ids are the order of first occurrence, and the clustering's
/// parallel passes are merged in a fixed order.
///
/// # Examples
///
/// ```
/// use fankui::pipeline::fit_topics;
/// use fankui::topics::TopicOptions;
/// use fankui::{Engine, StreamOptions};
///
/// let engine = Engine::builder().build()?;
/// let mut input = String::new();
/// for _ in 0..20 {
///     input.push_str("{\"text\":\"快递太慢了，物流一直不更新\"}\n");
///     input.push_str("{\"text\":\"屏幕碎了，质量太差\"}\n");
/// }
/// let options = TopicOptions { k: 2, min_df: 2, ..TopicOptions::default() };
/// let fit = fit_topics(&engine, input.as_bytes(), std::io::sink(), &StreamOptions::default(), &options)?;
/// assert_eq!(fit.summary.analysed, 40);
/// assert_eq!(fit.assigned.len(), 40);
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// The stream's errors, as [`super::run_stream`]; [`Error::NoRecords`] when no record could be
/// used.
pub fn fit_topics<R, J>(
    engine: &Engine,
    input: R,
    rejects: J,
    options: &StreamOptions,
    topic_options: &TopicOptions,
) -> Result<TopicFit>
where
    R: Read + Send,
    J: Write,
{
    let mut corpus = TopicCorpus::new();
    // Terms are counted and hashed in parallel; the corpus interns them in input order.
    let summary = scan_stream(
        engine,
        input,
        rejects,
        options,
        |record| engine.topic_doc(record).map(CountedDoc::from),
        &mut |doc| corpus.add(doc),
    )?;
    if corpus.is_empty() {
        return Err(Error::NoRecords {
            task: "fit topics to",
        });
    }
    let (model, assigned) =
        TopicModel::fit(&corpus, topic_options, engine.departments(), &|n, f| {
            engine.map_indices(n, f)
        });
    Ok(TopicFit {
        model,
        assigned,
        summary,
    })
}
