//! Every key the catalog file format accepts, as a path (`deployments[].pricing.cached_input`),
//! so that a binding's catalog builder can prove it reaches each one: its parity test walks
//! this list. The tests in `load.rs` and `governance.rs` compare it with the fields serde reads,
//! so a key added to the format without a line here fails them.

/// Both `defaults.auth` and `deployments[].auth` take these (`type` picks the variant).
macro_rules! auth_keys {
    ($prefix:literal) => {
        [
            concat!($prefix, ".type"),
            concat!($prefix, ".key"),
            concat!($prefix, ".env"),
            concat!($prefix, ".credential"),
            concat!($prefix, ".tenant_id"),
            concat!($prefix, ".client_id"),
            concat!($prefix, ".client_secret_env"),
            concat!($prefix, ".federated_token_file"),
            concat!($prefix, ".authority_host"),
            concat!($prefix, ".scope"),
            concat!($prefix, ".ca_file"),
            concat!($prefix, ".vault"),
            concat!($prefix, ".secret"),
            concat!($prefix, ".refresh_secs"),
        ]
    };
}

const DEFAULTS_AUTH: [&str; 14] = auth_keys!("defaults.auth");
const DEPLOYMENT_AUTH: [&str; 14] = auth_keys!("deployments[].auth");

const OTHER_KEYS: &[&str] = &[
    "defaults.endpoint",
    "defaults.shape",
    "defaults.api_version",
    "defaults.responses_api_version",
    "defaults.timeout_secs",
    "defaults.deadline_secs",
    "defaults.retry.max_retries",
    "defaults.retry.base_delay_ms",
    "defaults.retry.max_delay_ms",
    "defaults.retry.max_server_wait_ms",
    "defaults.headers",
    "defaults.extra_parameters",
    "defaults.limits.max_body_bytes",
    "defaults.limits.max_error_body_bytes",
    "defaults.limits.max_stream_bytes",
    "defaults.token_fetch.timeout_secs",
    "defaults.token_fetch.failure_memory_ms",
    "defaults.token_fetch.max_retry_after_secs",
    "defaults.retry_budget.enabled",
    "defaults.retry_budget.capacity",
    "defaults.retry_budget.retry_cost",
    "defaults.retry_budget.timeout_cost",
    "defaults.retry_budget.refill",
    "defaults.circuit_breaker.enabled",
    "defaults.circuit_breaker.failure_threshold",
    "defaults.circuit_breaker.cooldown_ms",
    "deployments[].name",
    "deployments[].deployment",
    "deployments[].model",
    "deployments[].endpoint",
    "deployments[].shape",
    "deployments[].api_version",
    "deployments[].responses_api_version",
    "deployments[].thinking",
    "deployments[].responses_only",
    "deployments[].max_tokens_param",
    "deployments[].min_max_tokens",
    "deployments[].extra_parameters",
    "deployments[].pricing.input",
    "deployments[].pricing.cached_input",
    "deployments[].pricing.output",
    "deployments[].tpm",
    "deployments[].rpm",
    "deployments[].tags",
    "deployments[].headers",
    "deployments[].retry_after_send",
    "routes[].name",
    "routes[].deployments",
    "routes[].fallback_on_content_filter",
    "governance.scope",
    "governance.ledger",
    "governance.store.type",
    "governance.store.path",
    "governance.store.url",
    "governance.store.prefix",
    "governance.store.lease_secs",
    "governance.store.on_unreachable",
    "governance.store.fleet_size",
    "governance.store.alert_webhook",
    "governance.output_bound",
    "governance.budgets[].scope",
    "governance.budgets[].window",
    "governance.budgets[].time_zone",
    "governance.budgets[].hard_usd",
    "governance.budgets[].soft",
    "governance.policies[].scope",
    "governance.policies[].approved",
    "governance.policies[].max_prompt_tokens",
    "governance.policies[].require_header",
    "governance.rate_limits",
    "governance.scopes[].name",
    "governance.scopes[].models",
    "governance.scopes[].budget.hard_usd",
    "governance.scopes[].budget.window",
    "governance.scopes[].budget.time_zone",
    "governance.scopes[].budget.soft",
    "governance.scopes[].rpm",
    "governance.scopes[].tpm",
    "governance.scopes[].tags",
    "governance.scopes[].key_alias",
    "governance.scopes[].max_budget",
    "governance.scopes[].soft_budget",
    "governance.scopes[].budget_duration",
    "governance.scopes[].rpm_limit",
    "governance.scopes[].tpm_limit",
];

/// Every key path of the native catalog format (not LiteLLM's `model_list`), leaves only: a
/// map of free names (`headers`, `tags`) is one leaf.
pub fn catalog_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = OTHER_KEYS.to_vec();
    keys.extend(DEFAULTS_AUTH);
    keys.extend(DEPLOYMENT_AUTH);
    keys
}

/// The field names serde reads for `T` (a struct), from the `deserialize_struct` call it makes.
#[cfg(test)]
pub(super) fn fields_of<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{Error, Visitor};

    struct Introspect<'a>(&'a mut &'static [&'static str]);

    impl<'de> serde::Deserializer<'de> for Introspect<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(Error::custom("introspected"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Introspect(&mut fields));
    fields
}

/// Asserts that the listed keys one level below `prefix` (`""`: the top) are exactly `fields`
/// (a field with keys below it counts as listed).
#[cfg(test)]
pub(super) fn assert_listed(prefix: &str, fields: &[&str]) {
    let keys = catalog_keys();
    let below: std::collections::BTreeSet<&str> = keys
        .iter()
        .filter_map(|k| match prefix {
            "" => Some(*k),
            _ => k.strip_prefix(prefix)?.strip_prefix('.'),
        })
        .map(|rest| {
            rest.split('.')
                .next()
                .unwrap_or(rest)
                .trim_end_matches("[]")
        })
        .collect();
    let fields: std::collections::BTreeSet<&str> = fields.iter().copied().collect();
    assert!(!fields.is_empty(), "{prefix}: serde reported no fields");
    assert_eq!(
        below, fields,
        "catalog_keys() under {prefix} vs the fields serde reads"
    );
}
