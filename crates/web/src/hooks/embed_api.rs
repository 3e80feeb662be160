//! The postMessage API for pages that embed the playground in an iframe.
//!
//! Messages are plain objects with `faultline: 1` and a `type`. Commands (host → playground):
//! `play`, `pause`, `toggle`, `step` (`by`, default 1), `seek` (`step`), `set` (`key`, `value`),
//! `fault` (`fault`: a fault object such as `{"kind":"crash","node":0}`, injected at the current step, or a
//! compact plan string such as `"crash:0@500000"` with its own times), `reset`, `chapter` (`index`, from 1).
//! Events (playground → host): `ready` (`scenario`, `steps`, `hash`), `step` (`step`, `steps`, `time_us`),
//! `run` (`hash`, `steps`) after a re-run, `violation` (`invariant`, `message`, `step`) when one comes into view,
//! `resize` (`height`) so the host can size the iframe, and `error` (`message`) for a command it could not take.
//!
//! Only messages from the allowed origin are taken: the page's own origin, or the one the host names with the
//! `origin=` URL parameter (`origin=*` allows any). Events are posted to that origin only.

use crate::state::{Action, AppState};
use faultline_sim::{Fault, Severity};
use gloo::events::EventListener;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

fn own_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// Whether a message from `origin` may drive this page.
pub fn origin_allowed(origin: &str, allowed: Option<&str>, own: &str) -> bool {
    match allowed {
        Some("*") => true,
        Some(a) => origin == a,
        None => origin == own,
    }
}

/// The embedding page's window, if this page is in a frame.
fn host() -> Option<web_sys::Window> {
    let w = web_sys::window()?;
    let parent = w.parent().ok()??;
    (JsValue::from(parent.clone()) != JsValue::from(w)).then_some(parent)
}

/// Post an event to the embedding page, if there is one.
fn post(event: Value, allowed: Option<&str>) {
    let Some(parent) = host() else { return };
    let mut event = event;
    event["faultline"] = json!(1);
    let target = match allowed {
        Some(a) => a.to_string(),
        None => own_origin(),
    };
    if let Ok(obj) = js_sys::JSON::parse(&event.to_string()) {
        let _ = parent.post_message(&obj, &target);
    }
}

/// Turn a message into an action. `Ok(None)`: not for us (no `faultline: 1`).
pub fn command(data: &Value) -> Result<Option<Action>, String> {
    if data.get("faultline").and_then(Value::as_u64) != Some(1) {
        return Ok(None);
    }
    let kind = data.get("type").and_then(Value::as_str).ok_or("a command needs a string `type`")?;
    let int = |k: &str| data.get(k).and_then(Value::as_i64);
    let action = match kind {
        "play" => Action::Play,
        "pause" => Action::Pause,
        "toggle" => Action::TogglePlay,
        "reset" => Action::ToStart,
        "step" => Action::StepBy(int("by").unwrap_or(1)),
        "seek" => {
            Action::Seek(int("step").ok_or("`seek` needs a whole number `step`")?.clamp(0, u32::MAX as i64) as u32)
        }
        "set" => {
            let key = data.get("key").and_then(Value::as_str).ok_or("`set` needs a string `key`")?;
            let value = match data.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => return Err("`set` needs a `value` (string, number or boolean)".into()),
            };
            Action::SetParam(key.to_string(), value)
        }
        "fault" => match data.get("fault") {
            Some(Value::String(plan)) => Action::InjectCompact(plan.clone()),
            Some(f @ Value::Object(_)) => Action::Inject(
                serde_json::from_value::<Fault>(f.clone()).map_err(|e| format!("`fault` is not a fault: {e}"))?,
            ),
            _ => return Err("`fault` needs a fault object or a compact plan string".into()),
        },
        "chapter" => {
            let i = int("index").filter(|&i| i >= 1).ok_or("`chapter` needs an `index` from 1")?;
            Action::Chapter(i as usize - 1)
        }
        other => return Err(format!("unknown command type `{other}`")),
    };
    Ok(Some(action))
}

