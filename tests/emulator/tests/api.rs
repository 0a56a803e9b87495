//! Every endpoint shape and the deterministic model behaviour, over real HTTP.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn classic_chat_matches_the_recorded_shape() {
    let env = start().await;
    let r = env.chat("gpt-5.4", &[], user("hello  world")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "gpt-5.4 heard: hello  world"
    );
    assert_eq!(v["model"], "gpt-5.4");
    assert_eq!(v["usage"]["prompt_tokens"], 2);
    assert_eq!(v["usage"]["completion_tokens"], 4);
    assert_eq!(v["usage"]["total_tokens"], 6);
    if let Some(rec) = corpus("chat_azure_v1_gpt5mini_1.json") {
        same_shape(&serde_json::from_str(&rec).unwrap(), &v, "chat");
    }
    // The headers Azure sends, with deterministic ids.
    assert_eq!(r.header("x-request-id"), Some("req-default-1"));
    assert_eq!(r.header("apim-request-id"), Some("req-default-1"));
    assert_eq!(r.header("x-ms-region"), Some("Emulator"));
    assert_eq!(r.header("x-ms-deployment-name"), Some("gpt-5.4"));
    assert_eq!(r.header("x-ms-rai-invoked"), Some("true"));
    assert_eq!(r.header("x-ratelimit-limit-tokens"), Some("10000"));
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("599"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let again = env.chat("gpt-5.4", &[], user("x")).await;
    assert_eq!(again.header("x-request-id"), Some("req-default-2"));
}

