//! The MCP sessions of `serve --http`: an implementation of rmcp's
//! [`SessionManager`] trait that keeps the session protocol of rmcp's own
//! `LocalSessionManager` (the same streams, event ids, routing and timeouts, through rmcp's types)
//! without its session worker task.
//!
//! rmcp's manager runs one task per session that every message crosses: a POST asks it for the
//! request's channel and waits for the answer, then hands it the message; the service's answer
//! goes to it too, and from it to the POST's channel; it also builds a UUID and re-arms a timer
//! per event. Here the same state sits behind a mutex that each side takes for a moment: a POST
//! registers its channel and passes the message to the service; the service's
//! [`Transport::send`] routes the answer into that channel itself.
//!
//! What is kept, as rmcp's manager does it:
//! - **Request streams.** Each POSTed request gets its own stream, opened with a priming event
//!   (`retry`, event id `0/<n>`) when [`SessionConfig::sse_retry`] is set; its events are
//!   numbered `<index>/<n>`. The request's response (or error) ends it.
//! - **Routing.** A response or error goes to its request's stream; a progress notification to
//!   the stream of the request that carried its progress token; a cancellation to the stream of
//!   the request it names; a server request made while handling a client request (rmcp's
//!   `OriginatingRequestId`, SEP-2260) to that request's stream; everything else to the
//!   standalone stream (GET).
//! - **Resumption.** The last [`SessionConfig::channel_capacity`] events of each stream are kept;
//!   a GET with `Last-Event-ID` replays them from that event on a new connection. A request the
//!   client cancelled keeps its events for [`SessionConfig::completed_cache_ttl`].
//! - **The standalone stream.** A second GET while the first is open gets an idle stream (kept
//!   alive by keep-alive comments, at most 32), so that competing reconnections do not take it
//!   from each other.
//! - **Timeouts.** A session with no `initialize` within [`SessionConfig::init_timeout`], or no
//!   message either way for [`SessionConfig::keep_alive`], ends (one timer per session, not per
//!   message).
//! - **At most [`MAX_SESSIONS`] sessions.** A session costs tens of KB (its service task, its
//!   channels) and lives until its idle timeout, so a client that opens a session per call (or
//!   a flood of `initialize`) would otherwise grow the server without bound. A new session
//!   beyond the limit ends the one idle longest: its client gets 404 on its next request and
//!   starts a new session, as the MCP specification asks. (rmcp's own manager has no limit.)
//!
//! - **JSON answers.** A POST that brings a [`JsonAnswer`] (put in the HTTP request's extensions
//!   by [`crate::http_protocol`]; rmcp hands the request's `Parts` to [`SessionManager::create_stream`]
//!   with the message) gets its response handed over as the [`ServerJsonRpcMessage`] itself when
//!   the response is the first message for its stream, so the HTTP layer serializes it once, as
//!   the JSON body; anything else first (a progress notification, a server request) makes the
//!   POST an event stream as above.
//! - **Invalid params.** A known MCP method whose params do not fit it (rmcp parses it as an
//!   unknown custom request and would answer -32601) is answered -32602 on its stream, in rmcp's
//!   types, without reaching the service ([`crate::jsonrpc::invalid_params`]).
//!
//! - **Slow readers.** An event is queued at once instead of holding up the whole session until a
//!   slow reader takes the one before, but a stream holds at most [`MAX_QUEUED_EVENTS`] events its
//!   connection has not taken: a reader further behind (a client that stopped reading its
//!   standalone stream while resources kept changing) loses that connection, as if it had dropped,
//!   and may resume with `Last-Event-ID` from the events kept. Memory per session stays bounded.
//!
//! There is no external event store ([`SessionManager::event_store`] is `None`, as with rmcp's
//! default).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::Stream;
use rmcp::RoleServer;
use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ClientRequest, GetExtensions as _, GetMeta as _, JsonRpcMessage,
    JsonRpcRequest, ProgressToken, RequestId, ServerJsonRpcMessage, ServerNotification,
};
use rmcp::service::{OriginatingRequestId, TxJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId, SessionManager};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// How sessions behave (rmcp's `SessionConfig` defaults).
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Events kept per stream for resumption; also the bound of the queue to the service.
    pub channel_capacity: usize,
    /// A session with no message either way for this long ends (`None`: never).
    pub keep_alive: Option<Duration>,
    /// The `retry` of the priming event that opens each request stream (`None`: no priming).
    pub sse_retry: Option<Duration>,
    /// How long a cancelled request's events stay available for a late resumption.
    pub completed_cache_ttl: Duration,
    /// A session whose `initialize` has not come within this ends (`None`: never).
    pub init_timeout: Option<Duration>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            channel_capacity: 16,
            keep_alive: Some(Duration::from_secs(300)),
            sse_retry: Some(Duration::from_secs(3)),
            completed_cache_ttl: Duration::from_secs(60),
            init_timeout: Some(Duration::from_secs(60)),
        }
    }
}

