//! Property tests: no input panics, spans reassemble the input, parallel equals sequential,
//! configuration round-trips.

use fankui::segment::SegmenterConfig;
use fankui::sentiment::{LexiconModel, LinearModel, SentimentModel, DEFAULT_NEUTRAL_BAND};
use fankui::{Engine, EngineConfig, Parallelism, Record, SentimentLabel};
use proptest::prelude::*;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().build().expect("default engine"))
}

/// Text that looks like feedback more often than uniform Unicode would: Chinese (both
/// scripts), English, full-width forms, emoji, invisible characters, and anything at all.
fn feedback_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("物流太慢了".to_owned()),
        Just("這個產品的質量很好".to_owned()),
        Just("iPhone".to_owned()),
        Just("ｉＰｈｏｎｅ１３，".to_owned()),
        Just("don't :( ".to_owned()),
        Just("👍🏻👨‍👩‍👧".to_owned()),
        Just("\u{200B}\u{FEFF}\u{200D}\u{0007}".to_owned()),
        Just("[哈哈]^_^".to_owned()),
        "\\PC{0,8}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_unicode_never_panics_and_spans_reassemble(text in feedback_text()) {
        let tokens = engine().segment(&text);
        let mut last = 0;
        let mut joined = String::new();
        for t in &tokens {
            prop_assert!(t.start < t.end && t.start >= last);
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prop_assert!(text[last..t.start].chars().all(char::is_whitespace));
            joined.push_str(&text[t.span()]);
            last = t.end;
        }
        prop_assert!(text[last..].chars().all(char::is_whitespace));
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let got: String = joined.chars().filter(|c| !c.is_whitespace()).collect();
        prop_assert_eq!(got, expected);
        let _ = engine().detect(&text);
    }

    #[test]
    fn analyze_never_panics(text in any::<String>()) {
        let _ = engine().analyze(&Record::new("p", text));
    }

    #[test]
    fn sentiment_scores_stay_in_range_and_agree_with_labels(text in feedback_text()) {
        let lexicon = LexiconModel::shipped();
        let linear = LinearModel::shipped().unwrap();
        let (lang, _) = engine().detect(&text);
        let tokens = engine().segment(&text);
        for score in [lexicon.score(&tokens, lang), linear.score(&tokens, lang)] {
            prop_assert!((-1.0..=1.0).contains(&score), "{score}");
        }
        if let Ok(a) = engine().analyze(&Record::new("p", text.as_str())) {
            let s = a.sentiment;
            prop_assert!((-1.0..=1.0).contains(&s.score));
            prop_assert_eq!(s.label, SentimentLabel::from_score(s.score, DEFAULT_NEUTRAL_BAND));
        }
    }

    #[test]
    fn config_round_trips(hmm in any::<bool>(), lowercase in any::<bool>(), stem in any::<bool>(),
                          kind in 0..3u8, zh_share in 0.3f64..1.0, max in 1usize..1 << 30) {
        let segment = match kind {
            0 => SegmenterConfig::Mixed { hmm, user_dicts: vec!["a b.dict".into()], lowercase, stem },
            1 => SegmenterConfig::Jieba { hmm, user_dicts: vec![], lowercase, stem },
            _ => SegmenterConfig::Unicode { lowercase, stem },
        };
        let mut config = EngineConfig { segment, ..EngineConfig::default() };
        config.language.zh_share = zh_share;
        config.limits.max_text_bytes = max;
        let back = EngineConfig::from_toml_str(&config.to_toml()).unwrap();
        prop_assert_eq!(back, config);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn parallel_output_equals_sequential(texts in prop::collection::vec(feedback_text(), 0..200)) {
        static PARALLEL: OnceLock<Engine> = OnceLock::new();
        let parallel = PARALLEL.get_or_init(|| {
            Engine::builder().parallelism(Parallelism::Threads(3)).build().unwrap()
        });
        let records: Vec<Record> = texts.into_iter().enumerate()
            .map(|(i, t)| Record::new(i.to_string(), t)).collect();
        let seq = engine().analyze_batch(&records);
        let par = parallel.analyze_batch(&records);
        prop_assert_eq!(seq.len(), par.len());
        for (a, b) in seq.iter().zip(&par) {
            match (a, b) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                _ => prop_assert!(false, "results differ: {:?} vs {:?}", a, b),
            }
        }
    }
}

/// A review about one of a few subjects, or anything at all.
fn topic_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("快递还没到，物流太慢了".to_owned()),
        Just("屏幕碎了，電池也不行".to_owned()),
        Just("iPhone battery life is short".to_owned()),
        Just("IPHONE Battery died".to_owned()),
        Just("ｉＰｈｏｎｅ１３ 屏幕有划痕".to_owned()),
        Just(String::new()),
        feedback_text(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Regression guard for the parallel counting of `topics fit`: terms counted and hashed
    /// on three threads, chunk by chunk, give the model of the sequential corpus.
    #[test]
    fn topic_fit_in_parallel_equals_sequential(
        texts in prop::collection::vec(topic_text(), 1..150),
        chunk in 1usize..40,
    ) {
        use fankui::topics::{CountedDoc, TopicCorpus, TopicModel, TopicOptions};
        use fankui::{scan_stream, StreamOptions};
        static PARALLEL: OnceLock<Engine> = OnceLock::new();
        let parallel = PARALLEL.get_or_init(|| {
            Engine::builder().parallelism(Parallelism::Threads(3)).build().unwrap()
        });
        let mut input = String::new();
        for (i, t) in texts.iter().enumerate() {
            input.push_str(&serde_json::json!({"id": i.to_string(), "text": t}).to_string());
            input.push('\n');
            if i % 17 == 3 {
                input.push_str("not json\n");
            }
        }
        let options = TopicOptions { k: 3, min_df: 1, max_df: 1.0, ..TopicOptions::default() };

        let seq = engine();
        let mut one = TopicCorpus::new();
        let mut seq_rejects = Vec::new();
        let a = scan_stream(seq, input.as_bytes(), &mut seq_rejects, &StreamOptions::default(),
            |r| seq.topic_doc(r), &mut |doc| one.push(&doc)).unwrap();

        let mut two = TopicCorpus::new();
        let mut par_rejects = Vec::new();
        let small = StreamOptions { chunk_records: chunk, ..StreamOptions::default() };
        let b = scan_stream(parallel, input.as_bytes(), &mut par_rejects, &small,
            |r| parallel.topic_doc(r).map(CountedDoc::from), &mut |doc| two.add(doc)).unwrap();

        prop_assert_eq!((a.read, a.analysed, a.rejected), (b.read, b.analysed, b.rejected));
        prop_assert_eq!(seq_rejects, par_rejects);
        prop_assert_eq!(one.len(), two.len());
        if !one.is_empty() {
            let (m1, t1) = TopicModel::fit(&one, &options, seq.departments(), &|n, f| seq.map_indices(n, f));
            let (m2, t2) = TopicModel::fit(&two, &options, parallel.departments(),
                &|n, f| parallel.map_indices(n, f));
            prop_assert_eq!(t1, t2);
            prop_assert_eq!(serde_json::to_string(&m1).unwrap(), serde_json::to_string(&m2).unwrap());
        }
    }
}
