//! Nothing to run: this package exists so that cargo fetches stateright for `cargo xtask bench`.
fn main() {}
