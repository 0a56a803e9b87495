//! The service's answer as received, parsed into a JSON tree only when someone reads it.
//!
//! A chat answer is normalized by a typed parse that skips what it does not need
//! (`wire::chat_typed`); building the whole `serde_json::Value` tree as well, on every call,
//! cost more than the normalizing itself and is wasted when the caller reads only the text.
//! So a result keeps the body's bytes (a reference-counted slice of the buffer the answer was
//! read into: no copy) and builds the tree on first access. Everything that read `raw` as a
//! `Value` still does, through `Deref`; `Serialize`, `Debug`, `Display` and equality are the
//! tree's, so what a binding shows is unchanged.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A JSON answer: its bytes, and the tree built from them on first use.
#[derive(Clone, Default)]
pub struct RawJson {
    /// The body as received; empty when the value was given as a tree.
    bytes: Bytes,
    tree: OnceLock<Value>,
}

impl RawJson {
    /// An answer body already known to be valid JSON (a typed parse of it succeeded).
    pub fn from_bytes(bytes: Bytes) -> RawJson {
        RawJson {
            bytes,
            tree: OnceLock::new(),
        }
    }

    /// The tree, built now if it was not yet. A body that a typed parse accepted but that
    /// does not make a tree (a number beyond `f64` in a field the parse skipped) reads as
    /// `null`.
    pub fn value(&self) -> &Value {
        self.tree
            .get_or_init(|| serde_json::from_slice(&self.bytes).unwrap_or(Value::Null))
    }

    /// The tree if it is built already (given as a tree, or read since), without building it.
    pub fn tree(&self) -> Option<&Value> {
        self.tree.get()
    }

    /// The tree, owned.
    pub fn into_value(self) -> Value {
        match self.tree.into_inner() {
            Some(v) => v,
            None => serde_json::from_slice(&self.bytes).unwrap_or(Value::Null),
        }
    }

    /// The body as received, when the value came from one (not from a tree).
    pub fn bytes(&self) -> Option<&[u8]> {
        (!self.bytes.is_empty()).then_some(&self.bytes[..])
    }
}

impl From<Value> for RawJson {
    fn from(v: Value) -> RawJson {
        RawJson {
            bytes: Bytes::new(),
            tree: OnceLock::from(v),
        }
    }
}

impl Deref for RawJson {
    type Target = Value;

    fn deref(&self) -> &Value {
        self.value()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.value(), f)
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.value(), f)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.value() == other.value()
    }
}

impl PartialEq<Value> for RawJson {
    fn eq(&self, other: &Value) -> bool {
        self.value() == other
    }
}

impl PartialEq<RawJson> for Value {
    fn eq(&self, other: &RawJson) -> bool {
        self == other.value()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawJson, D::Error> {
        Value::deserialize(d).map(RawJson::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_as_the_tree_of_its_bytes() {
        let raw = RawJson::from_bytes(Bytes::from_static(br#"{"b": [1, 2], "a": "x"}"#));
        assert_eq!(raw["a"], "x");
        assert_eq!(raw, json!({"a": "x", "b": [1, 2]}));
        assert_eq!(json!({"a": "x", "b": [1, 2]}), raw);
        assert_eq!(raw.to_string(), r#"{"a":"x","b":[1,2]}"#);
        assert_eq!(
            format!("{raw:?}"),
            format!("{:?}", json!({"a": "x", "b": [1, 2]}))
        );
        assert_eq!(
            serde_json::to_value(&raw).unwrap(),
            json!({"a": "x", "b": [1, 2]})
        );
        assert_eq!(raw.clone().into_value(), json!({"a": "x", "b": [1, 2]}));
        assert!(raw.bytes().is_some());
    }

    #[test]
    fn a_tree_given_is_kept() {
        let raw = RawJson::from(json!({"a": 1}));
        assert_eq!(raw.bytes(), None);
        assert_eq!(raw.clone().into_value(), json!({"a": 1}));
        assert_eq!(RawJson::default(), Value::Null);
    }

    #[test]
    fn a_body_that_makes_no_tree_reads_as_null() {
        let raw = RawJson::from_bytes(Bytes::from_static(br#"{"x": 1e999}"#));
        assert_eq!(*raw, Value::Null);
    }

    #[test]
    fn round_trips_through_serde() {
        let raw: RawJson = serde_json::from_str(r#"{"k": [true, null]}"#).unwrap();
        assert_eq!(serde_json::to_string(&raw).unwrap(), r#"{"k":[true,null]}"#);
    }
}
