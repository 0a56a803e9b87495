//! The token cache on its own, with scripted fetches: sharing, refresh timing, the fetch
//! timeout, abandoned fetches, the failure memory, Retry-After and refused tokens.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const HOUR: Duration = Duration::from_secs(3600);
/// A bound for "did not hang", far above what any of these tests needs.
const HANG: Duration = Duration::from_secs(10);

fn policy(timeout_ms: u64, failure_memory_ms: u64, max_retry_after_ms: u64) -> FetchPolicy {
    FetchPolicy {
        timeout: Duration::from_millis(timeout_ms),
        failure_memory: Duration::from_millis(failure_memory_ms),
        max_retry_after: Duration::from_millis(max_retry_after_ms),
    }
}

fn plain() -> BearerRequest {
    BearerRequest::default()
}

fn refusing(generation: TokenGeneration) -> BearerRequest {
    BearerRequest {
        refused: Some(generation),
        wait_until: None,
        refused_sent_at: None,
    }
}

fn text(bearer: &Bearer) -> &str {
    bearer.header.to_str().expect("ascii")
}

fn counting_fetch(count: &Arc<AtomicUsize>, ttl: Duration) -> impl FnOnce() -> FetchFuture {
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

fn failing_fetch(
    count: &Arc<AtomicUsize>,
    retry_after: Option<Duration>,
) -> impl FnOnce() -> FetchFuture {
    let count = Arc::clone(count);
    move || {
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(Error::new(ErrorKind::Credential, "token endpoint down")
                .with_hint("check the endpoint")
                .with_retry_after(retry_after))
        }
        .boxed()
    }
}

/// A fetch that never answers, like a token endpoint that accepted the connection and hung.
fn hung_fetch(count: &Arc<AtomicUsize>) -> impl FnOnce() -> FetchFuture {
    let count = Arc::clone(count);
    move || {
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            futures_util::future::pending::<Result<FetchedToken>>().await
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
        let fetch = counting_fetch(&count, HOUR);
        tokio::spawn(async move { cache.bearer(plain(), fetch).await })
    });
    for call in futures_util::future::join_all(calls).await {
        let bearer = call.expect("task").expect("token");
        assert_eq!(text(&bearer), "Bearer token-1");
        assert!(bearer.header.is_sensitive());
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
    cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("token");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a fresh token is served from the cache"
    );
}

