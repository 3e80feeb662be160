//! The last events up to the cursor, newest last, the current step highlighted.

use super::ModelRef;
use faultline_sim::fault::fmt_us;
use faultline_sim::{EventKind, Severity};
use yew::prelude::*;

/// How many steps back the log reaches.
const LOG_STEPS: u32 = 12;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelRef,
    pub cursor: u32,
}

#[function_component(EventLog)]
pub fn event_log(p: &Props) -> Html {
    let from = p.cursor.saturating_sub(LOG_STEPS);
    let range = p.model.events_between(from, p.cursor);
    // A crowd keeps events for few of its steps: show the last ones kept, however far back.
    let all = p.model.events_between(0, p.cursor);
    let range = range.start.min(all.end.saturating_sub(LOG_STEPS as usize))..range.end;
    let trace = &p.model.trace;
    html! {
        <section class="log" aria-label="Event log">
            <h2>{"Events"}</h2>
            if p.cursor == 0 {
                <p class="hint">{"Press ▶ (or Space) to play, → to step."}</p>
            }
            // Newest first in the DOM, shown last: `column-reverse` keeps the newest in view without script.
            // Focusable, so that a keyboard can scroll it.
            <ol tabindex="0" aria-label="Events, the newest last">
                { for trace.events[range].iter().rev().map(|e| {
                    let current = e.step + 1 == p.cursor;
                    let kind = match &e.kind {
                        EventKind::Breach(b) if b.severity == Severity::Violation => "breach",
                        EventKind::Breach(_) => "observation",
                        EventKind::Fault { .. } | EventKind::Resume { .. } => "fault",
                        EventKind::Drop { .. } => "drop",
                        _ => "",
                    };
                    html! {
                        <li class={classes!(kind, current.then_some("current"))}>
                            <span class="t">{fmt_us(e.at_us as i64)}</span>
                            <span class="s">{e.step}</span>
                            <span class="d">{trace.describe(e)}</span>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
