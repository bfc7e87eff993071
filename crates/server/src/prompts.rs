//! The server's prompts: the two workflows a user most often asks a model for, written so the
//! model uses the tools safely (dry run first, then ask before `confirm: true`). `prompts/get`
//! of an unknown name, or without a required argument, is a JSON-RPC -32602 error.

use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::Value;

/// Every prompt.
pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "deploy_profile",
            Some("Deploy a profile into a client's config file safely: show the diff, ask, then write."),
            Some(vec![
                PromptArgument::new("client_id")
                    .with_description("Client id, as listed by list_clients (e.g. cursor)")
                    .with_required(true),
                PromptArgument::new("profile_id")
                    .with_description("Profile id; default when omitted")
                    .with_required(false),
            ]),
        ),
        Prompt::new(
            "review_drift",
            Some("Review which client config files on this machine differ from their profiles, and why."),
            Some(vec![
                PromptArgument::new("client_id")
                    .with_description("Only this client; every detected client when omitted")
                    .with_required(false),
            ]),
        ),
    ]
}

fn argument<'a>(arguments: Option<&'a JsonObject>, name: &str) -> Option<&'a str> {
    arguments.and_then(|a| a.get(name)).and_then(Value::as_str).filter(|v| !v.is_empty())
}

/// The messages of one prompt.
pub fn get(name: &str, arguments: Option<&JsonObject>) -> Result<GetPromptResult, McpError> {
    let text = match name {
        "deploy_profile" => {
            let Some(client) = argument(arguments, "client_id") else {
                return Err(McpError::invalid_params(
                    "deploy_profile needs the argument client_id (see list_clients)",
                    None,
                ));
            };
            let profile = argument(arguments, "profile_id").unwrap_or("default");
            format!(
                "Deploy the profile `{profile}` of the MCP client `{client}` with mcp-orchestration. First call \
                 get_config (client_id `{client}`, profile_id `{profile}`) and tell me what servers it holds. Then \
                 call deploy_config without confirm and show me the diff it returns. Only if I agree, call \
                 deploy_config again with confirm: true, and tell me the deployment id (rollback_config undoes it)."
            )
        }
        "review_drift" => {
            let scope = match argument(arguments, "client_id") {
                Some(client) => format!("with client_id `{client}`"),
                None => "without arguments".to_owned(),
            };
            format!(
                "Call get_deployment_status {scope}. For every file whose status is not up-to-date, tell me what \
                 differs (servers added, removed, modified) and what you recommend (deploy_config to bring it in \
                 line, or import_client_config to keep the local changes). Change nothing."
            )
        }
        other => {
            return Err(McpError::invalid_params(format!("unknown prompt {other:?}: call prompts/list"), None));
        }
    };
    let description = list().into_iter().find(|p| p.name == name).and_then(|p| p.description).unwrap_or_default();
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).with_description(description))
}
