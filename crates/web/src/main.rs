//! # faultline-web: the playground in the browser
//!
//! A Yew app over the same scenario cores the CLI and the tests run. The page runs the scenario to the end in
//! wasm (a run is deterministic and takes milliseconds), then lets the learner step through the trace: a
//! sequence diagram in Kleppmann's style, per-node panels, the event log, a banner when an invariant breaks,
//! the scenario's knobs and its narrative. The URL reproduces what is on screen.
//!
//! This is the only crate that knows yew, web-sys and gloo. Nothing reachable from the UI panics on user
//! input: every URL value and knob goes through the scenario's parameter specs, which return errors.

mod components;
mod hooks;
mod model;
mod state;
mod transfer;
mod url;

fn main() {
    yew::Renderer::<components::app::App>::new().render();
}
