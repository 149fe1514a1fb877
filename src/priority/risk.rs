//! The urgency and risk lexicon (`models/priority/risk.*.tsv`).

use crate::error::Result;
use crate::phrases::{negated, parse_weighted, PhraseHit, PhraseSet};
use crate::segment::Normalizer;

const LISTS: [(&str, &str); 2] = [
    (
        "models/priority/risk.zh.tsv",
        include_str!("../../models/priority/risk.zh.tsv"),
    ),
    (
        "models/priority/risk.en.tsv",
        include_str!("../../models/priority/risk.en.tsv"),
    ),
];

/// What kind of risk a phrase signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskCategory {
    /// Fire, injury, electric shock.
    Safety,
    /// Food poisoning, allergy, illness.
    Health,
    /// Lawyers, lawsuits.
    Legal,
    /// Regulators and complaint bodies.
    Regulator,
    /// Press and social-media exposure.
    Media,
    /// Fraud, scams, counterfeits.
    Fraud,
    /// Personal data.
    Privacy,
    /// Leaving.
    Churn,
}

impl RiskCategory {
    /// All, in order of severity for reasons.
    pub const ALL: [RiskCategory; 8] = [
        RiskCategory::Safety,
        RiskCategory::Health,
        RiskCategory::Legal,
        RiskCategory::Regulator,
        RiskCategory::Media,
        RiskCategory::Fraud,
        RiskCategory::Privacy,
        RiskCategory::Churn,
    ];

    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::Safety => "safety",
            RiskCategory::Health => "health",
            RiskCategory::Legal => "legal",
            RiskCategory::Regulator => "regulator",
            RiskCategory::Media => "media",
            RiskCategory::Fraud => "fraud",
            RiskCategory::Privacy => "privacy",
            RiskCategory::Churn => "churn",
        }
    }

    /// Parses [`as_str`](Self::as_str) names.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Risk phrases; a phrase after a negator in its clause (没有起火, "didn't catch fire") does
/// not count, nor does a phrase of several parts with any part negated (孩子没有受伤 for
/// `孩子…受伤`).
#[derive(Debug, Clone)]
pub struct RiskLexicon {
    phrases: PhraseSet<(RiskCategory, f32)>,
}

impl RiskLexicon {
    /// The shipped lists.
    ///
    /// # Errors
    ///
    /// Only if a shipped list is broken, which a test rules out.
    pub fn shipped(normalizer: &dyn Normalizer) -> Result<Self> {
        let mut list = Vec::new();
        for (name, text) in LISTS {
            for (c, w, p) in parse_weighted(text, name, RiskCategory::parse)? {
                list.push((p, (c, w)));
            }
        }
        let phrases = PhraseSet::new(list, normalizer).map_err(|e| e.in_list("risk lexicon"))?;
        Ok(RiskLexicon { phrases })
    }

    /// For each category found in the normalised `text`: its strongest phrase's weight and
    /// that phrase as found; in the order of [`RiskCategory::ALL`].
    #[must_use]
    pub fn find(&self, text: &str) -> Vec<(RiskCategory, f32, String)> {
        let mut hits: Vec<PhraseHit> = Vec::new();
        self.phrases.find(text, &mut hits);
        self.risks_of(text, &hits)
    }

    /// The phrases, for an engine's shared scanner.
    pub(crate) fn phrases(&self) -> &PhraseSet<(RiskCategory, f32)> {
        &self.phrases
    }

    /// [`find`](Self::find) from the phrases ([`Self::phrases`]) found in `text`.
    pub(crate) fn risks_of(
        &self,
        text: &str,
        hits: &[PhraseHit],
    ) -> Vec<(RiskCategory, f32, String)> {
        let mut out: Vec<(RiskCategory, f32, String)> = Vec::new();
        for h in hits {
            // Any part negated negates the phrase: 孩子没有受伤 is no `孩子…受伤`.
            if h.parts().iter().any(|p| negated(text, p.start)) {
                continue;
            }
            let span = h.span();
            let (c, w) = *self.phrases.payload(h.phrase);
            let found = text[span].to_owned();
            match out.iter_mut().find(|(oc, _, _)| *oc == c) {
                Some(e) if e.1 < w => {
                    e.1 = w;
                    e.2 = found;
                }
                Some(_) => {}
                None => out.push((c, w, found)),
            }
        }
        out.sort_by_key(|(c, _, _)| *c);
        out
    }
}

crate::types::display_as_str!(RiskCategory);
