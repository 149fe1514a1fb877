//! The rules: cue phrases, question marks and particles, sentiment.

use super::{Kind, KindConfig, KindInput, KindModel};
use crate::error::Result;
use crate::phrases::{negated, parse_weighted, PhraseHit, PhraseList, PhraseSet};
use crate::segment::Normalizer;

const CUES: [(&str, &str); 2] = [
    (
        "models/kind/cues.zh.tsv",
        include_str!("../../models/kind/cues.zh.tsv"),
    ),
    (
        "models/kind/cues.en.tsv",
        include_str!("../../models/kind/cues.en.tsv"),
    ),
];

/// The evidence for each kind, before the decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KindScores {
    /// Complaint cues and negative sentiment.
    pub complaint: f32,
    /// Suggestion cues.
    pub suggestion: f32,
    /// Question cues, marks and particles.
    pub question: f32,
    /// Praise cues and positive sentiment.
    pub praise: f32,
}

impl KindScores {
    /// The kind with the highest score when it reaches `threshold`, else `other`; ties go
    /// to the earlier kind of [`Kind::ALL`].
    #[must_use]
    pub fn decide(&self, threshold: f32) -> Kind {
        let ranked = [
            (Kind::Complaint, self.complaint),
            (Kind::Suggestion, self.suggestion),
            (Kind::Question, self.question),
            (Kind::Praise, self.praise),
        ];
        let (kind, best) =
            ranked
                .into_iter()
                .fold((Kind::Other, f32::NEG_INFINITY), |(k, b), (k2, s)| {
                    if s > b {
                        (k2, s)
                    } else {
                        (k, b)
                    }
                });
        if best >= threshold && best > 0.0 {
            kind
        } else {
            Kind::Other
        }
    }
}

/// Kind by rules; see the [module](super) documentation.
///
/// Scores: each cue found adds its weight to its kind (a praise or suggestion cue that is
/// negated, as in 不推荐 or "wouldn't recommend", adds half its weight to complaint instead);
/// a question mark or a clause-final 吗/呢/么 adds 1.5 to question; negative sentiment adds
/// `sentiment_weight · |score|` to complaint and positive sentiment to praise; a question
/// asked in a negative voice ("why is my order still not here?") also adds half its question
/// score to complaint.
#[derive(Debug, Clone)]
pub struct RuleKind {
    cues: PhraseSet<(Kind, f32)>,
    threshold: f32,
    sentiment_weight: f32,
}

impl RuleKind {
    /// The shipped cue lists with `config`'s weights.
    ///
    /// # Errors
    ///
    /// Only if a shipped list is broken, which a test rules out.
    pub fn shipped(config: &KindConfig, normalizer: &dyn Normalizer) -> Result<Self> {
        let mut list = Vec::new();
        for (name, text) in CUES {
            for (kind, weight, pattern) in
                parse_weighted(text, name, |s| Kind::parse(s).filter(|k| *k != Kind::Other))?
            {
                list.push((pattern, (kind, weight)));
            }
        }
        let cues = PhraseSet::new(list, normalizer).map_err(|e| e.in_list("kind cues"))?;
        Ok(RuleKind {
            cues,
            threshold: config.threshold,
            sentiment_weight: config.sentiment_weight,
        })
    }

    /// The kind of a record, as [`KindModel::kind`] decides it, with the scores it read.
    #[must_use]
    pub fn kind_with_scores(&self, input: &KindInput<'_>) -> (Kind, KindScores) {
        let scores = self.scores(input);
        (scores.decide(self.threshold), scores)
    }

    /// The scores of a record.
    #[must_use]
    pub fn scores(&self, input: &KindInput<'_>) -> KindScores {
        match input.cues {
            Some(hits) => self.scores_of(input, hits),
            None => {
                let mut hits: Vec<PhraseHit> = Vec::new();
                self.cues.find(input.normalized.text(), &mut hits);
                hits.retain(|h| input.span.contains(&h.span().start));
                self.scores_of(input, &hits)
            }
        }
    }

    /// The scores of a record whose cues are `hits`.
    fn scores_of(&self, input: &KindInput<'_>, hits: &[PhraseHit]) -> KindScores {
        let text = input.normalized.text();
        let mut s = KindScores::default();
        for h in hits {
            let (kind, w) = *self.cues.payload(h.phrase);
            let flipped =
                matches!(kind, Kind::Praise | Kind::Suggestion) && negated(text, h.span().start);
            match kind {
                _ if flipped => s.complaint += 0.5 * w,
                Kind::Complaint => s.complaint += w,
                Kind::Suggestion => s.suggestion += w,
                Kind::Question => s.question += w,
                Kind::Praise => s.praise += w,
                Kind::Other => {}
            }
        }
        if asks(text.get(input.span.clone()).unwrap_or(text)) {
            s.question += 1.5;
        }
        let score = input.sentiment.score;
        if score < 0.0 {
            s.complaint += self.sentiment_weight * -score;
            if s.question > 0.0 && score <= -0.5 {
                s.complaint += 0.5 * s.question;
            }
        } else {
            s.praise += self.sentiment_weight * score;
        }
        s
    }
}

/// A question mark, or 吗/呢/么/嘛 ending a clause (or the text): one pass over the
/// characters, as a clause is short.
fn asks(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '?' | '？' => return true,
            '吗' | '呢' | '么' | '嘛'
                if chars.peek().is_none_or(|&next| {
                    matches!(
                        next,
                        '。' | '，' | ',' | '！' | '!' | '.' | '~' | '～' | ' ' | '\n'
                    )
                }) =>
            {
                return true
            }
            _ => {}
        }
    }
    false
}

impl KindModel for RuleKind {
    fn phrases(&self) -> Option<&PhraseList> {
        Some(self.cues.list())
    }

    fn kind(&self, input: &KindInput<'_>) -> Kind {
        self.kind_with_scores(input).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_and_threshold() {
        let s = KindScores {
            complaint: 1.0,
            suggestion: 1.0,
            question: 0.0,
            praise: 0.0,
        };
        assert_eq!(s.decide(1.0), Kind::Complaint);
        assert_eq!(s.decide(1.5), Kind::Other);
        assert_eq!(KindScores::default().decide(0.0), Kind::Other);
    }

    #[test]
    fn question_particles_end_clauses() {
        assert!(asks("这个能退吗"));
        assert!(asks("能退吗，急"));
        assert!(asks("how do I reset it?"));
        assert!(!asks("吗啡"));
        assert!(asks("好吗"));
        assert!(asks("你说呢？"));
        assert!(asks("干嘛 不退"));
        assert!(!asks("什么时候到"));
        assert!(!asks("很好"));
    }
}
