//! Guided chapters: a list to jump into, Previous / Next, and the current chapter's text.

use crate::state::Action;
use faultline_sim::Chapter;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub chapters: &'static [Chapter],
    pub current: Option<usize>,
    pub dispatch: Callback<Action>,
    /// Presenter mode: the chapters as one compact row (a list to pick from), the text as a large caption.
    #[prop_or_default]
    pub compact: bool,
    /// What to show: the current beat's caption (or the chapter's text).
    #[prop_or_default]
    pub caption: Option<&'static str>,
    /// The current beat of the chapter.
    #[prop_or_default]
    pub beat: usize,
}

/// The beat buttons and where the story is: "beat 2 of 4".
fn beat_nav(p: &Props) -> Html {
    let Some(ch) = p.current.and_then(|c| p.chapters.get(c)) else { return html! {} };
    let n = ch.beats.len().max(1);
    let d = &p.dispatch;
    html! {
        <span class="beat-nav">
            <button id="beat-prev" onclick={d.reform(|_: MouseEvent| Action::PrevBeat)} title="The beat before (PageUp)" aria-label="Previous beat">{"◂"}</button>
            <span class="beat-count" id="beat-count">{format!("{} / {n}", p.beat + 1)}</span>
            <button id="beat-next" onclick={d.reform(|_: MouseEvent| Action::NextBeat)} title="The next beat (PageDown)" aria-label="Next beat">{"▸"}</button>
        </span>
    }
}

#[function_component(Chapters)]
pub fn chapters(p: &Props) -> Html {
    let strip = use_node_ref();
    {
        // On a phone the list is one row that scrolls sideways: keep the current chapter's button in it in view.
        let strip = strip.clone();
        use_effect_with(p.current, move |_| {
            let Some(ol) = strip.cast::<web_sys::HtmlElement>() else { return };
            let chip = ol.query_selector("button.current").ok().flatten();
            let Some(chip) = chip.and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
            let (at, left, width) = (chip.offset_left() - ol.offset_left(), ol.scroll_left(), ol.client_width());
            if at < left || at + chip.offset_width() > left + width {
                ol.set_scroll_left((at - 8).max(0));
            }
        });
    }
    if p.chapters.is_empty() {
        return html! {};
    }
    let d = &p.dispatch;
    let n = p.chapters.len();
    let prev = p.current.map_or(0, |c| c.saturating_sub(1));
    let next = p.current.map_or(0, |c| (c + 1).min(n - 1));
    if p.compact {
        let pick = d.reform(|e: Event| {
            let i = e.target_dyn_into::<web_sys::HtmlSelectElement>().and_then(|s| s.value().parse().ok());
            Action::Chapter(i.unwrap_or(0))
        });
        return html! {
            <section class="chapters compact" aria-label="Guided chapters">
                <div class="chapter-nav">
                    <button id="chapter-prev" disabled={p.current.is_none_or(|c| c == 0)} onclick={d.reform(move |_: MouseEvent| Action::Chapter(prev))} aria-label="Previous chapter">{"◂"}</button>
                    <select id="chapter-select" aria-label="Chapter" onchange={pick}>
                        if p.current.is_none() {
                            <option selected=true disabled=true>{"Choose a chapter"}</option>
                        }
                        { for p.chapters.iter().enumerate().map(|(i, ch)| html! {
                            <option value={i.to_string()} selected={p.current == Some(i)}>{ch.title}</option>
                        }) }
                    </select>
                    <button id="chapter-next" disabled={p.current == Some(n - 1)} onclick={d.reform(move |_: MouseEvent| Action::Chapter(next))} aria-label="Next chapter">{"▸"}</button>
                </div>
                if let Some(text) = p.caption {
                    <div class="caption-row">
                        <p class="chapter-text caption" id="chapter-text">{text}</p>
                        { beat_nav(p) }
                    </div>
                }
            </section>
        };
    }
    html! {
        <section class="chapters" aria-label="Guided chapters">
            <div class="chapter-nav">
                <button id="chapter-prev" disabled={p.current.is_none_or(|c| c == 0)} onclick={d.reform(move |_: MouseEvent| Action::Chapter(prev))}>{"◂ Previous"}</button>
                <ol ref={strip}>
                    { for p.chapters.iter().enumerate().map(|(i, ch)| html! {
                        <li>
                            <button class={classes!("chapter", (p.current == Some(i)).then_some("current"))}
                                aria-current={(p.current == Some(i)).then_some("step")}
                                onclick={d.reform(move |_: MouseEvent| Action::Chapter(i))}>{ch.title}</button>
                        </li>
                    }) }
                </ol>
                <button id="chapter-next" disabled={p.current == Some(n - 1)} onclick={d.reform(move |_: MouseEvent| Action::Chapter(next))}>{"Next ▸"}</button>
            </div>
            if let (Some(ch), Some(text)) = (p.current.and_then(|c| p.chapters.get(c)), p.caption) {
                <div class="caption-row">
                    <p class="chapter-text" id="chapter-text"><strong>{ch.title}{": "}</strong>{text}</p>
                    if ch.beats.len() > 1 {
                        { beat_nav(p) }
                    }
                </div>
            }
        </section>
    }
}
