//! The one map from core errors to Kotlin exceptions. `FoundryError` has one variant per core
//! kind, generated from the core's own list (`for_each_error_kind!`), plus `Internal` for a
//! caught panic; uniffi-bindgen turns it into the sealed `FoundryException` hierarchy, so a kind
//! added to the core gets its Kotlin class with no edit here.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use foundry_client::{Error, ErrorKind};

use crate::results::{Attempt, ContentFilterReport};

/// Everything known about a failure (the core's `ErrorDetails` in Kotlin's types). Its
/// `toString()` is the core's sentence: kind, status, deployment, message and hint.
#[derive(Debug, Clone, uniffi::Record)]
#[uniffi::export(Display)]
pub struct ErrorInfo {
    /// The core's stable snake_case name of the kind (`rate_limit`, ...; `internal` for a bug).
    pub kind_name: String,
    pub message: String,
    /// What the caller should do about it.
    pub hint: String,
    /// HTTP status, when the service answered.
    pub status: Option<i32>,
    /// The service's own error code (`content_filter`, `DeploymentNotFound`, `429`, ...).
    pub code: Option<String>,
    pub deployment: Option<String>,
    pub request_id: Option<String>,
    pub retryable: bool,
    /// The server's retry hint in milliseconds (rate limits).
    pub retry_after_ms: Option<i64>,
    /// Which content-filter categories fired.
    pub categories: Vec<String>,
    pub content_filter: Option<ContentFilterReport>,
    /// Every HTTP attempt made before giving up.
    pub attempts: Vec<Attempt>,
    /// The failure this error came from, outermost message first (Kotlin: the `cause` chain).
    pub causes: Vec<String>,
    /// The core's one-line description of the error (its `Display`), hint included.
    pub summary: String,
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)
    }
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            kind_name: e.kind().as_str().to_string(),
            message: e.message.clone(),
            hint: e.hint.clone(),
            status: e.status.map(i32::from),
            code: e.code.clone(),
            deployment: e.deployment.clone(),
            request_id: e.request_id.clone(),
            retryable: e.retryable,
            retry_after_ms: e
                .retry_after
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            categories: e
                .content_filter
                .as_ref()
                .map(|r| r.categories.iter().map(|c| c.to_string()).collect())
                .unwrap_or_default(),
            content_filter: e.content_filter.as_ref().map(ContentFilterReport::from),
            attempts: e.attempts.iter().map(Attempt::from).collect(),
            causes: e
                .cause
                .as_ref()
                .map(|c| c.messages().into_iter().map(str::to_string).collect())
                .unwrap_or_default(),
            summary: e.to_string(),
        }
    }
}

/// Declares `FoundryError` with one variant per kind of the core's list, and the table that
/// picks a variant by `ErrorKind::index()` (the same list, so it has no fallback arm).
macro_rules! foundry_error {
    ($($(#[doc = $doc:literal])* $kind:ident => $name:literal,)+) => {
        /// Every failure of a foundry-client call (Kotlin: the sealed `FoundryException`, one
        /// subclass per kind; `info` holds the details, the Kotlin extensions read it).
        #[derive(Debug, uniffi::Error)]
        pub enum FoundryError {
            $($(#[doc = $doc])* $kind { info: ErrorInfo },)+
            /// A bug in foundry-client (a Rust panic caught at the boundary): not retryable;
            /// please report it with its message.
            Internal { info: ErrorInfo },
        }

        /// The variant of each core kind, in `ErrorKind::ALL`'s order.
        const VARIANTS: &[fn(ErrorInfo) -> FoundryError] = &[$(|info| FoundryError::$kind { info },)+];

        impl FoundryError {
            fn info_ref(&self) -> &ErrorInfo {
                match self {
                    $(FoundryError::$kind { info } )|+ | FoundryError::Internal { info } => info,
                }
            }
        }
    };
}

foundry_client::for_each_error_kind!(foundry_error);

// The table and the core's list come from the same macro list; this makes it a compile error if
// they ever differ in length.
const _: () = assert!(VARIANTS.len() == ErrorKind::ALL.len());

impl std::fmt::Display for FoundryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.info_ref().summary)
    }
}

impl std::error::Error for FoundryError {}

impl From<Error> for FoundryError {
    fn from(e: Error) -> Self {
        VARIANTS[e.kind().index()](ErrorInfo::from(&e))
    }
}

#[uniffi::export]
impl FoundryError {
    /// Everything known about the failure (Kotlin: the `info` extension property). No IO.
    pub fn details(&self) -> ErrorInfo {
        self.info_ref().clone()
    }
}

/// The core's error kinds by name (`ErrorKind::ALL`), for the Kotlin test that each has its
/// own exception class. No IO.
#[uniffi::export]
pub fn error_kind_names() -> Vec<String> {
    ErrorKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect()
}

/// Test hook, not public API: the exception Kotlin sees for an error of kind `name` (`None` for
/// a name the core does not know). No IO.
#[uniffi::export]
pub fn debug_error_of_kind(name: String) -> Option<FoundryError> {
    ErrorKind::from_name(&name).map(|kind| Error::new(kind, format!("a {name} error")).into())
}

/// A panic caught at the boundary (a bug in this library), as `FoundryException.Internal`.
pub(crate) fn internal(panic: &(dyn Any + Send)) -> FoundryError {
    let message = foundry_client::panic::message(panic);
    let hint = foundry_client::panic::HINT;
    FoundryError::Internal {
        info: ErrorInfo {
            kind_name: "internal".into(),
            summary: format!("internal: {message}. Hint: {hint}"),
            message,
            hint: hint.into(),
            status: None,
            code: None,
            deployment: None,
            request_id: None,
            retryable: false,
            retry_after_ms: None,
            categories: Vec::new(),
            content_filter: None,
            attempts: Vec::new(),
            causes: Vec::new(),
        },
    }
}

/// Runs the body of a synchronous export: a panic becomes [`internal`] rather than UniFFI's
/// bare `InternalException`, which is no `FoundryException`.
pub(crate) fn caught<T>(body: impl FnOnce() -> Result<T, FoundryError>) -> Result<T, FoundryError> {
    std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(internal(&*p)))
}

/// A request refused by the binding before the core saw it (a malformed `paramsJson`, ...).
pub(crate) fn invalid_request(message: impl Into<String>) -> FoundryError {
    Error::invalid_request(message).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_its_own_variant_named_like_it() {
        let mut seen = std::collections::BTreeSet::new();
        for &kind in ErrorKind::ALL {
            let e = FoundryError::from(Error::new(kind, "x"));
            let variant = format!("{e:?}");
            let variant = variant.split_whitespace().next().unwrap_or_default();
            let camel: String = kind
                .as_str()
                .split('_')
                .map(|w| w[..1].to_uppercase() + &w[1..])
                .collect();
            assert_eq!(variant, camel, "{kind}");
            assert!(seen.insert(variant.to_string()), "{variant} twice");
            assert_eq!(e.details().kind_name, kind.as_str());
        }
    }

    #[test]
    fn a_panic_is_an_internal_error_and_the_cause_chain_is_kept() {
        let e = caught::<()>(|| panic!("boom")).unwrap_err();
        assert!(matches!(e, FoundryError::Internal { .. }));
        assert_eq!(
            e.details().message,
            "internal error in foundry-client: boom; please report it"
        );
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = FoundryError::from(Error::config("cannot read").with_source(&io));
        assert_eq!(e.details().causes, vec!["no such file".to_string()]);
    }
}
