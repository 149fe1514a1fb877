//! Spherical k-means over unit-length sparse vectors (Dhillon & Modha 2001): cosine
//! similarity, centroids renormalised to unit length, k-means++ seeding.

use crate::learn::SplitMix64;

/// Sparse unit vectors stored flat: `indices[offsets[i]..offsets[i + 1]]` with `values`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SparseRows {
    pub offsets: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseRows {
    pub fn new() -> Self {
        SparseRows {
            offsets: vec![0],
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn push(&mut self, row: impl IntoIterator<Item = (u32, f32)>) {
        for (i, v) in row {
            self.indices.push(i);
            self.values.push(v);
        }
        self.offsets.push(self.indices.len());
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    pub fn is_empty_row(&self, i: usize) -> bool {
        self.offsets[i] == self.offsets[i + 1]
    }
}

/// Dense centroids, `k × dim`, each of unit length (or zero).
#[derive(Debug, Clone)]
pub(crate) struct Centroids {
    pub k: usize,
    pub dim: usize,
    pub data: Vec<f32>,
}

impl Centroids {
    pub fn row(&self, c: usize) -> &[f32] {
        &self.data[c * self.dim..(c + 1) * self.dim]
    }

    /// The most similar centroid and the cosine, or `None` for an empty row.
    pub fn nearest(&self, indices: &[u32], values: &[f32]) -> Option<(usize, f32)> {
        if indices.is_empty() {
            return None;
        }
        let mut best = (0, f32::NEG_INFINITY);
        for c in 0..self.k {
            let row = self.row(c);
            let s: f32 = indices
                .iter()
                .zip(values)
                .map(|(&i, &v)| row[i as usize] * v)
                .sum();
            if s > best.1 {
                best = (c, s);
            }
        }
        Some(best)
    }

    /// Centroids as the normalised sums of the rows assigned to each; `None` assignments are
    /// skipped.
    pub fn from_assignment(
        rows: &SparseRows,
        assign: &[Option<u32>],
        k: usize,
        dim: usize,
    ) -> Self {
        let mut data = vec![0.0f32; k * dim];
        for (i, a) in assign.iter().enumerate() {
            if let Some(c) = a {
                let (idx, val) = rows.row(i);
                let base = *c as usize * dim;
                for (&j, &v) in idx.iter().zip(val) {
                    data[base + j as usize] += v;
                }
            }
        }
        for c in 0..k {
            let row = &mut data[c * dim..(c + 1) * dim];
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
        Centroids { k, dim, data }
    }
}

/// A row's nearest cluster and cosine, `None` for an empty row.
pub(crate) type Nearest = Option<(u32, f32)>;

/// Runs a function over some row indices (in parallel if it likes); the results in order.
pub(crate) type SubsetMap<'a> =
    dyn Fn(&[usize], &(dyn Fn(usize) -> Nearest + Sync)) -> Vec<Nearest> + Sync + 'a;

/// Clusters the non-empty rows of `rows` into `k` groups. `map` runs a function over row
/// indices (in parallel if it likes) and returns the results in order; everything else is
/// sequential, so the result depends only on the data, `k` and `seed`.
pub(crate) fn spherical_kmeans(
    rows: &SparseRows,
    dim: usize,
    k: usize,
    seed: u64,
    max_iter: usize,
    map: &SubsetMap<'_>,
) -> Centroids {
    let live: Vec<usize> = (0..rows.len()).filter(|&i| !rows.is_empty_row(i)).collect();
    if live.is_empty() {
        // Nothing to cluster: no centroid (every row is an outlier).
        return Centroids {
            k: 0,
            dim,
            data: Vec::new(),
        };
    }
    let k = k.clamp(1, live.len());
    let mut centroids = seed_plus_plus(rows, &live, dim, k, seed);
    let all: Vec<usize> = (0..rows.len()).collect();
    let mut assign: Vec<Option<(u32, f32)>> = Vec::new();
    for _ in 0..max_iter {
        let c = &centroids;
        let next = map(&all, &|i| {
            let (idx, val) = rows.row(i);
            c.nearest(idx, val).map(|(b, s)| (b as u32, s))
        });
        let changed = if assign.is_empty() {
            usize::MAX
        } else {
            next.iter()
                .zip(&assign)
                .filter(|(a, b)| a.map(|x| x.0) != b.map(|x| x.0))
                .count()
        };
        assign = next;
        let mut labels: Vec<Option<u32>> = assign.iter().map(|a| a.map(|x| x.0)).collect();
        reseed_empty(&mut labels, &assign, k);
        centroids = Centroids::from_assignment(rows, &labels, k, dim);
        if changed <= live.len() / 1000 {
            break;
        }
    }
    centroids
}

/// Gives each empty cluster the row that fits its own cluster worst.
fn reseed_empty(labels: &mut [Option<u32>], assign: &[Option<(u32, f32)>], k: usize) {
    let mut sizes = vec![0usize; k];
    for l in labels.iter().flatten() {
        sizes[*l as usize] += 1;
    }
    for c in 0..k {
        if sizes[c] > 0 {
            continue;
        }
        let worst = assign
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.map(|(l, s)| (i, l, s)))
            .filter(|&(_, l, _)| sizes[l as usize] > 1)
            .min_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
        if let Some((i, l, _)) = worst {
            sizes[l as usize] -= 1;
            sizes[c] = 1;
            labels[i] = Some(c as u32);
        }
    }
}

/// k-means++ seeding (Arthur & Vassilvitskii 2007) with distance `1 − cos`, on at most
/// 20,000 rows drawn with the seed.
fn seed_plus_plus(rows: &SparseRows, live: &[usize], dim: usize, k: usize, seed: u64) -> Centroids {
    let mut rng = SplitMix64(seed);
    let mut pool: Vec<usize> = live.to_vec();
    if pool.len() > 20_000 {
        rng.shuffle(&mut pool);
        pool.truncate(20_000);
        pool.sort_unstable();
    }
    let mut data = vec![0.0f32; k * dim];
    let mut best = vec![f32::NEG_INFINITY; pool.len()];
    let mut pick = pool[rng.below(pool.len())];
    for c in 0..k {
        let (idx, val) = rows.row(pick);
        let row = &mut data[c * dim..(c + 1) * dim];
        for (&j, &v) in idx.iter().zip(val) {
            row[j as usize] = v;
        }
        if c + 1 == k {
            break;
        }
        let mut total = 0.0f64;
        for (p, &i) in pool.iter().enumerate() {
            let (idx, val) = rows.row(i);
            let s: f32 = idx
                .iter()
                .zip(val)
                .map(|(&j, &v)| row[j as usize] * v)
                .sum();
            best[p] = best[p].max(s);
            total += f64::from((1.0 - best[p]).max(0.0));
        }
        if total <= 0.0 {
            pick = pool[rng.below(pool.len())];
            continue;
        }
        let mut target = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        pick = pool[pool.len() - 1];
        for (p, &i) in pool.iter().enumerate() {
            target -= f64::from((1.0 - best[p]).max(0.0));
            if target <= 0.0 {
                pick = i;
                break;
            }
        }
    }
    Centroids { k, dim, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(
        idx: &[usize],
        f: &(dyn Fn(usize) -> Option<(u32, f32)> + Sync),
    ) -> Vec<Option<(u32, f32)>> {
        idx.iter().map(|&i| f(i)).collect()
    }

    #[test]
    fn separates_two_groups_and_is_deterministic() {
        let mut rows = SparseRows::new();
        for i in 0..40 {
            let w = 0.1 * (i % 3) as f32;
            let (a, b) = if i % 2 == 0 { (0, 1) } else { (2, 3) };
            let n = (1.0 + w * w).sqrt();
            rows.push([(a, 1.0 / n), (b, w / n)]);
        }
        rows.push([]);
        let mut empty = SparseRows::new();
        empty.push([]);
        assert_eq!(spherical_kmeans(&empty, 4, 2, 7, 20, &seq).k, 0);
        let one = spherical_kmeans(&rows, 4, 2, 7, 20, &seq);
        let two = spherical_kmeans(&rows, 4, 2, 7, 20, &seq);
        assert_eq!(one.data, two.data);
        let nearest = |i: usize| {
            let (idx, val) = rows.row(i);
            one.nearest(idx, val).map(|x| x.0)
        };
        assert_eq!(nearest(40), None);
        let first = nearest(0).unwrap();
        for i in 0..40 {
            assert_eq!(nearest(i).unwrap() == first, i % 2 == 0);
        }
    }
}
