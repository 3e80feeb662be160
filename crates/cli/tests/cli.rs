//! The `faultline` binary as a user runs it: outputs, JSON shapes, exit codes and messages for bad input.

use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

#[test]
fn list_names_each_scenario_on_one_line() {
    let o = faultline(&["list"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.lines().any(|l| l.starts_with("redis-lock ")), "{out}");
}

#[test]
fn run_text_is_a_timeline_with_a_summary_naming_the_breach() {
    let o = faultline(&["run", "redis-lock", "--seed", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("client 1 is paused (stop-the-world) for 800 ms"), "{out}");
    assert!(out.contains("VIOLATION no-lost-update at step"), "{out}");
    assert!(out.contains("reproduce with: faultline run redis-lock --seed 2"), "{out}");
}

#[test]
fn run_json_has_the_documented_fields() {
    let v = json(&faultline(&["run", "redis-lock", "--seed", "2", "--format", "json"]));
    assert_eq!(v["scenario"], "redis-lock");
    assert_eq!(v["seed"], 2);
    assert_eq!(v["params"]["fencing"], false);
    assert_eq!(v["params"]["persistence"], "none", "a choice is a plain string");
    assert!(v["events"].as_array().is_some_and(|e| e.len() > 20));
    let violations = v["violations"].as_array().unwrap();
    assert_eq!(violations[0]["invariant"], "no-lost-update");
    assert!(violations[0]["step"].is_u64());
    assert_eq!(v["hash"].as_str().map(str::len), Some(16));

    let fenced = json(&faultline(&["run", "redis-lock", "--seed", "2", "--set", "fencing=true", "--format", "json"]));
    assert_eq!(fenced["violations"].as_array().map(Vec::len), Some(0));
    assert_ne!(fenced["hash"], v["hash"]);
}

#[test]
fn run_is_deterministic() {
    let a = faultline(&["run", "redis-lock", "--seed", "41", "--set", "clients=4", "--format", "json"]);
    let b = faultline(&["run", "redis-lock", "--seed", "41", "--set", "clients=4", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn sweep_counts_breaches_and_prints_the_repro() {
    let v = json(&faultline(&["sweep", "redis-lock", "--seeds", "200", "--format", "json"]));
    assert_eq!(v["runs"], 200);
    assert!(v["violations"]["no-lost-update"].as_u64().is_some_and(|n| n > 0));
    let seed = v["first_failing_seed"].as_u64().expect("a failing seed");
    assert_eq!(v["reproduce"], format!("faultline run redis-lock --seed {seed}"));
    assert!(v["first_failure"].as_str().is_some_and(|m| m.starts_with("no-lost-update: ")), "{v}");

    let o = faultline(&["sweep", "redis-lock", "--seeds", "200", "--set", "fencing=true"]);
    let out = stdout(&o);
    assert!(out.contains("no violations"), "{out}");
    let v = json(&faultline(&["sweep", "redis-lock", "--seeds", "200", "--set", "fencing=true", "--format", "json"]));
    assert!(v["first_failing_seed"].is_null());
    assert_eq!(v["violations"], serde_json::json!({}));

    let o = faultline(&["sweep", "redis-lock", "--seeds", "100"]);
    assert!(stdout(&o).contains("reproduce with: faultline run redis-lock --seed "));
}

#[test]
fn bad_input_gets_a_clear_message_and_a_nonzero_exit() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "nope"], "unknown scenario `nope`; known: redis-lock"),
        (&["run", "redis-lock", "--set", "ttl=5"], "unknown parameter `ttl`; known: clients, ttl_ms"),
        (&["run", "redis-lock", "--set", "ttl_ms=abc"], "`ttl_ms` must be a whole number in 10..=60000 ms, not `abc`"),
        (&["run", "redis-lock", "--set", "ttl_ms=1"], "`ttl_ms` = 1 is out of range 10..=60000 ms"),
        (&["run", "redis-lock", "--set", "fencing=maybe"], "`fencing` must be true or false, not `maybe`"),
        (&["run", "redis-lock", "--set", "fencing"], "--set takes KEY=VALUE, not `fencing`"),
        (
            &["run", "redis-lock", "--set", "persistence=rdb"],
            "`persistence` must be one of none|aof-everysec|aof-always, not `rdb`",
        ),
        (&["run", "redis-lock", "--set", "gc_client=5"], "gc_client = 5 but there are only 2 clients"),
        (&["sweep", "redis-lock", "--seeds", "0"], "--seeds must be in 1..=1000000, not 0"),
        (&["sweep", "nope", "--seeds", "3"], "unknown scenario `nope`"),
        (&["run", "redis-lock", "--faults", "explode:1@2"], "fault `explode:1@2` is not of the form"),
        (&["run", "redis-lock", "--faults", "crash:9@2"], "names node 9, but the run has only 4 nodes"),
    ];
    for (args, expected) in cases {
        let o = faultline(args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: expected `{expected}` in `{err}`");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let o = faultline(&["run", "redis-lock", "--seed", "-3"]);
    assert!(!o.status.success());
    assert!(!stderr(&o).contains("panicked"));
}

/// Every limit a user can reach from the command line is named with its value.
#[test]
fn every_limit_names_its_value() {
    let plan = vec!["crash:0@1"; 1001].join(",");
    let cases: &[(&[&str], &str)] = &[
        // Clients (a crowd), nodes (a cluster) and the run's length: the parameters' ranges.
        (&["run", "thundering-herd", "--set", "clients=10001"], "`clients` = 10001 is out of range 1..=10000"),
        (&["run", "raft", "--set", "servers=64"], "`servers` = 64 is out of range 3..=7"),
        (&["run", "redis-lock", "--set", "run_ms=99999999"], "`run_ms` = 99999999 is out of range 100..=3600000 ms"),
        // Faults in a plan.
        (&["run", "redis-lock", "--faults", &plan], "more than 1000 faults"),
        // Seeds, search runs, table rows.
        (&["sweep", "redis-lock", "--seeds", "1000001"], "--seeds must be in 1..=1000000, not 1000001"),
        (&["search", "redis-lock", "--runs", "1000001"], "--runs must be in 1..=1000000, not 1000001"),
        (&["table", "retry-storm", "--vary", "clients=1..100000", "--metric", "calls"], "limit of 1000"),
    ];
    for (args, expected) in cases {
        let o = faultline(args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: expected `{expected}` in `{err}`");
    }
}

#[test]
fn run_takes_a_fault_plan_and_its_repro_names_it() {
    let o = faultline(&["run", "redis-lock", "--seed", "6", "--set", "gc_pause_ms=0", "--faults", "crash:2@0"]);
    let out = stdout(&o);
    assert!(out.contains("FAULT: redis crashes"), "{out}");
    assert!(
        out.contains("reproduce with: faultline run redis-lock --seed 6 --set gc_pause_ms=0 --faults crash:2@0"),
        "{out}"
    );
}

#[test]
fn params_lists_defaults_ranges_and_docs() {
    let o = faultline(&["params", "redis-lock"]);
    let out = stdout(&o);
    assert!(out.lines().any(|l| l.starts_with("ttl_ms") && l.contains("500") && l.contains("10..=60000 ms")), "{out}");
}

/// The AWS backoff blog's chart as a table: rows of clients, a column per backoff, calls averaged over seeds —
/// and bad ranges, metrics and columns refused with the reason.
#[test]
fn table_varies_a_parameter_and_prints_a_metric_per_option() {
    let o = faultline(&[
        "table",
        "retry-storm",
        "--vary",
        "clients=10..30:10",
        "--by",
        "backoff",
        "--metric",
        "calls",
        "--seeds",
        "2",
        "--format",
        "json",
    ]);
    let t = json(&o);
    assert_eq!(t["columns"][4], "full-jitter");
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r[0].as_str().unwrap()).collect::<Vec<_>>(), ["10", "20", "30"]);
    let calls = |row: usize, col: usize| rows[row][1][col].as_f64().unwrap();
    assert!(calls(2, 0) > calls(0, 0), "more clients, more calls");
    let text =
        stdout(&faultline(&["table", "retry-storm", "--vary", "clients=10,20", "--metric", "calls", "--seeds", "1"]));
    assert!(text.lines().nth(1).unwrap().contains("clients"), "{text}");
    for (args, says) in [
        (vec!["--vary", "clients=30..10", "--metric", "calls"], "is empty"),
        (vec!["--vary", "clients=1..100000", "--metric", "calls"], "limit of 1000"),
        (vec!["--vary", "clients=10", "--metric", "nope"], "no metric `nope`"),
        (vec!["--vary", "clients=10", "--metric", "calls", "--by", "clients"], "not a choice"),
    ] {
        let o = faultline(&[&["table", "retry-storm"][..], &args].concat());
        assert!(!o.status.success() && stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn run_from_a_chapter_uses_its_settings_and_lists_its_beats() {
    let o = faultline(&["run", "redis-lock", "--chapter", "6"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("fencing=true"), "{text}");
    assert!(text.contains("FAULT: redis crashes"), "{text}");
    assert!(text.contains("chapter 6. A restart turns the counter back"), "{text}");
    assert!(text.contains("  beat 4 at step 31 (834.226 ms): Client 1 wakes"), "{text}");
    // The same run as spelling the chapter out, and --set goes on top of the chapter's settings.
    let spelled =
        faultline(&["run", "redis-lock", "--set", "fencing=true", "--faults", "crash:2@100000,restart:2@110000"]);
    assert_eq!(text.lines().next(), stdout(&spelled).lines().next(), "the same hash");
    let over = stdout(&faultline(&["run", "redis-lock", "--chapter", "6", "--set", "persistence=aof-always"]));
    assert!(over.contains("persistence=aof-always") && over.contains("fencing=true"), "{over}");
    let bad = faultline(&["run", "redis-lock", "--chapter", "0"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--chapter must be one of 1..=7 for redis-lock, not 0"), "{}", stderr(&bad));
}

/// `search` tries swarm-drawn candidates from a search seed: the lowest-numbered failing one is the answer whatever
/// the number of threads, shrunk; its repro command breaks the same invariant, and a setting that holds finds
/// nothing.
#[test]
fn search_finds_the_same_first_counterexample_on_any_number_of_threads() {
    let args = ["search", "redis-lock", "--set", "gc_pause_ms=0", "--runs", "2000", "--seed", "3", "--format", "json"];
    let one = json(&faultline(&[&args[..], &["--jobs", "1"]].concat()));
    let two = json(&faultline(&[&args[..], &["--jobs", "2"]].concat()));
    assert_eq!(one["found"], two["found"]);
    let found = &one["found"];
    assert_eq!(found["invariant"], "no-lost-update", "{one}");
    // The repro command is an exact `faultline run`: it breaks the same invariant.
    let repro: Vec<String> = found["reproduce"].as_str().unwrap().split(' ').skip(1).map(String::from).collect();
    let again = stdout(&faultline(&repro.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(again.contains("VIOLATION no-lost-update"), "{again}");
    let fixed = json(&faultline(&[
        "search",
        "redis-lock",
        "--set",
        "fencing=true",
        "--set",
        "persistence=aof-always",
        "--runs",
        "1000",
        "--format",
        "json",
    ]));
    assert_eq!((fixed["found"].is_null(), fixed["runs"].as_u64()), (true, Some(1000)));
    let bad = faultline(&["search", "redis-lock", "--runs", "0"]);
    assert!(!bad.status.success() && stderr(&bad).contains("--runs must be in 1..="), "{}", stderr(&bad));
    let bad = faultline(&["search", "redis-lock", "--invariant", "liveness"]);
    assert!(stderr(&bad).contains("--invariant `liveness` is not one of redis-lock's: "), "{}", stderr(&bad));
    // The counterexample is shrunk: no larger on any measure than the candidate, and the summary says by how much.
    let shrunk = &found["shrunk"];
    for m in ["faults", "steps", "fault_us"] {
        assert!(shrunk["after"][m].as_u64() <= shrunk["before"][m].as_u64(), "{m}: {shrunk}");
    }
    assert!(shrunk["summary"].as_str().unwrap().contains(" steps → "), "{shrunk}");
    // A search for one invariant reports a breach of that one, an observation too.
    let split = json(&faultline(&[
        "search",
        "raft",
        "--set",
        "randomize_timeouts=false",
        "--invariant",
        "no-leader",
        "--runs",
        "50",
        "--format",
        "json",
    ]));
    assert_eq!(split["found"]["invariant"], "no-leader", "{split}");
}

/// Regression: a search of 10,000 swarm candidates found a lost update in the leader lease with fencing (candidate
/// 6241: a renewal sent before the node stepped down brought its old generation back). Fixed; the search holds.
#[test]
fn search_holds_where_fencing_holds() {
    for sets in [["--set", "fix=fencing"], ["--set", "fencing=true"]] {
        let id = if sets[1].starts_with("fix") { "leader-lease-db" } else { "etcd-lease" };
        let r = json(&faultline(&[&["search", id, "--runs", "10000", "--format", "json"][..], &sets[..]].concat()));
        assert!(r["found"].is_null(), "{id}: {r}");
    }
}

/// `check` explores every state: Gray & Lamport's TwoPhase specification gives exactly the counts TLC and
/// stateright give; over the real Redis lock with one crash it finds the shortest lost update, which its repro
/// command replays; with the fix it finds none; a bound ends it with its value.
#[test]
fn check_counts_the_states_tlc_counts_and_finds_the_shortest_counterexample() {
    for (rms, states, depth) in [(3, 288, 11), (5, 8_832, 17), (8, 1_745_408, 26)] {
        let set = format!("resource_managers={rms}");
        let r = json(&faultline(&["check", "two-phase-spec", "--set", &set, "--format", "json"]));
        assert_eq!(r["unique_states"], states, "{r}");
        assert_eq!((r["max_depth"].as_u64(), r["stopped"].is_null()), (Some(depth), true), "{r}");
        assert!(r["counterexample"].is_null() && r["states_per_s"].as_u64() > Some(0), "{r}");
    }
    let lock = ["check", "redis-lock", "--set", "gc_pause_ms=0", "--crashes", "1", "--depth", "40"];
    let r = json(&faultline(&[&lock[..], &["--format", "json"]].concat()));
    let cx = &r["counterexample"];
    assert_eq!(cx["invariant"], "no-lost-update", "{r}");
    assert!(cx["steps"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("redis crashes")), "{cx}");
    let repro: Vec<String> = cx["reproduce"].as_str().unwrap().split(' ').skip(1).map(String::from).collect();
    let again = stdout(&faultline(&repro.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(again.contains("VIOLATION no-lost-update"), "{again}");
    let fixed = [&lock[..], &["--set", "fencing=true", "--set", "persistence=aof-always", "--format", "json"]].concat();
    let r = json(&faultline(&fixed));
    assert!(r["counterexample"].is_null(), "{r}");
    assert_eq!(r["stopped"], "stopped at the depth limit of 40", "{r}");
    let r = json(&faultline(&["check", "raft", "--max-states", "100", "--format", "json"]));
    assert_eq!(
        (r["unique_states"].as_u64(), r["stopped"].as_str()),
        (Some(100), Some("stopped at the limit of 100 states"))
    );
    let bad = faultline(&["check", "paxos"]);
    assert!(stderr(&bad).contains("or a specification: two-phase-spec"), "{}", stderr(&bad));
    let bad = faultline(&["check", "two-phase-spec", "--set", "resource_managers=40"]);
    assert!(stderr(&bad).contains("resource_managers"), "{}", stderr(&bad));
}

/// A sweep on two threads reports exactly what one thread does (counts and first failing seed), and the JSON
/// reports of shards (`--from`) merge into the report of the whole range; shards with a gap do not.
#[test]
fn sweep_shards_on_any_number_of_threads_merge_into_the_whole() {
    let base = ["sweep", "redis-lock", "--set", "fencing=true", "--set", "random_faults=20", "--format", "json"];
    let run = |extra: &[&str]| json(&faultline(&[&base[..], extra].concat()));
    let whole = run(&["--seeds", "1000", "--jobs", "1"]);
    assert!(whole["first_failing_seed"].as_u64().is_some(), "{whole}");
    assert_eq!(run(&["--seeds", "1000", "--jobs", "2"]), whole);
    let dir = std::env::temp_dir().join(format!("faultline-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shard = |name: &str, extra: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, run(extra).to_string()).unwrap();
        path.to_string_lossy().into_owned()
    };
    let (a, b) = (shard("a.json", &["--seeds", "300"]), shard("b.json", &["--from", "300", "--seeds", "700"]));
    // In any order.
    assert_eq!(json(&faultline(&["merge", &b, &a, "--format", "json"])), whole);
    let c = shard("c.json", &["--from", "400", "--seeds", "100"]);
    let gap = faultline(&["merge", &a, &c]);
    assert!(
        stderr(&gap).contains("cannot merge seeds 0..300 with seeds 400..500: the ranges must follow on"),
        "{}",
        stderr(&gap)
    );
    let other = shard("d.json", &["--from", "300", "--seeds", "10", "--set", "persistence=aof-always"]);
    assert!(stderr(&faultline(&["merge", &a, &other])).contains("with other settings"));
    let _ = std::fs::remove_dir_all(&dir);
}
