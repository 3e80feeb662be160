//! The guide's example (`CONTRIBUTING.md`), built and run as a test (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/guide.rs"));