/// The most MCP sessions kept at once (see the module's documentation).
pub const MAX_SESSIONS: usize = 1024;

/// Most idle standalone streams per session (rmcp's limit).
pub const MAX_SHADOW_STREAMS: usize = 32;

/// The most events a stream holds that its connection has not taken yet (at least the events kept
/// for resumption, which a resumption sends at once).
pub const MAX_QUEUED_EVENTS: usize = 1024;

/// A stream's queue: at most [`MAX_QUEUED_EVENTS`] events, or `kept` if more are kept.
fn queue(kept: usize) -> (mpsc::Sender<ServerSseMessage>, mpsc::Receiver<ServerSseMessage>) {
    mpsc::channel(MAX_QUEUED_EVENTS.max(kept))
}

/// A queue whose reader is gone: what is sent to it is only kept.
fn closed_queue() -> mpsc::Sender<ServerSseMessage> {
    mpsc::channel(1).0
}

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No session with this id (never created, or ended).
    #[error("session not found: {0}")]
    NotFound(SessionId),
    /// The session's service has ended.
    #[error("the session has ended")]
    Ended,
    /// The stream of this HTTP request is gone (its request answered or evicted).
    #[error("the stream of HTTP request {0} is closed")]
    StreamClosed(u64),
    /// A `Last-Event-ID` that names no event kept here.
    #[error("invalid event id {0:?}")]
    InvalidEventId(String),
}

/// The sessions of one server.
#[derive(Debug, Default)]
pub struct DirectSessionManager {
    sessions: RwLock<HashMap<SessionId, Arc<Session>>>,
    config: SessionConfig,
}

impl DirectSessionManager {
    /// A manager whose sessions follow `config`.
    pub fn new(config: SessionConfig) -> Self {
        DirectSessionManager { sessions: RwLock::default(), config }
    }

    /// With [`MAX_SESSIONS`] sessions kept, takes out the one idle longest (to be ended).
    fn make_room(sessions: &mut HashMap<SessionId, Arc<Session>>) -> Option<Arc<Session>> {
        if sessions.len() < MAX_SESSIONS {
            return None;
        }
        let idle_longest = sessions
            .iter()
            .min_by_key(|(_, s)| s.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).last_active)
            .map(|(id, _)| id.clone())?;
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                max = MAX_SESSIONS,
                "too many MCP sessions: each new one ends the session idle longest (its client gets 404 and \
                 starts again); is a client opening a session per call?"
            );
        });
        tracing::debug!(session_id = %idle_longest, "MCP session ended to make room");
        sessions.remove(&idle_longest)
    }

    fn session(&self, id: &SessionId) -> Result<Arc<Session>, SessionError> {
        let sessions = self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        sessions.get(id).cloned().ok_or_else(|| SessionError::NotFound(id.clone()))
    }
}

