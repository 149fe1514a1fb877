#!/usr/bin/env python3
"""TF-IDF + logistic regression baselines on every corpus.

Two standard variants:

* ``tfidf_lr_word``: ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
  min_df=1)``. Chinese is tokenised with ``jieba.lcut`` (0.42.1, default mode)
  on the lower-cased text, which is what the vectorizer would do with
  ``tokenizer=jieba.lcut``; the text is tokenised once up front (timed as
  ``tokenize_seconds``) instead of once per CV fit. English uses the
  vectorizer's default lower-casing and token pattern.
* ``tfidf_lr_char`` (Chinese only): ``analyzer='char', ngram_range=(1, 3),
  sublinear_tf=True``.

The vectorizer and ``LogisticRegression(max_iter=2000)`` form one pipeline;
C is chosen from {0.25, 0.5, 1, 2, 4, 8, 16} by ``GridSearchCV`` (5-fold
stratified CV on the training split only, accuracy, n_jobs=2), so the IDF
weights of each CV fit come from its own training folds. The refit on the
whole training split (``fit_seconds``) is the model scored on the test split.
"""
import argparse
import logging
import time

from common import CORPORA, log, read, scores, summarise, versions, write_json

C_GRID = [0.25, 0.5, 1, 2, 4, 8, 16]


def identity(x):
    return x


def variants(lang):
    """[(system, vectorizer kwargs, pre-tokenise with jieba?)] for a language."""
    word = dict(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    if lang == "en":
        return [("tfidf_lr_word", word, False)]
    pre = dict(word, tokenizer=identity, preprocessor=identity, lowercase=False, token_pattern=None)
    char = dict(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
    return [("tfidf_lr_word", pre, True), ("tfidf_lr_char", char, False)]


def run_fold(train, test, vec_kwargs, tokenize, jobs):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    (x_train, y_train), (x_test, y_test) = train, test
    tok_seconds = None
    if tokenize:
        import jieba

        start = time.perf_counter()
        x_train = [jieba.lcut(t.lower()) for t in x_train]
        x_test = [jieba.lcut(t.lower()) for t in x_test]
        tok_seconds = time.perf_counter() - start

    pipe = Pipeline([("tfidf", TfidfVectorizer(**vec_kwargs)),
                     ("lr", LogisticRegression(max_iter=2000))])
    search = GridSearchCV(pipe, {"lr__C": C_GRID}, cv=5, scoring="accuracy", n_jobs=jobs)
    start = time.perf_counter()
    search.fit(x_train, y_train)
    search_seconds = time.perf_counter() - start
    res = scores(y_test, search.predict(x_test))
    res.update(
        C=search.best_params_["lr__C"],
        cv_accuracy=search.best_score_,
        train_records=len(y_train),
        tokenize_seconds=tok_seconds,
        search_seconds=search_seconds,
        fit_seconds=search.refit_time_,
        features=len(search.best_estimator_.named_steps["tfidf"].vocabulary_),
    )
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--cache-dir", help="where jieba keeps its prefix-dict cache")
    ap.add_argument("--jobs", type=int, default=2, help="GridSearchCV n_jobs (default 2)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import jieba

    jieba.setLogLevel(logging.WARNING)
    if args.cache_dir:
        jieba.dt.tmp_dir = args.cache_dir
    jieba.initialize()  # dictionary load stays out of tokenize_seconds

    results = []
    for c in CORPORA:
        folds = [(read(tr, c.train_text, c.label_map), read(te, c.test_text, c.label_map))
                 for tr, te in c.folds(args.splits, args.corpora)]
        for system, vec_kwargs, tokenize in variants(c.lang):
            res = {"system": system, "corpus": c.name, "folds": []}
            for k, (train, test) in enumerate(folds, start=1):
                fold = run_fold(train, test, vec_kwargs, tokenize, args.jobs)
                res["folds"].append(fold)
                log(f"{system} {c.name}{f' fold {k}' if len(folds) > 1 else ''}: "
                    f"C={fold['C']}, accuracy {100 * fold['accuracy']:.2f}%, "
                    f"macro-F1 {100 * fold['macro_f1']:.2f}%, search {fold['search_seconds']:.1f} s, "
                    f"fit {fold['fit_seconds']:.1f} s")
            results.append(summarise(res))

    pkgs = versions("scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl", "jieba")
    write_json(args.out, {"packages": pkgs, "results": results})


if __name__ == "__main__":
    main()
