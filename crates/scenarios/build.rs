//! Lifts the Rust example out of the guide to adding a scenario (`CONTRIBUTING.md`) so that `tests/guide.rs`
//! builds and runs it: the guide stays true whenever the seam changes.

use std::path::Path;

fn main() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../CONTRIBUTING.md");
    println!("cargo:rerun-if-changed={}", guide.display());
    let text = std::fs::read_to_string(&guide).expect("CONTRIBUTING.md at the workspace root");
    let blocks: Vec<&str> = text.split("```rust\n").skip(1).filter_map(|rest| rest.split("\n```").next()).collect();
    assert_eq!(blocks.len(), 1, "the guide has exactly one ```rust example");
    let test = format!("#[test]\nfn the_guides_example_builds_and_runs() {{\n{}\n}}\n", blocks[0]);
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("guide.rs");
    std::fs::write(out, test).expect("OUT_DIR is writable");
}