/// An event id: the index within its stream and, for request streams, the HTTP request's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventId {
    http_request: Option<u64>,
    index: usize,
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.http_request {
            Some(request) => write!(f, "{}/{request}", self.index),
            None => write!(f, "{}", self.index),
        }
    }
}

impl std::str::FromStr for EventId {
    type Err = SessionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SessionError::InvalidEventId(s.to_owned());
        let (index, http_request) = match s.split_once('/') {
            Some((index, request)) => (index, Some(request.parse().map_err(|_| bad())?)),
            None => (s, None),
        };
        Ok(EventId { http_request, index: index.parse().map_err(|_| bad())? })
    }
}

/// One stream's sender, with its last events kept for resumption.
#[derive(Debug)]
struct CachedTx {
    tx: mpsc::Sender<ServerSseMessage>,
    cache: VecDeque<ServerSseMessage>,
    capacity: usize,
    http_request: Option<u64>,
    next_index: usize,
}

impl CachedTx {
    fn new(tx: mpsc::Sender<ServerSseMessage>, http_request: Option<u64>, capacity: usize) -> Self {
        CachedTx { tx, cache: VecDeque::new(), capacity: capacity.max(1), http_request, next_index: 0 }
    }

    /// Numbers the event, keeps it and sends it (a closed stream only keeps it). A reader
    /// [`MAX_QUEUED_EVENTS`] behind loses its connection: the stream is closed, the event kept.
    fn send(&mut self, mut event: ServerSseMessage) {
        event.event_id = Some(EventId { http_request: self.http_request, index: self.next_index }.to_string());
        self.next_index += 1;
        if self.cache.len() >= self.capacity {
            self.cache.pop_front();
        }
        self.cache.push_back(event.clone());
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(event) {
            tracing::warn!(
                queued = self.tx.max_capacity(),
                "an MCP event stream's reader fell too far behind: its connection ends (it may resume with \
                 Last-Event-ID)"
            );
            self.close();
        }
    }

    /// Re-sends the kept events from the one numbered `index` on.
    fn replay_from(&self, index: usize) -> Result<(), SessionError> {
        let Some(front) = self.cache.front() else { return Ok(()) };
        let front: EventId = front.event_id.as_deref().unwrap_or_default().parse()?;
        let skip = index.saturating_sub(front.index);
        if skip > self.cache.len() {
            return Err(SessionError::InvalidEventId(index.to_string()));
        }
        for event in self.cache.iter().skip(skip) {
            if self.tx.try_send(event.clone()).is_err() {
                return Err(SessionError::StreamClosed(self.http_request.unwrap_or_default()));
            }
        }
        Ok(())
    }

    /// Ends the stream (its events stay kept).
    fn close(&mut self) {
        self.tx = closed_queue();
    }
}

/// A request stream, what is routed to it, and when it was cancelled.
#[derive(Debug)]
struct RequestStream {
    resources: HashSet<Resource>,
    tx: CachedTx,
    completed_at: Option<Instant>,
    /// Where the response goes instead, while nothing else has been sent for the request.
    json: Option<oneshot::Sender<ServerJsonRpcMessage>>,
}

/// A POST's wish to get its response as one JSON body: the HTTP layer puts it in the request's
/// extensions and keeps the receiver ([`JsonAnswer::new`]); the session takes the sender when it
/// opens the request's stream and sends the response there if it is the stream's first message.
/// Dropped without a response (something else came first, the stream or session ended), the
/// receiver sees the sender gone: the answer is the event stream.
#[derive(Debug, Clone)]
pub struct JsonAnswer(Arc<Mutex<JsonSlot>>);

#[derive(Debug)]
struct JsonSlot {
    tx: Option<oneshot::Sender<ServerJsonRpcMessage>>,
    /// Taken by a session for a request answered at once (see [`is_quick`]).
    quick: Option<bool>,
}

