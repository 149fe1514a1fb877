//! Measured checks on the shared corpora (`../shared/corpora`). They skip, saying so, when the
//! corpora are not there; CI has them.

use std::path::PathBuf;

use fankui::{Engine, Lang, Parallelism};

fn corpora() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: ../shared/corpora is absent (the shared corpora are needed for this test)"
        );
        None
    }
}

fn column(path: &PathBuf, delim: u8, col: usize, limit: usize) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .quoting(delim == b',')
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rdr.records()
        .filter_map(Result::ok)
        .filter_map(|r| r.get(col).map(str::to_owned))
        .filter(|t| !t.trim().is_empty())
        .take(limit)
        .collect()
}

fn share(engine: &Engine, texts: &[String], want: &[Lang]) -> f64 {
    let records: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| fankui::Record::new(i.to_string(), t.as_str()))
        .collect();
    let hits = engine
        .analyze_batch(&records)
        .into_iter()
        .filter(|r| r.as_ref().is_ok_and(|a| want.contains(&a.lang)))
        .count();
    hits as f64 / texts.len() as f64
}

/// Language detection on real reviews: Chinese review corpora come out `zh`, English ones
/// `en`. Floors sit a little under the measured shares (recorded in the README).
#[test]
fn language_detection_on_review_corpora() {
    let Some(dir) = corpora() else { return };
    let engine = Engine::builder()
        .parallelism(Parallelism::available())
        .build()
        .unwrap();
    let cases = [
        ("zh/waimai_10k.csv", b',', 1, Lang::Zh, 0.99),
        ("zh/online_shopping_10_cats.csv", b',', 2, Lang::Zh, 0.99),
        (
            "zh/chnsenticorp_ernie_split/test.tsv",
            b'\t',
            1,
            Lang::Zh,
            0.99,
        ),
        ("en/sst2_glue/dev.tsv", b'\t', 1, Lang::En, 0.98),
        (
            "en/amazon_polarity_sample/amazon_polarity_test_first1000.csv",
            b',',
            1,
            Lang::En,
            0.98,
        ),
    ];
    for (file, delim, col, lang, floor) in cases {
        let texts = column(&dir.join(file), delim, col, 5000);
        assert!(texts.len() >= 800, "{file}: only {} texts", texts.len());
        let got = share(&engine, &texts, &[lang]);
        eprintln!("{file}: {:.2}% {lang:?}", 100.0 * got);
        assert!(
            got >= floor,
            "{file}: {:.2}% detected as {lang:?}, floor {floor}",
            100.0 * got
        );
    }
}

/// ChnSentiCorp has some reviews in Traditional characters; converted to Simplified for
/// analysis, they must segment exactly as their Simplified twin would (up to the conversion),
/// and the tokens must be spans of the Traditional original.
#[test]
fn traditional_reviews_segment_like_simplified() {
    let Some(dir) = corpora() else { return };
    let engine = Engine::builder().build().unwrap();
    let texts: Vec<String> = ["train", "dev", "test"]
        .iter()
        .flat_map(|split| {
            column(
                &dir.join(format!("zh/chnsenticorp_ernie_split/{split}.tsv")),
                b'\t',
                1,
                20_000,
            )
        })
        .collect();
    let mut hant = 0;
    for text in &texts {
        let (lang, script) = engine.detect(text);
        if lang != Lang::Zh || script != Some(fankui::ChineseScript::Hant) {
            continue;
        }
        hant += 1;
        let tokens = engine.segment(text);
        let joined: String = tokens.iter().map(|t| &text[t.span()]).collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, expected);
    }
    eprintln!("{hant} Traditional reviews in ChnSentiCorp");
    assert!(
        hant >= 10,
        "expected some Traditional reviews, found {hant}"
    );
}
