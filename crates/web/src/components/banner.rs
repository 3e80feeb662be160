//! When an invariant breaks: what happened, in plain words, with buttons to the steps that caused it.
//! Observations (things a learner should notice that are not breaches) get a quieter banner.

use super::ModelRef;
use crate::model::BreachInfo;
use faultline_sim::trace::capitalized;
use faultline_sim::Severity;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
    pub on_seek: Callback<u32>,
    /// Violations only, no observations (embedded pages).
    #[prop_or_default]
    pub compact: bool,
    /// The run beside the main one in compare mode: the same banners, quieter and without the main one's ids.
    #[prop_or_default]
    pub beside: bool,
}

/// Breaches grouped by invariant, in order of first appearance: the first in full, and how many followed.
fn grouped<'a>(all: &[&&'a BreachInfo]) -> Vec<(&'a BreachInfo, Vec<u32>)> {
    let mut out: Vec<(&BreachInfo, Vec<u32>)> = Vec::new();
    for b in all {
        match out.iter_mut().find(|(first, _)| first.invariant == b.invariant) {
            Some((_, more)) => more.push(b.step),
            None => out.push((b, Vec::new())),
        }
    }
    out
}

#[function_component(Banner)]
pub fn banner(p: &Props) -> Html {
    let visible: Vec<_> = p.model.breaches_before(p.cursor).collect();
    let violations: Vec<_> = visible.iter().filter(|b| b.severity == Severity::Violation).collect();
    let observations: Vec<_> = visible.iter().filter(|b| b.severity == Severity::Observation && !p.compact).collect();
    let more = |steps: &[u32]| match steps {
        [] => html! {},
        [.., last] => {
            let seek = p.on_seek.reform({
                let last = *last;
                move |_: MouseEvent| last + 1
            });
            html! {
                <p class="more">{format!("and {} more, the last at step ", steps.len())}
                    <button class="step-link" onclick={seek} aria-label={format!("Go to step {last}")}>{*last}</button>
                </p>
            }
        }
    };
    let steps_buttons = |causes: &[u32]| {
        html! {
            <span class="causes">{"caused by steps "}
                { for causes.iter().map(|&s| {
                    let seek = p.on_seek.reform(move |_: MouseEvent| s + 1);
                    html! { <button class="step-link" onclick={seek} aria-label={format!("Go to step {s}")}>{s}</button> }
                }) }
            </span>
        }
    };
    let at_end = p.cursor >= p.model.steps() && p.model.steps() > 0;
    let main = !p.compact && !p.beside;
    html! {
        <section class="banners" aria-live="polite">
            // From the first step: a learner who asked for 10,000 clients should know at once that the run ends early.
            if let Some(limit) = p.model.trace.outcome.limit_message() {
                <div class="banner observation" id={main.then_some("limit-banner")}>{format!("⚠ {}.", capitalized(&limit))}</div>
            }
            // One id per page: the first violation's banner (the one a learner's eye and the tests look for).
            { for grouped(&violations).into_iter().enumerate().map(|(i, (b, later))| html! {
                <div class={classes!("banner", "violation", main.then_some("primary"))} id={(main && i == 0).then_some("violation-banner")} role="alert">
                    <strong>{format!("✗ Invariant broken: {}", b.invariant)}</strong>
                    <span class="at">{format!(" at step {}", b.step)}</span>
                    <p>{&b.message}</p>
                    { steps_buttons(&b.causes) }
                    { more(&later) }
                </div>
            }) }
            { for grouped(&observations).into_iter().map(|(b, later)| html! {
                <div class="banner observation">
                    <strong>{format!("⚠ {}", b.invariant)}</strong>
                    <span class="at">{format!(" at step {}", b.step)}</span>
                    <p>{&b.message}</p>
                    { more(&later) }
                </div>
            }) }
            { if at_end && violations.is_empty() {
                html! { <div class="banner ok" id={main.then_some("ok-banner")}>{format!("✓ No invariant broke in this run ({} steps).", p.model.steps())}</div> }
            } else { html! {} } }
        </section>
    }
}
