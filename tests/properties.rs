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

/// Bytes that are often almost a record: JSON objects, CSV rows, broken UTF-8, NULs.
fn record_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"id\":\"1\",\"text\":\"\xe7\x89\xa9\xe6\xb5\x81\"}".to_vec()),
        Just(b"{\"text\":".to_vec()),
        Just(b"\"a,b\",".to_vec()),
        Just(b",\t\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(vec![0xff, 0xfe, 0xe7, 0x89]),
        Just(vec![0]),
        Just(b"[1,2]".to_vec()),
        prop::collection::vec(any::<u8>(), 0..12),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// `negated` is total: at every byte offset (inside a character, past the end) it
    /// answers, as it does at the character boundary at or before that offset.
    #[test]
    fn negated_at_every_byte_offset_never_panics(text in feedback_text()) {
        use fankui::phrases::negated;
        let mut boundary = 0;
        for start in 0..text.len() + 5 {
            if start <= text.len() && text.is_char_boundary(start) {
                boundary = start;
            }
            prop_assert_eq!(negated(&text, start), negated(&text, boundary));
        }
    }

    /// Any byte range of a normalised text maps to a range of the original, without panics.
    #[test]
    fn original_span_of_any_range_never_panics(text in feedback_text(), a in 0usize..64, b in 0usize..64) {
        use fankui::segment::{Normalizer, NormalizerConfig, StandardNormalizer};
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        let norm = normalizer.normalize(&text);
        let span = norm.original_span(a..b);
        prop_assert!(span.start <= span.end && span.end <= text.len(), "{:?}", span);
    }

    /// Phrase hits from a scan of another text mean nothing, but finding them never panics.
    #[test]
    fn phrase_hits_of_a_mismatched_scan_never_panic(a in feedback_text(), b in feedback_text()) {
        use fankui::phrases::{PhraseScan, PhraseScanner, PhraseSet};
        use fankui::segment::{NormalizerConfig, StandardNormalizer};
        static SETS: OnceLock<(PhraseSet<()>, PhraseScanner)> = OnceLock::new();
        let (set, scanner) = SETS.get_or_init(|| {
            let normalizer = StandardNormalizer::new(NormalizerConfig::default());
            let patterns = ["物流…太慢", "iphone", "don't", "很好", "屏幕…碎", "a…b…c"];
            let set = PhraseSet::new(patterns.map(|p| (p.to_owned(), ())), &normalizer).unwrap();
            let scanner = PhraseScanner::new(&[set.list()]).unwrap();
            (set, scanner)
        });
        let mut scan = PhraseScan::default();
        scanner.scan(&a, &mut scan);
        let mut hits = Vec::new();
        set.find_in(&scan, 0, &b, &mut hits);
        set.find_in(&scan, 5, &b, &mut hits);
        set.find(&b, &mut hits);
    }

    /// Arbitrary TOML-ish text as a configuration or a taxonomy: an error naming its line,
    /// never a panic.
    #[test]
    fn any_configuration_text_is_parsed_or_refused(
        text in prop_oneof![
            any::<String>(),
            Just("[segment]\ntype = \"mixed\"\nhmmm = true\n".to_owned()),
            Just("[limits]\nmax_text_bytes = 1e9\n".to_owned()),
            Just("[[department]]\nid = \"a\"\nname = { zh = \"甲\", en = \"A\" }\n[[department.terms]]\nweight = 1\nzh = [\"a\"]\nwieght = 2\n".to_owned()),
        ].prop_flat_map(|t| (Just(t.clone()), 0..=t.len()))
         .prop_map(|(t, cut)| t.get(..cut).unwrap_or(&t).to_owned()),
    ) {
        let _ = EngineConfig::from_toml_str(&text).map_err(|e| e.to_string());
        let _ = fankui::route::Taxonomy::from_toml_str(&text, None).map_err(|e| e.to_string());
    }

    /// Any bytes, read as JSONL, CSV or TSV: every record parses or has a reason, and no
    /// reason is empty.
    #[test]
    fn any_bytes_read_as_records_never_panic(bytes in record_bytes(), limit in 1usize..64) {
        use fankui::io::{parse_record, FieldPolicy, InputFormat, RecordReader};
        for format in [InputFormat::Jsonl, InputFormat::Csv, InputFormat::Tsv] {
            let Ok(mut reader) = RecordReader::new(bytes.as_slice(), format, limit) else {
                continue;
            };
            let header = reader.header().map(<[String]>::to_vec);
            while let Some(raw) = reader.next_record().unwrap() {
                if let Err(reason) = parse_record(&raw, header.as_deref(), "text", FieldPolicy::Lenient) {
                    prop_assert!(!reason.to_string().is_empty());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any bytes as analysed output: the report writes a reason for every line it cannot
    /// read, and never panics.
    #[test]
    fn any_bytes_as_analysed_output_never_panic_the_report(bytes in record_bytes()) {
        use fankui::report::{write_report, ReportOptions};
        let dir = tempfile::tempdir().unwrap();
        let run = write_report(bytes.as_slice(), dir.path(), &ReportOptions::default(),
                               &Parallelism::Sequential).unwrap();
        // The rejects file is there exactly when a line was rejected.
        let rejects = std::fs::read_to_string(dir.path().join("rejects.jsonl")).unwrap_or_default();
        prop_assert_eq!(rejects.lines().count() as u64, run.summary.input.rejected);
        prop_assert_eq!(dir.path().join("rejects.jsonl").exists(), run.summary.input.rejected > 0);
    }
}

/// Text with no word of a language the models read: punctuation (ASCII, CJK, full-width),
/// digits (ASCII, full-width, Arabic-Indic), emoji, kana, Hangul, Cyrillic, Arabic and Hebrew
/// (right to left), combining marks, and white space between.
fn junk_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[!-/:-@\\[-`{-~]{1,6}",
        "[、。，．！？；：「」『』（）【】…—～]{1,6}",
        "[！-／：-＠]{1,4}",
        "[0-9]{1,8}",
        "[０-９]{1,6}",
        "[٠-٩]{1,4}",
        "[😀-🙏🚀-🛿👍❤]{1,4}",
        "[ぁ-ゖァ-ヺー]{1,12}",
        "[가-힣]{1,10}",
        "[а-яА-ЯёЁ]{1,12}",
        "[ء-ي]{1,10}",
        "[א-ת]{1,8}",
        "[\u{0300}-\u{036F}]{1,4}",
        "[ \t\u{3000}]{1,2}",
    ];
    prop::collection::vec(piece, 1..8)
        .prop_map(|v| v.concat())
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Junk in, sane out: a text with no word the models read is not triaged. It gets kind
    /// `other`, no department, no aspects, and a neutral sentiment of 0, whatever cue
    /// (`12345`, `？？？`) the zh/en lists would find in it by accident.
    #[test]
    fn junk_is_not_triaged(text in junk_text()) {
        let a = engine().analyze(&Record::new("junk", text.clone())).unwrap();
        prop_assert_eq!(a.kind, fankui::Kind::Other, "{:?}: {:?}", text, a.lang);
        prop_assert!(a.department.is_none(), "{:?}: {:?}", text, a.department);
        prop_assert!(a.aspects.is_empty(), "{:?}", text);
        prop_assert_eq!(a.lang, fankui::Lang::Other, "{:?}", text);
        prop_assert_eq!(a.sentiment.score, 0.0);
        prop_assert_eq!(a.sentiment.label, SentimentLabel::Neutral);
        prop_assert_eq!(a.priority.score, 0);
        prop_assert!(a.priority.reasons[0].starts_with("not triaged"), "{:?}", a.priority.reasons);
    }
}

/// The junk the issue found triaged: question marks and a hotline-looking number became
/// complaints for customer service, and a Japanese sentence praise.
#[test]
fn named_junk_is_not_triaged() {
    for text in [
        "？？？",
        "１２３４５",
        "この商品はとても良いです。また買いたいです。",
    ] {
        let a = engine().analyze(&Record::new("j", text)).unwrap();
        assert_eq!(
            (
                a.kind,
                a.department.is_none(),
                a.sentiment.score,
                a.priority.score
            ),
            (fankui::Kind::Other, true, 0.0, 0),
            "{text}"
        );
    }
    // A Chinese text with the same number is read, and the threat counts.
    let a = engine()
        .analyze(&Record::new("j", "再不退款我就打12345投诉"))
        .unwrap();
    assert_eq!(a.kind, fankui::Kind::Complaint);
    assert!(
        a.priority.reasons[0].starts_with("regulator"),
        "{:?}",
        a.priority.reasons
    );
}