#[hook]
pub fn use_embed_api(state: &UseReducerHandle<AppState>) {
    let allowed = state.embed.origin.clone();

    // Commands from the host page.
    {
        let d = state.dispatcher();
        use_effect_with(allowed.clone(), move |allowed| {
            let allowed = allowed.clone();
            let listener = web_sys::window().map(|w| {
                EventListener::new(&w, "message", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else { return };
                    if !origin_allowed(&e.origin(), allowed.as_deref(), &own_origin()) {
                        return;
                    }
                    let data: Value = js_sys::JSON::stringify(&e.data())
                        .ok()
                        .and_then(|s| s.as_string())
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or(Value::Null);
                    match command(&data) {
                        Ok(Some(a)) => d.dispatch(a),
                        Ok(None) => {}
                        Err(message) => post(json!({ "type": "error", "message": message }), allowed.as_deref()),
                    }
                })
            });
            move || drop(listener)
        });
    }

    // Events to the host page.
    let model = state.model.clone();
    {
        let (allowed, model) = (allowed.clone(), model.clone());
        let scenario = state.scenario.id();
        use_effect_with((), move |_| {
            let t = &model.trace;
            post(
                json!({ "type": "ready", "scenario": scenario, "steps": t.steps, "hash": t.hash }),
                allowed.as_deref(),
            );
        });
    }
    {
        let allowed = allowed.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(model.trace.hash.clone(), move |hash| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                post(json!({ "type": "run", "hash": hash, "steps": model.trace.steps }), allowed.as_deref());
            }
        });
    }
    {
        let allowed = allowed.clone();
        let announced = use_mut_ref(BTreeSet::<(String, u32)>::new);
        let model = state.model.clone();
        let cursor = state.cursor;
        use_effect_with((cursor, model.trace.hash.clone()), move |(cursor, hash)| {
            let t = &model.trace;
            post(
                json!({ "type": "step", "step": cursor, "steps": t.steps, "time_us": model.time_at(*cursor) }),
                allowed.as_deref(),
            );
            for b in model.breaches_before(*cursor).filter(|b| b.severity == Severity::Violation) {
                if announced.borrow_mut().insert((hash.clone(), b.step)) {
                    post(
                        json!({ "type": "violation", "invariant": b.invariant, "message": b.message, "step": b.step }),
                        allowed.as_deref(),
                    );
                }
            }
        });
    }
    {
        let last = use_mut_ref(|| 0i32);
        use_effect(move || {
            if host().is_none() {
                return; // reading the height forces a layout: only when someone listens
            }
            let height = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
                .map(|e| e.scroll_height())
                .unwrap_or(0);
            if height != std::mem::replace(&mut *last.borrow_mut(), height) {
                post(json!({ "type": "resize", "height": height }), allowed.as_deref());
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert!(origin_allowed("https://a.example", None, "https://a.example"));
        assert!(!origin_allowed("https://evil.example", None, "https://a.example"));
        assert!(origin_allowed("https://docs.example", Some("https://docs.example"), "https://a.example"));
        assert!(!origin_allowed("https://a.example", Some("https://docs.example"), "https://a.example"));
        assert!(origin_allowed("https://any.example", Some("*"), "https://a.example"));
    }

    #[test]
    fn commands_parse_and_bad_ones_say_why() {
        let ok = |v: Value| command(&v).unwrap().is_some();
        assert!(ok(json!({"faultline": 1, "type": "play"})));
        assert!(ok(json!({"faultline": 1, "type": "step", "by": -3})));
        assert!(ok(json!({"faultline": 1, "type": "seek", "step": 12})));
        assert!(ok(json!({"faultline": 1, "type": "set", "key": "fencing", "value": true})));
        assert!(ok(json!({"faultline": 1, "type": "fault", "fault": {"kind": "crash", "node": 0}})));
        assert!(ok(json!({"faultline": 1, "type": "fault", "fault": "pause:0:1000@5"})));
        assert!(ok(json!({"faultline": 1, "type": "chapter", "index": 2})));
        assert!(command(&json!({"type": "play"})).unwrap().is_none(), "not ours");
        assert!(command(&json!("hello")).unwrap().is_none());
        let err = |v: Value| command(&v).err().unwrap();
        assert_eq!(err(json!({"faultline": 1, "type": "dance"})), "unknown command type `dance`");
        assert_eq!(err(json!({"faultline": 1})), "a command needs a string `type`");
        assert!(err(json!({"faultline": 1, "type": "seek"})).contains("needs a whole number"));
        assert!(err(json!({"faultline": 1, "type": "fault", "fault": {"kind": "explode"}}))
            .starts_with("`fault` is not a fault"));
        assert!(err(json!({"faultline": 1, "type": "chapter", "index": 0})).contains("from 1"));
    }
}
