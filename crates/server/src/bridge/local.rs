//! The bridge's side towards the stdio client: an rmcp server handler whose `initialize`
//! answer is the remote server's (capabilities, serverInfo, instructions; a protocol version
//! no newer than the remote's) and whose every request is forwarded to the remote server
//! unchanged (pagination cursors included), its answer or JSON-RPC error returned as it came.
//! rmcp's own server dispatch stays in front, so each side speaks its own protocol version.

// Logging and `resources/subscribe` are what sessions that start with `initialize` use; rmcp
// marks them deprecated for the 2026-07-28 lifecycle (SEP-2577).
#![allow(deprecated)]

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResponse, CallToolResult, ClientNotification, ClientRequest,
    CompleteRequest, CompleteRequestParams, CompleteResult, CustomNotification, CustomRequest, CustomResult,
    GetPromptRequest, GetPromptRequestParams, GetPromptResponse, GetPromptResult, InitializeRequestParams,
    InitializeResult, ListPromptsRequest, ListPromptsResult, ListResourceTemplatesRequest, ListResourceTemplatesResult,
    ListResourcesRequest, ListResourcesResult, ListToolsRequest, ListToolsResult, PaginatedRequestParams, PingRequest,
    ProgressNotification, ProgressNotificationParam, ProtocolVersion, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, RootsListChangedNotification, ServerConfig, SetLevelRequest,
    SetLevelRequestParams, SubscribeRequest, SubscribeRequestParams, UnsubscribeRequest, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RoleClient, RoleServer};
use rmcp::{ErrorData as McpError, ServerHandler};
use serde::de::DeserializeOwned;

use super::Shared;
use super::forward::{forward, typed, with_meta};

/// The server handler of the bridge's stdio session.
#[derive(Clone)]
pub(super) struct Local {
    pub(super) remote: Peer<RoleClient>,
    /// The remote server's `initialize` answer, as the bridge gives it.
    pub(super) info: Arc<ServerConfig>,
    pub(super) shared: Arc<Shared>,
}

impl Local {
    /// Forwards one request to the remote server and reads its answer as `T`.
    async fn ask<T: DeserializeOwned>(
        &self,
        request: ClientRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<T, McpError> {
        // A client of the 2026-07-28 lifecycle sends no `initialize`: its peer is known here.
        let _ = self.shared.local.set(context.peer.clone());
        let method = request.method().to_owned();
        let answer = forward(&self.remote, request, &context.meta, &context.ct, &self.shared.to_local).await?;
        typed(answer, &method)
    }

    async fn tell(&self, notification: ClientNotification) {
        if let Err(e) = self.remote.send_notification(notification).await {
            tracing::debug!(error = %e, "could not pass a notification to the remote server");
        }
    }
}

impl ServerHandler for Local {
    fn get_info(&self) -> ServerConfig {
        self.info.as_ref().clone()
    }

    /// No newer than the remote's: the stdio client then needs nothing the remote lacks.
    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&self.info.protocol_version))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        let _ = self.shared.local.set(context.peer.clone());
        context.peer.set_peer_info(request.clone());
        self.negotiate_initialize(&request)
    }

    async fn ping(&self, context: RequestContext<RoleServer>) -> Result<(), McpError> {
        self.ask::<rmcp::model::EmptyResult>(ClientRequest::PingRequest(PingRequest::default()), context).await?;
        Ok(())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        self.ask(ClientRequest::CompleteRequest(CompleteRequest::new(request)), context).await
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.ask::<rmcp::model::EmptyResult>(ClientRequest::SetLevelRequest(SetLevelRequest::new(request)), context)
            .await?;
        Ok(())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let result: GetPromptResult =
            self.ask(ClientRequest::GetPromptRequest(GetPromptRequest::new(request)), context).await?;
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let request = ListPromptsRequest { params: request, ..Default::default() };
        self.ask(ClientRequest::ListPromptsRequest(request), context).await
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let request = ListResourcesRequest { params: request, ..Default::default() };
        self.ask(ClientRequest::ListResourcesRequest(request), context).await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let request = ListResourceTemplatesRequest { params: request, ..Default::default() };
        self.ask(ClientRequest::ListResourceTemplatesRequest(request), context).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let result: ReadResourceResult =
            self.ask(ClientRequest::ReadResourceRequest(ReadResourceRequest::new(request)), context).await?;
        Ok(result.into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.ask::<rmcp::model::EmptyResult>(ClientRequest::SubscribeRequest(SubscribeRequest::new(request)), context)
            .await?;
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let request = ClientRequest::UnsubscribeRequest(UnsubscribeRequest::new(request));
        self.ask::<rmcp::model::EmptyResult>(request, context).await?;
        Ok(())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let result: CallToolResult =
            self.ask(ClientRequest::CallToolRequest(CallToolRequest::new(request)), context).await?;
        Ok(result.into())
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let request = ListToolsRequest { params: request, ..Default::default() };
        self.ask(ClientRequest::ListToolsRequest(request), context).await
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        self.ask(ClientRequest::CustomRequest(request), context).await
    }

    async fn on_progress(
        &self,
        mut notification: ProgressNotificationParam,
        _context: NotificationContext<RoleServer>,
    ) {
        // Progress of a request the remote server sent the client (sampling, elicitation).
        let Some(token) = self.shared.to_remote.asker_token(&notification.progress_token).await else { return };
        notification.progress_token = token;
        self.tell(ClientNotification::ProgressNotification(ProgressNotification::new(notification))).await;
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let _ = self.shared.local.set(context.peer);
    }

    async fn on_roots_list_changed(&self, context: NotificationContext<RoleServer>) {
        let notification = RootsListChangedNotification::default();
        self.tell(with_meta(ClientNotification::RootsListChangedNotification(notification), context.meta)).await;
    }

    async fn on_custom_notification(&self, notification: CustomNotification, context: NotificationContext<RoleServer>) {
        self.tell(with_meta(ClientNotification::CustomNotification(notification), context.meta)).await;
    }
}
