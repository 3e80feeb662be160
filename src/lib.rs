//! Faultline: a playground where distributed coordination fails, step by step, and the fixes hold.
//!
//! This root crate only re-exports the cores so that the cross-crate tests under `tests/` compile as its tests.
//! See `crates/sim` (the deterministic kernel) and `crates/scenarios` (the protocols).

pub use faultline_scenarios as scenarios;
pub use faultline_sim as sim;
