//! The MCP server's integration tests: one binary, one module per area.

mod http;
mod resources;
mod stdio;
mod support;
mod tools;
