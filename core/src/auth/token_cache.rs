//! One cached bearer token per credential, refreshed ahead of expiry by a single fetch that
//! every concurrent caller shares (FOUNDRY.md: "once for all concurrent callers").

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt, Shared};
use reqwest::header::HeaderValue;

use crate::{Error, Result};

/// Refresh this long before expiry when the token lives long enough for it.
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// A token may still be sent this close to its expiry while a refresh is under way.
const MAX_USABLE_SKEW: Duration = Duration::from_secs(30);
/// Entra tokens live about an hour; anything claiming more is capped so that a bogus
/// `expires_on` cannot pin a token forever (or overflow `Instant`).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A token as a credential returns it.
pub(crate) struct FetchedToken {
    pub value: String,
    /// Time left until the token expires, as reported by the token endpoint.
    pub expires_in: Duration,
}

/// Fetches one new token; shared by every caller waiting on it.
pub(crate) type TokenFetch = BoxFuture<'static, Result<FetchedToken>>;

struct CachedToken {
    header: HeaderValue,
    /// After this the next caller starts a refresh.
    refresh_at: Instant,
    /// Until this the token may still be sent while a refresh runs or after a refresh failed.
    usable_until: Instant,
}

impl CachedToken {
    fn new(fetched: FetchedToken) -> Result<CachedToken> {
        let mut header =
            HeaderValue::try_from(format!("Bearer {}", fetched.value)).map_err(|_| {
                Error::new(
                    crate::ErrorKind::Credential,
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
            refresh_at: obtained + refresh_after,
            usable_until: obtained + usable_for,
        })
    }
}

#[derive(Default)]
struct State {
    token: Option<Arc<CachedToken>>,
    /// The fetch under way, if any; joined by every caller that needs a new token.
    in_flight: Option<Shared<BoxFuture<'static, Result<Arc<CachedToken>>>>>,
}

/// The token of one credential and the fetch that renews it.
#[derive(Default)]
pub(crate) struct TokenCache {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("TokenCache")
            .field("cached", &state.token.is_some())
            .field("fetching", &state.in_flight.is_some())
            .finish()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state stays consistent even if a holder panicked: every write is a single assignment.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TokenCache {
    /// The `Authorization` value to send now (marked sensitive). Fetches through `fetch` only
    /// when the cached token is due for refresh, missing, or `force` is set; concurrent callers
    /// join the fetch already under way instead of starting their own.
    pub(crate) async fn bearer(
        &self,
        force: bool,
        fetch: impl FnOnce() -> TokenFetch,
    ) -> Result<HeaderValue> {
        let (shared, fallback) = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            let cached = state.token.clone();
            if let Some(token) = cached.as_ref().filter(|t| !force && now < t.refresh_at) {
                return Ok(token.header.clone());
            }
            let usable = cached.filter(|t| !force && now < t.usable_until);
            match (&state.in_flight, &usable) {
                // A refresh is already running and the current token is still good: send it
                // rather than queue behind the token endpoint.
                (Some(_), Some(token)) => return Ok(token.header.clone()),
                (Some(in_flight), None) => (in_flight.clone(), None),
                (None, _) => {
                    let shared = self.start_fetch(fetch());
                    state.in_flight = Some(shared.clone());
                    (shared, usable)
                }
            }
        };
        match shared.await {
            Ok(token) => Ok(token.header.clone()),
            Err(error) => match fallback {
                // A failed early refresh is not fatal while the old token is still valid.
                Some(token) if Instant::now() < token.usable_until => {
                    tracing::warn!(error = %error, "token refresh failed; using the cached token until it expires");
                    Ok(token.header.clone())
                }
                _ => Err(error),
            },
        }
    }

