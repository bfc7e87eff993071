//! The MCP server's integration tests: one binary, one module per area.

mod file_rule;
mod http;
mod resources;
mod stdio;
mod support;
mod tools;
