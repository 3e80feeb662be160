//! `faultline`: run Faultline's scenarios natively — the same cores the browser runs.
//!
//! ```text
//! faultline list
//! faultline run redis-lock --seed 1 --set fencing=true --format text|json
//! faultline sweep redis-lock --seeds 1000 --set fencing=false --format text|json
//! faultline table retry-storm --vary clients=10..190:10 --by backoff --metric calls --seeds 5
//! ```

use clap::{Parser, Subcommand, ValueEnum};
use faultline_sim::check::{Bounds, Report};
use faultline_sim::fault::fmt_us;
use faultline_sim::search::{thousands, Shape, Shrunk};
use faultline_sim::{repro_command, FaultPlan, Params, RunOptions, Scenario, Severity, SweepSummary, Trace};
use std::io::Write;
use std::process::ExitCode;

/// At most this many seeds in one sweep.
const MAX_SEEDS: u64 = 1_000_000;
/// At most this many rows in a table, and seeds per cell.
const MAX_ROWS: usize = 1_000;
const MAX_TABLE_SEEDS: u64 = 10_000;

#[derive(Parser)]
#[command(name = "faultline", version, about = "Watch distributed coordination fail, and the fixes hold.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// List the scenarios, one per line.
    List,
    /// Run one scenario and print its timeline (text) or its trace (json).
    Run {
        scenario: String,
        /// The seed that draws what the parameters leave open (default: the scenario's canonical seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Set a parameter: --set KEY=VALUE (repeatable). `faultline params SCENARIO` lists them.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// A fault plan in compact form: `pause:0:800000@30000,cut:1=2@5000` (times in µs; nodes by index).
        #[arg(long, value_name = "PLAN")]
        faults: Option<String>,
        /// Start from a chapter of the scenario's story (numbered from 1): its settings and faults, then any --set
        /// and --faults given; the text lists where each of its beats falls.
        #[arg(long)]
        chapter: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run seeds A..A+N on every core, count breaches per invariant, and print how to reproduce the first failing
    /// seed (the same whatever --jobs).
    Sweep {
        scenario: String,
        /// How many seeds to run.
        #[arg(long)]
        seeds: u64,
        /// The first seed (a shard of a larger sweep starts where the one before it ends).
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Merge the JSON reports of a sweep's shards (`sweep --from A --seeds N --format json`, one per machine)
    /// into the report of the whole range.
    Merge {
        /// The shards' JSON reports, in any order; together their seeds must make one range without gaps.
        files: Vec<std::path::PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Search for a failure: candidate runs, each a seed and a swarm-drawn fault plan (a random subset of the fault
    /// kinds at random times), all drawn from --seed, on all cores; takes the lowest-numbered candidate that
    /// breaks an invariant (the same whatever --jobs), shrinks it (fewer faults, shorter, later, smaller, cut
    /// just past the breach) and prints the command that reproduces it.
    Search {
        scenario: String,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// How many candidates to try.
        #[arg(long, default_value_t = 10_000)]
        runs: u64,
        /// The search seed: the same seed tries the same candidates.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Look for a breach of this invariant (a violation or an observation) instead of any violation.
        #[arg(long)]
        invariant: Option<String>,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Explore every state a small configuration reaches, breadth first: the choices of which pending delivery or
    /// timer comes next (within the latency bounds) and which crash or restart strikes, over the real node code;
    /// or a specification such as `two-phase-spec` (Gray & Lamport's TLA+ TwoPhase). Prints unique states,
    /// states/s, the depth reached, and the shortest counterexample.
    Check {
        /// A scenario, or a specification: `two-phase-spec`.
        scenario: String,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Explore at most this deep (the initial state is depth 1).
        #[arg(long, default_value_t = 1_000)]
        depth: u32,
        /// Stop after this many unique states.
        #[arg(long, default_value_t = 20_000_000)]
        max_states: u64,
        /// Stop when the visited states and the frontier would take more than this many MB.
        #[arg(long, default_value_t = 1_024)]
        max_memory_mb: u64,
        /// A scenario's seed (its latencies and timeouts; default: the canonical seed).
        #[arg(long)]
        seed: Option<u64>,
        /// How many crashes and restarts a path may have (a scenario only).
        #[arg(long, default_value_t = 1)]
        crashes: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Vary one parameter over a range (rows) and optionally a choice over its options (columns), and print a
    /// metric's final value, averaged over seeds 0..N: the AWS backoff blog's chart is
    /// `faultline table retry-storm --vary clients=10..190:10 --by backoff --metric calls`.
    Table {
        scenario: String,
        /// KEY=FROM..TO:STEP (integers), or KEY=A,B,C.
        #[arg(long, value_name = "KEY=RANGE")]
        vary: String,
        /// A choice parameter whose options become the columns.
        #[arg(long, value_name = "KEY")]
        by: Option<String>,
        /// The metric to report (its final value, summed over nodes).
        #[arg(long)]
        metric: String,
        #[arg(long, default_value = "5")]
        seeds: u64,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List a scenario's parameters with default, range and doc.
    Params { scenario: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn scenario(id: &str) -> Result<&'static dyn Scenario, String> {
    faultline_scenarios::find(id)
        .ok_or_else(|| format!("unknown scenario `{id}`; known: {}", faultline_scenarios::ids()))
}

fn params(s: &dyn Scenario, sets: &[String]) -> Result<Params, String> {
    let mut p = s.default_params();
    for set in sets {
        let (k, v) = set.split_once('=').ok_or_else(|| format!("--set takes KEY=VALUE, not `{set}`"))?;
        p.set(k.trim(), v).map_err(|e| e.to_string())?;
    }
    Ok(p)
}

fn execute(cmd: Command) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let w = |out: &mut dyn Write, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    match cmd {
        Command::List => {
            for s in faultline_scenarios::all() {
                w(&mut out, format!("{:<14} {}", s.id(), s.summary()))?;
            }
        }
        Command::Params { scenario: id } => {
            let s = scenario(&id)?;
            // Columns as wide as their widest entry.
            let width = |f: &dyn Fn(&faultline_sim::ParamSpec) -> String| s.params().iter().map(|p| f(p).len()).max();
            let kw = width(&|p| p.key.to_string()).unwrap_or(0);
            let dw = width(&|p| p.default_value().to_string()).unwrap_or(0);
            let rw = width(&|p| p.range_text()).unwrap_or(0);
            for spec in s.params() {
                let (key, default, range) = (spec.key, spec.default_value().to_string(), spec.range_text());
                w(&mut out, format!("{key:<kw$} {default:<dw$} {range:<rw$} {}", spec.doc))?;
            }
        }
        Command::Run { scenario: id, seed, sets, faults, chapter, format } => {
            let s = scenario(&id)?;
            let chapter = match chapter {
                None => None,
                Some(n) => Some(n.checked_sub(1).and_then(|i| s.chapters().get(i)).ok_or_else(|| {
                    format!("--chapter must be one of 1..={} for {}, not {n}", s.chapters().len(), s.id())
                })?),
            };
            // The whole story: the chapter's scene at its last beat.
            let scene = chapter.map(|ch| ch.scene(ch.beats.len().saturating_sub(1)));
            let mut all_sets: Vec<String> =
                scene.iter().flat_map(|(sets, _)| sets.iter().map(|(k, v)| format!("{k}={v}"))).collect();
            all_sets.extend(sets);
            let p = params(s, &all_sets)?;
            let seed = seed.unwrap_or(s.canonical_seed());
            let plan_text = faults.as_deref().or(scene.as_ref().map(|(_, f)| f.as_str())).unwrap_or("");
            let (plan, errors) = FaultPlan::parse_compact(plan_text);
            if let Some(e) = errors.first() {
                return Err(e.clone());
            }
            let trace = s.run(&p, seed, &plan, &RunOptions::default()).map_err(|e| e.to_string())?;
            match format {
                Format::Json => w(&mut out, trace.report_json().to_string())?,
                Format::Text => {
                    w(&mut out, timeline(&trace, &p))?;
                    if let Some(ch) = chapter {
                        w(&mut out, beats(&trace, ch))?;
                    }
                }
            }
        }
        Command::Table { scenario: id, vary, by, metric, seeds, sets, format } => {
            let s = scenario(&id)?;
            let base = params(s, &sets)?;
            let t = table(s, &base, &vary, by.as_deref(), &metric, seeds)?;
            match format {
                Format::Json => w(&mut out, serde_json::to_string(&t).map_err(|e| e.to_string())?)?,
                Format::Text => w(&mut out, t.text())?,
            }
        }
        Command::Search { scenario: id, sets, runs, seed, invariant, jobs, format } => {
            let s = scenario(&id)?;
            let p = params(s, &sets)?;
            if runs == 0 || runs > MAX_SEEDS {
                return Err(format!("--runs must be in 1..={MAX_SEEDS}, not {runs}"));
            }
            if jobs == Some(0) {
                return Err("--jobs must be 1 or more".into());
            }
            let names = s.invariant_names();
            if let Some(inv) = invariant.as_deref().filter(|i| !names.contains(i)) {
                return Err(format!("--invariant `{inv}` is not one of {}'s: {}", s.id(), names.join(", ")));
            }
            let found = search(s, &p, runs, seed, invariant.as_deref(), jobs)?;
            match format {
                Format::Json => w(&mut out, found.json().to_string())?,
                Format::Text => w(&mut out, found.text())?,
            }
        }
        Command::Check { scenario: id, sets, depth, max_states, max_memory_mb, seed, crashes, format } => {
            if depth == 0 || max_states == 0 || max_memory_mb == 0 {
                return Err("--depth, --max-states and --max-memory-mb must be 1 or more".into());
            }
            let bounds = Bounds { max_depth: depth, max_states, max_bytes: max_memory_mb.saturating_mul(1 << 20) };
            let checked = check(&id, &sets, bounds, seed, crashes)?;
            match format {
                Format::Json => w(&mut out, checked.json().to_string())?,
                Format::Text => w(&mut out, checked.text())?,
            }
        }
        Command::Sweep { scenario: id, seeds, from, sets, jobs, format } => {
            let s = scenario(&id)?;
            let p = params(s, &sets)?;
            if seeds == 0 || seeds > MAX_SEEDS {
                return Err(format!("--seeds must be in 1..={MAX_SEEDS}, not {seeds}"));
            }
            if from.checked_add(seeds).is_none() {
                return Err(format!("--from {from} with --seeds {seeds} goes past the largest seed, {}", u64::MAX));
            }
            if jobs == Some(0) {
                return Err("--jobs must be 1 or more".into());
            }
            let report = sweep(s, &p, from, seeds, jobs)?;
            match format {
                Format::Json => w(&mut out, report.json().to_string())?,
                Format::Text => w(&mut out, report.text())?,
            }
        }
        Command::Merge { files, format } => {
            if files.is_empty() {
                return Err("merge needs the JSON reports of the shards".into());
            }
            let report = merge(&files)?;
            match format {
                Format::Json => w(&mut out, report.json().to_string())?,
                Format::Text => w(&mut out, report.text())?,
            }
        }
    }
    Ok(())
}

/// Where a chapter's beats fall in its run: step and time, and the caption.
fn beats(t: &Trace, ch: &faultline_sim::Chapter) -> String {
    let mut s = format!("chapter {}\n", ch.title);
    let one = [faultline_sim::Beat::at(ch.at, ch.text)];
    for (i, b) in (if ch.beats.is_empty() { &one[..] } else { ch.beats }).iter().enumerate() {
        let step = b.at.cursor_in(t);
        let at = t.events.iter().take_while(|e| e.step < step).last().map_or(0, |e| e.at_us);
        s.push_str(&format!("  beat {} at step {step} ({}): {}\n", i + 1, fmt_us(at as i64), b.caption));
    }
    s
}

/// A readable timeline: time, step, event; then a summary naming each breach.
fn timeline(t: &Trace, p: &Params) -> String {
    let mut s = format!("{}  seed {}  hash {}\n", t.scenario, t.seed, t.hash);
    let set: Vec<String> = p.iter().map(|(spec, v)| format!("{}={v}", spec.key)).collect();
    s.push_str(&format!("params: {}\n\n", set.join(" ")));
    s.push_str(&format!("{:>12}  {:>5}  event\n", "time", "step"));
    for e in &t.events {
        s.push_str(&format!("{:>12}  {:>5}  {}\n", fmt_us(e.at_us as i64), e.step, t.describe(e)));
    }
    s.push_str(&format!(
        "\n{} steps, {} events, ended at {} ({:?})\n",
        t.steps,
        t.events.len(),
        fmt_us(t.end_us as i64),
        t.outcome
    ));
    if let Some(m) = t.outcome.limit_message() {
        s.push_str(&format!("note: {m}\n"));
    }
    let mut any = false;
    for (e, inv, msg, steps) in t.breaches(Severity::Violation) {
        any = true;
        s.push_str(&format!(
            "VIOLATION {inv} at step {} ({}): {msg}\n  caused by steps {steps:?}\n",
            e.step,
            fmt_us(e.at_us as i64)
        ));
    }
    for (e, inv, msg, _) in t.breaches(Severity::Observation) {
        s.push_str(&format!("observation {inv} at step {}: {msg}\n", e.step));
    }
    if !any {
        s.push_str("no invariant broke\n");
    }
    s.push_str(&format!("reproduce with: {}\n", repro_command(&t.scenario, t.seed, p, &t.faults)));
    s
}

fn sweep(s: &dyn Scenario, p: &Params, from: u64, seeds: u64, jobs: Option<usize>) -> Result<SweepSummary, String> {
    use rayon::prelude::*;
    // indicatif draws on a terminal only; piped or in CI the bar stays hidden.
    let bar = indicatif::ProgressBar::new(seeds).with_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {pos}/{len} seeds ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("#> "),
    );
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.unwrap_or(0)).build().map_err(|e| e.to_string())?;
    // Chunks of seeds on all cores, merged in order: the same report as one thread's.
    const CHUNK: u64 = 256;
    let chunks: Vec<std::ops::Range<u64>> =
        (0..seeds.div_ceil(CHUNK)).map(|c| from + c * CHUNK..from + ((c + 1) * CHUNK).min(seeds)).collect();
    let parts: Vec<SweepSummary> = pool
        .install(|| {
            chunks
                .into_par_iter()
                .map(|r| {
                    let n = r.end - r.start;
                    let part = faultline_sim::sweep_range(s, p, r, |_| {});
                    bar.inc(n);
                    part
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    parts.into_iter().try_fold(SweepSummary::empty(s.id(), p, from), SweepSummary::merge)
}

/// A sweep's JSON report, read back.
fn sweep_from_json(v: &serde_json::Value) -> Result<SweepSummary, String> {
    let s = scenario(v["scenario"].as_str().ok_or("no `scenario`")?)?;
    let mut p = s.default_params();
    for (k, value) in v["params"].as_object().ok_or("no `params`")? {
        let input: faultline_sim::ParamInput = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        p.set_input(k, input).map_err(|e| e.to_string())?;
    }
    let counts = |key: &str| serde_json::from_value(v[key].clone()).map_err(|e| format!("`{key}`: {e}"));
    let number = |key: &str| v[key].as_u64().ok_or_else(|| format!("no `{key}`"));
    Ok(SweepSummary {
        from: number("from")?,
        runs: number("runs")?,
        violations: counts("violations")?,
        observations: counts("observations")?,
        limits_hit: number("limits_hit")?,
        first_failing_seed: v["first_failing_seed"].as_u64(),
        first_failure: v["first_failure"].as_str().map(String::from),
        ..SweepSummary::empty(s.id(), &p, 0)
    })
}

/// Merge shards' reports, in the order of their seeds.
fn merge(files: &[std::path::PathBuf]) -> Result<SweepSummary, String> {
    let mut shards = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
            sweep_from_json(&v).map_err(|e| format!("{}: not a sweep report: {e}", f.display()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    shards.sort_by_key(|r| r.from);
    let mut shards = shards.into_iter();
    let first = shards.next().ok_or("no shards")?;
    shards.try_fold(first, SweepSummary::merge)
}

/// A sweep's JSON report (`faultline sweep --format json`).
#[derive(serde::Serialize)]
struct SweepJson<'a> {
    scenario: &'a str,
    from: u64,
    runs: u64,
    params: std::collections::BTreeMap<String, faultline_sim::ParamValue>,
    violations: &'a std::collections::BTreeMap<String, u64>,
    observations: &'a std::collections::BTreeMap<String, u64>,
    limits_hit: u64,
    first_failing_seed: Option<u64>,
    first_failure: Option<&'a str>,
    reproduce: Option<String>,
}

trait SweepFormat {
    fn json(&self) -> serde_json::Value;
    fn text(&self) -> String;
}

impl SweepFormat for SweepSummary {
    fn json(&self) -> serde_json::Value {
        let report = SweepJson {
            scenario: &self.scenario,
            from: self.from,
            runs: self.runs,
            params: self.params.to_map(),
            violations: &self.violations,
            observations: &self.observations,
            limits_hit: self.limits_hit,
            first_failing_seed: self.first_failing_seed,
            first_failure: self.first_failure.as_deref(),
            reproduce: self.reproduce(),
        };
        serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
    }

    fn text(&self) -> String {
        let mut s = format!("{}: {} runs (seeds {}..{})\n", self.scenario, self.runs, self.from, self.from + self.runs);
        if self.violations.is_empty() {
            s.push_str("no violations\n");
        }
        for (inv, n) in &self.violations {
            s.push_str(&format!("VIOLATION {inv}: in {n} of {} runs\n", self.runs));
        }
        for (inv, n) in &self.observations {
            s.push_str(&format!("observation {inv}: in {n} of {} runs\n", self.runs));
        }
        if self.limits_hit > 0 {
            s.push_str(&format!("{} runs were cut off by a step or queue limit\n", self.limits_hit));
        }
        if let Some(cmd) = self.reproduce() {
            s.push_str(&format!(
                "first failing seed: {}\n  {}\nreproduce with: {cmd}\n",
                self.first_failing_seed.unwrap_or(0),
                self.first_failure.as_deref().unwrap_or("")
            ));
        }
        s
    }
}

/// A metric's mean final value per row (a value of the varied parameter) and column (an option of `by`).
#[derive(serde::Serialize)]
struct Table {
    scenario: String,
    metric: String,
    vary: String,
    by: Option<String>,
    seeds: u64,
    columns: Vec<String>,
    rows: Vec<(String, Vec<f64>)>,
}

impl Table {
    fn text(&self) -> String {
        let mut s = format!("{}: mean final `{}` over seeds 0..{}\n", self.scenario, self.metric, self.seeds);
        let w = self.columns.iter().map(|c| c.len()).max().unwrap_or(0).max(10);
        s.push_str(&format!("{:>10}", self.vary));
        for c in &self.columns {
            s.push_str(&format!("  {c:>w$}"));
        }
        s.push('\n');
        for (v, cells) in &self.rows {
            s.push_str(&format!("{v:>10}"));
            for x in cells {
                s.push_str(&format!("  {x:>w$.1}"));
            }
            s.push('\n');
        }
        s
    }
}

/// The values of `KEY=FROM..TO:STEP` or `KEY=A,B,C`.
fn vary_values(vary: &str) -> Result<(String, Vec<String>), String> {
    let (key, range) = vary.split_once('=').ok_or_else(|| format!("--vary takes KEY=FROM..TO:STEP, not `{vary}`"))?;
    let values: Vec<String> = match range.split_once("..") {
        Some((from, rest)) => {
            let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
            let num = |t: &str| t.trim().parse::<i64>().map_err(|_| format!("--vary: `{t}` is not a whole number"));
            let (from, to, step) = (num(from)?, num(to)?, num(step)?);
            if step <= 0 || to < from {
                return Err(format!("--vary: {from}..{to}:{step} is empty (it needs FROM <= TO and STEP > 0)"));
            }
            let n = ((to - from) / step + 1) as usize;
            if n > MAX_ROWS {
                return Err(format!("--vary: {n} rows is more than the limit of {MAX_ROWS}"));
            }
            (0..n).map(|i| (from + i as i64 * step).to_string()).collect()
        }
        None => range.split(',').map(|v| v.trim().to_string()).collect(),
    };
    if values.len() > MAX_ROWS {
        return Err(format!("--vary: {} rows is more than the limit of {MAX_ROWS}", values.len()));
    }
    Ok((key.trim().to_string(), values))
}

fn table(
    s: &dyn Scenario,
    base: &Params,
    vary: &str,
    by: Option<&str>,
    metric: &str,
    seeds: u64,
) -> Result<Table, String> {
    if seeds == 0 || seeds > MAX_TABLE_SEEDS {
        return Err(format!("--seeds must be in 1..={MAX_TABLE_SEEDS}, not {seeds}"));
    }
    let (key, values) = vary_values(vary)?;
    let columns: Vec<String> = match by {
        None => vec![metric.to_string()],
        Some(b) => match base.spec(b).map(|x| x.kind) {
            Some(faultline_sim::ParamKind::Choice { options, .. }) => options.iter().map(|o| o.to_string()).collect(),
            _ => return Err(format!("--by: `{b}` is not a choice parameter of {}", s.id())),
        },
    };
    let bar = indicatif::ProgressBar::new(values.len() as u64 * columns.len() as u64 * seeds).with_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {pos}/{len} runs ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut rows = Vec::new();
    for v in &values {
        let mut cells = Vec::new();
        for c in &columns {
            let mut p = base.clone();
            p.set(&key, v).map_err(|e| format!("--vary: {e}"))?;
            if let Some(b) = by {
                p.set(b, c).map_err(|e| e.to_string())?;
            }
            let mut sum = 0.0;
            for seed in 0..seeds {
                let t = s.run(&p, seed, &FaultPlan::new(), &RunOptions::default()).map_err(|e| e.to_string())?;
                let value = t.final_metrics().get(metric).copied().ok_or_else(|| {
                    let known: Vec<String> = t.final_metrics().into_keys().collect();
                    format!("{} reports no metric `{metric}` (it reports: {})", s.id(), known.join(", "))
                })?;
                sum += value as f64;
                bar.inc(1);
            }
            cells.push(sum / seeds as f64);
        }
        rows.push((v.clone(), cells));
    }
    bar.finish_and_clear();
    Ok(Table {
        scenario: s.id().to_string(),
        metric: metric.to_string(),
        vary: key,
        by: by.map(str::to_string),
        seeds,
        columns,
        rows,
    })
}

/// What a search found: how many candidates ran, and the first that broke an invariant, shrunk.
struct Found {
    scenario: &'static dyn Scenario,
    runs: u64,
    hit: Option<(u64, Shrunk)>,
    /// How long the search and the shrinking took, in ms.
    search_ms: f64,
    shrink_ms: f64,
}

impl Found {
    fn json(&self) -> serde_json::Value {
        let s = self.scenario;
        serde_json::json!({
            "scenario": s.id(),
            "runs": self.runs,
            "search_ms": self.search_ms,
            "shrink_ms": self.shrink_ms,
            "found": self.hit.as_ref().map(|(candidate, sh)| {
                let (before, after) = (sh.before.measures(s), sh.after.measures(s));
                let f = &sh.after;
                serde_json::json!({
                    "candidate": candidate,
                    "seed": f.seed,
                    "sets": f.params.non_default().map(|(spec, v)| format!("{}={v}", spec.key)).collect::<Vec<_>>(),
                    "faults": f.faults.to_compact(),
                    "invariant": f.invariant,
                    "message": f.message,
                    "steps": f.steps,
                    "breach_step": f.breach_step,
                    "reproduce": f.reproduce(s),
                    "shrunk": {
                        "summary": sh.summary(s),
                        "runs": sh.runs,
                        "budget_hit": sh.budget_hit,
                        "before": { "faults": before.faults, "steps": before.steps, "fault_us": before.fault_us, "sizes": before.sizes },
                        "after": { "faults": after.faults, "steps": after.steps, "fault_us": after.fault_us, "sizes": after.sizes },
                        "original": sh.before.faults.to_compact(),
                        "original_reproduce": sh.before.reproduce(s),
                    },
                })
            }),
        })
    }

    fn text(&self) -> String {
        let s = self.scenario;
        match &self.hit {
            None => format!("{}: {} candidates, no invariant broke", s.id(), self.runs),
            Some((candidate, sh)) => format!(
                "{}: candidate {candidate} (of {} tried) broke {} at step {}: {}\nshrunk in {} runs: {}\nreproduce with: {}",
                s.id(),
                self.runs,
                sh.after.invariant,
                sh.after.breach_step,
                sh.after.message,
                sh.runs,
                sh.summary(s),
                sh.after.reproduce(s)
            ),
        }
    }
}

/// What an exhaustive check found, and how fast.
struct Checked {
    id: String,
    report: Report<String>,
    seconds: f64,
    /// The command that plays the counterexample back, where it can be played as a fault plan.
    reproduce: Option<String>,
}

impl Checked {
    fn states_per_s(&self) -> u64 {
        (self.report.unique_states as f64 / self.seconds.max(1e-9)) as u64
    }

    fn json(&self) -> serde_json::Value {
        let r = &self.report;
        serde_json::json!({
            "scenario": self.id,
            "unique_states": r.unique_states,
            "generated": r.generated,
            "max_depth": r.max_depth,
            "seconds": self.seconds,
            "states_per_s": self.states_per_s(),
            "stopped": r.stopped,
            "counterexample": r.counterexample.as_ref().map(|c| serde_json::json!({
                "invariant": c.invariant,
                "message": c.message,
                "steps": c.steps,
                "reproduce": self.reproduce,
            })),
        })
    }

    fn text(&self) -> String {
        let r = &self.report;
        let mut t = format!(
            "{}: {} unique states ({} generated), depth {}, {:.2} s, {} states/s\n",
            self.id,
            thousands(r.unique_states),
            thousands(r.generated),
            r.max_depth,
            self.seconds,
            thousands(self.states_per_s())
        );
        if let Some(why) = &r.stopped {
            t.push_str(&format!("not complete: {why}\n"));
        }
        match &r.counterexample {
            None if r.stopped.is_none() => t.push_str("every reachable state holds every invariant\n"),
            None => t.push_str("no invariant broke in the states explored\n"),
            Some(c) => {
                t.push_str(&format!("{} broke after {} steps: {}\n", c.invariant, c.steps.len(), c.message));
                for (i, step) in c.steps.iter().enumerate() {
                    t.push_str(&format!("  {:>3}. {step}\n", i + 1));
                }
                if let Some(cmd) = &self.reproduce {
                    t.push_str(&format!("reproduce with: {cmd}\n"));
                }
            }
        }
        t.trim_end().to_string()
    }
}

/// Check a specification or a scenario exhaustively, timing it.
fn check(id: &str, sets: &[String], bounds: Bounds, seed: Option<u64>, crashes: u32) -> Result<Checked, String> {
    let bar = indicatif::ProgressBar::new_spinner();
    let mut progress = |unique: u64, depth: u32| bar.set_message(format!("{unique} states, depth {depth}"));
    let started = std::time::Instant::now();
    if let Some(spec) = faultline_scenarios::specs().iter().find(|s| s.id() == id) {
        let mut p = Params::defaults(spec.params());
        for set in sets {
            let (k, v) = set.split_once('=').ok_or_else(|| format!("--set takes KEY=VALUE, not `{set}`"))?;
            p.set(k, v).map_err(|e| e.to_string())?;
        }
        let report = spec.check(&p, bounds, &mut progress);
        bar.finish_and_clear();
        return Ok(Checked { id: id.to_string(), report, seconds: started.elapsed().as_secs_f64(), reproduce: None });
    }
    let s = scenario(id).map_err(|e| {
        let specs: Vec<&str> = faultline_scenarios::specs().iter().map(|s| s.id()).collect();
        format!("{e} (or a specification: {})", specs.join(", "))
    })?;
    let p = params(s, sets)?;
    let seed = seed.unwrap_or(s.canonical_seed());
    let checked = s.check(&p, seed, crashes, bounds, &mut progress).map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let reproduce = checked.replay.as_ref().map(|plan| repro_command(s.id(), seed, &p, plan));
    Ok(Checked { id: id.to_string(), report: checked.report, seconds: started.elapsed().as_secs_f64(), reproduce })
}

/// Try candidates `0..runs` in batches on a thread pool; the lowest-numbered failing one wins, so the answer does
/// not depend on the number of threads. Then shrink it.
fn search(
    s: &'static dyn Scenario,
    p: &Params,
    runs: u64,
    seed: u64,
    invariant: Option<&str>,
    jobs: Option<usize>,
) -> Result<Found, String> {
    use rayon::prelude::*;
    let started = std::time::Instant::now();
    let shape = Shape::probe(s, p).map_err(|e| e.to_string())?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.unwrap_or(0)).build().map_err(|e| e.to_string())?;
    let bar = indicatif::ProgressBar::new(runs).with_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {pos}/{len} candidates ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("#> "),
    );
    const BATCH: u64 = 256;
    let mut done = 0;
    let mut hit = None;
    while done < runs && hit.is_none() {
        let end = (done + BATCH).min(runs);
        hit = pool.install(|| {
            (done..end).into_par_iter().find_map_first(|i| {
                let (run_seed, faults) = faultline_sim::search::candidate(seed, i, &shape);
                faultline_sim::search::failure(s, p, run_seed, &faults, invariant).map(|f| (i, f))
            })
        });
        bar.set_position(end);
        done = end;
    }
    bar.finish_and_clear();
    let search_ms = started.elapsed().as_secs_f64() * 1e3;
    let hit = hit.map(|(i, f)| (i, faultline_sim::search::shrink(s, &f, faultline_sim::search::SHRINK_RUNS)));
    let shrink_ms = started.elapsed().as_secs_f64() * 1e3 - search_ms;
    Ok(Found { scenario: s, runs: done, hit, search_ms, shrink_ms })
}