impl JsonAnswer {
    /// The wish and where its response arrives.
    pub fn new() -> (JsonAnswer, oneshot::Receiver<ServerJsonRpcMessage>) {
        let (tx, rx) = oneshot::channel();
        (JsonAnswer(Arc::new(Mutex::new(JsonSlot { tx: Some(tx), quick: None }))), rx)
    }

    /// After the request went through rmcp: `None` when no session took the wish (no request
    /// stream was opened: `initialize`, a notification, an error answered by rmcp), else whether
    /// the request is one answered at once without waiting on anything slow.
    pub fn taken(&self) -> Option<bool> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).quick
    }

    fn take(&self, quick: bool) -> Option<oneshot::Sender<ServerJsonRpcMessage>> {
        let mut slot = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = slot.tx.take()?;
        slot.quick = Some(quick);
        Some(tx)
    }

    /// The wish a request carries (in the HTTP request's `Parts` that rmcp put in its extensions).
    fn of(request: &JsonRpcRequest<ClientRequest>) -> Option<&JsonAnswer> {
        request.request.extensions().get::<axum::http::request::Parts>()?.extensions.get::<JsonAnswer>()
    }
}

/// Whether a request is answered at once, on the worker that received it, without waiting on
/// anything slow (a blocking-pool tool, the client): the HTTP layer then waits for its JSON
/// answer with no timer of its own.
fn is_quick(request: &ClientRequest) -> bool {
    match request {
        ClientRequest::PingRequest(_)
        | ClientRequest::ListToolsRequest(_)
        | ClientRequest::ListPromptsRequest(_)
        | ClientRequest::ListResourceTemplatesRequest(_) => true,
        ClientRequest::CallToolRequest(call) => crate::QUICK_TOOLS.contains(&call.params.name.as_ref()),
        _ => false,
    }
}

/// What routes a server message to a request stream.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum Resource {
    Request(RequestId),
    Progress(ProgressToken),
}

/// Where a server message goes.
enum Outbound {
    Request { id: u64, close: bool },
    Common,
}

/// A session's state, changed under its mutex by the HTTP side and the service alike.
#[derive(Debug)]
struct State {
    next_http_request: u64,
    streams: HashMap<u64, RequestStream>,
    resources: HashMap<Resource, u64>,
    /// Streams of cancelled requests, kept until their TTL (none: nothing to evict).
    completed: usize,
    common: CachedTx,
    shadows: Vec<mpsc::Sender<ServerSseMessage>>,
    /// Waiting for the answer to `initialize`: it gets the service's first message.
    init: Option<oneshot::Sender<ServerJsonRpcMessage>>,
    initialized: bool,
    last_active: Instant,
}

/// One session: its state, the queue to its service, and the token that ends it.
#[derive(Debug)]
struct Session {
    state: Mutex<State>,
    to_service: mpsc::Sender<ClientJsonRpcMessage>,
    ended: CancellationToken,
    /// Told when `initialize` has been answered (the timeouts then switch to keep-alive).
    answered: tokio::sync::Notify,
    config: SessionConfig,
}

/// A stream of server events (what [`SessionManager::create_stream`] and the GETs return).
pub type EventStream = futures::stream::PollFn<
    Box<dyn FnMut(&mut std::task::Context<'_>) -> std::task::Poll<Option<ServerSseMessage>> + Send + Sync>,
>;

fn event_stream(mut rx: mpsc::Receiver<ServerSseMessage>) -> EventStream {
    futures::stream::poll_fn(Box::new(move |cx| rx.poll_recv(cx)))
}

impl Session {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.last_active = Instant::now();
        state
    }

    async fn push(&self, message: ClientJsonRpcMessage) -> Result<(), SessionError> {
        if self.ended.is_cancelled() {
            return Err(SessionError::Ended);
        }
        self.to_service.send(message).await.map_err(|_| SessionError::Ended)
    }

    /// Ends the session: the service sees its input end, every open stream ends.
    fn end(&self) {
        self.ended.cancel();
        let mut state = self.lock();
        state.streams.clear();
        state.resources.clear();
        state.common.close();
        state.shadows.clear();
        state.init = None;
    }

    /// Ends the session when `initialize` does not come in time or it is idle too long.
    async fn watch_timeouts(self: Arc<Self>) {
        let started = Instant::now();
        loop {
            let (deadline, initialized) = {
                let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let deadline = if state.initialized {
                    self.config.keep_alive.map(|k| state.last_active + k)
                } else {
                    self.config.init_timeout.map(|t| started + t)
                };
                (deadline, state.initialized)
            };
            let wait = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = self.ended.cancelled() => return,
                () = self.answered.notified(), if !initialized => continue,
                () = wait => {}
            }
            let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let expired = if initialized {
                self.config.keep_alive.is_some_and(|k| state.last_active.elapsed() >= k)
            } else {
                !state.initialized
            };
            drop(state);
            if expired {
                tracing::debug!(initialized, "MCP session timed out");
                self.end();
                return;
            }
        }
    }
}

