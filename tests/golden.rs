//! Golden traces: the canonical runs, pinned. A change in any event, time or hash shows up here as a diff.
//! After an intended change, regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

use faultline::scenarios;
use faultline::sim::{FaultPlan, RunOptions, SampleRole};
use std::path::PathBuf;

/// Every golden sample of every scenario in the registry, pinned: `tests/golden/{scenario}-{sample}.json`.
#[test]
fn every_golden_sample_matches_its_pinned_trace() {
    let mut pinned = 0;
    for s in scenarios::all() {
        for sample in s.info().samples_for(SampleRole::Golden) {
            check(&format!("{}-{}", s.id(), sample.name), s.id(), sample.sets);
            pinned += 1;
        }
    }
    assert!(pinned >= scenarios::all().len(), "each scenario pins at least one golden trace");
    // No file lingers for a sample that is no longer declared.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().trim_end_matches(".json").to_string();
        let declared = scenarios::all()
            .iter()
            .any(|s| s.info().samples_for(SampleRole::Golden).any(|x| format!("{}-{}", s.id(), x.name) == name));
        assert!(declared, "tests/golden/{name}.json belongs to no declared golden sample");
    }
}

fn check(name: &str, scenario: &str, sets: &str) {
    let s = scenarios::find(scenario).expect("scenario exists");
    let p = s.params_with(sets).unwrap_or_else(|e| panic!("{name}: {e}"));
    let trace = s.run(&p, s.canonical_seed(), &FaultPlan::new(), &RunOptions::default()).unwrap();
    let json = serde_json::to_string_pretty(&trace.report_json()).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &json).unwrap();
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", path.display()));
    if golden != json {
        let first = golden.lines().zip(json.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name}: the trace differs from the golden file from line {} on:\n  golden: {}\n  now:    {}\n\
             If the change is intended, run UPDATE_GOLDEN=1 cargo test --test golden and review the diff.",
            first + 1,
            golden.lines().nth(first).unwrap_or(""),
            json.lines().nth(first).unwrap_or("")
        );
    }
    let pinned: serde_json::Value = serde_json::from_str(&golden).unwrap();
    assert_eq!(pinned["hash"], trace.hash.as_str());
    assert_eq!(trace.compute_hash(), trace.hash, "the hash covers the trace as stored");
}
