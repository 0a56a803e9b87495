//! What a call may cost before it is sent (its reservation), and what it did cost after (its
//! charge), under Azure's billing rules: 200, 400 content-filter / input-limit and 408 are
//! billed; 401, 403, 404, 429 and 5xx are not.
//!
//! The bound on input tokens is the UTF-8 byte length of the request's JSON (messages, input,
//! instructions, tools, ...): a byte-level BPE tokenizer never makes more tokens than bytes, and
//! the JSON punctuation around each message outweighs the few tokens of its role markers. An
//! image given by URL is short text but costs tokens: each one adds [`IMAGE_TOKEN_BOUND`].

use serde_json::{Map, Value};

use super::money::{Nanos, TokenPrice};
use crate::config::Pricing;
use crate::types::Usage;

/// The most input tokens one image part can cost (a high-detail image of the largest size on
/// the gpt-4o / gpt-5 tiling is about 6,000).
pub const IMAGE_TOKEN_BOUND: u64 = 8_000;

/// The request parameters that carry no prompt text (everything else is counted).
const NOT_PROMPT: &[&str] = &[
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "temperature",
    "top_p",
    "n",
    "stream",
    "stream_options",
    "seed",
    "user",
    "priority",
];

/// The output limit the request names (`max_tokens`, `max_completion_tokens`,
/// `max_output_tokens`), if any.
pub fn output_limit(params: &Map<String, Value>) -> Option<u64> {
    ["max_completion_tokens", "max_tokens", "max_output_tokens"]
        .iter()
        .find_map(|k| params.get(*k).and_then(Value::as_u64))
}

/// An upper bound of the input tokens `params` can be billed for.
pub fn input_bound(params: &Map<String, Value>) -> u64 {
    let mut bytes = 0u64;
    let mut images = 0u64;
    for (name, value) in params {
        if NOT_PROMPT.contains(&name.as_str()) {
            continue;
        }
        bytes += serde_json::to_vec(value).map_or(0, |v| v.len() as u64);
        images += count_images(value);
    }
    bytes.saturating_add(images.saturating_mul(IMAGE_TOKEN_BOUND))
}

fn count_images(value: &Value) -> u64 {
    match value {
        Value::Object(map) => {
            let here = matches!(
                map.get("type").and_then(Value::as_str),
                Some("image_url" | "input_image")
            );
            u64::from(here) + map.values().map(count_images).sum::<u64>()
        }
        Value::Array(items) => items.iter().map(count_images).sum(),
        _ => 0,
    }
}

/// Prices of one deployment as integers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prices {
    pub input: TokenPrice,
    pub cached_input: TokenPrice,
    pub output: TokenPrice,
}

impl Prices {
    /// The catalog's per-1M prices (already range-checked when the catalog loaded).
    pub fn from_pricing(p: &Pricing) -> Prices {
        let price = |usd: f64| TokenPrice::per_million(usd).unwrap_or_default();
        Prices {
            input: price(p.input),
            cached_input: price(p.cached_input.unwrap_or(p.input)),
            output: price(p.output),
        }
    }

    /// The reservation: every input token at the full input price (a cache hit only lowers
    /// the bill) and the whole output bound at the output price, rounded up.
    pub fn reservation(&self, input_tokens: u64, output_tokens: u64) -> Nanos {
        self.input
            .cost_ceil(input_tokens)
            .saturating_add(self.output.cost_ceil(output_tokens))
    }

    /// The charge for what the service reported: uncached input, cached input and output
    /// (reasoning tokens are output tokens).
    pub fn charge(&self, usage: &Usage) -> Nanos {
        let cached = usage.cached_input_tokens.min(usage.input_tokens);
        self.input
            .cost(usage.input_tokens - cached)
            .saturating_add(self.cached_input.cost(cached))
            .saturating_add(self.output.cost(usage.output_tokens))
    }
}

/// How an attempt ended, for its bill.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Billing {
    /// An answer: charged from its usage.
    Usage,
    /// A refusal that is still billed (400 content filter or input limit): the prompt, at the
    /// input bound.
    Prompt,
    /// Billed for work the service did not report (408): the whole reservation.
    Reservation,
    /// Not billed (401, 403, 404, 429, 5xx, never sent).
    Nothing,
}

/// Azure's rule for an attempt that ended with `status` (`code` is the service's error code).
pub fn billing_of(status: Option<u16>, code: Option<&str>) -> Billing {
    match status {
        Some(200..=299) => Billing::Usage,
        Some(408) => Billing::Reservation,
        Some(400)
            if matches!(
                code,
                Some("content_filter" | "context_length_exceeded" | "string_above_max_length")
            ) =>
        {
            Billing::Prompt
        }
        _ => Billing::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn the_input_bound_is_at_least_the_billed_prompt() {
        // The emulator bills this prompt as 11 tokens (chat_azure_basic); the bound is the
        // JSON's bytes, well above it.
        let p = params(json!({
            "messages": [
                {"role": "system", "content": "You are a terse assistant."},
                {"role": "user", "content": "What is the capital of France?"}
            ],
            "max_tokens": 300,
            "temperature": 0.2
        }));
        let bound = input_bound(&p);
        assert!(bound >= 11, "{bound}");
        assert_eq!(
            bound,
            serde_json::to_vec(&p["messages"]).unwrap().len() as u64
        );
        assert_eq!(output_limit(&p), Some(300));
    }

    #[test]
    fn images_by_url_add_their_bound() {
        let p = params(json!({"messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png"}}
        ]}]}));
        assert!(input_bound(&p) > IMAGE_TOKEN_BOUND);
    }

    #[test]
    fn reservation_bounds_the_charge() {
        let prices = Prices::from_pricing(&Pricing {
            input: 0.15,
            cached_input: Some(0.075),
            output: 0.6,
        });
        let usage = Usage {
            input_tokens: 11,
            cached_input_tokens: 4,
            output_tokens: 8,
            reasoning_tokens: 3,
            total_tokens: 19,
        };
        // 7 * 150 + 4 * 75 + 8 * 600 (n$) = 1,050 + 300 + 4,800.
        assert_eq!(prices.charge(&usage), Nanos(6_150));
        assert!(prices.reservation(11, 8) >= prices.charge(&usage));
        assert_eq!(prices.reservation(11, 8), Nanos(6_450));
    }

    #[test]
    fn azure_billing_rules() {
        assert_eq!(billing_of(Some(200), None), Billing::Usage);
        assert_eq!(
            billing_of(Some(400), Some("content_filter")),
            Billing::Prompt
        );
        assert_eq!(
            billing_of(Some(400), Some("context_length_exceeded")),
            Billing::Prompt
        );
        assert_eq!(
            billing_of(Some(400), Some("invalid_value")),
            Billing::Nothing
        );
        assert_eq!(billing_of(Some(408), None), Billing::Reservation);
        for unbilled in [401, 403, 404, 429, 500, 503] {
            assert_eq!(
                billing_of(Some(unbilled), None),
                Billing::Nothing,
                "{unbilled}"
            );
        }
        assert_eq!(billing_of(None, None), Billing::Nothing);
    }
}