impl State {
    fn register(&mut self, resource: Resource, http_request: u64) {
        if let Some(stream) = self.streams.get_mut(&http_request) {
            stream.resources.insert(resource.clone());
            self.resources.insert(resource, http_request);
        }
    }

    /// A request of the client no longer routes anything (rmcp's `unregister_resource`): a
    /// cancelled request's stream ends, its events kept for the TTL.
    fn unregister(&mut self, resource: &Resource) {
        let Some(http_request) = self.resources.remove(resource) else { return };
        let Some(stream) = self.streams.get_mut(&http_request) else { return };
        if !stream.resources.is_empty() && !matches!(resource, Resource::Request(_)) {
            return;
        }
        let resources: Vec<_> = stream.resources.drain().collect();
        if stream.completed_at.is_none() {
            self.completed += 1;
        }
        stream.completed_at = Some(Instant::now());
        stream.tx.close();
        for resource in resources {
            self.resources.remove(&resource);
        }
    }

    fn evict_expired(&mut self, ttl: Duration) {
        if self.completed == 0 {
            return;
        }
        let before = self.streams.len();
        self.streams.retain(|_, s| s.completed_at.is_none_or(|at| at.elapsed() < ttl));
        self.completed -= before - self.streams.len();
    }

    fn outbound(&self, message: &ServerJsonRpcMessage) -> Outbound {
        let to_request = |resource: Resource, close: bool| {
            self.resources.get(&resource).map_or(Outbound::Common, |id| Outbound::Request { id: *id, close })
        };
        match message {
            JsonRpcMessage::Request(request) => match request.request.extensions().get::<OriginatingRequestId>() {
                Some(originating) => {
                    let outbound = to_request(Resource::Request(originating.0.clone()), false);
                    if matches!(outbound, Outbound::Common) {
                        tracing::warn!(
                            originating_request_id = %originating.0,
                            "a server request could not go on the stream of the request it belongs to (answered \
                             already): sent on the standalone stream"
                        );
                    }
                    outbound
                }
                None => Outbound::Common,
            },
            JsonRpcMessage::Notification(notification) => match &notification.notification {
                ServerNotification::ProgressNotification(progress) => {
                    to_request(Resource::Progress(progress.params.progress_token.clone()), false)
                }
                ServerNotification::CancelledNotification(cancelled) => match &cancelled.params.request_id {
                    Some(id) => to_request(Resource::Request(id.clone()), false),
                    None => Outbound::Common,
                },
                _ => Outbound::Common,
            },
            JsonRpcMessage::Response(response) => to_request(Resource::Request(response.id.clone()), true),
            JsonRpcMessage::Error(error) => match &error.id {
                Some(id) => to_request(Resource::Request(id.clone()), true),
                None => Outbound::Common,
            },
        }
    }

