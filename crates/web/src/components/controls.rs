//! Playback controls: reset, step back, play/pause, step forward, end, the scrub bar, speed and seed.

use crate::state::{speed_label, Action, SPEEDS};
use faultline_sim::fault::fmt_us;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cursor: u32,
    pub steps: u32,
    pub playing: bool,
    pub speed: usize,
    pub time_us: u64,
    pub seed: u64,
    pub hash: String,
    /// Embedded: playback only, no seed box.
    #[prop_or_default]
    pub compact: bool,
    /// The run plays by time (a crowd): speeds are against real time.
    #[prop_or_default]
    pub by_time: bool,
    pub dispatch: Callback<Action>,
}

/// Small inline icons: no icon font or emoji font is needed (projectors and headless browsers may have none).
fn icon(name: &str) -> Html {
    let d = match name {
        "start" => "M2 2h2v12H2z M14 2v12L5 8z",
        "end" => "M12 2h2v12h-2z M2 2v12l9-6z",
        "back" => "M2 2h2v12H2z M13 2v12L5 8z",
        "forward" => "M12 2h2v12h-2z M3 2v12l8-6z",
        "play" => "M4 2v12l10-6z",
        "pause" => "M3 2h4v12H3z M9 2h4v12H9z",
        "prev" => "M8 2v12L1 8z M15 2v12L8 8z",
        "next" => "M1 2v12l7-6z M8 2v12l7-6z",
        _ => "M2 2h12v12H2z M4.5 4.5h2v2h-2z M9.5 9.5h2v2h-2z M9.5 4.5h2v2h-2z M4.5 9.5h2v2h-2z",
    };
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d={d} fill="currentColor" fill-rule="evenodd" />
        </svg>
    }
}

fn input_value(e: &Event) -> Option<String> {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).map(|i| i.value())
}

#[function_component(Controls)]
pub fn controls(p: &Props) -> Html {
    let d = &p.dispatch;
    let click = |a: fn() -> Action| d.reform(move |_: MouseEvent| a());
    let scrub = d.reform(|e: InputEvent| {
        let v = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.value().parse::<u32>().ok())
            .unwrap_or(0);
        Action::Seek(v)
    });
    let speed = d.reform(|e: Event| {
        let i = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            .and_then(|s| s.value().parse::<usize>().ok())
            .unwrap_or(crate::state::DEFAULT_SPEED);
        Action::SetSpeed(i)
    });
    let seed_changed = {
        let d = d.clone();
        let current = p.seed;
        Callback::from(move |e: Event| {
            // A bad seed in the box is simply not applied: the box snaps back to the current seed.
            let seed = input_value(&e).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(current);
            d.emit(Action::SetSeed(seed));
        })
    };
    let random_seed = d.reform(|_: MouseEvent| Action::SetSeed((js_sys::Math::random() * 1_000_000.0) as u64));
    let at_end = p.cursor >= p.steps;
    html! {
        <section class="controls" aria-label="Playback">
            <div class="buttons">
                <button id="btn-start" onclick={click(|| Action::ToStart)} aria-label="Back to the start (Home)" title="Back to the start (Home)">{icon("start")}</button>
                <button id="btn-prev-notable" onclick={click(|| Action::PrevNotable)} aria-label="Previous fault or violation (Shift+Left)" title="Previous fault or violation (Shift+←)">{icon("prev")}</button>
                <button id="btn-back" onclick={click(|| Action::StepBack)} disabled={p.cursor == 0} aria-label="Step back (Left)" title="Step back (←)">{icon("back")}</button>
                <button id="btn-play" class="play" onclick={click(|| Action::TogglePlay)}
                    aria-label={if p.playing { "Pause (Space)" } else { "Play (Space)" }}
                    title={if p.playing { "Pause (Space)" } else { "Play (Space)" }}>
                    { if p.playing { icon("pause") } else { icon("play") } }
                </button>
                <button id="btn-forward" onclick={click(|| Action::StepForward)} disabled={at_end} aria-label="Step forward (Right)" title="Step forward (→)">{icon("forward")}</button>
                <button id="btn-next-notable" onclick={click(|| Action::NextNotable)} aria-label="Next fault or violation (Shift+Right)" title="Next fault or violation (Shift+→)">{icon("next")}</button>
                <button id="btn-end" onclick={click(|| Action::ToEnd)} aria-label="Jump to the end (End)" title="Jump to the end (End)">{icon("end")}</button>
            </div>
            <input id="scrub" class="scrub" type="range" min="0" max={p.steps.to_string()} value={p.cursor.to_string()}
                oninput={scrub} aria-label="Scrub through the run" />
            <span id="step-counter" class="counter" aria-live="polite">
                {format!("step {} / {}", p.cursor, p.steps)}<span class="time">{format!(" · t = {}", fmt_us(p.time_us as i64))}</span>
            </span>
            <label class="speed">{"speed "}
                <select onchange={speed} aria-label="Playback speed (keys 1-9)">
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == p.speed}>{speed_label(*s, p.by_time)}</option>
                    }) }
                </select>
            </label>
            if !p.compact {
                <label class="seed">{"seed "}
                    <input id="seed" type="number" min="0" value={p.seed.to_string()} onchange={seed_changed} aria-label="Seed" />
                </label>
                <button id="btn-random-seed" onclick={random_seed} title="Try another seed" aria-label="Random seed">{icon("dice")}</button>
                <span class="hash" title="Trace hash: the same inputs give the same hash natively and here">{format!("#{}", p.hash)}</span>
            }
        </section>
    }
}
