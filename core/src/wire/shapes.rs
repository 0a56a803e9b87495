//! Building blocks for typed parses of service JSON that must agree exactly with the
//! defensive `Value` readers they speed up: a typed parse either reads a field the way the
//! `Value` reader would, or fails, and its caller then takes the `Value` path. So every type
//! here refuses what it cannot read the same way (an array where an object belongs, a
//! repeated key) rather than guess.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A JSON object read into `T` (a derived struct). Derived structs also accept a JSON array
/// (its items as the fields in order), which a `Value` reader sees as no fields at all:
/// `Obj` accepts objects only.
pub(crate) struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectOnly<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(ObjectOnly(PhantomData))
    }
}

/// A field that may be absent, `null`, or a value: `Value::get` tells the first two apart
/// (`Some(Null)` is not `None`), and some readers do too. Use with `#[serde(default)]`.
#[derive(Default)]
pub(crate) enum Slot<T> {
    #[default]
    Absent,
    Null,
    Given(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => Slot::Null,
            Some(v) => Slot::Given(v),
        })
    }
}

/// Whether a key is there at all, whatever its value (`null` included). Use with
/// `#[serde(default)]`.
#[derive(Default)]
pub(crate) struct Seen(pub bool);

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Seen(true))
    }
}

/// A string borrowed from the JSON text when it holds no escape, owned otherwise. (serde's
/// own `Option<Cow<str>>` always copies.)
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Chars<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Chars<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(Chars(PhantomData))
    }
}

/// A JSON object's entries in key order, as a `serde_json::Map` (a `BTreeMap`) iterates
/// them; a repeated key (the map keeps the last) is refused. The keys are `K` (by default a
/// `String`), compared as `K` orders them: a key type must order as its text does.
pub(crate) struct SortedEntries<T, K = String>(pub Vec<(K, T)>);

impl<'de, T: Deserialize<'de>, K: Deserialize<'de> + Ord> Deserialize<'de> for SortedEntries<T, K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<T, K>(PhantomData<(T, K)>);
        impl<'de, T: Deserialize<'de>, K: Deserialize<'de> + Ord> Visitor<'de> for Entries<T, K> {
            type Value = SortedEntries<T, K>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(K, T)> = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<K, T>()? {
                    entries.push(entry);
                }
                // Azure writes the categories sorted already: usually no work.
                if !entries.is_sorted_by(|a, b| a.0 < b.0) {
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    if entries.windows(2).any(|w| w[0].0 == w[1].0) {
                        return Err(serde::de::Error::custom("a key is repeated"));
                    }
                }
                Ok(SortedEntries(entries))
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

/// A JSON string read through a vocabulary (`name`, as in `normalize::verdict_names`): a
/// known word becomes its `'static` copy without allocating, whether or not the text could
/// be borrowed (an escaped string cannot); another word is owned. Anything but a string is
/// refused, as a `Value` reader's `as_str` would not take it either.
pub(crate) fn named<'de, D: Deserializer<'de>>(
    d: D,
    name: fn(&str) -> Cow<'static, str>,
) -> Result<Cow<'static, str>, D::Error> {
    struct Named(fn(&str) -> Cow<'static, str>);
    impl Visitor<'_> for Named {
        type Value = Cow<'static, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok((self.0)(s))
        }
    }
    d.deserialize_str(Named(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        a: Slot<u64>,
        #[serde(default)]
        b: Seen,
    }

    #[test]
    fn obj_refuses_arrays_that_derive_would_take() {
        assert!(serde_json::from_str::<Obj<Probe>>("[1]").is_err());
        let Obj(p) = serde_json::from_str::<Obj<Probe>>(r#"{"a": null, "b": null}"#).unwrap();
        assert!(matches!(p.a, Slot::Null));
        assert!(p.b.0);
        let Obj(p) = serde_json::from_str::<Obj<Probe>>(r#"{"a": 3}"#).unwrap();
        assert!(matches!(p.a, Slot::Given(3)));
        assert!(!p.b.0);
        let Obj(p) = serde_json::from_str::<Obj<Probe>>("{}").unwrap();
        assert!(matches!(p.a, Slot::Absent));
    }

    #[test]
    fn text_borrows_unless_escaped() {
        let Text(plain) = serde_json::from_str::<Text<'_>>(r#""plain""#).unwrap();
        assert!(matches!(plain, Cow::Borrowed("plain")));
        let Text(escaped) = serde_json::from_str::<Text<'_>>(r#""a\nb""#).unwrap();
        assert!(matches!(escaped, Cow::Owned(ref s) if s == "a\nb"));
        assert!(serde_json::from_str::<Text<'_>>("3").is_err());
    }

    #[test]
    fn entries_come_sorted_and_repeats_are_refused() {
        let SortedEntries(e) =
            serde_json::from_str::<SortedEntries<u8>>(r#"{"b": 1, "a": 2, "c": 3}"#).unwrap();
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(serde_json::from_str::<SortedEntries<u8>>(r#"{"b": 1, "a": 2, "b": 3}"#).is_err());
        assert!(serde_json::from_str::<SortedEntries<u8>>(r#"{"a": 1, "a": 2}"#).is_err());
        assert!(serde_json::from_str::<SortedEntries<u8>>("[]").is_err());
    }

    struct Severity(Cow<'static, str>);

    impl<'de> Deserialize<'de> for Severity {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            named(d, crate::normalize::verdict_names::severity).map(Severity)
        }
    }

    #[test]
    fn named_words_are_static_even_escaped_and_others_owned() {
        for text in [r#""high""#, r#""hi\u0067h""#] {
            let Severity(word) = serde_json::from_str(text).unwrap();
            assert!(matches!(word, Cow::Borrowed("high")), "{text}");
        }
        let Severity(word) = serde_json::from_str(r#""extreme""#).unwrap();
        assert!(matches!(word, Cow::Owned(ref s) if s == "extreme"));
        assert!(serde_json::from_str::<Severity>("3").is_err());
        assert!(serde_json::from_str::<Severity>("null").is_err());
    }
}
