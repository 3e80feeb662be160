//! Custom hooks.

pub mod embed_api;
pub mod resize;
