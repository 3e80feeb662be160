//! The speaker window (`?speaker=1`, opened from presenter mode): the host's own screen during a talk — the
//! current beat's caption and notes, the next beat's caption, the time since the talk started — kept in sync with
//! the projected window both ways over a `BroadcastChannel` (same origin, no server): the main window announces
//! where the story is; this window sends "next" and "previous" (its buttons, PageDown / PageUp).

use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The channel both windows join.
pub const CHANNEL: &str = "faultline-presenter";

/// What travels on the channel, as JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// The main window: where the story is.
    At { scenario: String, chapter: Option<usize>, beat: usize },
    /// The speaker window: move the story.
    Go { forward: bool },
    /// The speaker window opened: announce where the story is.
    Hello,
}

impl Message {
    pub fn parse(text: &str) -> Option<Message> {
        serde_json::from_str(text).ok()
    }
}

/// Post a message to the other window (nothing happens where BroadcastChannel is missing).
pub fn post(channel: &web_sys::BroadcastChannel, m: &Message) {
    if let Ok(text) = serde_json::to_string(m) {
        let _ = channel.post_message(&wasm_bindgen::JsValue::from_str(&text));
    }
}

/// Join the channel and hand every message that parses to `on`; the listener lives as long as the returned pair.
pub fn join(on: impl Fn(Message) + 'static) -> Option<(web_sys::BroadcastChannel, EventListener)> {
    let channel = web_sys::BroadcastChannel::new(CHANNEL).ok()?;
    let listener = EventListener::new(&channel, "message", move |e| {
        let text = e.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string());
        if let Some(m) = text.as_deref().and_then(Message::parse) {
            on(m);
        }
    });
    Some((channel, listener))
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The scenario the window opened for (the main window's announcements may name another).
    pub scenario: AttrValue,
}

fn mm_ss(s: u32) -> String {
    format!("{}:{:02}", s / 60, s % 60)
}

#[function_component(Speaker)]
pub fn speaker(p: &Props) -> Html {
    let at = use_state(|| (p.scenario.to_string(), None::<usize>, 0usize));
    let seconds = use_state(|| 0u32);
    let channel = use_mut_ref(|| None::<web_sys::BroadcastChannel>);
    {
        let (at, channel) = (at.clone(), channel.clone());
        use_effect_with((), move |_| {
            let joined = join(move |m| {
                if let Message::At { scenario, chapter, beat } = m {
                    at.set((scenario, chapter, beat));
                }
            });
            if let Some((c, _)) = &joined {
                post(c, &Message::Hello);
                *channel.borrow_mut() = Some(c.clone());
            }
            move || drop(joined)
        });
    }
    {
        let seconds = seconds.clone();
        use_effect_with((), move |_| {
            let start = js_sys::Date::now();
            let tick = Interval::new(1_000, move || seconds.set(((js_sys::Date::now() - start) / 1_000.0) as u32));
            move || drop(tick)
        });
    }
    let go = {
        let channel = channel.clone();
        move |forward: bool| {
            if let Some(c) = channel.borrow().as_ref() {
                post(c, &Message::Go { forward });
            }
        }
    };
    {
        let go = go.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                EventListener::new(&doc, "keydown", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    match e.key().as_str() {
                        "PageDown" | "ArrowRight" | "ArrowDown" | " " => go(true),
                        "PageUp" | "ArrowLeft" | "ArrowUp" => go(false),
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }
    let (id, chapter, beat) = (*at).clone();
    let Some(scenario) = faultline_scenarios::find(&id).or_else(|| faultline_scenarios::all().first().copied()) else {
        return html! {};
    };
    let chapters = scenario.chapters();
    let current = chapter.and_then(|c| chapters.get(c));
    let beats = |ch: &faultline_sim::Chapter| ch.beats.len().max(1);
    let caption = |ch: &faultline_sim::Chapter, b: usize| ch.beats.get(b).map_or(ch.text, |x| x.caption);
    let notes = current.and_then(|ch| ch.beats.get(beat)).map(|b| b.notes).unwrap_or("");
    let next = match (chapter, current) {
        (Some(_), Some(ch)) if beat + 1 < beats(ch) => Some((ch.title, caption(ch, beat + 1))),
        (Some(c), _) => chapters.get(c + 1).map(|ch| (ch.title, caption(ch, 0))),
        (None, _) => chapters.first().map(|ch| (ch.title, caption(ch, 0))),
    };
    let (back, forward) = (go.clone(), go);
    html! {
        <main class="speaker" aria-label="Speaker window">
            <header>
                <h1>{format!("Speaker · {}", scenario.title())}</h1>
                <span class="elapsed" id="elapsed" aria-label="Time since this window opened">{mm_ss(*seconds)}</span>
            </header>
            if let Some(ch) = current {
                <p class="where" id="speaker-where">{format!("{} — beat {} of {}", ch.title, beat + 1, beats(ch))}</p>
                <p class="now" id="speaker-now">{caption(ch, beat)}</p>
                if !notes.is_empty() {
                    <p class="notes" id="speaker-notes">{notes}</p>
                }
            } else {
                <p class="where" id="speaker-where">{"No chapter yet: press Next to start the story."}</p>
            }
            if let Some((title, text)) = next {
                <p class="next" id="speaker-next"><strong>{format!("Next — {title}: ")}</strong>{text}</p>
            }
            <div class="speaker-buttons">
                <button id="speaker-prev" onclick={Callback::from(move |_: MouseEvent| back(false))}>{"◂ Previous"}</button>
                <button id="speaker-go" onclick={Callback::from(move |_: MouseEvent| forward(true))}>{"Next ▸"}</button>
            </div>
            <p class="hint">{"PageDown / PageUp here move the projected window too."}</p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_ones_are_ignored() {
        for m in [
            Message::At { scenario: "raft".into(), chapter: Some(2), beat: 1 },
            Message::Go { forward: false },
            Message::Hello,
        ] {
            assert_eq!(Message::parse(&serde_json::to_string(&m).unwrap()), Some(m));
        }
        assert_eq!(Message::parse("{\"kind\":\"go\"}"), None);
        assert_eq!(Message::parse("<script>"), None);
    }
}
