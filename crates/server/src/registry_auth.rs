//! Registry credentials the way the container ecosystem keeps them, found on this machine for
//! the core's remote operations (the core never reads the environment): first
//! `MCP_ORCHESTRATION_REGISTRY_USER` / `MCP_ORCHESTRATION_REGISTRY_PASSWORD`, then (after a
//! stored `remote login`, which the core knows) Docker's `config.json` (`$DOCKER_CONFIG`, else
//! `~/.docker/config.json`): `credHelpers` and `credsStore` by running
//! `docker-credential-NAME get`, else `auths` (the `docker_credential` crate). Nothing found:
//! anonymous, where the registry's own token flow still applies. Values are never printed or
//! logged.

use std::path::PathBuf;

use orchestrator::remote::Credentials;
use orchestrator::service::CredentialSource;
use zeroize::Zeroizing;

/// The user name for registry basic auth or the token flow.
pub const USER_VAR: &str = "MCP_ORCHESTRATION_REGISTRY_USER";
/// Its password or token.
pub const PASSWORD_VAR: &str = "MCP_ORCHESTRATION_REGISTRY_PASSWORD";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Credentials from the environment, when both variables are set.
pub fn from_environment() -> Option<Credentials> {
    Some(Credentials::Basic { username: var(USER_VAR)?, password: Zeroizing::new(var(PASSWORD_VAR)?) })
}

/// Docker's config file.
fn docker_config() -> Option<PathBuf> {
    let dir =
        var("DOCKER_CONFIG").map(PathBuf::from).or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".docker")))?;
    Some(dir.join("config.json"))
}

/// Credentials for `HOST[:PORT]` from Docker's config and credential helpers, if any.
pub fn from_docker(registry: &str) -> Option<Credentials> {
    let file = std::fs::File::open(docker_config()?).ok()?;
    match docker_credential::get_credential_from_reader(file, registry) {
        Ok(docker_credential::DockerCredential::UsernamePassword(username, password)) => {
            Some(Credentials::Basic { username, password: Zeroizing::new(password) })
        }
        Ok(docker_credential::DockerCredential::IdentityToken(token)) => {
            Some(Credentials::Bearer(Zeroizing::new(token)))
        }
        Err(e) => {
            // Only the kind: a failing helper's output is not logged (it could hold a value).
            let kind = match e {
                docker_credential::CredentialRetrievalError::HelperFailure { helper, .. } => {
                    format!("helper {helper} failed")
                }
                other => format!("{other}"),
            };
            tracing::debug!(registry, kind, "no Docker credentials");
            None
        }
    }
}

/// Where the core's remote operations get credentials on this machine.
pub fn source() -> CredentialSource<'static> {
    CredentialSource { environment: from_environment(), docker: &from_docker }
}
