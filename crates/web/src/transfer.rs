//! Import of a trace file, checked before anything on screen changes: size, JSON, version, internal
//! consistency and hash. Pure, so it is tested natively; the browser part only reads the file.

use faultline_sim::{EventKind, Trace, TRACE_VERSION};

/// Larger files are refused before they are read.
pub const MAX_IMPORT_BYTES: u64 = 20 * 1024 * 1024;

/// Parse and check a trace file. Every failure is one sentence for the user.
pub fn parse_trace(text: &str) -> Result<Trace, String> {
    if text.len() as u64 > MAX_IMPORT_BYTES {
        return Err(format!("the file is larger than {} MB", MAX_IMPORT_BYTES / (1024 * 1024)));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("the file is not JSON ({e})"))?;
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == TRACE_VERSION as u64 => {}
        Some(v) => {
            return Err(format!("trace version {v} is not supported (this build reads version {TRACE_VERSION})"))
        }
        None => return Err("the file is not a Faultline trace (it has no version)".into()),
    }
    let trace: Trace = serde_json::from_value(value).map_err(|e| format!("the file is not a Faultline trace ({e})"))?;
    check(&trace)?;
    if trace.compute_hash() != trace.hash {
        return Err("the trace's hash does not match its contents: it was edited or damaged".into());
    }
    Ok(trace)
}

/// Every node an event names exists, every step is in range, and steps never go back.
fn check(t: &Trace) -> Result<(), String> {
    let n = t.nodes.len() as u32;
    let mut last_step = 0;
    for (i, e) in t.events.iter().enumerate() {
        if e.step >= t.steps || e.step < last_step {
            return Err(format!("event {i} has step {} out of order or past the {} steps", e.step, t.steps));
        }
        last_step = e.step;
        let nodes: Vec<u32> = match &e.kind {
            EventKind::Start { node }
            | EventKind::Timer { node, .. }
            | EventKind::Note { node, .. }
            | EventKind::SpanOpen { node, .. }
            | EventKind::SpanClose { node, .. }
            | EventKind::Resume { node } => vec![*node],
            EventKind::Send { from, to, .. }
            | EventKind::Deliver { from, to, .. }
            | EventKind::Drop { from, to, .. } => {
                vec![*from, *to]
            }
            EventKind::Fault { fault } => fault.nodes(),
            EventKind::Breach { .. } => vec![],
        };
        if let Some(bad) = nodes.iter().find(|&&x| x >= n) {
            return Err(format!("event {i} names node {bad}, but the trace has {n} nodes"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenarios::redis_lock::RedisLock;
    use faultline_sim::{FaultPlan, RunOptions, Scenario};

    fn exported() -> String {
        let t = RedisLock.run(&RedisLock.default_params(), 6, &FaultPlan::new(), &RunOptions::default()).unwrap();
        t.report_json().to_string()
    }

    #[test]
    fn an_exported_trace_imports() {
        let t = parse_trace(&exported()).unwrap();
        assert_eq!(t.seed, 6);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert!(parse_trace("{nope").unwrap_err().starts_with("the file is not JSON"));
        assert_eq!(parse_trace("{}").unwrap_err(), "the file is not a Faultline trace (it has no version)");
        let v2 = exported().replacen("\"version\":1", "\"version\":2", 1);
        assert_eq!(parse_trace(&v2).unwrap_err(), "trace version 2 is not supported (this build reads version 1)");
        let edited = exported().replacen("\"seed\":6", "\"seed\":7", 1);
        assert!(parse_trace(&edited).unwrap_err().contains("hash does not match"));
        let mut t: serde_json::Value = serde_json::from_str(&exported()).unwrap();
        t["events"][3]["node"] = 99.into();
        assert!(parse_trace(&t.to_string()).unwrap_err().contains("names node 99"));
        let big = " ".repeat(MAX_IMPORT_BYTES as usize + 1);
        assert!(parse_trace(&big).unwrap_err().contains("larger than 20 MB"));
        assert!(parse_trace(r#"{"version":1,"events":"x"}"#)
            .unwrap_err()
            .starts_with("the file is not a Faultline trace"));
    }
}
