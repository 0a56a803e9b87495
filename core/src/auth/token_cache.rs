//! One cached bearer token per credential, refreshed ahead of expiry by a single fetch that
//! every concurrent caller shares (FOUNDRY.md: "once for all concurrent callers"). The same
//! cache holds an API key read from Key Vault ([`Held::VaultSecret`]): read again on an
//! interval, and after a 401 by one read for the whole burst of calls the key failed.
//!
//! The fetch runs as its own task under its own timeout (`defaults.token_fetch.timeout_secs`):
//! it always ends, and clears itself, even when every call waiting on it was cancelled or ran
//! out of time, so a hung identity endpoint cannot wedge the cache. A failure is remembered for
//! `failure_memory_ms` (or the endpoint's Retry-After, capped at `max_retry_after_secs`) so a
//! storm of callers does not hammer an identity endpoint that is already failing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use reqwest::header::HeaderValue;

use crate::config::TokenFetch;
use crate::{Error, ErrorKind, Result};

/// Refresh this long before expiry when the token lives long enough for it.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// A token may still be sent this close to its expiry while a refresh is under way.
const MAX_USABLE_SKEW: Duration = Duration::from_secs(30);
/// Entra tokens live about an hour; anything claiming more is capped so that a bogus
/// `expires_on` cannot pin a token forever (or overflow `Instant`).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A key read from Key Vault is still sent this long after its last read when the vault
/// cannot be read again: the service, not the vault, is the judge of a key (a refused key is
/// re-read at once), so an unreachable vault should not fail calls a working key would serve.
const STALE_SECRET_KEPT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// What a cache holds, which decides how it is sent and when it is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum Held {
    /// An Entra token: sent as `Bearer <token>`, renewed ahead of its expiry.
    #[default]
    EntraToken,
    /// An API key read from Key Vault: sent as it is (the caller puts it in its header), read
    /// again every `reread_every`. A read that finds the same value keeps its generation, so
    /// a 401 for a key the vault still holds is not answered by reading it again and again.
    VaultSecret { reread_every: Duration },
}

impl Held {
    /// What is fetched, for messages.
    fn what(self) -> &'static str {
        match self {
            Held::EntraToken => "an Entra token",
            Held::VaultSecret { .. } => "the Key Vault secret",
        }
    }

    /// Where it is fetched from, for messages.
    fn source(self) -> &'static str {
        match self {
            Held::EntraToken => "the identity endpoint",
            Held::VaultSecret { .. } => "Key Vault",
        }
    }
}

/// A token as a credential returns it.
pub(crate) struct FetchedToken {
    pub value: String,
    /// Time left until the token expires, as reported by the token endpoint.
    pub expires_in: Duration,
}

/// Fetches one new token; shared by every caller waiting on it.
pub(crate) type FetchFuture = BoxFuture<'static, Result<FetchedToken>>;

/// Which token a caller was given. A call that gets a 401 names it back, so the cache replaces
/// only the refused token, once, however many calls it failed at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenGeneration(u64);

/// The `Authorization` value to send (marked sensitive) and which token it is; for a vault
/// secret, the key itself.
pub(crate) struct Bearer {
    pub header: HeaderValue,
    pub generation: TokenGeneration,
}

/// What a caller asks of the cache for one attempt.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BearerRequest {
    /// The token the service just refused with a 401: a new one is fetched unless the cache
    /// already holds a newer one (another call refreshed it meanwhile).
    pub refused: Option<TokenGeneration>,
    /// Stop waiting for a fetch at this instant (the end of the caller's attempt, never past
    /// its call's deadline); the fetch itself goes on for the next caller.
    pub wait_until: Option<Instant>,
    /// When the refused value was sent: a read that finished after this already answered the
    /// refusal, and a newer read would find nothing newer (a burst of 401s causes one read).
    pub refused_sent_at: Option<Instant>,
}

/// `defaults.token_fetch` as durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FetchPolicy {
    pub timeout: Duration,
    pub failure_memory: Duration,
    pub max_retry_after: Duration,
}

