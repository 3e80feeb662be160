//! Custom hooks.

pub mod embed_api;
