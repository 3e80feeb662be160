//! The page: reads the URL once, keeps it in sync, drives playback and the keyboard.

use super::{
    banner::Banner, controls::Controls, event_log::EventLog, narrative::Narrative, node_panels::NodePanels,
    notices::Notices, params_panel::ParamsPanel, sequence::SequenceDiagram, ModelRef,
};
use crate::state::{Action, AppState, SPEEDS};
use crate::url;
use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Decoded `?key=value` pairs of the page's URL, in order.
fn url_pairs() -> Vec<(String, String)> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else { return Vec::new() };
    let mut out = Vec::new();
    let entries = params.entries();
    while let Ok(next) = entries.next() {
        if next.done() {
            break;
        }
        let pair: js_sys::Array = next.value().unchecked_into();
        out.push((pair.get(0).as_string().unwrap_or_default(), pair.get(1).as_string().unwrap_or_default()));
    }
    out
}

fn replace_url(query: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(query));
    }
}

/// Whether a key press is ours, given what has the focus: text and number boxes, selects and the scrub bar
/// keep their own keys; a focused button or checkbox keeps Space (it activates it) but not the other keys.
fn shortcut_applies(e: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return true };
    match el.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => false,
        "INPUT" => {
            let kind = el.get_attribute("type").unwrap_or_default();
            kind == "checkbox" && e.key() != " "
        }
        "BUTTON" => e.key() != " " && e.key() != "Enter",
        _ => true,
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let s = url::parse(&url_pairs());
        AppState::new(s.scenario, s.params, s.seed, s.step, s.notices)
    });
    let dispatch = {
        let d = state.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };

    // Keep the URL in sync with what is on screen.
    {
        let q = url::query(state.scenario, state.seed, &state.params, state.cursor);
        use_effect_with(q, |q| {
            replace_url(q);
        });
    }

    // Playback: one tick per 1/speed seconds while playing.
    {
        let d = state.dispatcher();
        use_effect_with((state.playing, state.speed), move |(playing, speed)| {
            let interval = playing.then(|| {
                let ms = 1000 / SPEEDS[(*speed).min(SPEEDS.len() - 1)];
                Interval::new(ms, move || d.dispatch(Action::Tick))
            });
            move || drop(interval)
        });
    }

    // Keyboard: space play/pause, arrows step, shift+arrows jump to notable events, Home/End, 1..6 speed.
    {
        let d = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                let opts = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || !shortcut_applies(e) {
                        return;
                    }
                    let action = match (e.key().as_str(), e.shift_key()) {
                        (" ", _) => Some(Action::TogglePlay),
                        ("ArrowRight", false) => Some(Action::StepForward),
                        ("ArrowLeft", false) => Some(Action::StepBack),
                        ("ArrowRight", true) => Some(Action::NextNotable),
                        ("ArrowLeft", true) => Some(Action::PrevNotable),
                        ("Home", _) => Some(Action::ToStart),
                        ("End", _) => Some(Action::ToEnd),
                        (k, _) if k.len() == 1 => k
                            .parse::<usize>()
                            .ok()
                            .filter(|n| (1..=SPEEDS.len()).contains(n))
                            .map(|n| Action::SetSpeed(n - 1)),
                        _ => None,
                    };
                    if let Some(a) = action {
                        e.prevent_default();
                        d.dispatch(a);
                    }
                })
            });
            move || drop(listener)
        });
    }

    let model = ModelRef(state.model.clone());
    let scenario = state.scenario;
    html! {
        <div class="app">
            <header class="top">
                <h1><span class="brand">{"Faultline"}</span>{" · "}{scenario.title()}</h1>
                <p class="summary">{scenario.summary()}</p>
            </header>
            <Notices notices={state.notices.clone()} on_dismiss={dispatch.reform(|_| Action::DismissNotices)} />
            <Controls
                cursor={state.cursor}
                steps={state.steps()}
                playing={state.playing}
                speed={state.speed}
                time_us={state.model.time_at(state.cursor)}
                seed={state.seed}
                hash={state.model.trace.hash.clone()}
                dispatch={dispatch.clone()}
            />
            <Banner model={model.clone()} cursor={state.cursor} on_seek={dispatch.reform(Action::Seek)} />
            <SequenceDiagram model={model.clone()} cursor={state.cursor} on_seek={dispatch.reform(Action::Seek)} />
            <div class="columns">
                <NodePanels model={model.clone()} cursor={state.cursor} />
                <EventLog model={model.clone()} cursor={state.cursor} />
                <ParamsPanel params={state.params.clone()} dispatch={dispatch.clone()} />
            </div>
            <Narrative sections={scenario.narrative()} />
            <footer class="foot">
                {"Same scenario + parameters + seed ⇒ the same trace, in this page and in "}
                <code>{faultline_sim::repro_command(scenario.id(), state.seed, &state.params)}</code>
            </footer>
        </div>
    }
}
