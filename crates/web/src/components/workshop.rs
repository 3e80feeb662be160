//! The workshop plan page (`?page=workshop`): the session the scenarios crate strings together, each part with
//! its time budget and point, each chapter a deep link that opens it in presenter mode.

use faultline_scenarios::workshop::WORKSHOP;
use yew::prelude::*;

#[function_component(Workshop)]
pub fn workshop() -> Html {
    let total: u32 = WORKSHOP.iter().map(|p| p.minutes).sum();
    html! {
        <main class="door workshop">
            <header class="door-top">
                <p class="crumb"><a href="?">{"← Faultline"}</a></p>
                <h1>{"Workshop plan: coordination under failure"}</h1>
                <p class="lede">{format!(
                    "{} parts, {total} minutes. Each link opens a chapter in presenter mode; PageDown and PageUp (or a \
                     presentation remote) walk its beats and go on to the next chapter. Press the Speaker window button \
                     to read the notes on your own screen.", WORKSHOP.len()
                )}</p>
            </header>
            <ol class="plan" id="plan">
                { for WORKSHOP.iter().map(|part| html! {
                    <li class="part">
                        <h2>{part.title}<span class="minutes">{format!(" · {} min", part.minutes)}</span></h2>
                        <p>{part.point}</p>
                        <ol class="stops">
                            { for part.chapters.iter().filter_map(|&(id, n)| {
                                let s = faultline_scenarios::find(id)?;
                                let ch = s.chapters().get(n.checked_sub(1)?)?;
                                Some(html! {
                                    <li><a href={format!("?scenario={id}&chapter={n}&presenter=1")}>
                                        <span class="stop-scenario">{s.title().split(':').next().unwrap_or_default()}</span>{" — "}{ch.title}
                                    </a></li>
                                })
                            }) }
                        </ol>
                    </li>
                }) }
            </ol>
        </main>
    }
}
