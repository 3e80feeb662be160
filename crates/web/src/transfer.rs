//! Import of a trace file, checked before anything on screen changes: size, JSON, version, known scenario,
//! valid parameters and faults — and then the decisive check: re-running those inputs must reproduce the
//! trace's hash. A file that passes is that run again, with every control live.
//!
//! Only the header (inputs and hash) is parsed; the events are skipped, not deserialized: the re-run rebuilds
//! them, and the browser bundle stays free of the code that would read them.

use faultline_sim::{FaultPlan, ParamInput, Params, Scenario, TRACE_VERSION};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Larger files are refused before they are read.
pub const MAX_IMPORT_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Deserialize)]
struct Header {
    version: Option<u64>,
    scenario: Option<String>,
    seed: Option<u64>,
    params: Option<BTreeMap<String, ParamInput>>,
    faults: Option<FaultPlan>,
    hash: Option<String>,
}

/// The inputs of an imported trace, ready to re-run.
pub struct Imported {
    pub scenario: &'static dyn Scenario,
    pub seed: u64,
    pub params: Params,
    pub faults: FaultPlan,
    /// The hash the re-run must reproduce.
    pub hash: String,
}

/// Why a file over [`MAX_IMPORT_BYTES`] is refused (before it is read, or after).
pub fn too_large() -> String {
    format!("the file is larger than the limit of {} MB", MAX_IMPORT_BYTES / (1024 * 1024))
}

/// Parse and check a trace file's header. Every failure is one sentence for the user.
pub fn parse_header(text: &str) -> Result<Imported, String> {
    if text.len() as u64 > MAX_IMPORT_BYTES {
        return Err(too_large());
    }
    let h: Header = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => format!("the file is not JSON ({e})"),
        _ => format!("the file is not a Faultline trace ({e})"),
    })?;
    match h.version {
        Some(v) if v == TRACE_VERSION as u64 => {}
        Some(v) => {
            return Err(format!("trace version {v} is not supported (this build reads version {TRACE_VERSION})"))
        }
        None => return Err("the file is not a Faultline trace (it has no version)".into()),
    }
    let missing = |what: &str| format!("the file is not a Faultline trace (it has no {what})");
    let id = h.scenario.ok_or_else(|| missing("scenario"))?;
    let scenario = faultline_scenarios::find(&id)
        .ok_or_else(|| format!("{} (this page imports only the scenarios it holds)", crate::url::not_here(&id)))?;
    let mut params = scenario.default_params();
    for (k, v) in h.params.ok_or_else(|| missing("params"))? {
        params.set_input(&k, v).map_err(|e| format!("its parameters do not fit this build: {e}"))?;
    }
    Ok(Imported {
        scenario,
        seed: h.seed.ok_or_else(|| missing("seed"))?,
        params,
        faults: h.faults.unwrap_or_default(),
        hash: h.hash.ok_or_else(|| missing("hash"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_scenarios::redis_lock::RedisLock;
    use faultline_sim::{FaultPlan, RunOptions};

    fn exported() -> String {
        let (plan, _) = FaultPlan::parse_compact("pause:1:1000@5");
        let mut p = RedisLock.default_params();
        p.set("fencing", "true").unwrap();
        let t = RedisLock.run(&p, 6, &plan, &RunOptions::default()).unwrap();
        serde_json::to_string_pretty(&t.report()).unwrap()
    }

    #[test]
    fn an_exported_trace_imports() {
        let i = parse_header(&exported()).unwrap();
        assert_eq!((i.scenario.id(), i.seed), ("redis-lock", 6));
        assert!(i.params.bool("fencing"));
        assert_eq!(i.faults.to_compact(), "pause:1:1000@5");
        assert_eq!(i.hash.len(), 16);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let err = |t: &str| parse_header(t).err().unwrap();
        assert!(err("{nope").starts_with("the file is not JSON"), "{}", err("{nope"));
        assert_eq!(err("{}"), "the file is not a Faultline trace (it has no version)");
        let good = exported();
        let older = good.replacen(&format!("\"version\": {TRACE_VERSION}"), "\"version\": 1", 1);
        assert_eq!(err(&older), format!("trace version 1 is not supported (this build reads version {TRACE_VERSION})"));
        assert!(err(&good.replacen("\"redis-lock\"", "\"paxos\"", 1)).starts_with("scenario `paxos` is unknown"));
        assert!(err(&good.replacen("\"ttl_ms\": 500", "\"ttl_ms\": 1", 1)).contains("out of range"));
        assert!(err(&good.replacen("\"pause:1:1000@5\"", "\"boom@1\"", 1)).contains("fault `boom@1`"));
        assert!(err(r#"{"version":1,"scenario":7}"#).starts_with("the file is not a Faultline trace"));
        assert_eq!(err(&" ".repeat(MAX_IMPORT_BYTES as usize + 1)), "the file is larger than the limit of 20 MB");
    }
}
