//! Embeddings: a deterministic unit vector per input, from FNV-1a over the text and the
//! component index, so equal texts embed equally and tests can recompute any vector.

use serde_json::Value;

use crate::api::Ctx;
use crate::errors;
use crate::inference;
use crate::json::{j, obj, J};
use crate::reply::Reply;
use crate::routes::Shape;
use crate::text;

const EMBEDDING_PARAMS: &[&str] = &[
    "input",
    "model",
    "dimensions",
    "encoding_format",
    "input_type",
    "user",
];
pub const DEFAULT_DIMENSIONS: u64 = 8;

pub fn serve(ctx: &mut Ctx) -> Reply {
    match answer(ctx) {
        Ok(r) | Err(r) => r,
    }
}

fn answer(ctx: &mut Ctx) -> Result<Reply, Reply> {
    let body = ctx.object()?;
    let d = ctx.resolve(&body)?;
    if ctx.route.shape == Shape::Inference {
        inference::check_extra(ctx, &body, EMBEDDING_PARAMS)?;
    }
    let inputs = inputs(body.get("input"))?;
    let dims = match body.get("dimensions") {
        None | Some(Value::Null) => DEFAULT_DIMENSIONS,
        Some(v @ Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(x @ 1..=4096), _) => x,
            (Some(0), _) | (None, Some(_)) => return Err(errors::below_minimum("dimensions", 1, v)),
            (Some(_), _) => {
                return Err(errors::invalid_request(
                    &format!("Invalid 'dimensions': integer above maximum value. Expected a value <= 4096, but got {v} instead."),
                    Some("dimensions"),
                    Some("integer_above_max_value"),
                ))
            }
            _ => return Err(errors::invalid_type("dimensions", "an integer", v)),
        },
        Some(v) => return Err(errors::invalid_type("dimensions", "an integer", v)),
    };
    let base64 = match body.get("encoding_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "float" => false,
        Some(Value::String(s)) if s == "base64" => true,
        Some(v) => {
            return Err(errors::invalid_request(
                &format!("Invalid value for 'encoding_format': {v}. Supported values are: 'float' and 'base64'."),
                Some("encoding_format"),
                Some("invalid_value"),
            ))
        }
    };
    let words: u64 = inputs.iter().map(|(_, w)| *w).sum();
    ctx.admit(words)?;
    let data = inputs
        .iter()
        .enumerate()
        .map(|(i, (t, _))| {
            let v = vector(t, dims);
            let embedding = if base64 {
                j(encode_base64(&v))
            } else {
                J::F32s(v)
            };
            obj([
                ("object", j("embedding")),
                ("index", j(i)),
                ("embedding", embedding),
            ])
        })
        .collect();
    let body = obj([
        ("object", j("list")),
        ("data", J::Arr(data)),
        ("model", j(d.model.as_str())),
        (
            "usage",
            obj([("prompt_tokens", j(words)), ("total_tokens", j(words))]),
        ),
    ]);
    Ok(Reply::json(200, body.compact()))
}

/// Each input as text plus its token count: strings count words, token arrays count tokens.
fn inputs(input: Option<&Value>) -> Result<Vec<(String, u64)>, Reply> {
    let tokens = |a: &[Value]| -> Option<(String, u64)> {
        let ids: Option<Vec<String>> = a
            .iter()
            .map(|t| t.as_u64().map(|n| n.to_string()))
            .collect();
        ids.map(|ids| (ids.join(" "), ids.len() as u64))
    };
    let bad = |v: &Value| errors::invalid_type("input", "a string or an array of strings", v);
    match input {
        None | Some(Value::Null) => Err(errors::missing_parameter("input")),
        Some(Value::String(s)) => Ok(vec![(s.clone(), text::words(s))]),
        Some(Value::Array(a)) if a.is_empty() => Err(errors::invalid_request(
            "[] is too short - 'input'",
            Some("input"),
            None,
        )),
        Some(v @ Value::Array(a)) => {
            if a.iter().all(Value::is_number) {
                return tokens(a).map(|t| vec![t]).ok_or_else(|| bad(v));
            }
            a.iter()
                .map(|item| match item {
                    Value::String(s) => Some((s.clone(), text::words(s))),
                    Value::Array(ids) => tokens(ids),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad(v))
        }
        Some(v) => Err(bad(v)),
    }
}

/// FNV-1a of (text, component index) mapped to [-1, 1], then L2-normalised.
pub fn vector(text: &str, dims: u64) -> Vec<f32> {
    let raw: Vec<f64> = (0..dims)
        .map(|i| {
            let h = text::fnv1a(&[text.as_bytes(), &(i as u32).to_le_bytes()]);
            (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect();
    let norm = raw.iter().map(|x| x * x).sum::<f64>().sqrt();
    raw.iter()
        .map(|x| if norm > 0.0 { (x / norm) as f32 } else { 0.0 })
        .collect()
}

/// `encoding_format: base64`: the little-endian f32s, standard base64 with padding.
pub fn encode_base64(v: &[f32]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_unit_and_deterministic() {
        let a = vector("hello", 8);
        assert_eq!(a, vector("hello", 8));
        assert_ne!(a, vector("hellp", 8));
        let norm: f32 = a.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(encode_base64(&[1.0]), "AACAPw==");
        assert_eq!(encode_base64(&[1.0, 2.0]), "AACAPwAAAEA=");
    }
}