impl FetchPolicy {
    /// The settings were range-checked at load; a value that still does not convert falls
    /// back to its default rather than panic.
    pub(crate) fn from_config(config: &TokenFetch) -> FetchPolicy {
        let defaults = TokenFetch::default();
        let secs = |value: f64, default: f64| {
            Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs_f64(default))
        };
        FetchPolicy {
            timeout: secs(config.timeout_secs, defaults.timeout_secs),
            failure_memory: Duration::from_millis(config.failure_memory_ms),
            max_retry_after: secs(config.max_retry_after_secs, defaults.max_retry_after_secs),
        }
    }
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy::from_config(&TokenFetch::default())
    }
}

struct CachedToken {
    header: HeaderValue,
    generation: TokenGeneration,
    /// When the fetch that produced (or, for a vault secret, confirmed) it ended.
    obtained: Instant,
    /// After this the next caller starts a refresh.
    refresh_at: Instant,
    /// Until this the token may still be sent while a refresh runs or after a refresh failed.
    usable_until: Instant,
}

impl CachedToken {
    fn holding(
        fetched: FetchedToken,
        generation: TokenGeneration,
        held: Held,
    ) -> Result<CachedToken> {
        match held {
            Held::EntraToken => CachedToken::new(fetched, generation),
            Held::VaultSecret { reread_every } => {
                // The error of `HeaderValue` parsing carries no text, so nothing of the key leaks.
                let mut header = HeaderValue::try_from(fetched.value).map_err(|_| {
                    Error::new(
                        ErrorKind::Credential,
                        "the Key Vault secret cannot be sent in an HTTP header (it holds a line break or another control character)",
                    )
                    .with_hint("store the API key alone in the secret, without quotes or a trailing newline (az keyvault secret set --value ...)")
                })?;
                header.set_sensitive(true);
                let obtained = Instant::now();
                Ok(CachedToken {
                    header,
                    generation,
                    obtained,
                    refresh_at: obtained + reread_every,
                    usable_until: obtained + STALE_SECRET_KEPT,
                })
            }
        }
    }

    fn new(fetched: FetchedToken, generation: TokenGeneration) -> Result<CachedToken> {
        let mut header =
            HeaderValue::try_from(format!("Bearer {}", fetched.value)).map_err(|_| {
                Error::new(
                    ErrorKind::Credential,
                    "the token endpoint returned a token that is not a valid HTTP header value",
                )
            })?;
        header.set_sensitive(true);
        let obtained = Instant::now();
        let lifetime = fetched.expires_in.min(MAX_LIFETIME);
        // Short tokens (tests, some managed identity endpoints) would never be fresh with a
        // 5 minute margin: refresh those at half their lifetime instead.
        let refresh_after = if lifetime > REFRESH_MARGIN * 2 {
            lifetime - REFRESH_MARGIN
        } else {
            lifetime / 2
        };
        let usable_for = lifetime - (lifetime / 10).min(MAX_USABLE_SKEW);
        Ok(CachedToken {
            header,
            generation,
            obtained,
            refresh_at: obtained + refresh_after,
            usable_until: obtained + usable_for,
        })
    }

    fn bearer(&self) -> Bearer {
        Bearer {
            header: self.header.clone(),
            generation: self.generation,
        }
    }
}

type Outcome = Result<Arc<CachedToken>>;

struct InFlight {
    id: u64,
    outcome: Shared<BoxFuture<'static, Outcome>>,
}

struct RememberedFailure {
    error: Error,
    failed_at: Instant,
    until: Instant,
}

#[derive(Default)]
struct State {
    token: Option<Arc<CachedToken>>,
    /// The fetch under way, if any; joined by every caller that needs a new token.
    in_flight: Option<InFlight>,
    /// The last fetch's failure while it is remembered.
    failure: Option<RememberedFailure>,
    /// Generations handed out so far: each stored token gets the next one.
    generations: u64,
}

/// The token of one credential and the fetch that renews it.
#[derive(Default)]
pub(crate) struct TokenCache {
    state: Arc<Mutex<State>>,
    policy: FetchPolicy,
    held: Held,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("TokenCache")
            .field("cached", &state.token.is_some())
            .field("fetching", &state.in_flight.is_some())
            .field("failure_remembered", &state.failure.is_some())
            .finish()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state stays consistent even if a holder panicked: every write is a single assignment.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

static FETCH_IDS: AtomicU64 = AtomicU64::new(0);

impl TokenCache {
    pub(crate) fn new(policy: FetchPolicy) -> TokenCache {
        TokenCache {
            state: Arc::default(),
            policy,
            held: Held::EntraToken,
        }
    }

