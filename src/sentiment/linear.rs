//! The linear model fankui trains: a weight per hash bucket, a bias, and a calibration.
//!
//! File format (little-endian): the 8 bytes `FKSENT\0\x01`, a `u32` header length, the
//! header as JSON ([`ModelHeader`]), `2^bits` `f32` weights, then the `2^bits`-bit set of the
//! buckets training saw, as `u64` words.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::path::Path;

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use super::lexicon::LexiconModel;
use super::SentimentModel;
use crate::error::{Error, Result};
pub use crate::learn::Calibration;
use crate::learn::{extract, FeatureSpec, Negators};
use crate::segment::Clause;
use crate::types::{Lang, Tokens};

const MAGIC: &[u8; 8] = b"FKSENT\0\x01";
/// Version of the layout after the magic.
pub const FORMAT_VERSION: u32 = 2;

/// What a model file says about itself, besides its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelHeader {
    /// Layout version, [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The features the weights belong to.
    pub features: FeatureSpec,
    /// The bias (intercept).
    pub bias: f32,
    /// Platt calibration: `p(positive) = σ(a·z + b)` for the raw score `z`.
    pub calibration: Calibration,
    /// Languages of the training texts, with how many texts each.
    pub languages: Vec<(Lang, u64)>,
    /// The neutral band fitted on held-out neutral texts, when training had some.
    #[serde(default)]
    pub neutral_band: Option<f32>,
}

/// A trained linear sentiment model; texts it has no evidence for go to the lexicon.
///
/// The raw score of a text is the bias plus the sum of the weights of its features divided by
/// the square root of their count; the calibration turns it into a probability `p` and the
/// score is `2p − 1`.
#[derive(Clone)]
pub struct LinearModel {
    header: ModelHeader,
    weights: Array1<f32>,
    /// What scoring reads: the weights in one byte each (see [`Codes`]).
    codes: Codes,
    seen: Vec<u64>,
    negators: &'static Negators,
    lexicon: LexiconModel,
}

impl fmt::Debug for LinearModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearModel")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl LinearModel {
    pub(crate) fn new(header: ModelHeader, weights: Array1<f32>, seen: Vec<u64>) -> Self {
        let codes = Codes::new(weights.as_slice().unwrap_or_default());
        LinearModel {
            header,
            codes,
            weights,
            seen,
            negators: Negators::shipped(),
            lexicon: LexiconModel::shipped(),
        }
    }

    /// The model shipped in `models/sentiment/default.fks` (Chinese and English), compiled in.
    ///
    /// # Errors
    ///
    /// Only if the shipped file is damaged, which a test rules out.
    pub fn shipped() -> Result<Self> {
        Self::from_bytes(
            include_bytes!("../../models/sentiment/default.fks"),
            "models/sentiment/default.fks",
        )
    }

    /// Reads a model file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when it cannot be read, otherwise as [`from_bytes`](Self::from_bytes).
    pub fn from_path(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("cannot read model {}", path.display()), e))?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// Parses a model from its bytes; `name` is used in errors.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the bytes are not a fankui sentiment model or are damaged,
    /// [`Error::Json`] when its header is not JSON.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self> {
        let bad = |message: String| Error::Config {
            path: Some(name.into()),
            message,
        };
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("not a fankui sentiment model (wrong magic bytes)".into()))?;
        let (len, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| bad("truncated header".into()))?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return Err(bad("truncated header".into()));
        }
        let (header, rest) = rest.split_at(len);
        let header: ModelHeader = serde_json::from_slice(header)
            .map_err(|e| Error::json(format!("invalid configuration {name}: bad header"), e))?;
        if header.format_version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {} (this build reads {FORMAT_VERSION}); retrain the model",
                header.format_version
            )));
        }
        header.features.validate().map_err(bad)?;
        let n = header.features.buckets();
        let expected = n * 4 + n / 8;
        if rest.len() != expected {
            return Err(bad(format!(
                "{} bytes of weights, expected {expected}",
                rest.len()
            )));
        }
        let (w, s) = rest.split_at(n * 4);
        let weights: Array1<f32> = w
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if weights.iter().any(|w| !w.is_finite()) || !header.bias.is_finite() {
            return Err(bad("a weight is not a finite number".into()));
        }
        let seen = s
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        Ok(LinearModel::new(header, weights, seen))
    }

    /// Writes the model file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |e| Error::io(format!("cannot write model {}", path.display()), e);
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
        out.write_all(&self.to_bytes()).map_err(io)?;
        out.flush().map_err(io)
    }

    /// The model file's bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out =
            Vec::with_capacity(12 + header.len() + self.weights.len() * 4 + self.seen.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for s in &self.seen {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// The header: features, bias, calibration, training languages.
    #[must_use]
    pub fn header(&self) -> &ModelHeader {
        &self.header
    }

    /// The raw score, and whether any feature was seen in training.
    pub(crate) fn raw(&self, tokens: &Tokens) -> (f32, bool) {
        thread_local! {
            static BUCKETS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
        }
        BUCKETS.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut buckets) => self.raw_in(tokens, &mut buckets),
            Err(_) => self.raw_in(tokens, &mut Vec::new()),
        })
    }

    /// [`raw`](Self::raw) with `buckets` for the features' buckets.
    ///
    /// The buckets are all hashed before any weight is read: the lookups, made one after
    /// another apart from the hashing, do not wait for each other, and the core has many
    /// misses in flight at once. They read the one-byte [`Codes`] (a quarter of the `f32`
    /// table, so far more of it stays in cache) and add the values in feature order.
    fn raw_in(&self, tokens: &Tokens, buckets: &mut Vec<u32>) -> (f32, bool) {
        buckets.clear();
        extract(&self.header.features, tokens, self.negators, |_, b| {
            buckets.push(b)
        });
        self.raw_of(buckets)
    }

    /// The raw score of the buckets of one text or clause, and whether any was seen in
    /// training.
    fn raw_of(&self, buckets: &[u32]) -> (f32, bool) {
        if buckets.is_empty() {
            return (self.header.bias, false);
        }
        let known = buckets.iter().any(|&b| {
            let b = b as usize;
            self.seen
                .get(b / 64)
                .is_some_and(|w| w >> (b % 64) & 1 == 1)
        });
        let count = buckets.len() as f32;
        (
            self.header.bias + self.codes.sum(buckets) / count.sqrt(),
            known,
        )
    }

    /// The score of a raw score `z`, or of the lexicon when the features were never seen.
    fn finish(&self, (z, known): (f32, bool), tokens: impl FnOnce() -> f32, lang: Lang) -> f32 {
        if !known || !self.trained_on(lang) {
            return tokens();
        }
        2.0 * self.header.calibration.probability(z) - 1.0
    }

    fn trained_on(&self, lang: Lang) -> bool {
        let has = |l: Lang| self.header.languages.iter().any(|&(x, n)| x == l && n > 0);
        match lang {
            Lang::Mixed => has(Lang::Zh) || has(Lang::En) || has(Lang::Mixed),
            // Too little to tell a language by: the features decide.
            Lang::Other => true,
            l => has(l),
        }
    }
}

