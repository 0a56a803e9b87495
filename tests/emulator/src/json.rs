//! JSON with keys in the order Azure writes them. `serde_json::Map` sorts keys (the workspace
//! does not enable `preserve_order`), but the recorded Responses bodies and error bodies are not
//! sorted, and clients are sometimes written against the recorded text.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An ordered JSON tree: objects keep insertion order; leaves are plain `serde_json` values.
#[derive(Clone, Debug)]
pub enum J {
    Val(Value),
    Obj(Vec<(&'static str, J)>),
    Arr(Vec<J>),
    /// Embedding vectors: serialized as f32 so they print like the service's floats.
    F32s(Vec<f32>),
}

/// A leaf.
pub fn j(v: impl Into<Value>) -> J {
    J::Val(v.into())
}

/// An object whose keys keep this order.
pub fn obj<const N: usize>(fields: [(&'static str, J); N]) -> J {
    J::Obj(fields.into())
}

pub fn null() -> J {
    J::Val(Value::Null)
}

impl J {
    pub fn compact(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Azure's Responses API and its v1 parameter errors answer pretty-printed JSON.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Sets (or appends) a key of an object; no-op on other kinds.
    pub fn set(&mut self, key: &'static str, value: J) {
        if let J::Obj(fields) = self {
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => fields.push((key, value)),
            }
        }
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Val(v) => v.serialize(s),
            J::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::F32s(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order() {
        let v = obj([("b", j(1)), ("a", j("x")), ("c", null())]);
        assert_eq!(v.compact(), r#"{"b":1,"a":"x","c":null}"#);
    }
}
