//! The JSON-RPC checks rmcp does not make the way JSON-RPC 2.0 says, applied to every incoming
//! message (one stdio line or one HTTP body) before rmcp sees it:
//!
//! - not JSON (or nested deeper than serde_json's limit of 128) → `-32700 Parse error`,
//!   `id: null` (rmcp stays silent over stdio and answers HTTP 415);
//! - JSON that is no JSON-RPC message → `-32600 Invalid Request` carrying the request's `id`
//!   when it has a usable one (rmcp always sends `id: null`);
//! - a known MCP method whose params do not fit it (`resources/read {}`, `tools/call {}`) →
//!   `-32602 Invalid params` (rmcp parses it as an unknown custom request and answers -32601);
//! - a malformed notification gets no answer (JSON-RPC never answers notifications).
//!
//! Everything else is handed to rmcp unchanged.

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientJsonRpcMessage, ClientRequest, GetPromptRequestParams,
    InitializeRequestParams, JsonObject, JsonRpcMessage, JsonRpcRequest, ReadResourceRequestParams, RequestId,
};
use serde_json::{Value, json};

/// JSON-RPC: invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: the JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;

/// The MCP requests a client may send whose params rmcp parses into a typed request.
const KNOWN_REQUESTS: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "completion/complete",
    "logging/setLevel",
    "prompts/get",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "tools/call",
    "tools/list",
];

/// What to do with one incoming message.
#[derive(Debug)]
pub enum Checked {
    /// A message rmcp handles.
    Message(Box<ClientJsonRpcMessage>),
    /// A message answered here: the JSON-RPC error response to send back.
    Reply(Reply),
    /// A malformed notification: no answer.
    Ignore,
}

/// A JSON-RPC error response produced here.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The error code (-32700, -32600 or -32602).
    pub code: i64,
    /// The whole response object.
    pub body: Value,
}

impl Reply {
    fn new(code: i64, id: Value, message: String) -> Self {
        let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        Reply { code, body }
    }

    /// The response as one line of JSON (no trailing newline).
    pub fn to_line(&self) -> String {
        self.body.to_string()
    }
}

/// The id of a request object when it is one JSON-RPC allows (a string or a number).
fn usable_id(value: &Value) -> Value {
    match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    }
}

/// Why the params of a known method do not fit it (the serde message of its params type).
fn params_error(method: &str, params: Option<&Value>) -> String {
    let params = params.cloned().unwrap_or(Value::Null);
    let why = match method {
        "initialize" => serde_json::from_value::<InitializeRequestParams>(params).err(),
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params).err(),
        "resources/read" => serde_json::from_value::<ReadResourceRequestParams>(params).err(),
        "prompts/get" => serde_json::from_value::<GetPromptRequestParams>(params).err(),
        _ => None,
    };
    match why {
        Some(e) => format!("Invalid params for {method}: {e}"),
        None => format!("Invalid params for {method}: see the method's params in the MCP specification"),
    }
}

/// The message of a -32602 answer when `method` is a known MCP method (so params that rmcp
/// parsed as a custom request's did not fit it); `None` for any other method. Over HTTP the
/// session answers these (`session.rs`), since rmcp parses an in-session body first.
pub fn invalid_params(method: &str, params: Option<&Value>) -> Option<String> {
    KNOWN_REQUESTS.contains(&method).then(|| params_error(method, params))
}

/// Checks one incoming message (a line without its newline, or an HTTP body).
pub fn check(bytes: &[u8]) -> Checked {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    match plain_tool_call(bytes) {
        Some(call) => Checked::Message(Box::new(call)),
        None => check_by_rmcp(bytes),
    }
}

/// [`check`] without the plain tool call's own parse.
fn check_by_rmcp(bytes: &[u8]) -> Checked {
    // A well-formed message is parsed once, straight into rmcp's type: rmcp's own parse, the
    // one the checks below end in. Only what does not parse (or parses as an unknown custom
    // request of a known method name) is parsed again, to a `Value`, to say what is wrong.
    match serde_json::from_slice::<ClientJsonRpcMessage>(bytes) {
        Ok(JsonRpcMessage::Request(request))
            if matches!(&request.request, ClientRequest::CustomRequest(custom)
                if KNOWN_REQUESTS.contains(&custom.method.as_str())) => {}
        Ok(message) => return Checked::Message(Box::new(message)),
        Err(e) => return checked_value(bytes, Some(e)),
    }
    checked_value(bytes, None)
}

/// A `tools/call` request with nothing but a tool name and its arguments (what hosts send for
/// every tool call), parsed into the typed request rmcp's own parse makes of it
/// (`tests::a_plain_tool_call_is_the_request_rmcps_parse_makes`). rmcp's parse tries each of
/// its two dozen request types in turn over a buffered copy of the message; this one reads
/// the message once. Anything else in it (`_meta`, other members, another method, a version
/// other than "2.0", a member twice) is left to rmcp's parse: None.
fn plain_tool_call(bytes: &[u8]) -> Option<ClientJsonRpcMessage> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Call<'a> {
        jsonrpc: &'a str,
        id: RequestId,
        method: &'a str,
        params: Params,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Params {
        name: String,
        arguments: Option<JsonObject>,
    }
    let call: Call = serde_json::from_slice(bytes).ok()?;
    if call.jsonrpc != "2.0" || call.method != "tools/call" {
        return None;
    }
    let mut params = CallToolRequestParams::new(call.params.name);
    params.arguments = call.params.arguments;
    let request = ClientRequest::CallToolRequest(CallToolRequest::new(params));
    Some(JsonRpcMessage::Request(JsonRpcRequest::new(call.id, request)))
}