/// The weights as one byte each, for scoring: a weight of exactly 0 (a bucket training never
/// gave weight) is code 0; any other is companded (μ-law, μ = 255, over the largest
/// magnitude) to one of 127 magnitudes with its sign, and each code stands for the mean of
/// the weights it holds, so the values keep their average. Small weights, the great
/// majority, keep a fine resolution; the step grows with the magnitude. The `f32` weights
/// stay what a model file holds; the codes are rebuilt from them on loading.
#[derive(Clone)]
struct Codes {
    codes: Vec<u8>,
    values: [f32; 256],
}

impl Codes {
    const MU: f32 = 255.0;

    fn new(weights: &[f32]) -> Codes {
        let max = weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { Self::MU / max } else { 0.0 };
        let norm = 127.0 / Self::MU.ln_1p();
        let code = |w: f32| -> u8 {
            if w == 0.0 {
                return 0;
            }
            let m = ((w.abs() * scale).ln_1p() * norm).round().clamp(1.0, 127.0) as u8;
            if w > 0.0 {
                m
            } else {
                128 + m
            }
        };
        let codes: Vec<u8> = weights.iter().map(|&w| code(w)).collect();
        let mut sums = [0.0f64; 256];
        let mut counts = [0u64; 256];
        for (&c, &w) in codes.iter().zip(weights) {
            sums[usize::from(c)] += f64::from(w);
            counts[usize::from(c)] += 1;
        }
        let mut values = [0.0f32; 256];
        for (c, v) in values.iter_mut().enumerate().skip(1) {
            if counts[c] > 0 {
                *v = (sums[c] / counts[c] as f64) as f32;
            }
        }
        Codes { codes, values }
    }

    /// The sum of the values of `buckets`, in their order (a bucket past the table adds 0).
    fn sum(&self, buckets: &[u32]) -> f32 {
        let mut sum = 0.0f32;
        for &b in buckets {
            let c = self.codes.get(b as usize).copied().unwrap_or(0);
            sum += self.values[usize::from(c)];
        }
        sum
    }
}

