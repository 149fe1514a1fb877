//! Every segmenter through the same cases (charabia's `test_segmenter!` in spirit): the
//! invariants every implementation promises, and what each case must look like.

use fankui::segment::SegmenterConfig;
use fankui::{Engine, EngineConfig, TokenKind, Tokens};

fn engines() -> Vec<(&'static str, Engine)> {
    let configs = [
        ("mixed", SegmenterConfig::default()),
        (
            "jieba",
            SegmenterConfig::Jieba {
                hmm: true,
                user_dicts: vec![],
                lowercase: true,
                stem: false,
            },
        ),
        (
            "unicode",
            SegmenterConfig::Unicode {
                lowercase: true,
                stem: false,
            },
        ),
    ];
    configs
        .into_iter()
        .map(|(name, segment)| {
            let config = EngineConfig {
                segment,
                ..EngineConfig::default()
            };
            (
                name,
                Engine::builder()
                    .config(config)
                    .build()
                    .expect("engine builds"),
            )
        })
        .collect()
}

/// Spans in order, on character boundaries, non-empty, non-overlapping, and together all
/// non-whitespace characters of the text.
fn check_invariants(name: &str, text: &str, tokens: &Tokens) {
    let mut last = 0;
    let mut joined = String::new();
    for t in tokens {
        assert!(t.start < t.end, "{name}: empty token {t:?} in {text:?}");
        assert!(
            t.start >= last,
            "{name}: overlapping or unordered {t:?} in {text:?}"
        );
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        assert!(
            text[last..t.start].chars().all(char::is_whitespace),
            "{name}: {:?} lost between tokens in {text:?}",
            &text[last..t.start]
        );
        joined.push_str(&text[t.span()]);
        last = t.end;
    }
    assert!(
        text[last..].chars().all(char::is_whitespace),
        "{name}: tail lost in {text:?}"
    );
    let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(
        joined
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
        expected
    );
}

fn words<'a>(text: &'a str, tokens: &Tokens) -> Vec<&'a str> {
    tokens.iter().map(|t| &text[t.span()]).collect()
}

#[test]
fn empty_and_whitespace() {
    for (name, engine) in engines() {
        for text in ["", " ", "\t\n", "\u{3000}\u{3000}"] {
            let tokens = engine.segment(text);
            assert!(tokens.is_empty(), "{name}: {text:?} gave {tokens:?}");
        }
    }
}

#[test]
fn emoji_and_punctuation_only() {
    for (name, engine) in engines() {
        let text = "👍🏻👍🏻！！！👨‍👩‍👧";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
        assert!(
            tokens.iter().all(|t| t.kind != TokenKind::Word),
            "{name}: {tokens:?}"
        );
        if name != "jieba" {
            // Whole grapheme clusters: skin tone and ZWJ family stay single emoji.
            let w = words(text, &tokens);
            assert!(w.contains(&"👍🏻") && w.contains(&"👨‍👩‍👧"), "{name}: {w:?}");
        }
    }
}

#[test]
fn full_width_characters() {
    for (name, engine) in engines() {
        let text = "ｉＰｈｏｎｅ１３，很好用！";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
        let w = words(text, &tokens);
        if name != "unicode" {
            assert_eq!(w[0], "ｉＰｈｏｎｅ１３", "{name}: {w:?}");
            assert_eq!(tokens.form(&tokens.as_slice()[0]), "iphone13");
        }
        let comma = tokens
            .iter()
            .find(|t| &text[t.span()] == "，")
            .expect("comma token");
        assert_eq!(
            tokens.form(comma),
            ",",
            "{name}: punctuation forms are half-width"
        );
    }
}

#[test]
fn traditional_chinese() {
    for (name, engine) in engines() {
        let text = "這個產品的質量很好，但是物流太慢了";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
        let w = words(text, &tokens);
        if name != "unicode" {
            assert!(w.contains(&"質量") && w.contains(&"產品"), "{name}: {w:?}");
            let quality = tokens.iter().find(|t| &text[t.span()] == "質量").unwrap();
            assert_eq!(tokens.form(quality), "质量", "{name}: forms are Simplified");
        }
    }
}

#[test]
fn mixed_chinese_and_english() {
    for (name, engine) in engines() {
        let text = "iPhone很好用";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
        let w = words(text, &tokens);
        assert_eq!(w[0], "iPhone", "{name}: {w:?}");
        assert_eq!(w.concat(), text, "{name}");
        assert!(
            w[1..]
                .iter()
                .all(|w| w.chars().all(fankui::segment::is_han)),
            "{name}: {w:?}"
        );
        assert_eq!(tokens.form(&tokens.as_slice()[0]), "iphone");
    }
}

#[test]
fn english_keeps_contractions_and_emoticons() {
    for (name, engine) in engines() {
        let text = "I don't like it :( never again";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
        if name != "jieba" {
            let w = words(text, &tokens);
            assert_eq!(
                w,
                ["I", "don't", "like", "it", ":(", "never", "again"],
                "{name}"
            );
        }
    }
}

#[test]
fn very_long_text() {
    let unit = "物流太慢了，客服也不理人。The parcel arrived late 😡 ";
    let text = unit.repeat((1 << 20) / unit.len() + 1);
    assert!(text.len() > 1 << 20);
    for (name, engine) in engines() {
        let tokens = engine.segment(&text);
        check_invariants(name, &text, &tokens);
        assert!(tokens.len() > 100_000, "{name}: {}", tokens.len());
    }
}

#[test]
fn invisible_characters_stay_inside_tokens() {
    for (name, engine) in engines() {
        let text = "\u{FEFF}好\u{200B}评\u{0007}！";
        let tokens = engine.segment(text);
        check_invariants(name, text, &tokens);
    }
}
