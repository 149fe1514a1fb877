//! The fuzz targets' committed inputs, replayed on the stable toolchain: every file of
//! `fuzz/corpus/<target>/` (the seeds and what the campaigns kept) and of
//! `fuzz/regressions/<target>/` (inputs that once failed) goes through the same function the
//! libFuzzer target calls (`fuzz/harness.rs`), whose checks must hold for each.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn committed_fuzz_inputs_pass_their_targets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failed = Vec::new();
    for (name, target) in harness::TARGETS {
        let corpus = files(&root.join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "no seed corpus for fuzz target `{name}`"
        );
        let regressions = files(&root.join("regressions").join(name));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "failed: {}", failed.join(", "));
}
