//! The page: reads the URL once, keeps it in sync, drives playback, the keyboard and the embedding API.

use super::{
    banner::Banner, chapters::Chapters, chart::Chart, controls::Controls, event_log::EventLog, fault_bar::FaultBar,
    finder::Finder, help::Help, narrative::Narrative, node_panels::NodePanels, notices::Notices,
    params_panel::ParamsPanel, population::Population, ring::Ring, sequence::SequenceDiagram, transfer::Transfer,
    ModelRef,
};
use crate::hooks::embed_api::use_embed_api;
use crate::state::{Action, AppState, SPEEDS, TIME_TICK_MS};
use crate::url;
use faultline_sim::fault::decimal;
use faultline_sim::View;
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

/// How long the screen must stay put before the URL is rewritten.
const URL_DELAY_MS: u32 = 120;

fn replace_url(query: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(query));
    }
}

/// Open another page of the site at `query`: the loader starts the module that holds what it names.
fn leave_for(query: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_search(query);
    }
}

/// What the URL records of the screen (`url::query`).
fn shown(state: &AppState) -> url::Shown<'_> {
    url::Shown {
        scenario: state.inputs.scenario,
        seed: state.inputs.seed,
        params: &state.inputs.params,
        faults: &state.inputs.faults,
        step: state.cursor,
        compare: state.compare.is_some(),
        presenter: state.presenter,
        chapter: state.chapter,
        beat: state.beat,
        embed: &state.embed,
        follow: state.follow.as_deref(),
    }
}

/// Where compare mode is, when this page's module does not hold the scenario it compares with (a scenario's own
/// page holds that scenario alone): this run's URL in compare view, which the loader opens on the page that holds
/// both. `None`: compare here (or compare is on, and goes off here).
fn compare_elsewhere(state: &AppState) -> Option<String> {
    let scenario = state.inputs.scenario;
    let other = scenario.counterpart().filter(|_| scenario.mitigation().is_none() && state.compare.is_none())?.scenario;
    let away = faultline_scenarios::find(other).is_none() && faultline_scenarios::CATALOG.contains(&other);
    away.then(|| url::query(&url::Shown { compare: true, ..shown(state) }))
}

/// Whether a key press is ours, given what has the focus: text and number boxes, selects and the scrub bar
/// keep their own keys; a focused button or checkbox keeps Space and Enter (they activate it).
fn shortcut_applies(e: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return true };
    let activates = e.key() == " " || e.key() == "Enter";
    match el.tag_name().to_ascii_uppercase().as_str() {
        "TEXTAREA" | "SELECT" => false,
        "INPUT" => el.get_attribute("type").unwrap_or_default() == "checkbox" && !activates,
        "BUTTON" => !activates,
        _ => !(activates && el.get_attribute("role").as_deref() == Some("button")),
    }
}

fn key_action(e: &web_sys::KeyboardEvent, chapter: Option<usize>, presenter: bool) -> Option<Action> {
    // A presentation remote sends PageDown / PageUp (some send arrows): beats. In presenter mode with a chapter
    // on, the arrows move by beats too.
    let beats = presenter && chapter.is_some();
    Some(match (e.key().as_str(), e.shift_key()) {
        ("PageDown", _) => Action::NextBeat,
        ("PageUp", _) => Action::PrevBeat,
        ("ArrowRight" | "ArrowDown", false) if beats => Action::NextBeat,
        ("ArrowLeft" | "ArrowUp", false) if beats => Action::PrevBeat,
        (" ", _) => Action::TogglePlay,
        ("ArrowRight", false) => Action::StepForward,
        ("ArrowLeft", false) => Action::StepBack,
        ("ArrowRight", true) => Action::NextNotable,
        ("ArrowLeft", true) => Action::PrevNotable,
        ("Home", _) | ("r", _) => Action::ToStart,
        ("End", _) => Action::ToEnd,
        ("?", _) => Action::ToggleHelp,
        ("p", _) => Action::TogglePresenter,
        ("c", _) => Action::ToggleCompare,
        // A remote's "blank screen" button sends `b` or `.`: in presenter mode it blacks the screen out.
        ("b" | ".", _) if presenter => Action::ToggleBlank,
        ("n", _) => Action::Chapter(chapter.map_or(0, |c| c + 1)),
        ("b", _) => Action::Chapter(chapter.map_or(0, |c| c.saturating_sub(1))),
        ("Escape", _) => Action::CloseOverlays,
        (k, _) => {
            let n = k.parse::<usize>().ok().filter(|n| (1..=SPEEDS.len()).contains(n))?;
            Action::SetSpeed(n - 1)
        }
    })
}

