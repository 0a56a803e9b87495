//! Money as integers: a ledger that adds floats drifts, and a cap compared against a drifted
//! sum can be overshot by the rounding. Amounts are nano-dollars; prices are pico-dollars per
//! token, so the catalog's "USD per 1M tokens" converts exactly (0.15 $/1M = 150,000 p$/token).

use serde::Serialize;

/// An amount of US dollars in nano-dollars (1e-9 USD): exact sums, and one token of the
/// cheapest model (0.02 $/1M) is still 20 n$.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Nanos(pub u64);

/// The largest amount a setting may name: a billion dollars, far below `u64` overflow when
/// thousands of them are summed.
const MAX_USD: f64 = 1e9;

impl Nanos {
    pub const ZERO: Nanos = Nanos(0);

    /// `usd` rounded to the nearest nano-dollar; None when negative, not finite or above a
    /// billion dollars (the caller names the setting in its error).
    pub fn from_usd(usd: f64) -> Option<Nanos> {
        (usd.is_finite() && (0.0..=MAX_USD).contains(&usd))
            .then(|| Nanos((usd * 1e9).round() as u64))
    }

    pub fn usd(self) -> f64 {
        self.0 as f64 / 1e9
    }

    pub fn saturating_add(self, other: Nanos) -> Nanos {
        Nanos(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Nanos) -> Nanos {
        Nanos(self.0.saturating_sub(other.0))
    }

    /// `self * permille / 1000`, rounded down: a soft threshold's amount.
    pub fn permille(self, permille: u16) -> Nanos {
        Nanos((u128::from(self.0) * u128::from(permille) / 1000) as u64)
    }
}

/// A price per token in pico-dollars (1e-12 USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TokenPrice(u64);

impl TokenPrice {
    /// From the catalog's USD per 1M tokens, rounded to the pico-dollar; None when negative,
    /// not finite or absurd (over $1M per 1M tokens).
    pub fn per_million(usd: f64) -> Option<TokenPrice> {
        (usd.is_finite() && (0.0..=1e6).contains(&usd))
            .then(|| TokenPrice((usd * 1e6).round() as u64))
    }

    /// What `tokens` cost, rounded up to the nano-dollar: a reservation is never below the
    /// bill it stands for.
    pub fn cost_ceil(self, tokens: u64) -> Nanos {
        let picos = u128::from(tokens) * u128::from(self.0);
        Nanos(u64::try_from(picos.div_ceil(1000)).unwrap_or(u64::MAX))
    }

    /// What `tokens` cost, rounded to the nearest nano-dollar: a settled charge.
    pub fn cost(self, tokens: u64) -> Nanos {
        let picos = u128::from(tokens) * u128::from(self.0);
        Nanos(u64::try_from((picos + 500) / 1000).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_prices_convert_exactly() {
        // 0.15 * 1000 is 150.00000000000003 in floats: the integer path never sees it.
        let input = TokenPrice::per_million(0.15).unwrap();
        assert_eq!(input.cost(11), Nanos(1_650));
        assert_eq!(input.cost_ceil(11), Nanos(1_650));
        let odd = TokenPrice::per_million(0.0375).unwrap();
        assert_eq!(
            odd.cost_ceil(1),
            Nanos(38),
            "37.5 n$ rounds up for a reservation"
        );
        assert_eq!(odd.cost(1), Nanos(38));
        assert_eq!(odd.cost(2), Nanos(75));
    }

    #[test]
    fn bad_amounts_are_refused_not_wrapped() {
        for bad in [-0.01, f64::NAN, f64::INFINITY, 2e9] {
            assert_eq!(Nanos::from_usd(bad), None, "{bad}");
        }
        assert_eq!(TokenPrice::per_million(-1.0), None);
        assert_eq!(Nanos::from_usd(0.45), Some(Nanos(450_000_000)));
        let huge = TokenPrice::per_million(1e6).unwrap();
        assert_eq!(huge.cost_ceil(u64::MAX), Nanos(u64::MAX), "saturates");
    }

    #[test]
    fn thresholds_round_down() {
        assert_eq!(Nanos(1_000).permille(800), Nanos(800));
        assert_eq!(Nanos(999).permille(800), Nanos(799));
    }
}