#[tokio::test]
async fn every_shape_answers() {
    let env = start().await;
    let body = json!({"model": "DeepSeek-V3.2", "messages": [{"role": "user", "content": "ping"}]});
    let want = "DeepSeek-V3.2 heard: ping";
    for (path, headers) in [
        ("openai/v1/chat/completions", vec![KEY]),
        (
            "models/chat/completions?api-version=2024-05-01-preview",
            vec![KEY],
        ),
        (
            "v1/chat/completions",
            vec![("authorization", "Bearer emulator-key-0000")],
        ),
    ] {
        let r = env.post(path, &headers, body.clone()).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.json()["choices"][0]["message"]["content"], want, "{path}");
    }
    let resp = json!({"model": "gpt-5.1-codex", "input": "ping"});
    for path in [
        "openai/responses?api-version=2025-03-01-preview",
        "openai/v1/responses",
        "v1/responses",
    ] {
        let r = env.post(path, &[KEY], resp.clone()).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(
            r.json()["output"][0]["content"][0]["text"],
            "gpt-5.1-codex heard: ping",
            "{path}"
        );
    }
    let emb = json!({"model": "gpt-5.4", "input": "a b"});
    for path in [
        format!("openai/deployments/gpt-5.4/embeddings?{V}"),
        "openai/v1/embeddings".into(),
        "models/embeddings".into(),
        "v1/embeddings".into(),
    ] {
        let r = env.post(&path, &[KEY], emb.clone()).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.json()["usage"]["prompt_tokens"], 2, "{path}");
    }
    let models = env.get("v1/models", &[KEY]).await.json();
    assert_eq!(models["data"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn not_found_and_unknown_deployments() {
    let env = start().await;
    let r = env
        .post(
            "openai/deployments/gpt-5.4/chat/completions",
            &[KEY],
            user("x"),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            404,
            json!({"error": {"code": "404", "message": "Resource not found"}})
        )
    );
    let r = env.post("openai/nothing/here", &[KEY], user("x")).await;
    assert_eq!(r.status, 404);
    let r = env.chat("gpt-5.5", &[], user("x")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "DeploymentNotFound");
    let r = env
        .post(
            "openai/v1/chat/completions",
            &[KEY],
            json!({"model": "this-model-does-not-exist-12345", "messages": []}),
        )
        .await;
    assert_eq!(r.status, 400);
    if let Some(rec) = corpus("error_400_unknown_model_v1_1.json") {
        assert_eq!(r.text, rec.trim_end());
    }
    // Names are case and dot sensitive.
    let r = env
        .post(
            "openai/v1/chat/completions",
            &[KEY],
            json!({"model": "GPT-5.4", "messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "unknown_model");
}

#[tokio::test]
async fn request_validation_gives_the_services_400s() {
    let env = start().await;
    let path = format!("openai/deployments/DeepSeek-V3.2/chat/completions?{V}");
    for body in [
        "{not json",
        "",
        "[1,2]",
        "\"s\"",
        "{\"messages\": 5}",
        "{\"messages\": [\"x\"]}",
        "{\"messages\": [{}]}",
    ] {
        let r = env.post_raw(&path, &[KEY], body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.json()["error"]["type"], "invalid_request_error", "{body}");
    }
    let r = env.chat("DeepSeek-V3.2", &[], json!({})).await;
    assert_eq!(
        r.json(),
        json!({"error": {"message": "'messages' is a required property", "type": "invalid_request_error", "param": null, "code": null}})
    );
    for (mt, code) in [
        (json!(0), "integer_below_min_value"),
        (json!(-5), "integer_below_min_value"),
        (json!(1.5), "invalid_type"),
        (json!("10"), "invalid_type"),
    ] {
        let r = env
            .chat(
                "DeepSeek-V3.2",
                &[],
                json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": mt}),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["code"], code, "{mt}");
        assert_eq!(r.json()["error"]["param"], "max_tokens");
    }
    let r = env
        .chat(
            "DeepSeek-V3.2",
            &[],
            json!({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}),
        )
        .await;
    assert_eq!(r.json()["error"]["param"], "stream");
    let r = env
        .post(
            "openai/v1/chat/completions",
            &[KEY],
            json!({"messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn deployment_quirks() {
    let env = start().await;
    let r = env.chat("gpt-5.1-codex", &[], user("x")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "OperationNotSupported");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("specified model, gpt-5.1-codex."));

    let mut body = user("x");
    body["max_tokens"] = json!(100);
    let r = env.chat("gpt-5.4", &[], body.clone()).await;
    assert_eq!(r.status, 400);
    if let Some(rec) = corpus("error_400_unsupported_parameter_max_tokens_1.json") {
        assert_eq!(r.text, rec.trim_end());
    }
    body["stream"] = json!(true);
    let r = env.chat("gpt-5.4", &[], body).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (400, Some("application/json"))
    );
    let mut ok = user("x");
    ok["max_completion_tokens"] = json!(100);
    assert_eq!(env.chat("gpt-5.4", &[], ok).await.status, 200);
    let mut ok = user("x");
    ok["max_tokens"] = json!(100);
    assert_eq!(env.chat("DeepSeek-V3.2", &[], ok).await.status, 200);
}

#[tokio::test]
async fn thinking_deployment_reasons_then_answers_or_runs_out() {
    let env = start().await;
    let r = env.chat("Kimi-K2.6", &[], user("tell me")).await.json();
    let msg = &r["choices"][0]["message"];
    assert_eq!(msg["reasoning_content"], foundry_emulator::REASONING);
    assert_eq!(msg["content"], "Kimi-K2.6 heard: tell me");
    assert_eq!(
        r["usage"]["completion_tokens_details"]["reasoning_tokens"],
        64
    );
    assert_eq!(r["usage"]["completion_tokens"], 64 + 4);

    let mut body = user("tell me");
    body["max_tokens"] = json!(50);
    let r = env.chat("Kimi-K2.6", &[], body).await.json();
    let c = &r["choices"][0];
    assert_eq!(c["finish_reason"], "length");
    assert_eq!(c["message"]["content"], Value::Null);
    assert_eq!(
        c["message"]["reasoning_content"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .count(),
        50
    );
    assert_eq!(r["usage"]["completion_tokens"], 50);
    assert_eq!(
        r["usage"]["completion_tokens_details"]["reasoning_tokens"],
        50
    );

    // Enough for the reasoning but not the answer: still no content.
    let mut body = user("tell me");
    body["max_tokens"] = json!(66);
    let r = env.chat("Kimi-K2.6", &[], body).await.json();
    assert_eq!(r["choices"][0]["message"]["content"], Value::Null);
    assert_eq!(
        r["usage"]["completion_tokens_details"]["reasoning_tokens"],
        64
    );

    let mut body = user("tell me");
    body["max_tokens"] = json!(68);
    let r = env.chat("Kimi-K2.6", &[], body).await.json();
    assert_eq!(r["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn tools_and_tool_results() {
    let env = start().await;
    let tools = json!([{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
                       {"type": "function", "function": {"name": "other", "parameters": {}}}]);
    let body = json!({"messages": [{"role": "user", "content": "Paris"}], "tools": tools});
    let r = env.chat("gpt-5.4", &[], body.clone()).await.json();
    let c = &r["choices"][0];
    assert_eq!(c["finish_reason"], "tool_calls");
    assert_eq!(c["message"]["content"], Value::Null);
    assert_eq!(c["content_filter_results"], json!({}));
    let call = &c["message"]["tool_calls"][0];
    assert_eq!(call["id"], "call_emu_1");
    assert_eq!(call["function"]["name"], "weather");
    assert_eq!(call["function"]["arguments"], "{\"city\":\"Paris\"}");
    if let Some(rec) = corpus("chat_azure_tool_calls_empty_cfr_1.json") {
        same_shape(
            &serde_json::from_str::<Value>(&rec).unwrap()["choices"][0]["message"]["tool_calls"],
            &c["message"]["tool_calls"],
            "tool_calls",
        );
    }

    let mut named = body.clone();
    named["tool_choice"] = json!({"type": "function", "function": {"name": "other"}});
    let r = env.chat("gpt-5.4", &[], named).await.json();
    assert_eq!(
        r["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{}"
    );

    let mut none = body.clone();
    none["tool_choice"] = json!("none");
    let r = env.chat("gpt-5.4", &[], none).await.json();
    assert_eq!(
        r["choices"][0]["message"]["content"],
        "gpt-5.4 heard: Paris"
    );

    let follow = json!({"tools": tools, "messages": [
        {"role": "user", "content": "Paris"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_emu_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_emu_1", "content": "sunny 20C"}]});
    let r = env.chat("gpt-5.4", &[], follow).await.json();
    assert_eq!(
        r["choices"][0]["message"]["content"],
        "gpt-5.4 heard: tool said sunny 20C"
    );
    assert_eq!(r["choices"][0]["finish_reason"], "stop");
}

#[tokio::test]
async fn json_format_and_array_content() {
    let env = start().await;
    let body = json!({"response_format": {"type": "json_object"}, "messages": [
        {"role": "system", "content": "be json"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "there"}]}]});
    let r = env.chat("DeepSeek-V3.2", &[], body).await.json();
    let content = r["choices"][0]["message"]["content"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(content).unwrap();
    assert_eq!(parsed, json!({"answer": "DeepSeek-V3.2 heard: hi there"}));
    assert_eq!(r["usage"]["prompt_tokens"], 4);
}

#[tokio::test]
async fn content_filters() {
    let env = start().await;
    let r = env
        .chat("gpt-5.4", &[], user("please [[filter:self_harm]]"))
        .await;
    assert_eq!(r.status, 400);
    if let Some(rec) = corpus("error_400_content_filter_chat_1.json") {
        assert_eq!(r.text, rec.trim_end());
    }
    let r = env
        .chat("gpt-5.4", &[], user("[[filter:jailbreak]]"))
        .await
        .json();
    let inner = &r["error"]["innererror"]["content_filter_result"];
    assert_eq!(
        inner["jailbreak"],
        json!({"filtered": true, "detected": true})
    );
    assert_eq!(
        inner["hate"],
        json!({"filtered": false, "severity": "safe"})
    );

    let r = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "[[filter:violence]]"}),
        )
        .await;
    assert_eq!(r.status, 400);
    if let Some(rec) = corpus("error_400_content_filter_responses_1.json") {
        assert_eq!(r.text, rec.trim_end());
    }

    let r = env
        .chat(
            "gpt-5.4",
            &[],
            user("say [[filter-completion:hate]] things"),
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let c = &v["choices"][0];
    assert_eq!(c["finish_reason"], "content_filter");
    assert_eq!(c["message"]["content"], "gpt-5.4 heard: say");
    assert_eq!(
        c["content_filter_results"]["hate"],
        json!({"filtered": true, "severity": "high"})
    );
    assert_eq!(c["content_filter_results"]["violence"]["filtered"], false);

    let r = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "x [[filter-completion:sexual]]"}),
        )
        .await
        .json();
    assert_eq!(r["status"], "incomplete");
    assert_eq!(r["incomplete_details"]["reason"], "content_filter");
    assert_eq!(r["content_filters"][1]["blocked"], true);
    assert_eq!(
        r["content_filters"][1]["content_filter_results"]["sexual"]["severity"],
        "high"
    );
}

#[tokio::test]
async fn responses_api_shapes() {
    let env = start().await;
    let r = env
        .post(
            "openai/responses?api-version=2025-03-01-preview",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "hello", "instructions": "be kind"}),
        )
        .await;
    let v = r.json();
    assert_eq!(v["output"][0]["content"][0]["text"], "gpt-5.4 heard: hello");
    assert_eq!(v["usage"]["input_tokens"], 3);
    assert_eq!(v["usage"]["output_tokens"], 3);
    assert_eq!(v["instructions"], "be kind");
    if let Some(rec) = corpus("responses_azure_gpt4omini_1.json") {
        let mut rec: Value = serde_json::from_str(&rec).unwrap();
        rec["instructions"] = json!("be kind");
        same_shape(&rec, &v, "response");
    }

    let v = env.post("openai/v1/responses", &[KEY], json!({"model": "Kimi-K2.6", "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]})).await.json();
    assert_eq!(v["output"][0]["type"], "reasoning");
    assert_eq!(
        v["output"][0]["summary"][0]["text"],
        foundry_emulator::REASONING
    );
    assert_eq!(v["output"][1]["content"][0]["text"], "Kimi-K2.6 heard: hi");
    assert_eq!(v["usage"]["output_tokens_details"]["reasoning_tokens"], 64);

    let v = env.post("openai/v1/responses", &[KEY], json!({"model": "gpt-5.4", "input": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen", "max_output_tokens": 16})).await.json();
    assert_eq!(v["status"], "incomplete");
    assert_eq!(v["incomplete_details"]["reason"], "max_output_tokens");
    assert_eq!(v["output"][0]["status"], "incomplete");
    assert_eq!(v["usage"]["output_tokens"], 16);
    if let Some(rec) = corpus("responses_azure_incomplete_max_output_tokens_1.json") {
        same_shape(&serde_json::from_str(&rec).unwrap(), &v, "incomplete");
    }
    let r = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.4", "input": "x", "max_output_tokens": 5}),
        )
        .await;
    assert_eq!(r.json()["error"]["code"], "integer_below_min_value");

    let tools = json!([{"type": "function", "name": "weather", "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}]);
    let v = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.1-codex", "input": "San Francisco", "tools": tools}),
        )
        .await
        .json();
    let call = &v["output"][0];
    assert_eq!(
        (
            call["type"].as_str(),
            call["call_id"].as_str(),
            call["name"].as_str()
        ),
        (Some("function_call"), Some("call_emu_1"), Some("weather"))
    );
    assert_eq!(call["arguments"], "{\"location\":\"San Francisco\"}");
    if let Some(rec) = corpus("responses_azure_function_call_1.json") {
        same_shape(
            &serde_json::from_str::<Value>(&rec).unwrap()["output"][0],
            call,
            "function_call",
        );
    }
    let v = env
        .post(
            "openai/v1/responses",
            &[KEY],
            json!({"model": "gpt-5.1-codex", "tools": tools, "input": [
        {"role": "user", "content": "San Francisco"},
        {"type": "function_call", "call_id": "call_emu_1", "name": "weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_emu_1", "output": "foggy"}]}),
        )
        .await
        .json();
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        "gpt-5.1-codex heard: tool said foggy"
    );
    let r = env
        .post("openai/v1/responses", &[KEY], json!({"model": "gpt-5.4"}))
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["param"].as_str()),
        (400, Some("input"))
    );
}

#[tokio::test]
async fn embeddings_are_deterministic_unit_vectors() {
    let env = start().await;
    let path = format!("openai/deployments/gpt-5.4/embeddings?{V}");
    let v = env
        .post(&path, &[KEY], json!({"input": ["alpha beta", "gamma"]}))
        .await
        .json();
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["usage"], json!({"prompt_tokens": 3, "total_tokens": 3}));
    let first: Vec<f32> = v["data"][0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(first.len(), 8);
    assert!((first.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-4);
    let again = env
        .post(&path, &[KEY], json!({"input": "alpha beta"}))
        .await
        .json();
    assert_eq!(again["data"][0]["embedding"], v["data"][0]["embedding"]);

    let b = env
        .post(
            &path,
            &[KEY],
            json!({"input": "alpha beta", "encoding_format": "base64", "dimensions": 4}),
        )
        .await
        .json();
    let s = b["data"][0]["embedding"].as_str().unwrap();
    assert_eq!(s.len(), 24); // 16 bytes of f32 in base64
    let r = env
        .post(&path, &[KEY], json!({"input": "x", "dimensions": 0}))
        .await;
    assert_eq!(r.status, 400);
    let r = env.post(&path, &[KEY], json!({"input": {"a": 1}})).await;
    assert_eq!(r.status, 400);
    let r = env.post(&path, &[KEY], json!({})).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn model_inference_extras() {
    let env = start().await;
    let info = env
        .get("models/info?api-version=2024-05-01-preview", &[KEY])
        .await
        .json();
    assert_eq!(
        info,
        json!({"model_name": "gpt-5.1-codex", "model_type": "chat-completion", "model_provider_name": "OpenAI"})
    );
    let info = env
        .get(
            "models/info",
            &[KEY, ("x-ms-model-mesh-model-name", "DeepSeek-V3.2")],
        )
        .await
        .json();
    assert_eq!(info["model_provider_name"], "DeepSeek");
    let info = env.get("models/info?model=Kimi-K2.6", &[KEY]).await.json();
    assert_eq!(info["model_name"], "Kimi-K2.6");

    let body = json!({"model": "DeepSeek-V3.2", "messages": [{"role": "user", "content": "x"}], "top_k": 5, "safe_mode": true});
    let r = env
        .post(
            "models/chat/completions?api-version=2024-05-01-preview",
            &[KEY],
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "Invalid input");
    assert_eq!(
        r.json()["error"]["message"],
        "Extra parameters ['safe_mode', 'top_k'] are not allowed when extra-parameters is not set or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model."
    );
    let r = env
        .post(
            "models/chat/completions",
            &[KEY, ("extra-parameters", "error")],
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 400);
    for mode in ["pass-through", "drop"] {
        let r = env
            .post(
                "models/chat/completions",
                &[KEY, ("extra-parameters", mode)],
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 200, "{mode}");
    }
    // The model can come from the mesh header.
    let r = env
        .post(
            "models/chat/completions",
            &[KEY, ("x-ms-model-mesh-model-name", "DeepSeek-V3.2")],
            user("x"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn never_panics_on_odd_bodies() {
    let env = start().await;
    let odd = [
        json!({"messages": [{"role": 5}]}),
        json!({"messages": [{"role": "user", "content": 5}]}),
        json!({"messages": [{"role": "user", "content": [1, null, {"type": "text"}]}]}),
        json!({"messages": [{"role": "user", "content": "x"}], "tools": "no"}),
        json!({"messages": [{"role": "user", "content": "x"}], "tools": [1, {"type": "function"}], "tool_choice": 7}),
        json!({"messages": [{"role": "user", "content": "x"}], "stream_options": 1, "stream": true}),
        json!({"messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 1e300}),
        json!({"messages": [{"role": "user", "content": "x"}], "response_format": "json"}),
        json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": u64::MAX}),
        json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": 1e20}),
    ];
    for body in odd {
        let r = env.chat("DeepSeek-V3.2", &[], body.clone()).await;
        assert!(
            r.status == 200 || r.status == 400,
            "{body}: {} {}",
            r.status,
            r.text
        );
    }
    for body in [
        json!({"model": "gpt-5.4", "input": [1]}),
        json!({"model": "gpt-5.4", "input": 3}),
        json!({"model": 3, "input": "x"}),
        json!({"model": "gpt-5.4", "input": [{"type": "function_call_output"}]}),
    ] {
        let r = env.post("openai/v1/responses", &[KEY], body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
    }
}