impl SentimentModel for LinearModel {
    fn score(&self, tokens: &Tokens, lang: Lang) -> f32 {
        let raw = self.raw(tokens);
        self.finish(raw, || self.lexicon.score(tokens, lang), lang)
    }

    /// One pass over the features: a clause's score is the model's score of the features its
    /// tokens emitted (a bigram across a connective belongs to the later clause).
    fn score_clauses(
        &self,
        tokens: &Tokens,
        lang: Lang,
        clauses: &[Clause],
        out: &mut Vec<f32>,
    ) -> f32 {
        thread_local! {
            static SCRATCH: RefCell<(Vec<u32>, Vec<u32>)> = const {
                RefCell::new((Vec::new(), Vec::new()))
            };
        }
        let mut run = |buckets: &mut Vec<u32>, at: &mut Vec<u32>| {
            buckets.clear();
            at.clear();
            extract(&self.header.features, tokens, self.negators, |i, b| {
                buckets.push(b);
                at.push(i as u32);
            });
            for c in clauses {
                let from = at.partition_point(|&i| (i as usize) < c.tokens.start);
                let to = at.partition_point(|&i| (i as usize) < c.tokens.end);
                let raw = self.raw_of(&buckets[from..to]);
                out.push(self.finish(
                    raw,
                    || self.lexicon.score(&tokens.slice(c.tokens.clone()), lang),
                    lang,
                ));
            }
            let raw = self.raw_of(buckets);
            self.finish(raw, || self.lexicon.score(tokens, lang), lang)
        };
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => {
                let (buckets, at) = &mut *scratch;
                run(buckets, at)
            }
            Err(_) => run(&mut Vec::new(), &mut Vec::new()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> LinearModel {
        let spec = FeatureSpec {
            bits: 10,
            ..FeatureSpec::default()
        };
        let n = spec.buckets();
        let header = ModelHeader {
            format_version: FORMAT_VERSION,
            features: spec,
            bias: 0.25,
            calibration: Calibration { a: 2.0, b: -0.1 },
            languages: vec![(Lang::Zh, 3)],
            neutral_band: None,
        };
        let weights = (0..n).map(|i| (i as f32 - 500.0) / 100.0).collect();
        LinearModel::new(header, weights, vec![u64::MAX; n / 64])
    }

    #[test]
    fn codes_keep_zero_sign_and_order_and_stay_close() {
        let weights: Vec<f32> = (-2000..=2000).map(|i| i as f32 / 1000.0).collect();
        let codes = Codes::new(&weights);
        let value = |i: usize| codes.values[usize::from(codes.codes[i])];
        assert_eq!(
            (weights[2000], codes.codes[2000], value(2000)),
            (0.0, 0, 0.0)
        );
        let mut last = f32::NEG_INFINITY;
        for (i, &w) in weights.iter().enumerate() {
            let v = codes.values[usize::from(codes.codes[i])];
            assert_eq!(v.signum(), w.signum(), "{w}");
            assert!(v >= last - 1e-6, "monotone at {w}");
            last = v.max(last);
            // μ-law steps: at most about 4% of the magnitude plus a small floor.
            assert!((v - w).abs() <= 0.045 * w.abs() + 2e-3, "{w} -> {v}");
        }
        assert!(value(4000) > 1.9 && value(0) < -1.9);
        // Sums read the values in order; a bucket past the table adds nothing.
        assert_eq!(codes.sum(&[4000, 0, 99_999]), value(4000) + value(0));
    }

    #[test]
    fn bytes_round_trip() {
        let model = tiny();
        let again = LinearModel::from_bytes(&model.to_bytes(), "tiny").unwrap();
        assert_eq!(again.header, model.header);
        assert_eq!(again.weights, model.weights);
        assert_eq!(again.seen, model.seen);
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let bytes = tiny().to_bytes();
        for cut in [0, 5, 8, 11, 40, bytes.len() - 1] {
            let err = LinearModel::from_bytes(&bytes[..cut], "cut.fks").unwrap_err();
            assert!(err.to_string().contains("cut.fks"), "{err}");
        }
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(LinearModel::from_bytes(&wrong, "x")
            .unwrap_err()
            .to_string()
            .contains("magic"));
        let mut nan = bytes;
        let at = nan.len() - 1024 / 8 - 4;
        nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(LinearModel::from_bytes(&nan, "nan").is_err());
    }

    #[test]
    fn shipped_model_loads_and_covers_both_languages() {
        let model = LinearModel::shipped().unwrap();
        assert!(model.trained_on(Lang::Zh) && model.trained_on(Lang::En));
    }
}
