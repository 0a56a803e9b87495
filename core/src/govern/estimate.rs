//! What a call may cost before it is sent (its reservation), and what it did cost after (its
//! charge), under Azure's billing rules: 200, 400 content-filter / input-limit and 408 are
//! billed; 401, 403, 404, 429 and 5xx are not.
//!
//! The bound on input tokens is the UTF-8 byte length of the request's JSON (messages, input,
//! instructions, tools, ...): a byte-level BPE tokenizer never makes more tokens than bytes, and
//! the JSON punctuation around each message outweighs the few tokens of its role markers. An
//! image given by URL is short text but costs tokens: each one adds [`IMAGE_TOKEN_BOUND`].

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::money::{Nanos, TokenPrice};
use crate::config::Pricing;
use crate::types::Usage;

/// The most input tokens one image part can cost (a high-detail image of the largest size on
/// the gpt-4o / gpt-5 tiling is about 6,000).
pub const IMAGE_TOKEN_BOUND: u64 = 8_000;

/// Whether a request parameter carries no prompt text (everything else is counted).
fn is_not_prompt(name: &str) -> bool {
    matches!(
        name,
        "max_tokens"
            | "max_completion_tokens"
            | "max_output_tokens"
            | "temperature"
            | "top_p"
            | "n"
            | "stream"
            | "stream_options"
            | "seed"
            | "user"
            | "priority"
    )
}

/// The output limit the request names (`max_tokens`, `max_completion_tokens`,
/// `max_output_tokens`), if any.
pub fn output_limit(params: &Map<String, Value>) -> Option<u64> {
    ["max_completion_tokens", "max_tokens", "max_output_tokens"]
        .iter()
        .find_map(|k| params.get(*k).and_then(Value::as_u64))
}

/// An upper bound of the input tokens `params` can be billed for: the compact JSON length of
/// its prompt fields, plus [`IMAGE_TOKEN_BOUND`] per image part. Measured in one walk of the
/// tree, without writing the JSON out (serializing it was a sixth of a governed call's cost).
pub fn input_bound(params: &Map<String, Value>) -> u64 {
    let mut size = JsonSize::default();
    for (name, value) in params {
        if !is_not_prompt(name) {
            size.add(value);
        }
    }
    size.bytes
        .saturating_add(size.images.saturating_mul(IMAGE_TOKEN_BOUND))
}

/// Counts what is written to it.
struct Counter(u64);

impl std::fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len() as u64;
        Ok(())
    }
}

/// The bytes `serde_json::to_vec` would write for the values added, and their image parts.
#[derive(Default)]
struct JsonSize {
    bytes: u64,
    images: u64,
}

impl JsonSize {
    fn add(&mut self, value: &Value) {
        match value {
            Value::Null | Value::Bool(true) => self.bytes += 4,
            Value::Bool(false) => self.bytes += 5,
            Value::Number(n) => {
                let mut digits = Counter(0);
                // Writing to a counter cannot fail.
                let _ = write!(digits, "{n}");
                self.bytes += digits.0;
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.bytes += 2 + items.len().saturating_sub(1) as u64;
                items.iter().for_each(|v| self.add(v));
            }
            Value::Object(map) => {
                self.bytes += 2 + map.len().saturating_sub(1) as u64;
                let image = matches!(
                    map.get("type").and_then(Value::as_str),
                    Some("image_url" | "input_image")
                );
                self.images += u64::from(image);
                for (key, v) in map {
                    self.string(key);
                    self.bytes += 1;
                    self.add(v);
                }
            }
        }
    }

    /// A quoted string with serde_json's escapes: `"` and `\` take two bytes, as do the five
    /// control characters with a short form; the other control characters take six (`\u00XX`).
    fn string(&mut self, s: &str) {
        self.bytes += 2 + s.len() as u64;
        // Most prompt text has nothing to escape: one branch-free count settles it.
        let special = s
            .bytes()
            .filter(|&b| b < 0x20 || b == b'"' || b == b'\\')
            .count();
        if special == 0 {
            return;
        }
        self.bytes += s
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                0..=0x1f => 5,
                _ => 0,
            })
            .sum::<u64>();
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
    fn the_measured_size_is_the_serialized_size() {
        let mut rng = fastrand::Rng::with_seed(11);
        let text = |rng: &mut fastrand::Rng| -> String {
            let pool = [
                'a', 'é', '"', '\\', '\n', '\t', '\u{1}', '\u{1f}', '\u{7f}', '→', '😀', ' ', '/',
            ];
            (0..rng.usize(0..12))
                .map(|_| pool[rng.usize(..pool.len())])
                .collect()
        };
        fn value(
            rng: &mut fastrand::Rng,
            depth: u32,
            text: &dyn Fn(&mut fastrand::Rng) -> String,
        ) -> Value {
            match rng.u8(0..8) {
                0 => Value::Null,
                1 => Value::Bool(rng.bool()),
                2 => json!(rng.i64(..)),
                3 => json!(rng.f64() * 1e6 - 5e5),
                4 => json!(rng.u64(..)),
                5 if depth < 4 => Value::Array(
                    (0..rng.usize(0..4))
                        .map(|_| value(rng, depth + 1, text))
                        .collect(),
                ),
                6 if depth < 4 => Value::Object(
                    (0..rng.usize(0..4))
                        .map(|_| (text(rng), value(rng, depth + 1, text)))
                        .collect(),
                ),
                _ => Value::String(text(rng)),
            }
        }
        for _ in 0..2_000 {
            let v = value(&mut rng, 0, &text);
            let mut size = JsonSize::default();
            size.add(&v);
            assert_eq!(
                size.bytes,
                serde_json::to_vec(&v).unwrap().len() as u64,
                "{v}"
            );
        }
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
