//! Azure AI Model Inference specifics (`/models/...`): the `extra-parameters` header and
//! `GET /models/info`; also the OpenAI-style model listing.

use serde_json::{Map, Value};

use crate::api::Ctx;
use crate::chat::unknown_params;
use crate::json::{j, obj, J};
use crate::reply::Reply;

/// `extra-parameters: pass-through | drop` accept unknown body keys; absent or `error` reject
/// them with the service's 400.
pub fn check_extra(ctx: &Ctx, body: &Map<String, Value>, known: &[&str]) -> Result<(), Reply> {
    let mode = ctx
        .header("extra-parameters")
        .unwrap_or("error")
        .trim()
        .to_ascii_lowercase();
    if mode == "pass-through" || mode == "drop" {
        return Ok(());
    }
    let extra = unknown_params(body, known);
    if extra.is_empty() {
        return Ok(());
    }
    // Quoted like a Python list, as the service prints it.
    let list = extra
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let msg = format!(
        "Extra parameters [{list}] are not allowed when extra-parameters is not set or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model."
    );
    let body = obj([(
        "error",
        obj([
            ("code", j("Invalid input")),
            ("message", j(msg)),
            ("status", j(400)),
        ]),
    )]);
    Err(Reply::json(400, body.compact()))
}

/// `GET /models/info`: the deployment named by `x-ms-model-mesh-model-name` or `?model=`, else
/// the first one.
pub fn info(ctx: &mut Ctx) -> Reply {
    let config = &ctx.shared.config;
    let named = ctx
        .header("x-ms-model-mesh-model-name")
        .map(str::to_string)
        .or_else(|| ctx.query_param("model").map(str::to_string));
    let d = match named {
        Some(n) => match config.deployment(&n) {
            Some(d) => d.clone(),
            None => return crate::errors::unknown_model(&n),
        },
        None => match config.deployments.first() {
            Some(d) => d.clone(),
            None => return crate::errors::resource_not_found(),
        },
    };
    let body = obj([
        ("model_name", j(d.model.as_str())),
        ("model_type", j("chat-completion")),
        ("model_provider_name", j(d.provider.as_str())),
    ]);
    ctx.deployment = Some(d);
    Reply::json(200, body.compact())
}

/// `GET /v1/models`: the deployments, as OpenAI lists models.
pub fn models(ctx: &mut Ctx) -> Reply {
    let data = ctx
        .shared
        .config
        .deployments
        .iter()
        .map(|d| {
            obj([
                ("id", j(d.name.as_str())),
                ("object", j("model")),
                ("created", j(0)),
                ("owned_by", j(d.provider.as_str())),
            ])
        })
        .collect();
    Reply::json(
        200,
        obj([("object", j("list")), ("data", J::Arr(data))]).compact(),
    )
}