#[tokio::test]
async fn concurrent_401s_with_the_same_token_cause_one_refresh() {
    let cache = Arc::new(TokenCache::default());
    let count = Arc::new(AtomicUsize::new(0));
    let first = cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("token");
    let calls = (0..50).map(|_| {
        let cache = Arc::clone(&cache);
        let fetch = counting_fetch(&count, HOUR);
        let refused = first.generation;
        tokio::spawn(async move { cache.bearer(refusing(refused), fetch).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(text(&call.expect("task").expect("token")), "Bearer token-2");
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // Calls refused with the old token after the refresh finished just take the new one.
    for _ in 0..50 {
        let late = cache
            .bearer(refusing(first.generation), counting_fetch(&count, HOUR))
            .await
            .expect("token");
        assert_eq!(text(&late), "Bearer token-2");
        assert_ne!(late.generation, first.generation);
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        2,
        "a newer token than the refused one is used, not fetched again"
    );
    let second = cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("token");
    let third = cache
        .bearer(refusing(second.generation), counting_fetch(&count, HOUR))
        .await
        .expect("token");
    assert_eq!(
        text(&third),
        "Bearer token-3",
        "the current token refused: refetched"
    );
}

#[tokio::test]
async fn a_hung_fetch_ends_at_its_timeout_and_the_next_caller_fetches_afresh() {
    let cache = Arc::new(TokenCache::new(policy(300, 0, 1_000)));
    let count = Arc::new(AtomicUsize::new(0));
    // A call with 50 ms left gives up then, with a timeout naming the wait for a token.
    let started = Instant::now();
    let request = BearerRequest {
        refused: None,
        wait_until: Some(started + Duration::from_millis(50)),
        refused_sent_at: None,
    };
    let error = tokio::time::timeout(HANG, cache.bearer(request, hung_fetch(&count)))
        .await
        .expect("the caller's deadline bounds its wait")
        .err()
        .expect("no token");
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.message.contains("Entra token"), "{}", error.message);
    assert!(started.elapsed() < HANG);
    // A caller without a deadline that joins the hung fetch gets the fetch's own timeout.
    let error = tokio::time::timeout(HANG, cache.bearer(plain(), hung_fetch(&count)))
        .await
        .expect("the fetch timeout bounds the wait")
        .err()
        .expect("no token");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(error.message.contains("timeout_secs"), "{}", error.message);
    assert_eq!(count.load(Ordering::SeqCst), 1, "both joined one fetch");
    let bearer = tokio::time::timeout(HANG, cache.bearer(plain(), counting_fetch(&count, HOUR)))
        .await
        .expect("a fresh fetch, not the hung one")
        .expect("token");
    assert_eq!(text(&bearer), "Bearer token-2");
}

#[tokio::test]
async fn a_fetch_abandoned_by_every_waiter_completes_and_clears_itself() {
    let cache = Arc::new(TokenCache::default());
    let count = Arc::new(AtomicUsize::new(0));
    let waiter = {
        let (cache, fetch) = (Arc::clone(&cache), counting_fetch(&count, HOUR));
        tokio::spawn(async move { cache.bearer(plain(), fetch).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    waiter.abort();
    assert!(waiter.await.is_err(), "the only waiter was cancelled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        format!("{cache:?}"),
        "TokenCache { cached: true, fetching: false, failure_remembered: false }",
        "the fetch ran to its end without anyone waiting"
    );
    let bearer = tokio::time::timeout(HANG, cache.bearer(plain(), counting_fetch(&count, HOUR)))
        .await
        .expect("not hung")
        .expect("token");
    assert_eq!(text(&bearer), "Bearer token-1");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failure_is_remembered_so_a_storm_makes_one_fetch() {
    let cache = Arc::new(TokenCache::new(policy(5_000, 1_500, 30_000)));
    let count = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let concurrent = (0..50).map(|_| {
        let cache = Arc::clone(&cache);
        let fetch = failing_fetch(&count, None);
        tokio::spawn(async move { cache.bearer(plain(), fetch).await })
    });
    for call in futures_util::future::join_all(concurrent).await {
        let error = call.expect("task").err().expect("failure");
        assert_eq!(error.kind(), ErrorKind::Credential);
    }
    for _ in 0..50 {
        let error = cache
            .bearer(plain(), failing_fetch(&count, None))
            .await
            .err()
            .expect("remembered failure");
        assert_eq!(error.message, "token endpoint down");
        assert!(error.hint.contains("ms ago"), "{}", error.hint);
        assert!(error.hint.contains("check the endpoint"), "{}", error.hint);
    }
    // Only meaningful while the memory lasts; a very slow machine makes this check vacuous.
    if started.elapsed() < Duration::from_millis(1_400) {
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "100 callers within the memory: one fetch"
        );
    }
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let bearer = cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("asked again after the memory");
    assert!(text(&bearer).starts_with("Bearer token-"));
    assert!(format!("{cache:?}").contains("failure_remembered: false"));
}

#[tokio::test]
async fn without_failure_memory_the_next_caller_tries_again() {
    let cache = TokenCache::new(policy(5_000, 0, 30_000));
    let count = Arc::new(AtomicUsize::new(0));
    assert!(cache
        .bearer(plain(), failing_fetch(&count, None))
        .await
        .is_err());
    let bearer = cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("the next call tries again");
    assert_eq!(text(&bearer), "Bearer token-2");
}

#[tokio::test]
async fn a_token_endpoints_retry_after_is_capped() {
    let cache = TokenCache::new(policy(5_000, 50, 400));
    let count = Arc::new(AtomicUsize::new(0));
    let day = Duration::from_secs(86_400);
    let error = cache
        .bearer(plain(), failing_fetch(&count, Some(day)))
        .await
        .err()
        .expect("failure");
    assert_eq!(error.retry_after, Some(Duration::from_millis(400)));
    // Past the failure memory but inside the (capped) Retry-After: still remembered.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let error = cache
        .bearer(plain(), failing_fetch(&count, Some(day)))
        .await
        .err()
        .expect("remembered");
    assert!(error
        .retry_after
        .is_some_and(|r| r <= Duration::from_millis(400)));
    assert_eq!(count.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    cache
        .bearer(plain(), counting_fetch(&count, HOUR))
        .await
        .expect("asked again once the capped Retry-After passed");
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn short_tokens_refresh_at_half_their_lifetime() {
    let cache = TokenCache::default();
    let count = Arc::new(AtomicUsize::new(0));
    let ttl = Duration::from_millis(600);
    cache
        .bearer(plain(), counting_fetch(&count, ttl))
        .await
        .expect("token");
    cache
        .bearer(plain(), counting_fetch(&count, ttl))
        .await
        .expect("token");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let bearer = cache
        .bearer(plain(), counting_fetch(&count, ttl))
        .await
        .expect("token");
    assert_eq!(text(&bearer), "Bearer token-2");
}

#[tokio::test]
async fn long_tokens_refresh_five_minutes_before_expiry() {
    let token = CachedToken::new(
        FetchedToken {
            value: "t".into(),
            expires_in: HOUR,
        },
        TokenGeneration(1),
    )
    .expect("token");
    let refresh_in = token.refresh_at - Instant::now();
    assert!(refresh_in <= Duration::from_secs(3300) && refresh_in > Duration::from_secs(3290));
    assert!(token.usable_until > token.refresh_at);
}

#[tokio::test]
async fn absurd_lifetimes_neither_panic_nor_pin_the_token() {
    let token = CachedToken::new(
        FetchedToken {
            value: "t".into(),
            expires_in: Duration::MAX,
        },
        TokenGeneration(1),
    )
    .expect("token");
    assert!(token.refresh_at - Instant::now() <= MAX_LIFETIME);
    let expired = CachedToken::new(
        FetchedToken {
            value: "t".into(),
            expires_in: Duration::ZERO,
        },
        TokenGeneration(2),
    )
    .expect("token");
    assert!(expired.refresh_at <= Instant::now());
}

#[tokio::test]
async fn a_failure_is_shared_by_concurrent_callers() {
    let cache = Arc::new(TokenCache::new(policy(5_000, 0, 30_000)));
    let count = Arc::new(AtomicUsize::new(0));
    let calls = (0..20).map(|_| {
        let cache = Arc::clone(&cache);
        let fetch = failing_fetch(&count, None);
        tokio::spawn(async move { cache.bearer(plain(), fetch).await })
    });
    for call in futures_util::future::join_all(calls).await {
        assert!(call.expect("task").is_err());
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "concurrent callers share one failed fetch"
    );
}

#[tokio::test]
async fn a_failed_early_refresh_keeps_the_valid_token() {
    let cache = TokenCache::default();
    let count = Arc::new(AtomicUsize::new(0));
    let first = cache
        .bearer(plain(), counting_fetch(&count, Duration::from_millis(400)))
        .await
        .expect("token");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let bearer = cache
        .bearer(plain(), failing_fetch(&count, None))
        .await
        .expect("cached token");
    assert_eq!(text(&bearer), "Bearer token-1");
    // Within the failure memory the valid token is still served.
    let bearer = cache
        .bearer(plain(), failing_fetch(&count, None))
        .await
        .expect("cached token");
    assert_eq!(text(&bearer), "Bearer token-1");
    let refused = cache
        .bearer(refusing(first.generation), failing_fetch(&count, None))
        .await;
    assert!(
        refused.is_err(),
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
        .bearer(plain(), fetch)
        .await
        .err()
        .expect("invalid header");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(!format!("{error:?}").contains("bad\ntoken"));
}

#[test]
fn the_policy_comes_from_the_settings_without_panicking() {
    let policy = FetchPolicy::from_config(&TokenFetch::default());
    assert_eq!(policy.timeout, Duration::from_secs(30));
    assert_eq!(policy.failure_memory, Duration::from_millis(2_000));
    assert_eq!(policy.max_retry_after, Duration::from_secs(30));
    let odd = FetchPolicy::from_config(&TokenFetch {
        timeout_secs: f64::NAN,
        failure_memory_ms: 0,
        max_retry_after_secs: -1.0,
    });
    assert_eq!(odd.timeout, Duration::from_secs(30));
    assert_eq!(odd.failure_memory, Duration::ZERO);
}
