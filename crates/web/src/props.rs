//! Property tests of every input the page takes from strangers: the URL's query, the embedding API's messages and an
//! imported trace file. proptest draws the cases, shrinks a failure and prints it. 10,000 cases per property in the
//! test suite; `FAULTLINE_FUZZ_CASES` sets another count (`cargo xtask fuzz` runs a million).

use crate::hooks::embed_api::{command, Field};
use crate::state::{Action, AppState};
use crate::url::{self, Shown, UrlSettings};
use faultline_sim::ParamKind;
use proptest::prelude::*;
use std::rc::Rc;
use yew::Reducible;

fn config() -> ProptestConfig {
    let cases = std::env::var("FAULTLINE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// What the page's URL shows for these settings.
fn query_of(s: &UrlSettings) -> String {
    url::query(&Shown {
        scenario: s.scenario,
        seed: s.seed,
        params: &s.params,
        faults: &s.faults,
        step: s.step.unwrap_or(0),
        compare: s.compare,
        presenter: s.presenter,
        chapter: s.chapter,
        beat: s.beat,
        embed: &s.embed,
        follow: s.follow.as_deref(),
    })
}

/// A query string decoded as the browser's `URLSearchParams` decodes it (`+` is a space, then percent-decoding).
fn decode(query: &str) -> Vec<(String, String)> {
    let part = |t: &str| percent_encoding::percent_decode_str(&t.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (part(k), part(v)),
            None => (part(kv), String::new()),
        })
        .collect()
}

/// Keys the page reads, every scenario's parameter keys among them, and now and then any text at all.
fn key() -> impl Strategy<Value = String> {
    let mut known: Vec<String> = [
        "scenario",
        "seed",
        "faults",
        "step",
        "view",
        "presenter",
        "chapter",
        "beat",
        "follow",
        "embed",
        "controls",
        "autoplay",
        "fit",
        "origin",
        "speaker",
        "page",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    for s in faultline_scenarios::all() {
        known.extend(s.default_params().specs().iter().map(|p| p.key.to_string()));
    }
    prop_oneof![4 => prop::sample::select(known), 1 => any::<String>()]
}

/// Values near what the keys take (ids, numbers at and past their edges, fault plans, flags) and any text.
fn value() -> impl Strategy<Value = String> {
    let ids: Vec<String> = faultline_scenarios::CATALOG.iter().map(|s| s.to_string()).collect();
    prop_oneof![
        prop::sample::select(ids),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-3i64..100_000).prop_map(|n| n.to_string()),
        "(crash|restart|pause|cut|heal|delay|drop|jump|drift):[0-9>=+-]{0,8}(:[0-9]{0,7})?(@[0-9+-]{0,9})?",
        prop::sample::select(vec!["1", "0", "true", "false", "on", "compare", "none", "aof-always", "*"])
            .prop_map(String::from),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Any query: read without a panic, and the URL the page then writes reads back to itself with no complaint.
    #[test]
    fn any_query_settles_into_a_url_that_round_trips(pairs in prop::collection::vec((key(), value()), 0..12)) {
        let first = url::parse(&pairs);
        let written = query_of(&first);
        let again = url::parse(&decode(&written));
        prop_assert!(again.notices.is_empty(), "{written} -> {:?}", again.notices);
        prop_assert_eq!(query_of(&again), written.clone());
        prop_assert_eq!(again.scenario.id(), first.scenario.id());
        prop_assert_eq!(&again.faults, &first.faults);
        prop_assert_eq!(again.params.to_map(), first.params.to_map());
    }

    /// Settings drawn within every range (each parameter at its edges or anywhere between) survive the URL.
    #[test]
    fn settings_in_range_survive_the_url(
        which in 0..faultline_scenarios::all().len(),
        seed in any::<u64>(),
        picks in prop::collection::vec(any::<u64>(), 24),
        step in any::<u32>(),
        presenter in any::<bool>(),
    ) {
        let s = faultline_scenarios::all()[which];
        let mut pairs = vec![("scenario".to_string(), s.id().to_string()), ("seed".to_string(), seed.to_string())];
        for (spec, pick) in s.default_params().specs().iter().zip(&picks) {
            let v = match spec.kind {
                ParamKind::Int { min, max, .. } => match pick % 4 {
                    0 => min,
                    1 => max,
                    _ => min + (*pick as i64 & i64::MAX) % (max - min + 1).max(1),
                }.to_string(),
                ParamKind::Bool { .. } => (pick % 2 == 0).to_string(),
                ParamKind::Choice { options, .. } => options[*pick as usize % options.len()].to_string(),
            };
            pairs.push((spec.key.to_string(), v));
        }
        pairs.push(("step".into(), step.to_string()));
        if presenter {
            pairs.push(("presenter".into(), "1".into()));
        }
        let first = url::parse(&pairs);
        // A combination may break a rule between parameters (a minimum above a maximum): said, and the defaults kept.
        let again = url::parse(&decode(&query_of(&first)));
        prop_assert!(again.notices.is_empty(), "{:?}", again.notices);
        prop_assert_eq!(again.seed, seed);
        prop_assert_eq!(again.step.unwrap_or(0), step);
        prop_assert_eq!(again.presenter, presenter);
        prop_assert_eq!(again.params.to_map(), first.params.to_map());
    }

    /// Any embedding message (known commands with fields of any type, or any type at all): a command, nothing, or
    /// an error that says why; and the command, applied, never panics.
    #[test]
    fn any_embed_message_is_a_command_or_a_reason(
        kind in prop_oneof![
            prop::sample::select(vec!["play", "pause", "toggle", "reset", "step", "seek", "set", "fault", "chapter"])
                .prop_map(String::from),
            any::<String>(),
        ],
        fields in prop::collection::vec((prop::sample::select(vec!["by", "step", "key", "value", "fault", "index"]), field()), 0..4),
        at in any::<u32>(),
    ) {
        let get = |k: &str| match k {
            "faultline" => Field::Number(1.0),
            "type" => Field::Text(kind.clone()),
            _ => fields.iter().rev().find(|(key, _)| *key == k).map_or(Field::Missing, |(_, f)| f.clone()),
        };
        match command(&get) {
            Ok(Some(action)) => {
                let s = state().reduce(Action::Seek(at));
                let after = s.reduce(action);
                prop_assert!(after.cursor <= after.model.steps());
            }
            Ok(None) => {}
            Err(why) => prop_assert!(!why.is_empty()),
        }
    }

    /// Any JSON at all, as an imported trace: refused with a reason, the run untouched.
    #[test]
    fn any_json_import_is_refused_or_the_same_run(v in json()) {
        let s = state();
        let after = s.clone().reduce(Action::Import("any.json".into(), v.to_string()));
        prop_assert!(Rc::ptr_eq(&after.model, &s.model) || after.model.trace.hash == imported_hash(&v.to_string()));
        prop_assert!(after.notices.last().is_some_and(|n| n.contains("any.json")));
    }

    /// A valid trace, mutated (a field replaced or removed, a span of text replaced): refused with a reason and
    /// the run untouched, or accepted as the very same run — never a changed one.
    #[test]
    fn a_mutated_trace_is_refused_or_the_same_run(m in mutation()) {
        let (original, hash) = exported();
        let text = m.apply(original);
        let s = state();
        let after = s.clone().reduce(Action::Import("m.json".into(), text.clone()));
        if Rc::ptr_eq(&after.model, &s.model) {
            prop_assert!(after.notices.last().is_some_and(|n| n.starts_with("Could not import m.json: ")), "{:?}", after.notices);
        } else {
            prop_assert_eq!(&after.model.trace.hash, hash, "{}", text);
        }
    }
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Missing),
        Just(Field::Other),
        any::<bool>().prop_map(Field::Bool),
        any::<f64>().prop_map(Field::Number),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(9.0e15), Just(-1.0)].prop_map(Field::Number),
        (-100i64..100_000).prop_map(|n| Field::Number(n as f64)),
        value().prop_map(Field::Text),
    ]
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        value().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            prop::sample::select(vec!["version", "scenario", "seed", "params", "faults", "hash", "events"])
                .prop_map(String::from),
            any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..7).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// The hash an import of this text would show, if it parses (for the rare JSON that is a valid trace).
