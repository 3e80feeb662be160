//! One generic test over every scenario in the registry: what the seam promises of each, checked the same way
//! for all, so that a new scenario is held to it the day it is registered.

use faultline::scenarios;
use faultline::sim::{EventKind, FaultPlan, ParamKind, RunOptions, SampleRole, Scenario, Severity, View};

fn run(s: &dyn Scenario, sets: &str, seed: u64, faults: &str) -> faultline::sim::Trace {
    let p = s.params_with(sets).unwrap_or_else(|e| panic!("{}: `{sets}`: {e}", s.id()));
    let (plan, errors) = FaultPlan::parse_compact(faults);
    assert!(errors.is_empty(), "{}: `{faults}`: {errors:?}", s.id());
    s.run(&p, seed, &plan, &RunOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", s.id()))
}

#[test]
fn the_registry_lists_each_scenario_once_with_its_identity() {
    let ids: Vec<&str> = scenarios::all().iter().map(|s| s.id()).collect();
    assert!(!ids.is_empty());
    for (i, s) in scenarios::all().iter().enumerate() {
        assert!(!ids[..i].contains(&s.id()), "{} registered twice", s.id());
        assert!(s.id().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", s.id());
        assert!(!s.title().is_empty() && !s.summary().is_empty(), "{}", s.id());
        assert!(scenarios::find(s.id()).is_some());
        // The narrative explains the protocol and names its source.
        assert!(s.narrative().len() >= 3, "{}: a narrative for learners", s.id());
        assert!(s.narrative().iter().any(|x| x.title == "Source"), "{}: a Source section", s.id());
    }
}

#[test]
fn every_parameter_spec_is_sound() {
    for s in scenarios::all() {
        let mut keys = Vec::new();
        for spec in s.params() {
            assert!(!keys.contains(&spec.key), "{}: `{}` declared twice", s.id(), spec.key);
            keys.push(spec.key);
            assert!(!spec.doc.is_empty(), "{}: `{}` has no doc", s.id(), spec.key);
            assert!(spec.check(spec.default_value()).is_ok(), "{}: `{}`'s default is out of range", s.id(), spec.key);
            match spec.kind {
                ParamKind::Int { min, max, .. } => assert!(min <= max, "{}: `{}`", s.id(), spec.key),
                ParamKind::Choice { options, .. } => assert!(options.len() >= 2, "{}: `{}`", s.id(), spec.key),
                ParamKind::Bool { .. } => {}
            }
            // Its default round-trips through text, as the URL, the CLI and the UI carry it.
            let text = spec.default_value().to_string();
            assert_eq!(spec.parse(&text).ok(), Some(spec.default_value()), "{}: `{}`", s.id(), spec.key);
        }
        if let Some(m) = s.mitigation() {
            let kind = s.default_params().spec(m).map(|x| x.kind);
            assert!(matches!(kind, Some(ParamKind::Bool { .. } | ParamKind::Choice { .. })), "{}", s.id());
        }
    }
}

/// A counterpart is registered, and every chapter and sample of the scenario carries over into a run of it.
#[test]
fn every_counterpart_runs_each_chapter_and_sample() {
    for s in scenarios::all() {
        let Some(c) = s.counterpart() else { continue };
        let other = scenarios::find(c.scenario).unwrap_or_else(|| panic!("{}: no scenario `{}`", s.id(), c.scenario));
        assert!(other.id() != s.id() && !c.label.is_empty());
        let chapters = s.chapters().iter().map(|ch| {
            let sets: Vec<String> = ch.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (ch.title, sets.join(","), ch.faults)
        });
        let samples = s.info().samples.iter().map(|x| (x.name, x.sets.to_string(), ""));
        for (what, sets, faults) in chapters.chain(samples) {
            let p = s.params_with(&sets).unwrap();
            let (plan, _) = FaultPlan::parse_compact(faults);
            let t = (c.translate)(&p, s.canonical_seed(), &plan);
            let q = other.params_with(&t.sets).unwrap_or_else(|e| panic!("{} `{what}` -> {}: {e}", s.id(), other.id()));
            let nodes = other.run(&q, 1, &FaultPlan::new(), &RunOptions::default()).unwrap().nodes.len() as u32;
            assert!(t.faults.entries().iter().all(|e| e.fault.nodes().iter().all(|&n| n < nodes)), "{what}");
            other.run(&q, s.canonical_seed(), &t.faults, &RunOptions::default()).unwrap();
        }
    }
}

#[test]
fn every_chapter_parses_runs_and_reaches_its_anchor() {
    for s in scenarios::all() {
        for ch in s.chapters() {
            let scene = |beat: usize| {
                let (sets, faults) = ch.scene(beat);
                let sets: Vec<String> = sets.iter().map(|(k, v)| format!("{k}={v}")).collect();
                run(*s, &sets.join(","), s.canonical_seed(), &faults)
            };
            let t = scene(0);
            assert!(ch.at.reached_in(&t), "{}: chapter `{}` does not reach {:?}", s.id(), ch.title, ch.at);
            // Each beat reaches its anchor in the run of its scene, in order, and has a caption; a beat that adds
            // faults or settings leaves the steps already shown as they were.
            let mut last = 0;
            let mut before = t;
            for (i, b) in ch.beats.iter().enumerate() {
                let t = scene(i);
                if i > 0 && (!b.faults.is_empty() || !b.params.is_empty()) {
                    let shown = last as usize;
                    assert_eq!(
                        t.events.iter().take_while(|e| (e.step as usize) < shown).collect::<Vec<_>>(),
                        before.events.iter().take_while(|e| (e.step as usize) < shown).collect::<Vec<_>>(),
                        "{}: `{}`: beat `{}` changes what was already on screen",
                        s.id(),
                        ch.title,
                        b.caption
                    );
                }
                assert!(
                    b.at.reached_in(&t),
                    "{}: `{}`, beat `{}` does not reach {:?}",
                    s.id(),
                    ch.title,
                    b.caption,
                    b.at
                );
                assert!(!b.caption.is_empty());
                let step = b.at.cursor_in(&t);
                assert!(step >= last, "{}: `{}`: the beats go back in time at `{}`", s.id(), ch.title, b.caption);
                last = step;
                before = t;
            }
        }
    }
}

/// The canonical seed shows the scenario's point: with a switchable fix, the default run breaks an invariant and
/// the fixed run does not; without one, the protocol runs clean.
#[test]
fn the_canonical_seed_shows_the_point() {
    for s in scenarios::all() {
        let t = run(*s, "", s.canonical_seed(), "");
        let choice = |fix: &str| match s.default_params().spec(fix).map(|x| x.kind) {
            Some(ParamKind::Choice { options, default }) => Some((options, default)),
            _ => None,
        };
        match s.mitigation() {
            // A choice of fixes: the default is none, which shows the failure; the strongest fix, the last option,
            // shows none of it — no violation where the failure is one (fencing leaves two holders believing, as an
            // observation: harmless), and none of the observations where those are the failure (a stampede).
            Some(fix) if choice(fix).is_some() => {
                let (options, default) = choice(fix).unwrap();
                assert_eq!(default, options[0], "{}: no fix by default", s.id());
                let violated = t.violations().next().is_some();
                let broke: Vec<String> = t
                    .events
                    .iter()
                    .filter_map(|e| match &e.kind {
                        EventKind::Breach(b) if !violated || b.severity == Severity::Violation => {
                            Some(b.invariant.clone())
                        }
                        _ => None,
                    })
                    .collect();
                assert!(!broke.is_empty(), "{}: the canonical run shows no failure", s.id());
                let fixed = run(*s, &format!("{fix}={}", options[options.len() - 1]), s.canonical_seed(), "");
                let again = fixed.events.iter().any(|e| match &e.kind {
                    EventKind::Breach(b) => {
                        broke.contains(&b.invariant) && (!violated || b.severity == Severity::Violation)
                    }
                    _ => false,
                });
                assert!(!again, "{}: the strongest fix does not hold on the canonical seed", s.id());
            }
            Some(fix) => {
                let off = s.default_params().get(fix).map(|v| v.to_string()) == Some("false".into());
                assert!(off, "{}: the fix `{fix}` is off by default", s.id());
                assert!(t.violations().next().is_some(), "{}: the canonical run shows no failure", s.id());
                let fixed = run(*s, &format!("{fix}=true"), s.canonical_seed(), "");
                assert_eq!(fixed.violations().count(), 0, "{}: the fix does not hold on the canonical seed", s.id());
            }
            None => assert_eq!(t.violations().count(), 0, "{}: the canonical run breaks an invariant", s.id()),
        }
    }
}

#[test]
fn every_declared_broken_variant_is_caught_by_a_sweep() {
    for s in scenarios::all() {
        for b in s.info().broken {
            let found = (0..b.seeds).find(|&seed| {
                let t = run(*s, b.sets, seed, "");
                let caught = [Severity::Violation, Severity::Observation]
                    .into_iter()
                    .any(|sev| t.breaches(sev).any(|(_, inv, _, _)| b.invariants.contains(&inv)));
                caught
            });
            let seed = found.unwrap_or_else(|| {
                panic!("{}: `{}` breaks none of {:?} in {} seeds", s.id(), b.sets, b.invariants, b.seeds)
            });
            println!("{}: `{}` caught at seed {seed}", s.id(), b.sets);
        }
    }
}

#[test]
fn every_sample_runs_and_every_view_is_declared_once() {
    for s in scenarios::all() {
        assert!(s.info().samples_for(SampleRole::Golden).next().is_some(), "{}: at least one golden sample", s.id());
        let bench = s.info().samples_for(SampleRole::Bench).count();
        assert_eq!(bench, 1, "{}: one benchmark workload", s.id());
        for sample in s.info().samples.iter().filter(|x| x.role != SampleRole::LongRun) {
            let t = run(*s, sample.sets, s.canonical_seed(), "");
            assert!(t.steps > 0, "{}: sample `{}` ran no step", s.id(), sample.name);
        }
        let rings = s.views().iter().filter(|v| matches!(v, View::Ring { .. })).count();
        let charts = s.views().iter().filter(|v| matches!(v, View::Charts(_))).count();
        assert!(rings <= 1 && charts <= 1, "{}", s.id());
        // Every charted series is a metric the scenario's canonical sample reports.
        for view in s.views() {
            if let View::Charts(series) = view {
                let t = run(*s, s.info().samples[0].sets, s.canonical_seed(), "");
                for spec in *series {
                    let reported = t
                        .events
                        .iter()
                        .any(|e| matches!(&e.kind, EventKind::Metric { name, .. } if name == spec.metric));
                    assert!(reported, "{}: charted metric `{}` is never reported", s.id(), spec.metric);
                }
            }
        }
    }
}

#[test]
fn a_crowd_at_its_heaviest_knobs_stops_at_the_crowd_step_limit_and_says_so() {
    // What would run for tens of seconds — and keep a page busy as long — is cut at the shared limit.
    let heaviest = [
        ("retry-storm", "clients=10000,backoff=none"),
        ("thundering-herd", "clients=10000,requests_per_min=6000,run_ms=600000"),
    ];
    for (id, sets) in heaviest {
        let s = scenarios::find(id).unwrap();
        let p = s.params_with(sets).unwrap();
        let t = s.run(&p, 1, &FaultPlan::new(), &RunOptions::LEAN).unwrap();
        assert_eq!(t.steps, faultline::sim::CROWD_MAX_STEPS, "{id} {sets}");
        let message = t.outcome.limit_message().unwrap_or_default();
        assert!(message.contains(&format!("after {} steps (the step limit)", t.steps)), "{id}: {message}");
    }
}
