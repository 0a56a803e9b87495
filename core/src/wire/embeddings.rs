//! Embeddings: the request body for `/embeddings` and the parsed answer.

use serde_json::Value;

use super::params::{kind_of, positive_int, with_extra_body};
use super::{parse_answer, str_field, url::body_carries_model};
use crate::config::Deployment;
use crate::normalize::token_count;
use crate::types::{Api, Embedding, EmbeddingsRequest, EmbeddingsResult, Usage};
use crate::{Error, ErrorKind, Result};

/// True for a token array: a non-empty list of non-negative integers.
fn is_tokens(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|t| t.as_u64().is_some())
}

fn check_input(input: Option<&Value>) -> Result<()> {
    let fix = "pass a non-empty string, a list of non-empty strings, or token arrays";
    match input {
        Some(Value::String(s)) if !s.is_empty() => Ok(()),
        Some(Value::Array(items)) if !items.is_empty() => {
            if is_tokens(items) {
                return Ok(());
            }
            for (i, item) in items.iter().enumerate() {
                let ok = match item {
                    Value::String(s) => !s.is_empty(),
                    other => other.as_array().is_some_and(|a| is_tokens(a)),
                };
                if !ok {
                    return Err(Error::invalid_request(format!(
                        "input[{i}] is {}: {fix}",
                        match item {
                            Value::String(_) => "an empty string".to_string(),
                            other => kind_of(other),
                        }
                    )));
                }
            }
            Ok(())
        }
        None | Some(Value::Null) => {
            Err(Error::invalid_request(format!("input is required: {fix}")))
        }
        Some(other) => Err(Error::invalid_request(format!(
            "input is {}: {fix}",
            match other {
                Value::String(_) => "an empty string".to_string(),
                Value::Array(_) => "an empty list".to_string(),
                other => kind_of(other),
            }
        ))),
    }
}

/// The JSON body of an embeddings call to `d`: `input` must be a non-empty string, a list of
/// non-empty strings, or token arrays; `dimensions` a positive integer. `extra_body` is
/// merged and `model` names the deployment where the route does not.
pub fn build_embeddings_body(d: &Deployment, req: &EmbeddingsRequest) -> Result<Value> {
    let mut body = with_extra_body(&req.params)?;
    check_input(body.get("input"))?;
    positive_int(&mut body, "dimensions")?;
    if body_carries_model(d, Api::Embeddings) {
        body.insert("model".to_string(), Value::String(d.deployment.clone()));
    } else {
        body.remove("model");
    }
    body.remove("stream");
    Ok(Value::Object(body))
}

/// Parses an embeddings answer: `data[].embedding` (floats, or base64 text when
/// `encoding_format: "base64"` was asked), `usage.prompt_tokens` / `total_tokens`, the
/// model and the raw JSON. No `data` list is an `InvalidResponse`.
pub fn parse_embeddings(bytes: &[u8]) -> Result<EmbeddingsResult> {
    let root = parse_answer(bytes, "embeddings")?;
    let Some(items) = root.get("data").and_then(Value::as_array) else {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            "the embeddings answer has no `data` list",
        ));
    };
    let mut data = Vec::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        let embedding = match item.get("embedding") {
            Some(v @ (Value::Array(_) | Value::String(_))) => v.clone(),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!("the embeddings answer's data[{position}] has no embedding (a list of floats or base64 text)"),
                ))
            }
        };
        let index = crate::normalize::index_or(item.get("index").and_then(Value::as_u64), position);
        data.push(Embedding { index, embedding });
    }
    let usage = root.get("usage");
    let input_tokens = usage
        .and_then(|u| u.get("prompt_tokens").or_else(|| u.get("input_tokens")))
        .and_then(token_count)
        .unwrap_or(0);
    let total_tokens = usage
        .and_then(|u| u.get("total_tokens"))
        .and_then(token_count)
        .unwrap_or(input_tokens);
    Ok(EmbeddingsResult {
        model: str_field(&root, "model"),
        data,
        usage: Usage {
            input_tokens,
            total_tokens,
            ..Usage::default()
        },
        raw: Value::Object(root),
        ..EmbeddingsResult::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shape;
    use crate::wire::url::tests::deployment;
    use serde_json::json;

    fn request(params: Value) -> EmbeddingsRequest {
        EmbeddingsRequest {
            model: "m".into(),
            params: params.as_object().cloned().unwrap_or_default(),
            ..EmbeddingsRequest::default()
        }
    }

    #[test]
    fn body_per_shape_and_validation() {
        let d = deployment(Shape::Azure, "https://r/", "emb");
        let body = build_embeddings_body(
            &d,
            &request(json!({"input": ["a", "b"], "dimensions": 256})),
        )
        .unwrap();
        assert_eq!(body, json!({"input": ["a", "b"], "dimensions": 256}));
        let d = deployment(Shape::Inference, "https://r/", "emb");
        let body = build_embeddings_body(&d, &request(json!({"input": [[1, 2], [3]]}))).unwrap();
        assert_eq!(body["model"], "emb");
        assert!(build_embeddings_body(&d, &request(json!({"input": [1, 2, 3]}))).is_ok());
        for (params, expected) in [
            (json!({}), "input is required"),
            (json!({"input": ""}), "input is an empty string"),
            (json!({"input": []}), "input is an empty list"),
            (json!({"input": ["a", ""]}), "input[1] is an empty string"),
            (json!({"input": ["a", 3]}), "input[1] is 3"),
            (json!({"input": 5}), "input is 5"),
            (
                json!({"input": "a", "dimensions": 0}),
                "dimensions must be a positive integer",
            ),
        ] {
            let err = build_embeddings_body(&d, &request(params)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
            assert!(err.message.contains(expected), "{}", err.message);
        }
    }

    #[test]
    fn parses_floats_and_base64() {
        let body = json!({"object": "list", "model": "text-embedding-3-small",
            "data": [{"object": "embedding", "index": 1, "embedding": "AAAA"}, {"index": 0, "embedding": [0.1, -0.2]}],
            "usage": {"prompt_tokens": 8, "total_tokens": 8}});
        let r = parse_embeddings(body.to_string().as_bytes()).unwrap();
        assert_eq!(r.model, "text-embedding-3-small");
        assert_eq!(
            r.data[0],
            Embedding {
                index: 1,
                embedding: json!("AAAA")
            }
        );
        assert_eq!(r.data[1].embedding, json!([0.1, -0.2]));
        assert_eq!((r.usage.input_tokens, r.usage.total_tokens), (8, 8));
    }

    #[test]
    fn hostile_answers() {
        for body in [
            &b""[..],
            b"{",
            b"[]",
            br#"{"data": null}"#,
            br#"{"data": [{"embedding": null}]}"#,
            br#"{"data": [1]}"#,
        ] {
            assert_eq!(
                parse_embeddings(body).unwrap_err().kind(),
                ErrorKind::InvalidResponse
            );
        }
        let r = parse_embeddings(br#"{"data": [], "usage": {"prompt_tokens": "x"}}"#).unwrap();
        assert_eq!(r.usage, Usage::default());
    }
}
