//! The answers the mock serves, serialized once at start: Azure chat.completion bodies in
//! the recorded shape (corpus/chat_azure_gpt4omini_1.json: prompt_filter_results, per-choice
//! content_filter_results, usage with details) padded to a size, and Azure SSE streams
//! (corpus/stream_azure_chat_gpt4omini_1.sse) with a given number of content events.

use bytes::Bytes;
use serde_json::{json, Value};

/// Chat answer sizes: (deployment key, body bytes, label). The smallest is the recorded
/// answer's own size (corpus/chat_azure_gpt4omini_1.json, 1,233 bytes): its envelope alone
/// is over 1 KiB, so "1 KB" is that.
pub const CHAT_SIZES: [(&str, usize, &str); 3] = [
    ("chat-1k", 1233, "1.2 KB"),
    ("chat-10k", 10 * 1024, "10 KB"),
    ("chat-100k", 100 * 1024, "100 KB"),
];

/// The body size of the answer cells 1 and 2 use.
pub const SMALL: usize = CHAT_SIZES[0].1;

/// Content events per stream.
pub const STREAM_EVENTS: [usize; 3] = [10, 100, 1000];

pub fn stream_key(events: usize) -> String {
    format!("stream-{events}")
}

const WORDS: [&str; 8] = [
    "Foundry", "answers", "with", "content", "that", "grows", "to", "size",
];

fn safe(category: &str) -> (String, Value) {
    (
        category.to_string(),
        json!({"filtered": false, "severity": "safe"}),
    )
}

fn prompt_filter_results() -> Value {
    json!([{
        "prompt_index": 0,
        "content_filter_results": {
            "hate": {"filtered": false, "severity": "safe"},
            "jailbreak": {"filtered": false, "detected": false},
            "self_harm": {"filtered": false, "severity": "safe"},
            "sexual": {"filtered": false, "severity": "safe"},
            "violence": {"filtered": false, "severity": "safe"}
        }
    }])
}

fn usage() -> Value {
    json!({
        "completion_tokens": 11,
        "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0,
            "reasoning_tokens": 0, "rejected_prediction_tokens": 0},
        "prompt_tokens": 16,
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
        "total_tokens": 27
    })
}

fn chat_completion(content: &str) -> Value {
    json!({
        "choices": [{
            "content_filter_results": {
                "hate": {"filtered": false, "severity": "safe"},
                "protected_material_code": {"filtered": false, "detected": false},
                "protected_material_text": {"filtered": false, "detected": false},
                "self_harm": {"filtered": false, "severity": "safe"},
                "sexual": {"filtered": false, "severity": "safe"},
                "violence": {"filtered": false, "severity": "safe"}
            },
            "finish_reason": "stop",
            "index": 0,
            "logprobs": null,
            "message": {"annotations": [], "content": content, "refusal": null, "role": "assistant"}
        }],
        "created": 1762402675,
        "id": "chatcmpl-CYljXG7URhfUajUrf04DzDMUn59Fm",
        "model": "gpt-4o-mini-2024-07-18",
        "object": "chat.completion",
        "prompt_filter_results": prompt_filter_results(),
        "system_fingerprint": "fp_efad92c60b",
        "usage": usage()
    })
}

/// ASCII words (no JSON escapes) of exactly `len` bytes.
fn filler(len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    let mut i = 0;
    while s.len() < len {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[i % WORDS.len()]);
        i += 1;
    }
    s.truncate(len);
    s
}

/// A chat.completion body of `size` bytes (at least the empty answer's size) and its content.
pub fn chat_body(size: usize) -> (Bytes, String) {
    let empty = chat_completion("").to_string().len();
    let content = filler(size.saturating_sub(empty));
    (Bytes::from(chat_completion(&content).to_string()), content)
}

fn chunk(choices: Value) -> Value {
    json!({
        "choices": choices,
        "created": 1762402679,
        "id": "chatcmpl-CYljbWrmFtdLB60LvT3bgBwXiIdDo",
        "model": "gpt-4o-mini-2024-07-18",
        "obfuscation": "RCSc2ePUTk42KU",
        "object": "chat.completion.chunk",
        "system_fingerprint": "fp_efad92c60b",
        "usage": null
    })
}

fn event(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

/// An Azure chat stream with `content_events` content deltas, one `Bytes` per SSE event
/// (the mock writes each as its own chunk, as Azure does), and the text they add up to.
pub fn stream_events(content_events: usize) -> (Vec<Bytes>, String) {
    let mut events = Vec::with_capacity(content_events + 5);
    events.push(event(&json!({
        "choices": [], "created": 0, "id": "", "model": "", "object": "",
        "prompt_filter_results": prompt_filter_results()
    })));
    events.push(event(&chunk(json!([{
        "content_filter_results": {},
        "delta": {"content": "", "refusal": null, "role": "assistant"},
        "finish_reason": null, "index": 0, "logprobs": null
    }]))));
    let filters: serde_json::Map<String, Value> = ["hate", "self_harm", "sexual", "violence"]
        .into_iter()
        .map(safe)
        .collect();
    let mut text = String::new();
    for i in 0..content_events {
        let delta = format!(" {}", WORDS[i % WORDS.len()]);
        text.push_str(&delta);
        events.push(event(&chunk(json!([{
            "content_filter_results": filters,
            "delta": {"content": delta},
            "finish_reason": null, "index": 0, "logprobs": null
        }]))));
    }
    events.push(event(&chunk(json!([{
        "content_filter_results": {},
        "delta": {},
        "finish_reason": "stop", "index": 0, "logprobs": null
    }]))));
    let mut last = chunk(json!([]));
    last["usage"] = usage();
    events.push(event(&last));
    events.push(Bytes::from_static(b"data: [DONE]\n\n"));
    (events, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_bodies_have_the_asked_size_and_parse() {
        for (_, size, _) in CHAT_SIZES {
            let (body, content) = chat_body(size);
            assert_eq!(body.len(), size);
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["choices"][0]["message"]["content"], content.as_str());
        }
    }

    #[test]
    fn streams_add_up_to_their_text() {
        let (events, text) = stream_events(10);
        assert_eq!(events.len(), 15);
        let joined: String = events
            .iter()
            .filter_map(|e| std::str::from_utf8(e).ok())
            .filter_map(|e| e.strip_prefix("data: "))
            .filter_map(|e| serde_json::from_str::<Value>(e.trim_end()).ok())
            .filter_map(|v| {
                v["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(String::from)
            })
            .collect();
        assert_eq!(joined, text);
    }
}
