//! The server catalog (being written).
