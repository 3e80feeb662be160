//! The site's root: every scenario as a card — its title, its one-line lesson, a small picture of its canonical
//! run at its most telling step (drawn by the same components as the playground, from a run made in this page),
//! its chapters with a link into each — and a link to the workshop plan.

use super::{population::Population, ring::Ring, sequence::SequenceDiagram, ModelRef};
use crate::model::Model;
use faultline_sim::{At, FaultPlan, Scenario, View};
use std::rc::Rc;
use yew::prelude::*;

/// The step a picture of a scenario's canonical run shows: where the story of the first chapter that shows that
/// run (the defaults, no faults) ends — its last beat; without such a chapter, just after the first violation, or
/// else the end.
pub fn telling_step(s: &dyn Scenario, m: &Model) -> u32 {
    let story = s.chapters().iter().find(|ch| {
        let (sets, faults) = ch.scene(ch.beats.len().saturating_sub(1));
        sets.is_empty() && faults.is_empty()
    });
    if let Some(ch) = story {
        return m.anchor(ch.beats.last().map_or(ch.at, |b| b.at));
    }
    if At::FirstBreach(None).reached_in(&m.trace) {
        return m.anchor(At::FirstBreach(None));
    }
    m.steps()
}

#[function_component(FrontDoor)]
pub fn front_door() -> Html {
    html! {
        <main class="door">
            <header class="door-top">
                <h1><span class="brand">{"Faultline"}</span></h1>
                <p class="lede">{"Watch distributed coordination fail, step by step, and see why the fixes work. \
                    Every scenario runs here, in your browser: pause a node, cut a link, change a knob, and replay \
                    any run exactly from its link."}</p>
                <nav class="door-nav"><a href="?page=workshop" id="workshop-link">{"Workshop plan →"}</a></nav>
            </header>
            <ul class="cards" id="cards">
                { for faultline_scenarios::all().iter().enumerate().map(|(i, s)| html! {
                    <li><Card id={s.id()} order={i as u32} /></li>
                }) }
            </ul>
            <footer class="foot">{"Keyboard: ← → step, space plays, PageDown / PageUp walk a chapter's beats, ? lists the rest."}</footer>
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    id: &'static str,
    /// Pictures are drawn one after another, after the cards are on screen.
    order: u32,
}

#[function_component(Card)]
fn card(p: &CardProps) -> Html {
    let Some(s) = faultline_scenarios::find(p.id) else { return html! {} };
    let open = format!("?scenario={}", s.id());
    html! {
        <article class="card" id={format!("card-{}", s.id())}>
            <h2><a href={open.clone()}>{s.title()}</a></h2>
            <p class="lesson">{s.summary()}</p>
            // The picture repeats the title's link: for a pointer only, hidden from screen readers and the keyboard.
            <a class="thumb-link" href={open.clone()} aria-hidden="true" tabindex="-1">
                <Thumb id={p.id} order={p.order} />
            </a>
            <ol class="card-chapters">
                { for s.chapters().iter().enumerate().map(|(i, ch)| html! {
                    <li><a href={format!("?scenario={}&chapter={}", s.id(), i + 1)}>{ch.title}</a></li>
                }) }
            </ol>
            <p class="card-links">
                <a href={open}>{"Open"}</a>
                {" · "}
                <a href={format!("?scenario={}&chapter=1&presenter=1", s.id())}>{"Present"}</a>
            </p>
        </article>
    }
}

/// The canonical run's main view at its telling step: a crowd, a ring, or else the sequence diagram.
#[function_component(Thumb)]
fn thumb(p: &CardProps) -> Html {
    let model = use_state(|| None::<Rc<Model>>);
    {
        let (model, id, order) = (model.clone(), p.id, p.order);
        use_effect_with((), move |_| {
            // A run takes from a millisecond to half a second: let the cards paint first, then one per tick.
            let t = gloo::timers::callback::Timeout::new(40 + 40 * order, move || {
                if let Some(s) = faultline_scenarios::find(id) {
                    let run = crate::state::run(s, &s.default_params(), s.canonical_seed(), &FaultPlan::new(), None);
                    model.set(run.ok());
                }
            });
            move || drop(t)
        });
    }
    let Some(m) = (*model).clone() else { return html! { <div class="thumb pending">{"drawing…"}</div> } };
    let Some(s) = faultline_scenarios::find(p.id) else { return html! {} };
    let cursor = telling_step(s, &m);
    let m = ModelRef(m);
    let picture = match main_view(s) {
        Some(View::Population { states }) => html! {
            <Population model={m} {cursor} states={*states} id={format!("thumb-{}", p.id)}
                followed={Vec::new()} on_follow={Callback::noop()} />
        },
        Some(View::Ring { legend }) => html! {
            <Ring model={m} {cursor} on_select={Callback::noop()} selected={None} legend={*legend} />
        },
        _ => html! { <SequenceDiagram model={m} {cursor} on_seek={Callback::noop()} id={format!("thumb-{}", p.id)} /> },
    };
    // `inert`: a picture, not controls — nothing in it takes the focus or a click (the card's link does).
    html! { <div class="thumb" data-step={cursor.to_string()} inert=true>{picture}</div> }
}

fn main_view(s: &dyn Scenario) -> Option<&'static View> {
    s.views().iter().find(|v| matches!(v, View::Population { .. } | View::Ring { .. }))
}
