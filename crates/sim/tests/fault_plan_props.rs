//! Property tests of the compact fault plan, the text a URL, the CLI's `--faults`, an imported trace and the
//! embedding API all carry: any plan formats and parses back to itself, and any text at all parses without a
//! panic into a plan that is stable under formatting. 10,000 cases each; proptest shrinks and prints a failure.

use faultline_sim::fault::MAX_FAULTS;
use faultline_sim::{Fault, FaultEntry, FaultPlan};
use proptest::prelude::*;

fn fault() -> impl Strategy<Value = Fault> {
    let node = 0u32..=u32::MAX;
    prop_oneof![
        node.clone().prop_map(|node| Fault::Crash { node }),
        node.clone().prop_map(|node| Fault::Restart { node }),
        (node.clone(), any::<u64>()).prop_map(|(node, for_us)| Fault::Pause { node, for_us }),
        (node.clone(), any::<i64>()).prop_map(|(node, ppm)| Fault::ClockDrift { node, ppm }),
        (node.clone(), any::<i64>()).prop_map(|(node, by_us)| Fault::ClockJump { node, by_us }),
        (node.clone(), node.clone(), any::<bool>()).prop_map(|(from, to, both)| Fault::Cut { from, to, both }),
        (node.clone(), node.clone(), any::<bool>()).prop_map(|(from, to, both)| Fault::Heal { from, to, both }),
        Just(Fault::HealAll),
        node.prop_map(|node| Fault::Timeout { node }),
        any::<u64>().prop_map(|id| Fault::DropMessage { id }),
        (any::<u64>(), any::<u64>()).prop_map(|(id, by_us)| Fault::DelayMessage { id, by_us }),
    ]
}

fn plan() -> impl Strategy<Value = FaultPlan> {
    prop::collection::vec((any::<u64>(), fault()), 0..20)
        .prop_map(|v| FaultPlan(v.into_iter().map(|(at_us, fault)| FaultEntry { at_us, fault }).collect()))
}

/// Text near the grammar (kinds, digits, separators) as well as any text at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z:>=@,0-9 +-]{0,80}",
        "((crash|restart|pause|drift|jump|cut|heal|healall|timeout|drop|delay)(:[0-9>=+-]{0,12}){0,3}@[0-9+-]{0,21},?){0,6}",
    ]
}

/// 10,000 cases per property; `FAULTLINE_FUZZ_CASES` sets another count (`cargo xtask fuzz` runs a million).
fn cases() -> u32 {
    std::env::var("FAULTLINE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
}

proptest! {
    // A failing case is printed, shrunk; an integration test has no source file for proptest to persist it beside.
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_plan_parses_back_from_its_compact_form(p in plan()) {
        let (back, errors) = FaultPlan::parse_compact(&p.to_compact());
        prop_assert!(errors.is_empty(), "{errors:?}");
        prop_assert_eq!(back, p);
    }

    #[test]
    fn any_text_parses_without_panic_into_a_stable_plan(t in text()) {
        let (p, errors) = FaultPlan::parse_compact(&t);
        prop_assert!(p.entries().len() <= MAX_FAULTS);
        // What parsed is what it says: formatting it and parsing again gives the same plan, with no errors.
        let (again, more) = FaultPlan::parse_compact(&p.to_compact());
        prop_assert!(more.is_empty(), "{more:?}");
        prop_assert_eq!(&again, &p);
        // Every entry that did not parse is named in an error.
        let entries = t.split(',').filter(|e| !e.trim().is_empty()).count();
        prop_assert!(p.entries().len() + errors.len() >= entries.min(MAX_FAULTS), "{t:?}: {errors:?}");
    }
}