fn imported_hash(text: &str) -> String {
    crate::transfer::parse_header(text).map(|h| h.hash).unwrap_or_default()
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace field `key` (of the top level, or of `params`) with a JSON value.
    Set {
        key: String,
        params: bool,
        value: serde_json::Value,
    },
    Remove {
        key: String,
    },
    /// Replace `len` bytes at `at` (a fraction of the text) with `with`.
    Splice {
        at: f64,
        len: usize,
        with: String,
    },
}

impl Mutation {
    fn apply(&self, text: &str) -> String {
        match self {
            Mutation::Set { key, params, value } => {
                let mut v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                let target = if *params { &mut v["params"] } else { &mut v };
                if let Some(o) = target.as_object_mut() {
                    o.insert(key.clone(), value.clone());
                }
                v.to_string()
            }
            Mutation::Remove { key } => {
                let mut v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.remove(key);
                }
                v.to_string()
            }
            Mutation::Splice { at, len, with } => {
                let mut start = (*at * text.len() as f64) as usize;
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                let mut end = (start + len).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                format!("{}{}{}", &text[..start], with, &text[end..])
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let top = || {
        prop::sample::select(vec!["version", "scenario", "seed", "params", "faults", "hash", "events", "x"])
            .prop_map(String::from)
    };
    let param_keys: Vec<String> =
        exported_params().into_iter().chain(["<b>x</b>".to_string(), String::new()]).collect();
    prop_oneof![
        (top(), json()).prop_map(|(key, value)| Mutation::Set { key, params: false, value }),
        (prop::sample::select(param_keys), json()).prop_map(|(key, value)| Mutation::Set { key, params: true, value }),
        top().prop_map(|key| Mutation::Remove { key }),
        (0.0..1.0f64, 0usize..40, prop_oneof![any::<String>(), "[0-9{}\\[\\],:\" ]{0,6}"])
            .prop_map(|(at, len, with)| Mutation::Splice { at, len, with }),
    ]
}

fn state() -> Rc<AppState> {
    Rc::new(AppState::new(url::parse(&[])))
}

/// A short fenced Redis-lock run with a pause, exported as the page exports it, and its hash.
fn exported() -> &'static (String, String) {
    static TRACE: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    TRACE.get_or_init(|| {
        let pairs: Vec<(String, String)> = [("fencing", "true"), ("faults", "pause:1:1000@5"), ("run_ms", "400")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let s = AppState::new(url::parse(&pairs));
        (serde_json::to_string(&s.model.trace.report()).unwrap_or_default(), s.model.trace.hash.clone())
    })
}

/// The parameter keys of the exported trace's scenario (the page's default one).
fn exported_params() -> Vec<String> {
    state().inputs.scenario.default_params().specs().iter().map(|p| p.key.to_string()).collect()
}
