//! One component per file.

pub mod app;
pub mod banner;
pub mod chapters;
pub mod chart;
pub mod controls;
pub mod event_log;
pub mod fault_bar;
pub mod finder;
pub mod front_door;
pub mod help;
pub mod narrative;
pub mod node_panels;
pub mod notices;
pub mod params_panel;
pub mod population;
pub mod ring;
pub mod sequence;
pub mod speaker;
pub mod transfer;
pub mod workshop;

use crate::model::Model;
use std::rc::Rc;

/// A shared model compared by identity: a new run is a new model, so props compare in O(1).
#[derive(Clone)]
pub struct ModelRef(pub Rc<Model>);

impl PartialEq for ModelRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for ModelRef {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.0
    }
}

/// The CSS class for a tone.
pub fn tone_class(t: faultline_sim::Tone) -> &'static str {
    use faultline_sim::Tone::*;
    match t {
        Neutral => "tone-neutral",
        Info => "tone-info",
        Good => "tone-good",
        Warn => "tone-warn",
        Bad => "tone-bad",
    }
}

/// An SVG coordinate with one decimal, written with integer formatting only (float formatting would add
/// kilobytes of code to the bundle for nothing).
pub fn px(x: f64) -> String {
    let t = (x * 10.0).round() as i64;
    let (whole, tenth) = (t / 10, (t % 10).abs());
    match (tenth, t < 0 && whole == 0) {
        (0, _) => whole.to_string(),
        (_, true) => format!("-0.{tenth}"),
        _ => format!("{whole}.{tenth}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn px_writes_one_decimal() {
        for (x, s) in [(0.0, "0"), (12.34, "12.3"), (12.36, "12.4"), (-0.5, "-0.5"), (-3.25, "-3.3"), (900.0, "900")] {
            assert_eq!(super::px(x), s, "{x}");
        }
    }
}
