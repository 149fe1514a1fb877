//! The built-in detector: character counts, with whatlang for long Latin-script text.

use super::*;

/// The built-in detector (see the module docs).
///
/// # Examples
///
/// ```
/// use fankui::{Lang, ChineseScript};
///
/// let engine = fankui::Engine::builder().build()?;
/// assert_eq!(engine.detect("物流太慢了"), (Lang::Zh, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("iPhone很好用"), (Lang::Zh, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("服務態度很差"), (Lang::Zh, Some(ChineseScript::Hant)));
/// assert_eq!(engine.detect("The delivery was slow, 物流太慢了"), (Lang::Mixed, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("Still waiting for my parcel"), (Lang::En, None));
/// assert_eq!(engine.detect("👍👍"), (Lang::Other, None));
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StandardDetector {
    config: LanguageConfig,
}

impl StandardDetector {
    /// A detector with thresholds `config`.
    #[must_use]
    pub fn new(config: LanguageConfig) -> Self {
        StandardDetector { config }
    }
}

/// Whether at least one word in eight (and at least two) is a common English function word.
fn looks_english(text: &str) -> bool {
    let (mut words, mut common) = (0usize, 0usize);
    for word in text
        .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        words += 1;
        // No word of the list is longer than seven bytes: longer words are not lower-cased.
        let mut buf = [0u8; 7];
        let Some(lower) = buf.get_mut(..word.len()) else {
            continue;
        };
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        if matches!(
            &*lower,
            b"the"
                | b"a"
                | b"an"
                | b"and"
                | b"or"
                | b"but"
                | b"to"
                | b"of"
                | b"in"
                | b"on"
                | b"for"
                | b"with"
                | b"at"
                | b"by"
                | b"from"
                | b"is"
                | b"are"
                | b"was"
                | b"were"
                | b"be"
                | b"been"
                | b"it"
                | b"it's"
                | b"this"
                | b"that"
                | b"i"
                | b"i'm"
                | b"my"
                | b"me"
                | b"you"
                | b"your"
                | b"we"
                | b"our"
                | b"they"
                | b"he"
                | b"she"
                | b"not"
                | b"no"
                | b"don't"
                | b"didn't"
                | b"have"
                | b"has"
                | b"had"
                | b"do"
                | b"does"
                | b"did"
                | b"will"
                | b"would"
                | b"can"
                | b"very"
                | b"so"
                | b"just"
                | b"all"
                | b"what"
                | b"when"
                | b"how"
                | b"if"
                | b"there"
        ) {
            common += 1;
        }
    }
    common >= 2 && common * 8 >= words
}

#[derive(Default)]
struct Counts {
    han: usize,
    latin: usize,
    kana: usize,
    hangul: usize,
    other: usize,
}

impl LanguageDetector for StandardDetector {
    fn detect(&self, text: &Normalized<'_>) -> (Lang, Option<ChineseScript>) {
        let mut n = Counts::default();
        for c in text.text().chars() {
            if is_han(c) {
                n.han += 1;
            } else if c.is_ascii() {
                n.latin += usize::from(c.is_ascii_alphabetic());
            } else if matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF65) || !c.is_alphabetic() {
                // CJK and full-width punctuation (full-width letters are already ASCII).
                continue;
            } else {
                match c as u32 {
                    0xC0..=0x24F | 0x1E00..=0x1EFF => n.latin += 1,
                    0x3040..=0x30FF | 0x31F0..=0x31FF => n.kana += 1,
                    0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => n.hangul += 1,
                    _ => n.other += 1,
                }
            }
        }
        let cfg = &self.config;
        let script = (n.han > 0).then(|| {
            let hant = text.traditional_chars() as f64 >= cfg.hant_share * n.han as f64
                && text.traditional_chars() > 0;
            if hant {
                ChineseScript::Hant
            } else {
                ChineseScript::Hans
            }
        });
        let letters = n.han + n.latin + n.kana + n.hangul + n.other;
        if letters == 0 {
            return (Lang::Other, None);
        }
        // Japanese mixes kana into Han text; Korean is Hangul.
        if n.kana * 5 >= n.han + n.kana && n.kana > 0 || n.hangul * 2 >= letters {
            return (Lang::Other, None);
        }
        let zh = n.han as f64 * cfg.han_weight;
        let share = zh / (zh + n.latin as f64 + n.other as f64 + n.hangul as f64 + n.kana as f64);
        if n.han > 0 && share >= cfg.zh_share {
            return (Lang::Zh, script);
        }
        if n.latin < n.other + n.hangul + n.kana {
            return (Lang::Other, None);
        }
        let zh_vs_en = zh / (zh + n.latin as f64);
        if n.han > 0 && zh_vs_en >= cfg.mixed_share {
            return (Lang::Mixed, script);
        }
        // Common English words settle most texts; whatlang (slow: trigram profiles of 60+
        // languages) is only asked about long Latin texts without them.
        if n.latin >= cfg.whatlang_min_letters && !looks_english(text.text()) {
            if let Some(info) = whatlang::detect(text.text()) {
                if info.is_reliable() && info.lang() != whatlang::Lang::Eng {
                    return (Lang::Other, script);
                }
            }
        }
        (Lang::En, script.filter(|_| n.han > 0))
    }
}
