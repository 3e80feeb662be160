//! The postMessage API for pages that embed the playground in an iframe.
//!
//! Messages are plain objects with `faultline: 1` and a `type`. Commands (host → playground):
//! `play`, `pause`, `toggle`, `step` (`by`, default 1), `seek` (`step`), `set` (`key`, `value`),
//! `fault` (`fault`: a fault in compact form — `"crash:2"` strikes at the current step, `"crash:2@500000"` at
//! that time in µs), `reset`, `chapter` (`index`, from 1).
//! Events (playground → host): `ready` (`scenario`, `steps`, `hash`), `step` (`step`, `steps`, `time_us`),
//! `run` (`hash`, `steps`) after a re-run, `violation` (`invariant`, `message`, `step`) when one comes into view,
//! `resize` (`height`) so the host can size the iframe, and `error` (`message`) for a command it could not take.
//!
//! Only messages from the allowed origin are taken: the page's own origin, or the one the host names with the
//! `origin=` URL parameter (`origin=*` allows any). Events are posted to that origin only.
//!
//! Messages are read and written as plain JS objects (no JSON library in the bundle for this).

use crate::state::{Action, AppState};
use faultline_sim::{FaultPlan, Severity};
use gloo::events::EventListener;
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

/// A field of a message, as JS sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Missing,
    Bool(bool),
    Number(f64),
    Text(String),
    Other,
}

impl Field {
    fn of(v: JsValue) -> Field {
        if v.is_undefined() || v.is_null() {
            Field::Missing
        } else if let Some(b) = v.as_bool() {
            Field::Bool(b)
        } else if let Some(n) = v.as_f64() {
            Field::Number(n)
        } else if let Some(s) = v.as_string() {
            Field::Text(s)
        } else {
            Field::Other
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Field::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(*n as i64),
            _ => None,
        }
    }
}

/// Post an event to the embedding page, if there is one.
fn post(kind: &str, fields: &[(&str, JsValue)], allowed: Option<&str>) {
    let Some(parent) = host() else { return };
    let obj = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), v);
    };
    set("faultline", &JsValue::from(1));
    set("type", &JsValue::from_str(kind));
    for (k, v) in fields {
        set(k, v);
    }
    let target = allowed.map(str::to_string).unwrap_or_else(own_origin);
    let _ = parent.post_message(&obj, &target);
}

