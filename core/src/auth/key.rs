//! API-key headers: Azure's `api-key`, or `Authorization: Bearer` for OpenAI-shaped servers.

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::config::{Secret, Shape};
use crate::{Error, Result};

/// The header carrying `key` for an endpoint of this shape, its value marked sensitive.
pub(crate) fn api_key_header(shape: Shape, key: &Secret) -> Result<(HeaderName, HeaderValue)> {
    let (name, value) = match shape {
        Shape::Azure | Shape::V1 | Shape::Inference => (
            HeaderName::from_static("api-key"),
            HeaderValue::from_str(key.expose()),
        ),
        Shape::Openai => (
            AUTHORIZATION,
            HeaderValue::try_from(format!("Bearer {}", key.expose())),
        ),
    };
    // The error value of `HeaderValue` parsing carries no text, so nothing of the key leaks.
    let mut value = value.map_err(|_| {
        Error::config("the API key contains characters that cannot be sent in an HTTP header")
            .with_hint("check the key for stray newlines or quotes (copy it again from the portal or Key Vault)")
    })?;
    value.set_sensitive(true);
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-key-abc123-not-real";

    #[test]
    fn azure_shapes_use_the_api_key_header() {
        for shape in [Shape::Azure, Shape::V1, Shape::Inference] {
            let (name, value) = api_key_header(shape, &Secret::new(KEY)).expect("header");
            assert_eq!(name.as_str(), "api-key");
            assert_eq!(value.to_str().expect("ascii"), KEY);
            assert!(value.is_sensitive());
            assert!(!format!("{value:?}").contains(KEY));
        }
    }

    #[test]
    fn openai_shape_uses_a_bearer_header() {
        let (name, value) = api_key_header(Shape::Openai, &Secret::new(KEY)).expect("header");
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().expect("ascii"), format!("Bearer {KEY}"));
        assert!(value.is_sensitive());
    }

    #[test]
    fn a_key_with_a_newline_is_refused_without_echoing_it() {
        let key = "test-key-abc123\nnot-real";
        let error = api_key_header(Shape::Azure, &Secret::new(key)).expect_err("refused");
        assert_eq!(error.kind(), crate::ErrorKind::Config);
        let shown = format!("{error:?} {error}");
        assert!(!shown.contains("test-key-abc123"));
    }
}