    /// A cache of what `held` says (an Entra token, or a Key Vault secret).
    pub(crate) fn holding(policy: FetchPolicy, held: Held) -> TokenCache {
        TokenCache {
            held,
            ..TokenCache::new(policy)
        }
    }

    /// The token to send now. Fetches through `fetch` only when the cached token is due for
    /// refresh, missing, or the one `request.refused` names; concurrent callers join the fetch
    /// already under way instead of starting their own, and callers arriving while a failure
    /// is remembered get that failure at once. Waits at most until `request.wait_until`.
    pub(crate) async fn bearer(
        &self,
        request: BearerRequest,
        fetch: impl FnOnce() -> FetchFuture,
    ) -> Result<Bearer> {
        let (outcome, fallback) = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            let cached = state.token.clone();
            // Any token but the refused one is newer: another call already replaced it. The
            // refused one itself stands if it was (re)read after it was sent.
            let usable = |t: &&Arc<CachedToken>| {
                Some(t.generation) != request.refused
                    || request
                        .refused_sent_at
                        .is_some_and(|sent| t.obtained >= sent)
            };
            if let Some(token) = cached
                .as_ref()
                .filter(usable)
                .filter(|t| now < t.refresh_at)
            {
                return Ok(token.bearer());
            }
            let usable = cached
                .as_ref()
                .filter(usable)
                .filter(|t| now < t.usable_until)
                .cloned();
            match (&state.in_flight, usable) {
                // A refresh is already running and the current token is still good: send it
                // rather than queue behind the token endpoint.
                (Some(_), Some(token)) => return Ok(token.bearer()),
                (Some(in_flight), None) => (in_flight.outcome.clone(), None),
                (None, usable) => {
                    if let Some(error) = remembered(&state, now, self.held) {
                        return match usable {
                            Some(token) => Ok(token.bearer()),
                            None => Err(error),
                        };
                    }
                    let in_flight = self.start_fetch(fetch())?;
                    let outcome = in_flight.outcome.clone();
                    state.in_flight = Some(in_flight);
                    (outcome, usable)
                }
            }
        };
        let outcome = match request.wait_until {
            Some(until) => tokio::time::timeout_at(until.into(), outcome)
                .await
                .unwrap_or_else(|_| Err(wait_timeout(self.held))),
            None => outcome.await,
        };
        match outcome {
            Ok(token) => Ok(token.bearer()),
            Err(error) => match fallback {
                // A failed early refresh is not fatal while the old token is still valid.
                Some(token) if Instant::now() < token.usable_until => {
                    tracing::warn!(error = %error, what = self.held.what(), "refresh failed; using the cached value until it expires");
                    Ok(token.bearer())
                }
                _ => Err(error),
            },
        }
    }

    /// Runs `fetch` as a task of the current runtime, so it ends (success, failure or its own
    /// timeout) and records its outcome whether or not anyone still waits for it.
    fn start_fetch(&self, fetch: FetchFuture) -> Result<InFlight> {
        let held = self.held;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::Credential,
                format!(
                    "{} can only be fetched on a tokio runtime, and none is running",
                    held.what()
                ),
            )
            .with_hint(
                "call the client from async code on a tokio runtime (the bindings do this for you)",
            )
        })?;
        let id = FETCH_IDS.fetch_add(1, Ordering::Relaxed);
        let (state, policy) = (Arc::clone(&self.state), self.policy);
        let task = runtime.spawn(async move {
            let fetched = tokio::time::timeout(
                policy.timeout,
                std::panic::AssertUnwindSafe(fetch).catch_unwind(),
            )
            .await;
            let fetched = match fetched {
                Ok(Ok(fetched)) => fetched,
                Ok(Err(_panic)) => Err(Error::new(
                    ErrorKind::Credential,
                    format!(
                        "fetching {} failed unexpectedly (a bug in the credential; please report it)",
                        held.what()
                    ),
                )),
                Err(_elapsed) => Err(fetch_timeout(policy.timeout, held)),
            };
            record(&state, policy, held, id, fetched)
        });
        let state = Arc::clone(&self.state);
        let outcome = async move {
            task.await.unwrap_or_else(|_| {
                // Only a runtime shutting down cancels the task: clear it for the next one.
                let mut state = lock(&state);
                if state.in_flight.as_ref().is_some_and(|f| f.id == id) {
                    state.in_flight = None;
                }
                Err(Error::new(
                    ErrorKind::Credential,
                    format!(
                        "fetching {} was cancelled because the runtime is shutting down",
                        held.what()
                    ),
                ))
            })
        }
        .boxed()
        .shared();
        Ok(InFlight { id, outcome })
    }
}

