//! The vectors' subset matcher (tests/conformance/README.md). Every binding has a copy of
//! these few rules in its own language.

use serde_json::Value;

/// Ok when `actual` satisfies `want`; Err names the first path that does not.
pub fn matches(want: &Value, actual: &Value) -> Result<(), String> {
    at(want, actual, "$")
}

fn at(want: &Value, actual: &Value, path: &str) -> Result<(), String> {
    let fail = || Err(format!("{path}: want {want}, got {actual}"));
    match want {
        Value::Object(w) if w.keys().any(|k| k.starts_with('$')) => {
            for (op, arg) in w {
                let ok = match op.as_str() {
                    "$contains" => actual
                        .as_str()
                        .zip(arg.as_str())
                        .is_some_and(|(a, s)| a.contains(s)),
                    "$gte" => actual
                        .as_f64()
                        .zip(arg.as_f64())
                        .is_some_and(|(a, b)| a >= b - 1e-9),
                    "$lte" => actual
                        .as_f64()
                        .zip(arg.as_f64())
                        .is_some_and(|(a, b)| a <= b + 1e-9),
                    "$absent" => actual.is_null(),
                    "$len" => {
                        let len = match actual {
                            Value::Array(a) => Some(a.len()),
                            Value::String(s) => Some(s.chars().count()),
                            _ => None,
                        };
                        len.zip(arg.as_u64()).is_some_and(|(l, n)| l as u64 == n)
                    }
                    _ => return Err(format!("{path}: unknown matcher {op}")),
                };
                if !ok {
                    return fail();
                }
            }
            Ok(())
        }
        Value::Object(w) => {
            for (key, sub) in w {
                let child = actual.get(key).unwrap_or(&Value::Null);
                if actual.get(key).is_none() && !(sub.is_null() || sub.get("$absent").is_some()) {
                    return Err(format!("{path}.{key}: missing (want {sub})"));
                }
                at(sub, child, &format!("{path}.{key}"))?;
            }
            Ok(())
        }
        Value::Array(w) => {
            let Some(a) = actual.as_array() else {
                return fail();
            };
            if a.len() != w.len() {
                return Err(format!(
                    "{path}: want {} items, got {}: {actual}",
                    w.len(),
                    a.len()
                ));
            }
            for (i, (ws, av)) in w.iter().zip(a).enumerate() {
                at(ws, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(n) => match (n.as_f64(), actual.as_f64()) {
            (Some(x), Some(y)) if (x - y).abs() <= 1e-9 => Ok(()),
            _ => fail(),
        },
        _ if want == actual => Ok(()),
        _ => fail(),
    }
}
