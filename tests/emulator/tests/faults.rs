//! Injected faults, scenarios, rate limits, the request log and abort detection.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn fault(spec: &str) -> [(&str, &str); 1] {
    [("x-emulator-fault", spec)]
}

#[tokio::test]
async fn status_faults_have_realistic_bodies() {
    let env = start().await;
    let r = env
        .chat(
            "gpt-5.4",
            &fault("status=429;retry-after-ms=10;x-ms-retry-after-ms=20;retry-after=3"),
            user("x"),
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(
        (
            r.header("retry-after-ms"),
            r.header("x-ms-retry-after-ms"),
            r.header("retry-after")
        ),
        (Some("10"), Some("20"), Some("3"))
    );
    assert_eq!(r.json()["error"]["code"], "429");
    assert!(r.json()["error"]["message"].as_str().unwrap().starts_with("Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit"));
    assert_eq!(r.header("x-ms-deployment-name"), Some("gpt-5.4"));

    let r = env.chat("gpt-5.4", &fault("status=429"), user("x")).await;
    assert!(r.header("retry-after").is_none() && r.header("retry-after-ms").is_none());
    let r = env
        .chat(
            "gpt-5.4",
            &fault("status=429;retry-after=Wed, 21 Oct 2015 07:28:00 GMT"),
            user("x"),
        )
        .await;
    assert_eq!(
        r.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let r = env
        .chat("gpt-5.4", &fault("status=429;code-as-int"), user("x"))
        .await;
    assert_eq!(r.json()["error"]["code"], 429);

    let cases: [(u16, &str, &str); 6] = [
        (500, "application/json", "InternalServerError"),
        (503, "application/json", "ServiceUnavailable"),
        (408, "application/json", "Timeout"),
        (502, "text/html", "502 Bad Gateway"),
        (504, "text/plain", "stream timeout"),
        (404, "text/plain", "NOT FOUND"),
    ];
    for (status, ct, needle) in cases {
        let r = env
            .chat("gpt-5.4", &fault(&format!("status={status}")), user("x"))
            .await;
        assert_eq!(r.status, status);
        assert_eq!(r.header("content-type"), Some(ct), "{status}");
        assert!(r.text.contains(needle), "{status}: {}", r.text);
        assert!(r.header("x-request-id").is_some());
    }
    let r = env.chat("gpt-5.4", &fault("status=418"), user("x")).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (418, Some("418"))
    );
    let r = env
        .chat("gpt-5.4", &fault("no-such-fault"), user("x"))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "EmulatorBadFault");
}

#[tokio::test]
async fn body_malformed_and_headers() {
    let env = start().await;
    let r = env.chat("gpt-5.4", &fault("malformed"), user("x")).await;
    assert_eq!(
        (r.status, r.text.as_str(), r.header("content-type")),
        (200, "{\"choices\": [", Some("application/json"))
    );
    let r = env
        .chat(
            "gpt-5.4",
            &fault("status=503;content-type=text/plain;body=upstream; down"),
            user("x"),
        )
        .await;
    assert_eq!(
        (r.status, r.text.as_str(), r.header("content-type")),
        (503, "upstream; down", Some("text/plain"))
    );
    let r = env
        .chat(
            "gpt-5.4",
            &fault("header=x-custom:yes;header=retry-after-ms:7"),
            user("x"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (r.header("x-custom"), r.header("retry-after-ms")),
        (Some("yes"), Some("7"))
    );
}

#[tokio::test]
async fn delay_reset_truncate_cut() {
    let env = start().await;
    let t = Instant::now();
    let r = env.chat("gpt-5.4", &fault("delay-ms=300"), user("x")).await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    let err = env
        .http
        .post(env.url(&format!("openai/deployments/gpt-5.4/chat/completions?{V}")))
        .header("api-key", foundry_emulator::DEFAULT_API_KEY)
        .header("x-emulator-fault", "reset")
        .json(&user("x"))
        .send()
        .await;
    assert!(err.is_err(), "a reset must not answer");

    let mut body = user("a b c d e f g h");
    body["stream"] = json!(true);
    let r = env.chat("gpt-5.4", &fault("truncate"), body.clone()).await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("[DONE]"));
    let full = env
        .chat("gpt-5.4", &[], body.clone())
        .await
        .sse_data()
        .len();
    assert_eq!(r.sse_data().len(), full / 2);
    let r = env
        .chat("gpt-5.4", &fault("truncate-after=3"), body.clone())
        .await;
    assert_eq!(r.sse_data().len(), 3);

    let r = env
        .chat("gpt-5.4", &fault("stream-error"), body.clone())
        .await;
    let ev = r.sse_data();
    assert_eq!(ev.last().unwrap()["error"]["type"], "server_error");
    assert!(!r.text.contains("[DONE]"));

    // A cut drops the connection mid-body: the client sees an error, not an end.
    let resp = env
        .http
        .post(env.url(&format!("openai/deployments/gpt-5.4/chat/completions?{V}")))
        .header("api-key", foundry_emulator::DEFAULT_API_KEY)
        .header("x-emulator-fault", "cut-after=2")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.is_err());

    let r = env.chat("gpt-5.4", &fault("truncate"), user("x")).await;
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_str::<Value>(&r.text).is_err(),
        "half a JSON body: {}",
        r.text
    );
}