/// Stores a fetch's outcome: the new token, or the failure to remember.
fn record(
    state: &Mutex<State>,
    policy: FetchPolicy,
    held: Held,
    id: u64,
    fetched: Result<FetchedToken>,
) -> Outcome {
    let mut state = lock(state);
    if state.in_flight.as_ref().is_some_and(|f| f.id == id) {
        state.in_flight = None;
    }
    let generation = TokenGeneration(state.generations + 1);
    match fetched.and_then(|f| CachedToken::holding(f, generation, held)) {
        Ok(mut token) => {
            let unchanged = state
                .token
                .as_ref()
                .filter(|old| old.header == token.header);
            match unchanged {
                // A vault secret read again and found unchanged is the same key.
                Some(old) if held != Held::EntraToken => token.generation = old.generation,
                _ => state.generations += 1,
            }
            let token = Arc::new(token);
            state.token = Some(Arc::clone(&token));
            state.failure = None;
            Ok(token)
        }
        Err(error) => {
            // A token endpoint's Retry-After is honoured, but never longer than the cap.
            let retry_after = error.retry_after.map(|r| r.min(policy.max_retry_after));
            let error = error.with_retry_after(retry_after);
            let memory = policy.failure_memory.max(retry_after.unwrap_or_default());
            let now = Instant::now();
            state.failure = now
                .checked_add(memory)
                .filter(|_| !memory.is_zero())
                .map(|until| RememberedFailure {
                    error: error.clone(),
                    failed_at: now,
                    until,
                });
            Err(error)
        }
    }
}

/// The remembered failure as the error a caller gets, while it is remembered.
fn remembered(state: &State, now: Instant, held: Held) -> Option<Error> {
    let failure = state.failure.as_ref().filter(|f| now < f.until)?;
    let ago = now.saturating_duration_since(failure.failed_at).as_millis();
    let left = failure.until.saturating_duration_since(now);
    let hint = format!(
        "{} failed {ago} ms ago and is asked again in {} ms \
         (defaults.token_fetch.failure_memory_ms, or its Retry-After): {}",
        held.source(),
        left.as_millis(),
        failure.error.hint
    );
    Some(
        failure
            .error
            .clone()
            .with_retry_after(Some(left))
            .with_hint(hint),
    )
}

fn fetch_timeout(timeout: Duration, held: Held) -> Error {
    let secs = timeout.as_secs_f64();
    let (message, hint) = match held {
        Held::EntraToken => (
            format!("no Entra token within {secs:.1}s: the identity endpoint did not answer (defaults.token_fetch.timeout_secs)"),
            "check that the identity endpoint (the authority host, IDENTITY_ENDPOINT) is reachable from here \
             (proxy, firewall, DNS); a slow but working one needs a larger defaults.token_fetch.timeout_secs",
        ),
        Held::VaultSecret { .. } => (
            format!("the Key Vault secret was not read within {secs:.1}s: the vault or the identity endpoint did not answer (defaults.token_fetch.timeout_secs)"),
            "check that the vault (https://<vault>.vault.azure.net) and the identity endpoint are reachable \
             from here (proxy, firewall, DNS, the vault's network rules)",
        ),
    };
    Error::new(ErrorKind::Credential, message).with_hint(hint)
}

fn wait_timeout(held: Held) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "the call ran out of time waiting for {}: {} has not answered yet",
            held.what(),
            held.source()
        ),
    )
    .with_hint(format!(
        "the fetch goes on (at most defaults.token_fetch.timeout_secs) and the next call uses what it gets; \
         check {}, or give the call more time (timeout_secs, deadline_secs)",
        held.source()
    ))
}

#[cfg(test)]
#[path = "token_cache_tests.rs"]
mod tests;
