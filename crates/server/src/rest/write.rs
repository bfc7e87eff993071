//! The POST endpoints: verify and diff (read-only, a `read` token is enough) and publish,
//! deploy, rollback, sync (a `write` token). Deploy, rollback and sync write nothing without
//! `"confirm": true`: the answer is then the dry run (`dry_run: true`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::problem::Problem;
use super::schemas::*;
use super::{RestState, to_value};

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Problem> {
    body.map(|Json(b)| b).map_err(|e| Problem::usage(format!("bad request body: {}", e.body_text())))
}

/// Verifies stored artifacts: one id, or every version of every profile.
#[utoipa::path(post, path = "/v1/verify", tag = "profiles", request_body = VerifyRequest,
    responses((status = 200, description = "Every outcome", body = VerifyReport)))]
pub async fn verify(
    State(state): State<RestState>,
    request: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let request = body(request)?;
    state
        .run(move |core, _, _| {
            let outcomes = core.verify(request.artifact_id.as_deref())?;
            let rows: Vec<Value> = outcomes
                .iter()
                .map(|o| {
                    let mut row = to_value(o).unwrap_or(Value::Null);
                    if let Some(kind) = o.kind {
                        row["error_type"] = json!(Problem::of(kind, "").problem_type);
                    }
                    row
                })
                .collect();
            let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
            Ok(json!({"verified": failed == 0, "checked": outcomes.len(), "failed": failed, "outcomes": rows}))
        })
        .await
}

/// Compares a posted servers document with a profile's head (redacted diff, status and
/// recommendation).
#[utoipa::path(post, path = "/v1/clients/{client}/profiles/{profile}/diff", tag = "profiles",
    params(("client" = String, Path, description = "A client id or `_shared`"),
           ("profile" = String, Path, description = "A profile id")),
    request_body = DiffRequest,
    responses((status = 200, description = "The drift report", body = DriftReport)))]
pub async fn diff(
    State(state): State<RestState>,
    Path((client, profile)): Path<(String, String)>,
    request: Result<Json<DiffRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let request = body(request)?;
    state
        .run(move |core, _, _| {
            let document = Value::Object(request.document);
            orchestrator::service::check_servers_document(&document)?;
            to_value(&core.diff_document(&client, &profile, &document)?)
        })
        .await
}

/// Signs a posted servers document with this home's key as the profile's next version, after
/// the checks of the CLI's `publish` (schema, no literal secrets, the client's transports).
#[utoipa::path(post, path = "/v1/clients/{client}/profiles/{profile}/publish", tag = "profiles",
    params(("client" = String, Path, description = "A client id or `_shared`"),
           ("profile" = String, Path, description = "A profile id")),
    request_body = PublishRequest,
    responses((status = 201, description = "A new version", body = Published),
              (status = 200, description = "The document equals the head: no new version", body = Published)))]
pub async fn publish(
    State(state): State<RestState>,
    Path((client, profile)): Path<(String, String)>,
    request: Result<Json<PublishRequest>, JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<Value>), Problem> {
    let request = body(request)?;
    let (created, value) = state
        .run_raw(move |core, _, path_dirs| {
            let text = Value::Object(request.document).to_string();
            let expires_in = request.expires_in_seconds.as_ref().map(expiry).transpose()?;
            let options = orchestrator::service::PublishOptions {
                note: request.note.as_deref(),
                expires_in,
                allow_same: request.allow_same,
                validate_on: Some(path_dirs),
                expect_head: None,
            };
            let outcome = core.publish_with(&client, &profile, &text, &options)?;
            let mut value = outcome.verified.into_json();
            value["created"] = json!(outcome.created);
            Ok((outcome.created, value))
        })
        .await?;
    let status = if created { axum::http::StatusCode::CREATED } else { axum::http::StatusCode::OK };
    Ok((status, Json(value)))
}

/// Longest expiry a publish may ask for (100 years).
const MAX_EXPIRY_SECONDS: u64 = 3_155_760_000;

/// `expires_in_seconds`: a whole number of seconds from 1 to 100 years (`60` and `60.0` alike,
/// as JSON Schema's `integer` has it).
fn expiry(number: &serde_json::Number) -> Result<std::time::Duration, Problem> {
    let seconds =
        number.as_u64().or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64));
    match seconds {
        Some(s) if (1..=MAX_EXPIRY_SECONDS).contains(&s) => Ok(std::time::Duration::from_secs(s)),
        _ => Err(Problem::usage(format!(
            "expires_in_seconds {number} is out of range: give whole seconds from 1 to {MAX_EXPIRY_SECONDS} (100 years), or leave it out for no expiry"
        ))),
    }
}

fn action(dry_run: bool, report: Value) -> Value {
    let mut value = json!({"dry_run": dry_run, "report": report});
    if dry_run {
        value["next_step"] = json!("nothing was written: send the same request with \"confirm\": true to write");
    }
    value
}

/// Writes a profile's verified servers into a client's file (`confirm: true`), or shows the
/// diff it would make. The file is the client's user file, or its file of `scope` (`project`
/// and `local` in `project`, one of the server's `--project-dir`s).
#[utoipa::path(post, path = "/v1/clients/{client}/deploy", tag = "deploy",
    params(("client" = String, Path, description = "A client id")),
    request_body = DeployRequest,
    responses((status = 200, description = "What was (or would be) written", body = DeployAction)))]
pub async fn deploy(
    State(state): State<RestState>,
    Path(client): Path<String>,
    request: Result<Json<DeployRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let request = body(request)?;
    let file = state.client_file(&client, request.scope.as_deref(), request.project.as_deref())?;
    state
        .run(move |core, _, _| {
            let options = orchestrator::service::DeployOptions {
                dry_run: !request.confirm,
                adopt: request.adopt.clone(),
                adopt_all: request.adopt_all,
                create: request.create,
                ..Default::default()
            };
            let report = core.deploy_with(&file, &request.profile, &options)?;
            Ok(action(!request.confirm, to_value(&report)?))
        })
        .await
}

/// Restores a client file's earlier bytes (`confirm: true`), or shows what would be restored.
#[utoipa::path(post, path = "/v1/clients/{client}/rollback", tag = "deploy",
    params(("client" = String, Path, description = "A client id")),
    request_body = RollbackRequest,
    responses((status = 200, description = "What was (or would be) restored", body = RollbackAction)))]
pub async fn rollback(
    State(state): State<RestState>,
    Path(client): Path<String>,
    request: Result<Json<RollbackRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let request = body(request)?;
    let file = state.client_file(&client, request.scope.as_deref(), request.project.as_deref())?;
    state
        .run(move |core, _, _| {
            if !request.confirm {
                let preview = core.rollback_preview(&file, request.deployment_id.as_deref())?;
                return Ok(action(true, to_value(&preview)?));
            }
            let report = core.rollback(&file, request.deployment_id.as_deref(), request.force)?;
            Ok(action(false, to_value(&report)?))
        })
        .await
}

/// Deploys one profile into every client file on this machine (`confirm: true`), or shows
/// the diff per file.
#[utoipa::path(post, path = "/v1/sync", tag = "deploy", request_body = SyncRequest,
    responses((status = 200, description = "Per file, what was (or would be) written", body = SyncAction)))]
pub async fn sync(
    State(state): State<RestState>,
    request: Result<Json<SyncRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let request = body(request)?;
    state
        .run(move |core, facts, _| {
            let targets = orchestrator::service::sync_targets(facts);
            let report = core.sync(&request.profile, &targets, !request.confirm)?;
            Ok(action(!request.confirm, to_value(&report)?))
        })
        .await
}