/// Turn a message into an action, given a way to read its fields. `Ok(None)`: not for us.
pub fn command(get: &dyn Fn(&str) -> Field) -> Result<Option<Action>, String> {
    if get("faultline").int() != Some(1) {
        return Ok(None);
    }
    let Field::Text(kind) = get("type") else { return Err("a command needs a string `type`".into()) };
    let action = match kind.as_str() {
        "play" => Action::Play,
        "pause" => Action::Pause,
        "toggle" => Action::TogglePlay,
        "reset" => Action::ToStart,
        "step" => match get("by") {
            Field::Missing => Action::StepBy(1),
            f => Action::StepBy(f.int().ok_or("`step` takes a whole number `by`")?),
        },
        "seek" => {
            Action::Seek(get("step").int().ok_or("`seek` needs a whole number `step`")?.clamp(0, u32::MAX as i64) as u32)
        }
        "set" => {
            let Field::Text(key) = get("key") else { return Err("`set` needs a string `key`".into()) };
            let value = match get("value") {
                Field::Text(s) => s,
                Field::Bool(b) => b.to_string(),
                f @ Field::Number(_) => f.int().ok_or("`set` takes whole numbers")?.to_string(),
                _ => return Err("`set` needs a `value` (string, number or boolean)".into()),
            };
            Action::SetParam(key, value)
        }
        "fault" => {
            let Field::Text(f) = get("fault") else {
                return Err(
                    "`fault` needs a fault in compact form, e.g. \"crash:2\" or \"pause:0:500000@30000\"".into()
                );
            };
            if f.contains('@') {
                Action::InjectCompact(f)
            } else {
                Action::Inject(
                    FaultPlan::parse_fault(&f)
                        .ok_or_else(|| format!("`{f}` is not a fault (e.g. crash:2, pause:0:500000)"))?,
                )
            }
        }
        "chapter" => {
            let i = get("index").int().filter(|&i| i >= 1).ok_or("`chapter` needs an `index` from 1")?;
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
                    let data = e.data();
                    if !data.is_object() {
                        return;
                    }
                    let get =
                        |k: &str| Field::of(js_sys::Reflect::get(&data, &JsValue::from_str(k)).unwrap_or_default());
                    match command(&get) {
                        Ok(Some(a)) => d.dispatch(a),
                        Ok(None) => {}
                        Err(message) => post("error", &[("message", message.into())], allowed.as_deref()),
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
        let scenario = state.inputs.scenario.id();
        use_effect_with((), move |_| {
            let t = &model.trace;
            let fields = [("scenario", scenario.into()), ("steps", t.steps.into()), ("hash", t.hash.as_str().into())];
            post("ready", &fields, allowed.as_deref());
        });
    }
    {
        let allowed = allowed.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(model.trace.hash.clone(), move |hash| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                post("run", &[("hash", hash.as_str().into()), ("steps", model.trace.steps.into())], allowed.as_deref());
            }
        });
    }
    {
        let allowed = allowed.clone();
        let announced = use_mut_ref(Vec::<(String, u32)>::new);
        let model = state.model.clone();
        let cursor = state.cursor;
        use_effect_with((cursor, model.trace.hash.clone()), move |(cursor, hash)| {
            let t = &model.trace;
            let time = model.time_at(*cursor) as f64;
            post(
                "step",
                &[("step", (*cursor).into()), ("steps", t.steps.into()), ("time_us", time.into())],
                allowed.as_deref(),
            );
            for b in model.breaches_before(*cursor).filter(|b| b.severity == Severity::Violation) {
                let key = (hash.clone(), b.step);
                if !announced.borrow().contains(&key) {
                    announced.borrow_mut().push(key);
                    let fields = [
                        ("invariant", b.invariant.as_str().into()),
                        ("message", b.message.as_str().into()),
                        ("step", b.step.into()),
                    ];
                    post("violation", &fields, allowed.as_deref());
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
                post("resize", &[("height", height.into())], allowed.as_deref());
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn msg(fields: &[(&str, Field)]) -> Result<Option<Action>, String> {
        let m: HashMap<String, Field> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        command(&|k| m.get(k).cloned().unwrap_or(Field::Missing))
    }

    fn ours(kind: &str, more: &[(&str, Field)]) -> Result<Option<Action>, String> {
        let mut f = vec![("faultline", Field::Number(1.0)), ("type", Field::Text(kind.into()))];
        f.extend(more.iter().cloned());
        msg(&f)
    }

    #[test]
    fn origins() {
        assert!(origin_allowed("https://a.example", None, "https://a.example"));
        assert!(!origin_allowed("https://evil.example", None, "https://a.example"));
        assert!(!origin_allowed("null", None, "https://a.example"));
        assert!(origin_allowed("https://docs.example", Some("https://docs.example"), "https://a.example"));
        assert!(!origin_allowed("https://a.example", Some("https://docs.example"), "https://a.example"));
        assert!(origin_allowed("https://any.example", Some("*"), "https://a.example"));
    }

    #[test]
    fn commands_parse_and_bad_ones_say_why() {
        let ok = |r: Result<Option<Action>, String>| matches!(r, Ok(Some(_)));
        assert!(ok(ours("play", &[])));
        assert!(matches!(ours("step", &[("by", Field::Number(-3.0))]), Ok(Some(Action::StepBy(-3)))));
        assert!(matches!(ours("step", &[]), Ok(Some(Action::StepBy(1)))));
        assert!(matches!(ours("seek", &[("step", Field::Number(12.0))]), Ok(Some(Action::Seek(12)))));
        assert!(ok(ours("set", &[("key", Field::Text("fencing".into())), ("value", Field::Bool(true))])));
        assert!(matches!(ours("fault", &[("fault", Field::Text("crash:0".into()))]), Ok(Some(Action::Inject(_)))));
        assert!(matches!(
            ours("fault", &[("fault", Field::Text("pause:0:1000@5".into()))]),
            Ok(Some(Action::InjectCompact(_)))
        ));
        assert!(matches!(ours("chapter", &[("index", Field::Number(2.0))]), Ok(Some(Action::Chapter(1)))));
        assert!(msg(&[("type", Field::Text("play".into()))]).unwrap().is_none(), "not ours");
        let err = |r: Result<Option<Action>, String>| r.err().unwrap();
        assert_eq!(err(ours("dance", &[])), "unknown command type `dance`");
        assert_eq!(err(msg(&[("faultline", Field::Number(1.0))])), "a command needs a string `type`");
        assert!(err(ours("seek", &[])).contains("needs a whole number"));
        assert!(err(ours("seek", &[("step", Field::Number(1.5))])).contains("needs a whole number"));
        assert!(err(ours("fault", &[("fault", Field::Text("explode".into()))])).contains("is not a fault"));
        assert!(err(ours("fault", &[("fault", Field::Other)])).contains("compact form"));
        assert!(err(ours("chapter", &[("index", Field::Number(0.0))])).contains("from 1"));
    }
}
