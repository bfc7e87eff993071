//! The bridge's side towards the remote server: an rmcp client service. What the remote sends
//! it passes to the stdio client: notifications (progress with the stdio client's own token,
//! logging messages, list changes, resource updates, custom ones) and requests (sampling,
//! roots, elicitation, custom ones; a ping it answers itself), cancelled when the remote cancels
//! them.

use std::sync::Arc;

use rmcp::ErrorData as McpError;
use rmcp::model::{ClientConfig, ClientResult, ServerNotification, ServerRequest};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, Service};

use super::Shared;
use super::forward::{forward, with_meta};

/// The client service of the bridge's session with the remote server.
pub(super) struct Remote {
    pub(super) shared: Arc<Shared>,
    pub(super) info: ClientConfig,
}

impl Service<RoleClient> for Remote {
    async fn handle_request(
        &self,
        request: ServerRequest,
        context: RequestContext<RoleClient>,
    ) -> Result<ClientResult, McpError> {
        if let ServerRequest::PingRequest(_) = request {
            return Ok(ClientResult::empty(()));
        }
        let Some(local) = self.shared.local.get() else {
            return Err(McpError::internal_error("no MCP client is connected to the bridge yet", None));
        };
        forward(local, request, &context.meta, &context.ct, &self.shared.to_remote).await
    }

    async fn handle_notification(
        &self,
        notification: ServerNotification,
        context: NotificationContext<RoleClient>,
    ) -> Result<(), McpError> {
        let Some(local) = self.shared.local.get() else {
            tracing::debug!("a notification from the remote server before the client initialized: dropped");
            return Ok(());
        };
        let notification = match notification {
            // rmcp has already cancelled the request it names (see `forward`).
            ServerNotification::CancelledNotification(_)
            // Only in 2026-07-28 sessions, which the bridge does not open.
            | ServerNotification::SubscriptionsAcknowledgedNotification(_)
            | ServerNotification::TaskStatusNotification(_) => return Ok(()),
            ServerNotification::ProgressNotification(mut progress) => {
                let Some(token) = self.shared.to_local.asker_token(&progress.params.progress_token).await else {
                    tracing::debug!("progress for a request the client asked no progress of: dropped");
                    return Ok(());
                };
                progress.params.progress_token = token;
                ServerNotification::ProgressNotification(progress)
            }
            other => other,
        };
        if let Err(e) = local.send_notification(with_meta(notification, context.meta)).await {
            tracing::debug!(error = %e, "could not pass a notification to the client");
        }
        Ok(())
    }

    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }
}
