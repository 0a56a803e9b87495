//! The service's error bodies, word for word as recorded (../shared/corpus) or as the service
//! documents them. Azure mixes styles: `code` as a string number, bodies without the `error`
//! wrapper, pretty-printed OpenAI-style errors from the v1 and Responses paths.

use crate::json::{j, null, obj, J};
use crate::reply::Reply;
use crate::text::Category;

pub fn resource_not_found() -> Reply {
    Reply::json(
        404,
        r#"{"error":{"code":"404","message":"Resource not found"}}"#,
    )
}

pub fn deployment_not_found() -> Reply {
    Reply::json(
        404,
        r#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}"#,
    )
}

/// corpus/error_400_unknown_model_v1_1.json
pub fn unknown_model(name: &str) -> Reply {
    let msg = format!("Unknown model: {name}");
    let body = obj([(
        "error",
        obj([
            ("code", j("unknown_model")),
            ("message", j(msg.clone())),
            ("details", j(msg)),
        ]),
    )]);
    Reply::json(400, body.compact())
}

pub fn operation_not_supported(model: &str) -> Reply {
    let msg = format!(
        "The chatCompletion operation does not work with the specified model, {model}. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993."
    );
    let body = obj([(
        "error",
        obj([("code", j("OperationNotSupported")), ("message", j(msg))]),
    )]);
    Reply::json(400, body.compact())
}

/// An OpenAI-style `invalid_request_error`, pretty-printed as Azure's v1 path answers them
/// (corpus/error_400_unsupported_parameter_max_tokens_1.json).
pub fn invalid_request(message: &str, param: Option<&str>, code: Option<&str>) -> Reply {
    let body = obj([(
        "error",
        obj([
            ("message", j(message)),
            ("type", j("invalid_request_error")),
            ("param", param.map(j).unwrap_or_else(null)),
            ("code", code.map(j).unwrap_or_else(null)),
        ]),
    )]);
    Reply::json(400, body.to_pretty())
}

/// corpus/error_400_unsupported_parameter_max_tokens_1.json, byte for byte.
pub fn unsupported_max_tokens() -> Reply {
    invalid_request(
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        Some("max_tokens"),
        Some("unsupported_parameter"),
    )
}

pub fn malformed_json() -> Reply {
    invalid_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        None,
        None,
    )
}

pub fn missing_messages() -> Reply {
    Reply::json(
        400,
        r#"{"error":{"message":"'messages' is a required property","type":"invalid_request_error","param":null,"code":null}}"#,
    )
}

pub fn missing_parameter(param: &str) -> Reply {
    invalid_request(
        &format!("Missing required parameter: '{param}'."),
        Some(param),
        Some("missing_required_parameter"),
    )
}

pub fn missing_model() -> Reply {
    invalid_request("you must provide a model parameter", None, None)
}