/// [`check`] by way of a `Value`, for a message rmcp's type does not take as it is
/// (`unread`: why it did not, when it did not read the bytes at all).
fn checked_value(bytes: &[u8], unread: Option<serde_json::Error>) -> Checked {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => return Checked::Reply(Reply::new(PARSE_ERROR, Value::Null, format!("Parse error: {e}"))),
    };
    let method = value.get("method").and_then(Value::as_str).map(str::to_owned);
    let has_id = value.get("id").is_some();
    let id = usable_id(&value);
    match serde_json::from_value::<ClientJsonRpcMessage>(value.clone()) {
        // A message that is one only once read into a `Value` (a member given twice: the
        // `Value` keeps the last) is not taken on either transport, rmcp's HTTP side reading
        // the bytes itself: refused, or ignored as a notification.
        Ok(_) if unread.is_some() && method.is_some() && !has_id => Checked::Ignore,
        Ok(_) if let Some(e) = &unread => {
            let message = format!("Invalid Request: the message does not read as written (a member given twice?): {e}");
            Checked::Reply(Reply::new(INVALID_REQUEST, id, message))
        }
        Ok(JsonRpcMessage::Request(request)) => {
            if let ClientRequest::CustomRequest(custom) = &request.request
                && KNOWN_REQUESTS.contains(&custom.method.as_str())
            {
                let message = params_error(&custom.method, value.get("params"));
                return Checked::Reply(Reply::new(INVALID_PARAMS, id, message));
            }
            Checked::Message(Box::new(JsonRpcMessage::Request(request)))
        }
        Ok(message) => Checked::Message(Box::new(message)),
        Err(_) if method.is_some() && !has_id => Checked::Ignore,
        Err(e) => {
            let message = match &method {
                Some(m) => format!("Invalid Request: {m}: {e}"),
                None if value.is_object() => format!("Invalid Request: not a JSON-RPC 2.0 request: {e}"),
                None => "Invalid Request: a JSON-RPC message is a JSON object".to_owned(),
            };
            Checked::Reply(Reply::new(INVALID_REQUEST, id, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(input: &str) -> Reply {
        match check(input.as_bytes()) {
            Checked::Reply(reply) => reply,
            other => panic!("{input}: expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_parse_error_with_a_null_id() {
        let r = reply("not json");
        assert_eq!(r.code, PARSE_ERROR);
        assert_eq!(r.body["id"], Value::Null);
        assert_eq!(r.body["jsonrpc"], "2.0");
        let r = reply(r#"{"jsonrpc":"2.0","id":1,"method":"ping""#);
        assert_eq!(r.code, PARSE_ERROR);
    }

    #[test]
    fn too_deep_json_is_a_parse_error() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(reply(&deep).code, PARSE_ERROR);
    }

    #[test]
    fn invalid_params_of_known_methods_are_32602_with_the_id() {
        for (input, id) in [
            (r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{}}"#, json!(2)),
            (r#"{"jsonrpc":"2.0","id":"t","method":"tools/call","params":{}}"#, json!("t")),
            (r#"{"jsonrpc":"2.0","id":3,"method":"tools/call"}"#, json!(3)),
            (r#"{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":5}}"#, json!(4)),
        ] {
            let r = reply(input);
            assert_eq!(r.code, INVALID_PARAMS, "{input}");
            assert_eq!(r.body["id"], id, "{input}");
            assert!(r.body["error"]["message"].as_str().unwrap_or_default().starts_with("Invalid params for "));
        }
    }

    #[test]
    fn invalid_requests_keep_their_id() {
        let r = reply(r#"{"id":6,"method":"ping"}"#);
        assert_eq!((r.code, r.body["id"].clone()), (INVALID_REQUEST, json!(6)));
        let r = reply(r#"{"jsonrpc":"2.0","id":"x"}"#);
        assert_eq!((r.code, r.body["id"].clone()), (INVALID_REQUEST, json!("x")));
        let r = reply("[1]");
        assert_eq!((r.code, r.body["id"].clone()), (INVALID_REQUEST, Value::Null));
        let r = reply(r#"{"jsonrpc":"2.0","id":{"a":1},"method":7}"#);
        assert_eq!((r.code, r.body["id"].clone()), (INVALID_REQUEST, Value::Null));
    }

    #[test]
    fn a_member_given_twice_is_an_invalid_request_or_an_ignored_notification() {
        let r = reply(r#"{"jsonrpc":"2.0","id":3,"method":"ping","id":3}"#);
        assert_eq!((r.code, r.body["id"].clone()), (INVALID_REQUEST, json!(3)));
        assert!(r.body["error"]["message"].as_str().is_some_and(|m| m.contains("given twice")), "{}", r.body);
        let notification =
            r#"{"jsonrpc":"2.0","method":"notifications/initialized","method":"notifications/initialized"}"#;
        assert!(matches!(check(notification.as_bytes()), Checked::Ignore));
        // With a byte order mark, a good message is still one.
        assert!(matches!(
            check(b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"),
            Checked::Message(_)
        ));
    }

    #[test]
    fn unknown_methods_and_good_requests_go_to_rmcp() {
        for input in [
            r#"{"jsonrpc":"2.0","id":7,"method":"nope/nope"}"#,
            r#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"x://y"}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        ] {
            assert!(matches!(check(input.as_bytes()), Checked::Message(_)), "{input}");
        }
    }

    #[test]
    fn a_message_parsed_from_its_bytes_is_the_one_parsed_by_way_of_a_value() {
        for input in [
            r#"{"jsonrpc":"2.0","id":8,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"get_config","arguments":{"client_id":"cursor","profile_id":"default","n":1.5,"big":18446744073709551615}}}"#,
            r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"x","arguments":{"a":1,"a":2}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":{"roots":[{"uri":"file:///tmp"}]}}"#,
            r#"{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}"#,
            r#"{"jsonrpc":"2.0","id":7,"method":"nope/nope","params":{"x":[1,{"y":null}]}}"#,
            " {\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"} ",
            "\u{feff}{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"}",
        ] {
            let Checked::Message(fast) = check(input.as_bytes()) else { panic!("{input}: not a message") };
            let Checked::Message(slow) = checked_value(input.trim_start_matches('\u{feff}').as_bytes(), None) else {
                panic!("{input}: not a message by way of a value")
            };
            let (fast, slow) =
                (serde_json::to_value(&*fast).expect("json"), serde_json::to_value(&*slow).expect("json"));
            assert_eq!(fast, slow, "{input}");
        }
    }

    /// What `checked` says, comparable.
    fn outcome(checked: Checked) -> Value {
        match checked {
            Checked::Message(message) => json!({"message": serde_json::to_value(&*message).expect("json")}),
            Checked::Reply(reply) => json!({"reply": reply.body}),
            Checked::Ignore => json!("ignore"),
        }
    }

    #[test]
    fn a_plain_tool_call_is_the_request_rmcps_parse_makes_and_anything_else_is_checked_as_before() {
        for input in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_config","arguments":{"client_id":"cursor","profile_id":"default"}}}"#,
            r#"{"params":{"arguments":{"a":[1,{"b":null}],"c":"q\"\u00e9"},"name":"x"},"method":"tools/call","id":"s-1","jsonrpc":"2.0"}"#,
            r#"{"jsonrpc":"2.0","id":2.0,"method":"tools/call","params":{"name":"list_clients"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"n\u0061me","arguments":null}}"#,
            r#" { "jsonrpc" : "2.0" , "id" : 4 , "method" : "tools/call" , "params" : { "name" : "x" , "arguments" : { } } } "#,
        ] {
            let plain = plain_tool_call(input.as_bytes()).unwrap_or_else(|| panic!("{input}: not taken as plain"));
            let JsonRpcMessage::Request(request) = &plain else { panic!("{input}: not a request") };
            assert!(matches!(request.request, ClientRequest::CallToolRequest(_)), "{input}");
            let rmcp: ClientJsonRpcMessage = serde_json::from_slice(input.as_bytes()).expect("rmcp parses it");
            assert_eq!(outcome(Checked::Message(Box::new(plain))), outcome(Checked::Message(Box::new(rmcp))));
            assert_eq!(outcome(check(input.as_bytes())), outcome(check_by_rmcp(input.as_bytes())), "{input}");
        }
        // Anything more is left to rmcp's parse, which keeps it (a progress token) or refuses it.
        for input in [
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":"p"}}}"#,
            r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"x","arguments":{},"task":{"ttl":5}}}"#,
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"},"extra":1}"#,
            r#"{"jsonrpc":"2.0","id":8,"method":"tools\/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"x","name":"y"}}"#,
            r#"{"jsonrpc":"2.0","id":10,"method":"ping","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"1.0","id":11,"method":"tools/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"x","arguments":[1]}}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":7}}"#,
        ] {
            assert!(plain_tool_call(input.as_bytes()).is_none(), "{input}: taken as plain");
            assert_eq!(outcome(check(input.as_bytes())), outcome(check_by_rmcp(input.as_bytes())), "{input}");
        }
        let Checked::Message(with_token) = check(
            br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":"p"}}}"#,
        ) else {
            panic!("not handed on")
        };
        assert_eq!(serde_json::to_value(&*with_token).expect("json")["params"]["_meta"]["progressToken"], "p");
        assert_eq!(
            reply(r#"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":7}}"#).code,
            INVALID_PARAMS
        );
    }

    #[test]
    fn malformed_notifications_get_no_answer() {
        assert!(matches!(check(br#"{"jsonrpc":"1.0","method":"notifications/initialized"}"#), Checked::Ignore));
    }
}