#[tokio::test]
async fn scenario_steps_are_consumed_then_normal() {
    let env = start().await;
    env.register("retry-twice", json!({"deployments": {"gpt-5.4": ["status=429;retry-after-ms=50", "status=500", "ok", "status=503"]}})).await;
    let sc = [("x-emulator-scenario", "retry-twice")];
    let statuses = [429, 500, 200, 503, 200, 200];
    for (i, want) in statuses.iter().enumerate() {
        let r = env.chat("gpt-5.4", &sc, user("x")).await;
        assert_eq!(r.status, *want, "step {i}");
        assert_eq!(
            r.header("x-request-id"),
            Some(format!("req-retry-twice-{}", i + 1).as_str())
        );
    }
    // Other deployments and other scenarios are untouched.
    assert_eq!(env.chat("DeepSeek-V3.2", &sc, user("x")).await.status, 200);
    assert_eq!(env.chat("gpt-5.4", &[], user("x")).await.status, 200);
    // Steps apply to the v1 shape too (deployment from the body).
    env.register("v1", json!({"deployments": {"gpt-5.4": ["status=500"]}}))
        .await;
    let r = env
        .post(
            "openai/v1/chat/completions",
            &[KEY, ("x-emulator-scenario", "v1")],
            json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(r.status, 500);

    let log = env.log("retry-twice").await;
    assert_eq!(log.len(), 7);
    assert_eq!(log[0]["status"], 429);
    assert_eq!(
        log[0]["path"],
        "/openai/deployments/gpt-5.4/chat/completions"
    );
    assert_eq!(log[0]["query"]["api-version"], "2024-10-21");
    assert_eq!(log[0]["deployment"], "gpt-5.4");
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["body"]["messages"][0]["content"], "x");
    assert_eq!(log[0]["headers"]["api-key"], "<redacted>");
    assert_eq!(log[0]["headers"]["x-emulator-scenario"], "retry-twice");
    assert_eq!(log[0]["aborted"], false);

    // Registering again starts afresh.
    env.register("retry-twice", json!({})).await;
    assert!(env.log("retry-twice").await.is_empty());
    let r = env.chat("gpt-5.4", &sc, user("x")).await;
    assert_eq!(r.header("x-request-id"), Some("req-retry-twice-1"));

    let bad = env
        .post(
            "_emulator/scenarios/bad",
            &[],
            json!({"deployments": {"gpt-5.4": ["explode"]}}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn rate_limits_answer_real_429s() {
    let env = start().await;
    env.register("rpm", json!({"limits": {"gpt-5.4": {"rpm": 2}}}))
        .await;
    let sc = [("x-emulator-scenario", "rpm")];
    let a = env.chat("gpt-5.4", &sc, user("x")).await;
    assert_eq!(
        (
            a.status,
            a.header("x-ratelimit-remaining-requests"),
            a.header("x-ratelimit-limit-requests")
        ),
        (200, Some("1"), Some("2"))
    );
    assert_eq!(env.chat("gpt-5.4", &sc, user("x")).await.status, 200);
    let r = env.chat("gpt-5.4", &sc, user("x")).await;
    assert_eq!(r.status, 429);
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    assert!(ms > 50_000 && ms <= 60_000, "{ms}");
    assert_eq!(r.header("x-ms-retry-after-ms"), r.header("retry-after-ms"));
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(secs, ms.div_ceil(1000));
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("call rate limit") && msg.contains(&format!("retry after {secs} seconds")),
        "{msg}"
    );
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("0"));
    // Only this scenario and deployment are limited.
    assert_eq!(env.chat("DeepSeek-V3.2", &sc, user("x")).await.status, 200);
    assert_eq!(env.chat("gpt-5.4", &[], user("x")).await.status, 200);

    env.register("tpm", json!({"limits": {"DeepSeek-V3.2": {"tpm": 30}}}))
        .await;
    let sc = [("x-emulator-scenario", "tpm")];
    let mut body = user("five words of prompt text");
    body["max_tokens"] = json!(20);
    let ok = env.chat("DeepSeek-V3.2", &sc, body.clone()).await;
    assert_eq!(
        (ok.status, ok.header("x-ratelimit-remaining-tokens")),
        (200, Some("5"))
    );
    let r = env.chat("DeepSeek-V3.2", &sc, body).await;
    assert_eq!(r.status, 429);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("token rate limit"));
    // Without max_tokens the estimate is the prompt alone: 5 tokens still fit.
    assert_eq!(
        env.chat("DeepSeek-V3.2", &sc, user("five words of prompt text"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_sub_window_refuses_a_burst_that_fits_the_minute() {
    let env = start().await;
    // 60 rpm over 10 s windows: at most 10 requests in any window, though 60 fit the minute.
    env.register(
        "sub-window",
        json!({"limits": {"gpt-5.4": {"rpm": 60, "sub_window_secs": 10}}}),
    )
    .await;
    let sc = [("x-emulator-scenario", "sub-window")];
    for _ in 0..10 {
        assert_eq!(env.chat("gpt-5.4", &sc, user("x")).await.status, 200);
    }
    let r = env.chat("gpt-5.4", &sc, user("x")).await;
    assert_eq!(r.status, 429);
    let ms: u64 = r.header("retry-after-ms").unwrap().parse().unwrap();
    assert!(ms > 0 && ms <= 10_000, "the rest of the 10 s window: {ms}");
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("50"));
}

#[tokio::test]
async fn config_limits_apply_when_enforced() {
    let mut config = foundry_emulator::EmulatorConfig::reference();
    config.enforce_rate_limits = true;
    config.deployments.iter_mut().for_each(|d| d.rpm = 1);
    let env = start_with(config).await;
    assert_eq!(env.chat("gpt-5.4", &[], user("x")).await.status, 200);
    assert_eq!(env.chat("gpt-5.4", &[], user("x")).await.status, 429);
}

#[tokio::test]
async fn aborted_requests_are_logged() {
    let env = start().await;
    env.register("abort", json!({})).await;
    let url = env.url(&format!("openai/deployments/gpt-5.4/chat/completions?{V}"));
    let mut body = user("a b c d e f g h i j");
    body["stream"] = json!(true);
    let mut resp = env
        .http
        .post(&url)
        .header("api-key", foundry_emulator::DEFAULT_API_KEY)
        .header("x-emulator-scenario", "abort")
        .header("x-emulator-fault", "chunk-delay-ms=100")
        .json(&body)
        .send()
        .await
        .unwrap();
    let _ = resp.chunk().await.unwrap();
    drop(resp);

    // A client that gives up while the answer is delayed.
    let slow = env
        .http
        .post(&url)
        .header("api-key", foundry_emulator::DEFAULT_API_KEY)
        .header("x-emulator-scenario", "abort")
        .header("x-emulator-fault", "delay-ms=2000")
        .timeout(Duration::from_millis(200))
        .json(&user("x"))
        .send()
        .await;
    assert!(slow.is_err());

    // And one that reads everything.
    let done = env
        .chat("gpt-5.4", &[("x-emulator-scenario", "abort")], body)
        .await;
    assert!(done.text.ends_with("[DONE]\n\n"));

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = env.log("abort").await;
        let aborted: Vec<bool> = log
            .iter()
            .map(|e| e["aborted"].as_bool().unwrap())
            .collect();
        if aborted == [true, true, false] {
            break;
        }
        assert!(Instant::now() < deadline, "log: {log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn many_scenarios_run_concurrently() {
    let env = start().await;
    let runs = (0..16).map(|i| {
        let env = &env;
        async move {
            let id = format!("c{i}");
            env.register(&id, json!({"deployments": {"Kimi-K2.6": ["status=500"]}}))
                .await;
            let h = [("x-emulator-scenario", id.as_str())];
            let a = env.chat("Kimi-K2.6", &h, user("x")).await.status;
            let b = env.chat("Kimi-K2.6", &h, user("x")).await.status;
            (a, b, env.log(&id).await.len())
        }
    });
    for (a, b, n) in futures_util::future::join_all(runs).await {
        assert_eq!((a, b, n), (500, 200, 2));
    }
}