/// The JSON type name OpenAI's validator uses in its messages.
pub fn type_name(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a decimal number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn invalid_type(param: &str, expected: &str, got: &serde_json::Value) -> Reply {
    invalid_request(
        &format!(
            "Invalid type for '{param}': expected {expected}, but got {} instead.",
            type_name(got)
        ),
        Some(param),
        Some("invalid_type"),
    )
}

pub fn below_minimum(param: &str, min: u64, got: &serde_json::Value) -> Reply {
    invalid_request(
        &format!("Invalid '{param}': integer below minimum value. Expected a value >= {min}, but got {got} instead."),
        Some(param),
        Some("integer_below_min_value"),
    )
}

/// No credential at all, a bad or expired token, or one for another audience. Azure answers
/// this one without the `error` wrapper.
pub fn unauthorized_token() -> Reply {
    Reply::json(
        401,
        r#"{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired."}"#,
    )
}

pub fn invalid_key() -> Reply {
    Reply::json(
        401,
        r#"{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}"#,
    )
}

pub fn permission_denied(principal: &str, data_action: &str, operation: &str) -> Reply {
    let msg = format!(
        "The principal `{principal}` lacks the required data action `{data_action}` to perform `{operation}` operation."
    );
    let body = obj([(
        "error",
        obj([("code", j("PermissionDenied")), ("message", j(msg))]),
    )]);
    Reply::json(403, body.compact())
}

/// Filter results with one category flagged. `keys` chooses the set (and order) of categories
/// the place reports: prompts report jailbreak, completions report protected material.
pub fn filter_results(keys: &[&'static str], flagged: Option<Category>, severity: &str) -> J {
    J::Obj(
        keys.iter()
            .map(|&k| {
                let hit = flagged.is_some_and(|c| c.key() == k);
                let detection = matches!(
                    k,
                    "jailbreak" | "protected_material_text" | "protected_material_code"
                );
                let v = match (detection, hit) {
                    (true, _) => obj([("filtered", j(hit)), ("detected", j(hit))]),
                    (false, true) => obj([("filtered", j(true)), ("severity", j(severity))]),
                    (false, false) => obj([("filtered", j(false)), ("severity", j("safe"))]),
                };
                (k, v)
            })
            .collect(),
    )
}

pub const PROMPT_KEYS: &[&str] = &["hate", "jailbreak", "self_harm", "sexual", "violence"];
pub const CHOICE_KEYS: &[&str] = &[
    "hate",
    "protected_material_code",
    "protected_material_text",
    "self_harm",
    "sexual",
    "violence",
];
pub const CHUNK_KEYS: &[&str] = &["hate", "self_harm", "sexual", "violence"];

/// corpus/error_400_content_filter_chat_1.json with `category` flagged.
pub fn chat_content_filter(category: Category) -> Reply {
    let body = obj([(
        "error",
        obj([
            ("message", j("The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766")),
            ("type", null()),
            ("param", j("prompt")),
            ("code", j("content_filter")),
            ("status", j(400)),
            (
                "innererror",
                obj([
                    ("code", j("ResponsibleAIPolicyViolation")),
                    ("content_filter_result", filter_results(PROMPT_KEYS, Some(category), "medium")),
                ]),
            ),
        ]),
    )]);
    Reply::json(400, body.compact())
}

/// corpus/error_400_content_filter_responses_1.json, byte for byte (typographic apostrophe,
/// pretty-printed, no innererror: the Responses path does not say which category fired).
pub fn responses_content_filter() -> Reply {
    Reply::json(
        400,
        "{\n  \"error\": {\n    \"message\": \"The response was filtered due to the prompt triggering Azure OpenAI\u{2019}s content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766\",\n    \"type\": \"invalid_request_error\",\n    \"param\": \"prompt\",\n    \"code\": \"content_filter\"\n  }\n}",
    )
}

/// The operation name Azure's 429 message uses.
pub fn operation_name(api: crate::routes::Api) -> &'static str {
    use crate::routes::Api;
    match api {
        Api::Responses => "Responses_Create",
        Api::Embeddings => "Embeddings_Create",
        _ => "ChatCompletions_Create",
    }
}

/// Azure's 429: the message states the wait in whole seconds.
pub fn rate_limited(
    operation: &str,
    api_version: &str,
    token_limit: bool,
    retry_secs: u64,
    code: J,
) -> Reply {
    let kind = if token_limit {
        "token rate limit"
    } else {
        "call rate limit"
    };
    let unit = if retry_secs == 1 { "second" } else { "seconds" };
    let msg = format!(
        "Requests to the {operation} Operation under Azure OpenAI API version {api_version} have exceeded {kind} of your current AIServices S0 pricing tier. Please retry after {retry_secs} {unit}. Please contact Azure support service if you would like to further increase the default rate limit."
    );
    let body = obj([("error", obj([("code", code), ("message", j(msg))]))]);
    Reply::json(429, body.compact())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Payload;

    fn text(r: &Reply) -> String {
        match &r.payload {
            Payload::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
            _ => panic!("not bytes"),
        }
    }

    fn corpus(name: &str) -> Option<String> {
        let dir = crate::corpus_dir("the emulator's byte-for-byte error bodies")?;
        let path = dir.join(name);
        Some(
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("recorded body {} is missing: {e}", path.display())),
        )
    }

    #[test]
    fn recorded_bodies_match_byte_for_byte() {
        let cases = [
            (
                "error_400_unsupported_parameter_max_tokens_1.json",
                text(&unsupported_max_tokens()),
            ),
            (
                "error_400_content_filter_responses_1.json",
                text(&responses_content_filter()),
            ),
            (
                "error_400_content_filter_chat_1.json",
                text(&chat_content_filter(Category::SelfHarm)),
            ),
            (
                "error_400_unknown_model_v1_1.json",
                text(&unknown_model("this-model-does-not-exist-12345")),
            ),
        ];
        for (file, ours) in cases {
            let Some(recorded) = corpus(file) else {
                return;
            };
            assert_eq!(ours, recorded.trim_end(), "{file}");
        }
    }
}
