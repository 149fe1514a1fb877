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

/// The ChnSentiCorp bar: a model trained on the ERNIE train split only (dev for selection)
/// reaches at least 94.0% on its test split; TF-IDF + logistic regression reaches 93.0.
#[test]
fn sentiment_chnsenticorp_bar() {
    use fankui::eval::evaluate_sentiment;
    use fankui::sentiment::{train, LabelMap, LabelledFields, LabelledFile, TrainOptions};

    let Some(dir) = corpora() else { return };
    let split = dir.join("zh/chnsenticorp_ernie_split");
    let fields = LabelledFields {
        text: vec!["text_a".into()],
        label: "label".into(),
        labels: LabelMap::default(),
    };
    let read = |name: &str| {
        LabelledFile::read(&split.join(name), &fields)
            .unwrap()
            .examples
    };
    let (train_set, dev, test) = (read("train.tsv"), read("dev.tsv"), read("test.tsv"));
    assert_eq!((train_set.len(), dev.len(), test.len()), (9600, 1200, 1200));
    let engine = Engine::builder()
        .parallelism(Parallelism::available())
        .build()
        .unwrap();
    let (model, _) = train(&engine, &train_set, Some(&dev), &TrainOptions::default()).unwrap();
    let scores = evaluate_sentiment(&engine, &model, &test, 0.0);
    eprintln!("ChnSentiCorp test accuracy {:.2}%", 100.0 * scores.accuracy);
    assert!(scores.accuracy >= 0.94, "{scores:?}");
}

/// The shipped model on the SST-2 dev split, which it was not trained on (it saw SST-2 train):
/// measured 82.6%, TF-IDF + LR trained on SST-2 train alone gets 82.2%; the floor leaves room
/// for retraining noise.
#[test]
fn shipped_sentiment_model_on_sst2_dev() {
    use fankui::eval::evaluate_sentiment;
    use fankui::sentiment::{LabelMap, LabelledFields, LabelledFile, LinearModel};

    let Some(dir) = corpora() else { return };
    let fields = LabelledFields {
        text: vec!["content".into()],
        label: "label".into(),
        labels: LabelMap::default(),
    };
    let dev = LabelledFile::read(&dir.join("en/sst2_glue/dev.tsv"), &fields).unwrap();
    let engine = Engine::builder().build().unwrap();
    let model = LinearModel::shipped().unwrap();
    let scores = evaluate_sentiment(&engine, &model, &dev.examples, 0.0);
    eprintln!(
        "shipped model, SST-2 dev accuracy {:.2}%",
        100.0 * scores.accuracy
    );
    assert!(scores.accuracy >= 0.80, "{scores:?}");
}