    /// Sends a message of the service where it belongs (rmcp's `handle_server_message`).
    fn route(&mut self, message: ServerJsonRpcMessage) -> Result<(), SessionError> {
        if let Some(init) = self.init.take() {
            self.initialized = true;
            let _ = init.send(message);
            return Ok(());
        }
        match self.outbound(&message) {
            Outbound::Request { id, close } => self.send_to_stream(id, close, message)?,
            Outbound::Common => self.common.send(ServerSseMessage::from_message(message)),
        }
        Ok(())
    }

    /// Sends a message to the stream of HTTP request `id` (its JSON answer when that is waiting
    /// and this is the response); `close`: the request is answered, its stream ends.
    fn send_to_stream(&mut self, id: u64, close: bool, message: ServerJsonRpcMessage) -> Result<(), SessionError> {
        let stream = self.streams.get_mut(&id).ok_or(SessionError::StreamClosed(id))?;
        // The response as the POST's JSON body when it comes first; anything else first
        // drops the sender (the POST becomes the event stream this message goes on).
        let message = match stream.json.take() {
            Some(json) if close => json.send(message).err(),
            _ => Some(message),
        };
        if let Some(message) = message {
            stream.tx.send(ServerSseMessage::from_message(message));
        }
        if close && let Some(stream) = self.streams.remove(&id) {
            if stream.completed_at.is_some() {
                self.completed -= 1;
            }
            for resource in stream.resources {
                self.resources.remove(&resource);
            }
        }
        Ok(())
    }

    /// The standalone stream: the primary one when there is none open (replaying its kept
    /// events from `replay_from`), else an idle one.
    fn resume_or_shadow_common(
        &mut self,
        replay_from: Option<usize>,
    ) -> Result<mpsc::Receiver<ServerSseMessage>, SessionError> {
        let (tx, rx) = queue(self.common.capacity);
        if self.common.tx.is_closed() {
            self.common.tx = tx;
            if let Some(index) = replay_from {
                self.common.replay_from(index)?;
            }
        } else {
            self.shadows.retain(|tx| !tx.is_closed());
            if self.shadows.len() >= MAX_SHADOW_STREAMS {
                tracing::warn!(shadows = self.shadows.len(), "too many idle standalone streams: the oldest ends");
                self.shadows.remove(0);
            }
            self.shadows.push(tx);
        }
        Ok(rx)
    }
}

/// The service's side of a session: what the client sends, and where the answers go.
#[derive(Debug)]
pub struct SessionTransport {
    session: Arc<Session>,
    from_client: mpsc::Receiver<ClientJsonRpcMessage>,
}

impl Transport<RoleServer> for SessionTransport {
    type Error = SessionError;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let routed =
            if self.session.ended.is_cancelled() { Err(SessionError::Ended) } else { self.session.lock().route(item) };
        std::future::ready(routed)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        tokio::select! {
            biased;
            () = self.session.ended.cancelled() => None,
            message = self.from_client.recv() => message,
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.session.end();
        Ok(())
    }
}