    fn start_fetch(
        &self,
        fetch: TokenFetch,
    ) -> Shared<BoxFuture<'static, Result<Arc<CachedToken>>>> {
        let state = Arc::clone(&self.state);
        // The fetch records its own outcome, so the cache is updated exactly once whichever
        // waiter drives it to completion.
        async move {
            let outcome = fetch.await.and_then(CachedToken::new).map(Arc::new);
            let mut state = lock(&state);
            state.in_flight = None;
            if let Ok(token) = &outcome {
                state.token = Some(Arc::clone(token));
            }
            outcome
        }
        .boxed()
        .shared()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting_fetch(count: &Arc<AtomicUsize>, ttl: Duration) -> impl FnOnce() -> TokenFetch {
        let count = Arc::clone(count);
        move || {
            async move {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                // Let every concurrent caller arrive while the fetch is pending.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(FetchedToken {
                    value: format!("token-{n}"),
                    expires_in: ttl,
                })
            }
            .boxed()
        }
    }

    fn failing_fetch(count: &Arc<AtomicUsize>) -> impl FnOnce() -> TokenFetch {
        let count = Arc::clone(count);
        move || {
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(Error::new(
                    crate::ErrorKind::Credential,
                    "token endpoint down",
                ))
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let count = Arc::new(AtomicUsize::new(0));
        let calls = (0..200).map(|_| {
            let cache = Arc::clone(&cache);
            let fetch = counting_fetch(&count, Duration::from_secs(3600));
            tokio::spawn(async move { cache.bearer(false, fetch).await })
        });
        for call in futures_util::future::join_all(calls).await {
            let header = call.expect("task").expect("token");
            assert_eq!(header.to_str().expect("ascii"), "Bearer token-1");
            assert!(header.is_sensitive());
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
        cache
            .bearer(false, counting_fetch(&count, Duration::from_secs(3600)))
            .await
            .expect("token");
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "a fresh token is served from the cache"
        );
    }

    #[tokio::test]
    async fn concurrent_forced_refreshes_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let count = Arc::new(AtomicUsize::new(0));
        cache
            .bearer(false, counting_fetch(&count, Duration::from_secs(3600)))
            .await
            .expect("token");
        let calls = (0..50).map(|_| {
            let cache = Arc::clone(&cache);
            let fetch = counting_fetch(&count, Duration::from_secs(3600));
            tokio::spawn(async move { cache.bearer(true, fetch).await })
        });
        for call in futures_util::future::join_all(calls).await {
            let header = call.expect("task").expect("token");
            assert_eq!(header.to_str().expect("ascii"), "Bearer token-2");
        }
        assert_eq!(count.load(Ordering::SeqCst), 2);
        let header = cache
            .bearer(false, counting_fetch(&count, Duration::from_secs(3600)))
            .await;
        assert_eq!(
            header.expect("token").to_str().expect("ascii"),
            "Bearer token-2"
        );
    }

    #[tokio::test]
    async fn short_tokens_refresh_at_half_their_lifetime() {
        let cache = TokenCache::default();
        let count = Arc::new(AtomicUsize::new(0));
        let ttl = Duration::from_millis(600);
        cache
            .bearer(false, counting_fetch(&count, ttl))
            .await
            .expect("token");
        cache
            .bearer(false, counting_fetch(&count, ttl))
            .await
            .expect("token");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let header = cache
            .bearer(false, counting_fetch(&count, ttl))
            .await
            .expect("token");
        assert_eq!(header.to_str().expect("ascii"), "Bearer token-2");
    }

    #[tokio::test]
    async fn long_tokens_refresh_five_minutes_before_expiry() {
        let token = CachedToken::new(FetchedToken {
            value: "t".into(),
            expires_in: Duration::from_secs(3600),
        })
        .expect("token");
        let refresh_in = token.refresh_at - Instant::now();
        assert!(refresh_in <= Duration::from_secs(3300) && refresh_in > Duration::from_secs(3290));
        assert!(token.usable_until > token.refresh_at);
    }

    #[tokio::test]
    async fn absurd_lifetimes_neither_panic_nor_pin_the_token() {
        let token = CachedToken::new(FetchedToken {
            value: "t".into(),
            expires_in: Duration::MAX,
        })
        .expect("token");
        assert!(token.refresh_at - Instant::now() <= MAX_LIFETIME);
        let expired = CachedToken::new(FetchedToken {
            value: "t".into(),
            expires_in: Duration::ZERO,
        })
        .expect("token");
        assert!(expired.refresh_at <= Instant::now());
    }

    #[tokio::test]
    async fn a_failure_is_shared_and_not_cached() {
        let cache = Arc::new(TokenCache::default());
        let count = Arc::new(AtomicUsize::new(0));
        let calls = (0..20).map(|_| {
            let cache = Arc::clone(&cache);
            let fetch = failing_fetch(&count);
            tokio::spawn(async move { cache.bearer(false, fetch).await })
        });
        for call in futures_util::future::join_all(calls).await {
            assert!(call.expect("task").is_err());
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "concurrent callers share one failed fetch"
        );
        let header = cache
            .bearer(false, counting_fetch(&count, Duration::from_secs(60)))
            .await;
        assert!(header.is_ok(), "the next call tries again");
    }

    #[tokio::test]
    async fn a_failed_early_refresh_keeps_the_valid_token() {
        let cache = TokenCache::default();
        let count = Arc::new(AtomicUsize::new(0));
        cache
            .bearer(false, counting_fetch(&count, Duration::from_millis(400)))
            .await
            .expect("token");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let header = cache
            .bearer(false, failing_fetch(&count))
            .await
            .expect("cached token");
        assert_eq!(header.to_str().expect("ascii"), "Bearer token-1");
        let forced = cache.bearer(true, failing_fetch(&count)).await;
        assert!(
            forced.is_err(),
            "a forced refresh never falls back to the refused token"
        );
    }

    #[tokio::test]
    async fn a_token_that_is_not_a_header_value_is_an_error() {
        let cache = TokenCache::default();
        let fetch = || {
            async {
                Ok(FetchedToken {
                    value: "bad\ntoken".into(),
                    expires_in: Duration::from_secs(60),
                })
            }
            .boxed()
        };
        let error = cache
            .bearer(false, fetch)
            .await
            .expect_err("invalid header");
        assert_eq!(error.kind(), crate::ErrorKind::Credential);
        assert!(!format!("{error:?}").contains("bad\ntoken"));
    }
}
