//! Golden traces: the canonical runs, pinned. A change in any event, time or hash shows up here as a diff.
//! After an intended change, regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

use faultline::scenarios;
use faultline::sim::{FaultPlan, RunOptions};
use std::path::PathBuf;

fn check(name: &str, scenario: &str, sets: &[(&str, &str)]) {
    let s = scenarios::find(scenario).expect("scenario exists");
    let mut p = s.default_params();
    for (k, v) in sets {
        p.set(k, v).unwrap();
    }
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

#[test]
fn redis_lock_canonical_without_fencing() {
    check("redis-lock-canonical", "redis-lock", &[]);
}

#[test]
fn redis_lock_canonical_with_fencing() {
    check("redis-lock-canonical-fencing", "redis-lock", &[("fencing", "true")]);
}

#[test]
fn raft_first_election() {
    check("raft-first-election", "raft", &[("request_ms", "0"), ("run_ms", "1000")]);
}
