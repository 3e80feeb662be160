//! `cargo xtask fuzz`: the test suite's property tests and swarms, run long. Every property of every input path (the
//! compact fault plan, the URL, the embedding API's messages, trace import) with a million cases each instead of
//! 10,000 (about 45 minutes on 2 cores), and 100,000 swarm seeds per scenario instead of 10,000 (about 15 minutes),
//! each run cut at 5,000 steps as in the suite; `--steps N` goes deeper (`--steps 0`: to each scenario's own limits,
//! where a run at the edges of its knobs can take seconds, so hours in all). proptest shrinks and prints any failing
//! case; a swarm failure prints the `faultline run` command that replays it.

use crate::{cargo, run, step, Result};
use std::process::Command;
use std::time::Instant;

pub(crate) fn fuzz(args: &[String]) -> Result {
    let mut cases = 1_000_000u64;
    let mut seeds = 100_000u64;
    let mut steps = u64::from(faultline_sim::swarm::TEST_STEPS);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64> {
            let v = it.next().ok_or_else(|| format!("{name} needs a number"))?;
            v.replace('_', "").parse().map_err(|_| format!("{name} takes a whole number, not `{v}`"))
        };
        match a.as_str() {
            "--cases" => cases = value("--cases")?,
            "--seeds" => seeds = value("--seeds")?,
            "--steps" => steps = value("--steps")?,
            other => {
                return Err(format!(
                    "unknown option `{other}`: cargo xtask fuzz [--cases N (1,000,000)] [--seeds N (100,000)] \
                     [--steps N (5,000; 0: the scenarios' own limits)]"
                ))
            }
        }
    }
    let started = Instant::now();
    let env = |c: &mut Command| {
        c.env("FAULTLINE_FUZZ_CASES", cases.to_string())
            .env("FAULTLINE_SWARM_SEEDS", seeds.to_string())
            .env("FAULTLINE_SWARM_STEPS", steps.to_string())
            .env("PROPTEST_MAX_SHRINK_ITERS", "100000");
    };
    let parts: [(&str, &[&str]); 3] = [
        (
            "the compact fault plan: parse . format = id, any text parses",
            &["-p", "faultline-sim", "--test", "fault_plan_props"],
        ),
        ("the URL, the embedding API's messages, trace import", &["-p", "faultline-web", "props::"]),
        ("panic-free swarms, every scenario", &["-p", "faultline", "--test", "swarm"]),
    ];
    let mut took = Vec::new();
    for (what, filter) in parts {
        step(&format!("fuzz: {what} ({} cases per property, {} swarm seeds per scenario)", cases, seeds));
        let t = Instant::now();
        let mut c = Command::new(cargo());
        c.arg("test").args(filter).args(["--", "--nocapture"]);
        env(&mut c);
        run(&mut c)?;
        took.push(format!("  {what}: {:.0} s", t.elapsed().as_secs_f64()));
    }
    eprintln!("\nfuzz passed in {:.0} s:\n{}", started.elapsed().as_secs_f64(), took.join("\n"));
    Ok(())
}
