//! Guided chapters: a list to jump into, Previous / Next, and the current chapter's text.

use crate::state::Action;
use faultline_sim::Chapter;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub chapters: &'static [Chapter],
    pub current: Option<usize>,
    pub dispatch: Callback<Action>,
    /// Presenter mode: the chapters as one compact row (a list to pick from), the text as a large caption.
    #[prop_or_default]
    pub compact: bool,
}

#[function_component(Chapters)]
pub fn chapters(p: &Props) -> Html {
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
                if let Some(ch) = p.current.and_then(|c| p.chapters.get(c)) {
                    <p class="chapter-text caption" id="chapter-text">{ch.text}</p>
                }
            </section>
        };
    }
    html! {
        <section class="chapters" aria-label="Guided chapters">
            <div class="chapter-nav">
                <button id="chapter-prev" disabled={p.current.is_none_or(|c| c == 0)} onclick={d.reform(move |_: MouseEvent| Action::Chapter(prev))}>{"◂ Previous"}</button>
                <ol>
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
            if let Some(ch) = p.current.and_then(|c| p.chapters.get(c)) {
                <p class="chapter-text" id="chapter-text"><strong>{ch.title}{": "}</strong>{ch.text}</p>
            }
        </section>
    }
}