/// Set the stage's `--diagram-zoom` so that the diagram fills the stage's height (1 when `fill` is off).
fn fit_diagram(fill: bool) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(Some(stage)) = doc.query_selector(".stage") else { return };
    super::set_css(&stage, "--diagram-zoom", "1");
    if !fill {
        return;
    }
    let Ok(Some(lanes)) = doc.query_selector(".stage .diagram .lanes-wrap") else { return };
    // The room the stage has, less the diagram's frame; the diagram's own height at zoom 1.
    let (room, natural) = (f64::from(stage.client_height()) - 28.0, f64::from(lanes.client_height()));
    if natural > 0.0 {
        // Smaller too, down to 60%: Redlock's nine lanes on a 720-pixel projector all show, not six and a scroll bar.
        let k = (room / natural).clamp(0.6, 2.0);
        super::set_css(&stage, "--diagram-zoom", &decimal((k * 1000.0).round() as u64, 3));
    }
}

/// The run beside the one on screen (`c`): a function of its own, not inlined, so that a page's first load, which
/// shows no comparison, does not carry it (the build splits the wasm by function: `xtask/src/split.rs`).
#[inline(never)]
fn compare_view(
    state: &AppState,
    c: &crate::state::Compared,
    model: &ModelRef,
    seek: &Callback<u32>,
    select: &Callback<crate::state::Target>,
    has_ring: bool,
    views_of: &dyn Fn(&ModelRef, u32, bool) -> Html,
) -> Html {
    let other = ModelRef(c.model.clone());
    let ccursor = state.compare_cursor();
    html! {
        <div class="compare" id="compare">
            <SequenceDiagram model={model.clone()} cursor={state.cursor} on_seek={seek.clone()}
                on_select={select.clone()} selected={state.selected} title={c.this.clone()} />
            <Banner model={other.clone()} cursor={ccursor} on_seek={Callback::noop()} beside=true />
            if has_ring {
                <div class="diagram-title compared-views">{c.other.clone()}</div>
                { views_of(&other, ccursor, false) }
            }
            <SequenceDiagram id="sequence-compare" model={other} cursor={ccursor} on_seek={Callback::noop()}
                title={c.other.clone()} />
        </div>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::new(url::parse(&url_pairs())));
    let dispatch = {
        let d = state.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    use_embed_api(&state);

    // Keep the URL in sync with what is on screen.
    {
        let q = url::query(&shown(&state));
        // Written a moment after the screen settles (not on every frame of playback or key repeat).
        let quiet = !state.playing;
        let pending = use_mut_ref(|| None::<gloo::timers::callback::Timeout>);
        use_effect_with((q, quiet), move |(q, quiet)| {
            let q = q.clone();
            *pending.borrow_mut() =
                quiet.then(|| gloo::timers::callback::Timeout::new(URL_DELAY_MS, move || replace_url(&q)));
        });
    }

    // Playback: one tick per 1/speed seconds while playing (a run that plays by time ticks at a fixed rate).
    {
        let d = state.dispatcher();
        let by_time = state.model.by_time();
        use_effect_with((state.playing, state.speed, by_time), move |(playing, speed, by_time)| {
            let interval = playing.then(|| {
                let ms = if *by_time { TIME_TICK_MS } else { 1000 / SPEEDS[(*speed).min(SPEEDS.len() - 1)] };
                Interval::new(ms.max(1), move || d.dispatch(Action::Tick))
            });
            move || drop(interval)
        });
    }

    // The speaker window: tell it where the story is; take its "next" and "previous".
    {
        let d = state.dispatcher();
        let channel = use_mut_ref(|| None::<(web_sys::BroadcastChannel, EventListener)>);
        let at = crate::components::speaker::Message::At {
            scenario: state.inputs.scenario.id().to_string(),
            chapter: state.chapter,
            beat: state.beat,
        };
        let latest = use_mut_ref(|| at.clone());
        {
            let (channel, latest) = (channel.clone(), latest.clone());
            use_effect_with((), move |_| {
                use crate::components::speaker::{join, post, Message, CHANNEL};
                let joined = join(move |m| match m {
                    Message::Go { forward } => d.dispatch(if forward { Action::NextBeat } else { Action::PrevBeat }),
                    // A speaker window opened: tell it where the story is (from a channel of its own, since a
                    // channel does not hear itself).
                    Message::Hello => {
                        if let Ok(c) = web_sys::BroadcastChannel::new(CHANNEL) {
                            post(&c, &latest.borrow());
                        }
                    }
                    Message::At { .. } => {}
                });
                *channel.borrow_mut() = joined;
            });
        }
        use_effect_with(at, move |at| {
            *latest.borrow_mut() = at.clone();
            if let Some((c, _)) = channel.borrow().as_ref() {
                crate::components::speaker::post(c, at);
            }
        });
    }

    let elsewhere = compare_elsewhere(&state);
    // Keyboard shortcuts (see the `?` overlay). Attached as the app first renders, not in an effect: yew runs effects
    // in a task after the first frame, so a key pressed as the page appeared waited for that frame (the default page:
    // its first key handled about 100 ms after it was drawn), or was lost if it came before. The listener reads the
    // chapter and presenter mode of the latest render, and goes with the app.
    {
        let keys = use_mut_ref(|| (state.chapter, state.presenter, None));
        *keys.borrow_mut() = (state.chapter, state.presenter, elsewhere.clone());
        let d = state.dispatcher();
        use_mut_ref(move || {
            web_sys::window().and_then(|w| w.document()).map(|doc| {
                let opts = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || !shortcut_applies(e) {
                        return;
                    }
                    let (chapter, presenter, ref elsewhere) = *keys.borrow();
                    if let Some(a) = key_action(e, chapter, presenter) {
                        e.prevent_default();
                        match (a, elsewhere) {
                            (Action::ToggleCompare, Some(q)) => leave_for(q),
                            (a, _) => d.dispatch(a),
                        }
                    }
                })
            })
        });
    }

    let model = ModelRef(state.model.clone());
    let scenario = state.inputs.scenario;
    let embed = state.embed.on;
    let seek = dispatch.reform(Action::Seek);
    let select = dispatch.reform(|t| Action::Select(Some(t)));
    // The members the trace keeps: the user's choice, or the scenario's (those with events kept) — read from the
    // trace once per run, not on every frame.
    let kept = use_memo(ModelRef(state.model.clone()), |m| {
        let mut kept: Vec<u32> = m.0.trace.events.iter().filter_map(|e| e.member.get()).collect();
        kept.sort_unstable();
        kept.dedup();
        kept
    });
    let followed: Vec<u32> = state.follow.clone().unwrap_or_else(|| (*kept).clone());
    // The scenario's views of a run: the one on screen (interactive) or the one compared beside it.
    let views_of = |model: &ModelRef, cursor: u32, main: bool| {
        if scenario.views().is_empty() {
            return html! {};
        }
        let (select, follow) =
            if main { (select.clone(), dispatch.reform(Action::Follow)) } else { (Callback::noop(), Callback::noop()) };
        html! {
            <div class="ringrow">
                { for scenario.views().iter().map(|view| match view {
                    View::Ring { legend } => html! {
                        <Ring model={model.clone()} {cursor} on_select={select.clone()}
                            selected={if main { state.selected } else { None }} legend={*legend} />
                    },
                    View::Charts(_) => html! { <Chart model={model.clone()} {cursor} /> },
                    View::Population { states } => html! {
                        <Population model={model.clone()} {cursor} states={*states}
                            id={if main { "population" } else { "population-compare" }}
                            followed={if main { followed.clone() } else { Vec::new() }} on_follow={follow.clone()} />
                    },
                }) }
            </div>
        }
    };
    // A ring or a crowd is a scenario's main view: it comes first, with the charts beside it. Without one the
    // sequence diagram is the main view, and the charts follow it.
    let has_ring = scenario.views().iter().any(|v| matches!(v, View::Ring { .. } | View::Population { .. }));
    let diagrams = match &state.compare {
        Some(c) => compare_view(&state, c, &model, &seek, &select, has_ring, &views_of),
        None => html! {
            <SequenceDiagram model={model.clone()} cursor={state.cursor} on_seek={seek.clone()}
                on_select={select.clone()} selected={state.selected} fit={state.embed.on && state.embed.fit} />
        },
    };
    let views = views_of(&model, state.cursor, true);
    // On a projector the diagram is the main view when there is no ring or crowd: scale it to the height left for
    // it (from 60% to twice its size), text and all, so that a run with few lanes does not leave the screen half empty
    // and one with many shows all of them.
    // Measured after the page is laid out, outside the virtual DOM.
    {
        let fill = state.presenter && !has_ring && state.compare.is_none() && !embed;
        // The banners above the stage change its height: one per invariant seen so far, and one at the end. Counted
        // only where the diagram is fitted (not on every frame of every page).
        let banners = if fill {
            let mut seen: Vec<&str> = state.model.breaches_before(state.cursor).map(|b| b.invariant.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len() + usize::from(state.cursor >= state.steps())
        } else {
            0
        };
        use_effect_with(
            (fill, ModelRef(state.model.clone()), state.chapter, state.notices.len(), banners),
            move |(fill, _, _, _, _)| {
                let fill = *fill;
                fit_diagram(fill);
                // Again whenever the window changes size (a projector connected, full screen).
                let listener = web_sys::window().map(|w| EventListener::new(&w, "resize", move |_| fit_diagram(fill)));
                move || drop(listener)
            },
        );
    }
    let (views_before, views_after) = if has_ring { (views, html! {}) } else { (html! {}, views) };
    let pick = {
        let (dispatch, presenter, embed) = (dispatch.clone(), state.presenter, state.embed.clone());
        Callback::from(move |e: Event| {
            let id = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            // A scenario this page does not hold has a page of its own: go there (the loader picks its wasm).
            if faultline_scenarios::find(&id).is_none() && faultline_scenarios::CATALOG.contains(&id.as_str()) {
                return leave_for(&url::landing(&id, presenter, &embed));
            }
            dispatch.emit(Action::SetScenario(id));
        })
    };
    let compare_button = match (scenario.mitigation(), scenario.counterpart()) {
        (Some(key), _) if matches!(state.inputs.params.get(key), Some(faultline_sim::ParamValue::Bool(_))) => {
            Some((format!("Compare {key} off / on"), "Compare with the fix off and on (c)".to_string()))
        }
        (Some(key), _) => Some((
            format!("Compare {key}s"),
            format!("This {key} beside none — or, from none, beside the strongest (c)"),
        )),
        (None, Some(c)) => {
            Some((format!("Compare with {}", c.label), format!("The same failure under {}, side by side (c)", c.label)))
        }
        (None, None) => None,
    };
    let open_speaker = {
        let id = scenario.id();
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = web_sys::window() {
                let path = w.location().pathname().unwrap_or_default();
                let _ = w.open_with_url_and_target_and_features(
                    &format!("{path}?speaker=1&scenario={id}"),
                    "faultline-speaker",
                    "popup,width=720,height=520",
                );
            }
        })
    };
    let compare = match elsewhere {
        Some(q) => Callback::from(move |_: MouseEvent| leave_for(&q)),
        None => dispatch.reform(|_: MouseEvent| Action::ToggleCompare),
    };
    let toggles = html! {
        <div class="toggles">
            <select id="scenario-select" aria-label="Scenario" onchange={pick}>
                { for faultline_scenarios::CATALOG.iter().map(|&id| html! {
                    <option value={id} selected={id == scenario.id()}>{id}</option>
                }) }
            </select>
            // On a projector the top row shares its width with the chapter picker: short labels, full names for
            // screen readers and tooltips.
            if let Some((label, hint)) = compare_button {
                <button id="btn-compare" aria-pressed={state.compare.is_some().to_string()} onclick={compare}
                    title={hint} aria-label={label.clone()}>{if state.presenter { "Compare".to_string() } else { label }}</button>
            }
            if state.presenter {
                <button id="btn-speaker" onclick={open_speaker} aria-label="Speaker window" title="Open the speaker window: captions, notes and the time, on your own screen">{"Speaker"}</button>
            }
            <button id="btn-presenter" aria-pressed={state.presenter.to_string()} onclick={dispatch.reform(|_: MouseEvent| Action::TogglePresenter)}
                title="Presenter mode: large type, high contrast (p)">{"Presenter"}</button>
            <button id="btn-help" onclick={dispatch.reform(|_: MouseEvent| Action::ToggleHelp)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">{"?"}</button>
        </div>
    };
    html! {
        <main class={classes!("app", state.presenter.then_some("presenter"), embed.then_some("embed"))}>
            if embed {
                // Read by screen readers; the frame has no room for a title.
                <h1 class="visually-hidden">{format!("Faultline: {}", scenario.title())}</h1>
            } else {
                <header class="top">
                    <div>
                        <h1><a class="brand" href="?" title="All scenarios">{"Faultline"}</a>{" · "}{scenario.title()}</h1>
                        <p class="summary">{scenario.summary()}</p>
                    </div>
                    {toggles}
                </header>
            }
            <Notices notices={state.notices.clone()} on_dismiss={dispatch.reform(|_| Action::DismissNotices)} />
            if !embed {
                <Chapters chapters={scenario.chapters()} current={state.chapter} dispatch={dispatch.clone()}
                    compact={state.presenter} caption={state.caption()} beat={state.beat} />
            }
            if state.embed.controls || !embed {
                <Controls
                    cursor={state.cursor}
                    steps={state.steps()}
                    playing={state.playing}
                    speed={state.speed}
                    time_us={state.model.time_at(state.cursor)}
                    seed={state.inputs.seed}
                    hash={state.model.trace.hash.clone()}
                    compact={embed || state.presenter}
                    by_time={state.model.by_time()}
                    dispatch={dispatch.clone()}
                />
            }
            <Banner model={model.clone()} cursor={state.cursor} on_seek={seek.clone()} compact={embed} />
            <div class={classes!("stage", (!has_ring && !scenario.views().is_empty()).then_some("with-side"))}>
                {views_before}
                {diagrams}
                {views_after}
            </div>
            if !embed {
                <FaultBar selected={state.selected} faults={state.inputs.faults.clone()} trace={state.model.trace.clone()}
                    at_us={state.inject_at_us()} cursor={state.cursor} dispatch={dispatch.clone()} />
                <Finder key={scenario.id()} scenario={scenario.id()} seed={state.inputs.seed}
                    sets={state.inputs.params.non_default().map(|(spec, v)| format!("{}={v}", spec.key)).collect::<Vec<_>>().join(",")}
                    dispatch={dispatch.clone()} />
                <div class="columns">
                    <NodePanels model={model.clone()} cursor={state.cursor} on_select={select.clone()} />
                    <EventLog model={model.clone()} cursor={state.cursor} />
                    <ParamsPanel params={state.inputs.params.clone()} dispatch={dispatch.clone()} />
                </div>
                <Transfer trace={state.model.trace.clone()} dispatch={dispatch.clone()} />
                <Narrative sections={scenario.narrative()} />
                <footer class="foot">
                    {"Same scenario + parameters + seed + faults ⇒ the same trace, in this page and in "}
                    <code>{faultline_sim::repro_command(scenario.id(), state.inputs.seed, &state.inputs.params, &state.inputs.faults)}</code>
                </footer>
            }
            if state.help {
                <Help on_close={dispatch.reform(|_| Action::ToggleHelp)} />
            }
            if state.blank && state.presenter {
                <div class="blank" id="blank" onclick={dispatch.reform(|_: MouseEvent| Action::ToggleBlank)}
                    title="Screen blacked out: press b, . or PageDown to bring it back" />
            }
        </main>
    }
}