impl SessionManager for DirectSessionManager {
    type Error = SessionError;
    type Transport = SessionTransport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        let id = rmcp::transport::common::server_side_http::session_id();
        let (to_service, from_client) = mpsc::channel(self.config.channel_capacity.max(1));
        let session = Arc::new(Session {
            state: Mutex::new(State {
                next_http_request: 0,
                streams: HashMap::new(),
                resources: HashMap::new(),
                completed: 0,
                common: CachedTx::new(closed_queue(), None, self.config.channel_capacity),
                shadows: Vec::new(),
                init: None,
                initialized: false,
                last_active: Instant::now(),
            }),
            to_service,
            ended: CancellationToken::new(),
            answered: tokio::sync::Notify::new(),
            config: self.config.clone(),
        });
        tokio::spawn(Arc::clone(&session).watch_timeouts());
        let evicted = {
            let mut sessions = self.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            let evicted = Self::make_room(&mut sessions);
            sessions.insert(id.clone(), Arc::clone(&session));
            evicted
        };
        if let Some(evicted) = evicted {
            evicted.end();
        }
        tracing::debug!(session_id = %id, "MCP session created");
        Ok((id, SessionTransport { session, from_client }))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let session = self.session(id)?;
        let (tx, rx) = oneshot::channel();
        session.lock().init = Some(tx);
        session.push(message).await?;
        let answer = rx.await.map_err(|_| SessionError::Ended)?;
        session.answered.notify_one();
        Ok(answer)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner).contains_key(id))
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let session = self.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
        if let Some(session) = session {
            session.end();
        }
        Ok(())
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let rx = {
            let mut state = session.lock();
            state.evict_expired(self.config.completed_cache_ttl);
            let http_request = state.next_http_request;
            state.next_http_request = http_request.wrapping_add(1);
            let (tx, rx) = queue(self.config.channel_capacity);
            let mut tx = CachedTx::new(tx, Some(http_request), self.config.channel_capacity);
            if let Some(retry) = self.config.sse_retry {
                tx.send(ServerSseMessage::retry(retry));
            }
            let json = match &message {
                JsonRpcMessage::Request(request) => {
                    JsonAnswer::of(request).and_then(|json| json.take(is_quick(&request.request)))
                }
                _ => None,
            };
            state
                .streams
                .insert(http_request, RequestStream { resources: HashSet::new(), tx, completed_at: None, json });
            if let JsonRpcMessage::Request(request) = &message {
                register_request(&mut state, request, http_request);
                if let Some(error) = invalid_params(request) {
                    state.send_to_stream(http_request, true, error)?;
                    return Ok(event_stream(rx));
                }
            }
            rx
        };
        session.push(message).await?;
        Ok(event_stream(rx))
    }

    async fn accept_message(&self, id: &SessionId, message: ClientJsonRpcMessage) -> Result<(), Self::Error> {
        let session = self.session(id)?;
        if let JsonRpcMessage::Notification(notification) = &message
            && let ClientNotification::CancelledNotification(cancelled) = &notification.notification
            && let Some(request_id) = &cancelled.params.request_id
        {
            session.lock().unregister(&Resource::Request(request_id.clone()));
        } else {
            drop(session.lock()); // activity: the keep-alive starts over
        }
        session.push(message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let rx = session.lock().resume_or_shadow_common(Some(0))?;
        Ok(event_stream(rx))
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let session = self.session(id)?;
        let last: EventId = last_event_id.parse()?;
        let mut state = session.lock();
        let rx = match last.http_request {
            Some(http_request) => {
                let stream = state.streams.get_mut(&http_request).ok_or(SessionError::StreamClosed(http_request))?;
                let (tx, rx) = queue(stream.tx.capacity);
                stream.tx.tx = tx;
                stream.tx.replay_from(last.index)?;
                if stream.completed_at.is_some() {
                    // Replayed: the stream ends instead of staying open with nothing to come.
                    stream.tx.close();
                }
                rx
            }
            None => state.resume_or_shadow_common(Some(last.index))?,
        };
        Ok(event_stream(rx))
    }
}

/// The -32602 answer to a known method whose params do not fit it (rmcp parsed it as a custom
/// request, and its service would answer -32601).
fn invalid_params(request: &JsonRpcRequest<ClientRequest>) -> Option<ServerJsonRpcMessage> {
    let ClientRequest::CustomRequest(custom) = &request.request else { return None };
    let message = crate::jsonrpc::invalid_params(&custom.method, custom.params.as_ref())?;
    tracing::debug!(method = %custom.method, "answered invalid params");
    Some(ServerJsonRpcMessage::error(rmcp::ErrorData::invalid_params(message, None), Some(request.id.clone())))
}

/// Routes the request's response, and its progress notifications, to its stream.
fn register_request(state: &mut State, request: &JsonRpcRequest<ClientRequest>, http_request: u64) {
    state.register(Resource::Request(request.id.clone()), http_request);
    if let Some(token) = request.request.get_meta().get_progress_token() {
        state.register(Resource::Progress(token), http_request);
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
