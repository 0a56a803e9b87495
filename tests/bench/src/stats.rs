//! Round statistics: each round yields one value per variant (a percentile, a rate, a
//! median); a cell reports the median of those round values and their spread (min–max), so
//! one noisy round cannot decide the result.

use serde::{Deserialize, Serialize};

/// Nearest-rank percentile of `values` (sorted in place); 0 when empty.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if mid * 2 == v.len() {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

/// One variant's value across rounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Median of the round values.
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub rounds: Vec<f64>,
}

impl Summary {
    pub fn of(rounds: Vec<f64>) -> Summary {
        let min = rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rounds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Summary {
            median: median(&rounds),
            min: if rounds.is_empty() { 0.0 } else { min },
            max: if rounds.is_empty() { 0.0 } else { max },
            rounds,
        }
    }
}

/// Round values per variant, in `Variant::ALL` (or `WITH_PEERS`) order.
#[derive(Debug, Default, Clone)]
pub struct PerVariant {
    pub core: Vec<f64>,
    pub bare: Vec<f64>,
    /// Cell 1's peers (empty elsewhere).
    pub async_openai: Vec<f64>,
    pub liter_llm: Vec<f64>,
}

impl PerVariant {
    pub fn push(&mut self, variant: crate::variants::Variant, value: f64) {
        use crate::variants::Variant;
        match variant {
            Variant::Core => self.core.push(value),
            Variant::Bare => self.bare.push(value),
            Variant::AsyncOpenAi => self.async_openai.push(value),
            Variant::LiterLlm => self.liter_llm.push(value),
        }
    }

    /// The peers measured, with their round values.
    pub fn peers(&self) -> impl Iterator<Item = (crate::variants::Variant, &[f64])> {
        use crate::variants::Variant;
        [
            (Variant::AsyncOpenAi, self.async_openai.as_slice()),
            (Variant::LiterLlm, self.liter_llm.as_slice()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 50.0), 50.0);
        assert_eq!(percentile(&mut v, 99.0), 99.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let s = Summary::of(vec![5.0, 1.0, 3.0]);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
    }
}
