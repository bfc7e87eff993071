//! The MCP server's integration tests: one binary, one module per area.

mod audit_tool;
mod cached_answers;
mod dashboard;
mod file_rule;
mod http;
mod http_hosts;
mod http_timeouts;
mod paging;
mod remote_tools;
mod resources;
mod rest;
mod rest_audit;
mod rest_http;
mod rest_schemas;
mod schemas;
mod stdio;
mod stdio_answer_first;
mod stdio_bounds;
mod stdio_codes;
mod support;
mod tools;
