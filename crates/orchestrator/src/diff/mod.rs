//! Semantic diff of two servers documents (being written).
