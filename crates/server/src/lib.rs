//! The MCP server over the core (being written).
