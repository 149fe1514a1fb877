//! Reproducible random splits: a fixed generator and stratified held-out shares and folds.

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Indices of a stratified random `share` of the items, per class in the order of `classes`;
/// sorted. Items whose label is not in `classes` are never chosen.
pub fn stratified_holdout<L: PartialEq>(
    labels: &[L],
    classes: &[L],
    share: f64,
    seed: u64,
) -> Vec<usize> {
    let mut rng = SplitMix64(seed);
    let mut out = Vec::new();
    for class in classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == *class).collect();
        rng.shuffle(&mut idx);
        let take = ((idx.len() as f64) * share).round() as usize;
        out.extend_from_slice(&idx[..take.min(idx.len())]);
    }
    out.sort_unstable();
    out
}

/// Assigns each item to one of `k` folds, stratified by class in the order of `classes`,
/// shuffled with `seed`. Items whose label is not in `classes` go to fold 0.
pub fn stratified_folds<L: PartialEq>(
    labels: &[L],
    classes: &[L],
    k: usize,
    seed: u64,
) -> Vec<usize> {
    let k = k.max(1);
    let mut fold = vec![0usize; labels.len()];
    let mut rng = SplitMix64(seed);
    let mut next = 0usize;
    for class in classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == *class).collect();
        rng.shuffle(&mut idx);
        for i in idx {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_per_class() {
        let labels: Vec<u8> = (0..100).map(|i| u8::from(i % 4 == 0)).collect();
        let folds = stratified_folds(&labels, &[0, 1], 5, 7);
        for f in 0..5 {
            let ones = (0..100)
                .filter(|&i| folds[i] == f && labels[i] == 1)
                .count();
            assert_eq!(ones, 5);
        }
    }

    #[test]
    fn holdout_takes_the_share_of_each_class() {
        let labels: Vec<u8> = (0..200).map(|i| u8::from(i % 10 == 0)).collect();
        let held = stratified_holdout(&labels, &[0, 1], 0.1, 3);
        assert_eq!(held.iter().filter(|&&i| labels[i] == 1).count(), 2);
        assert_eq!(held.len(), 20);
        assert!(held.windows(2).all(|w| w[0] < w[1]));
    }
}
