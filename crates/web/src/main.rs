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
#[cfg(test)]
mod props;
mod state;
mod transfer;
mod url;
mod worker;

fn main() {
    // A Web Worker loads this module too, for the functions in `worker`: it has no window, and renders nothing.
    if web_sys::window().is_none() {
        return;
    }
    // `?speaker=1`: the speaker window of a talk, beside the projected page (see `components::speaker`).
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let pairs = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let get = |k: &str| pairs.as_ref().and_then(|p| p.get(k));
    // `?page=workshop`: the workshop plan; no query at all (or another page): the front door; else the playground.
    let page = get("page");
    if get("speaker").as_deref() == Some("1") {
        let scenario = get("scenario").unwrap_or_default().into();
        yew::Renderer::<components::speaker::Speaker>::with_props(components::speaker::Props { scenario }).render();
    } else if page.as_deref() == Some("workshop") {
        yew::Renderer::<components::workshop::Workshop>::new().render();
    } else if page.is_some() || search.trim_start_matches('?').is_empty() {
        yew::Renderer::<components::front_door::FrontDoor>::new().render();
    } else {
        yew::Renderer::<components::app::App>::new().render();
    }
}
