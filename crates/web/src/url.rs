//! The URL holds what reproduces a run: `?scenario=redis-lock&seed=7&fencing=false&step=30`.
//!
//! Parsing is pure (decoded key/value pairs in, settings and notices out) so it is tested natively. Every bad
//! value yields a visible notice naming the value and the fallback; nothing here can fail the page.

use faultline_sim::{Params, Scenario};

/// Keys the URL uses besides the scenario's parameters.
pub const RESERVED: &[&str] = &["scenario", "seed", "step"];

pub struct UrlSettings {
    pub scenario: &'static dyn Scenario,
    pub seed: u64,
    pub params: Params,
    pub step: Option<u32>,
    pub notices: Vec<String>,
}

pub fn default_scenario() -> &'static dyn Scenario {
    faultline_scenarios::all()[0]
}

/// Read settings from decoded query pairs; later duplicates win.
pub fn parse(pairs: &[(String, String)]) -> UrlSettings {
    let mut notices = Vec::new();
    let get = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let scenario = match get("scenario") {
        None => default_scenario(),
        Some(id) => faultline_scenarios::find(id).unwrap_or_else(|| {
            let d = default_scenario();
            notices.push(format!(
                "URL: scenario `{id}` is unknown (known: {}); showing {}.",
                faultline_scenarios::ids(),
                d.id()
            ));
            d
        }),
    };
    let seed = match get("seed") {
        None => scenario.canonical_seed(),
        Some(raw) => raw.trim().parse::<u64>().unwrap_or_else(|_| {
            let d = scenario.canonical_seed();
            notices.push(format!("URL: seed `{raw}` is not a whole number from 0 to 2^64-1; using seed {d}."));
            d
        }),
    };
    let step = get("step").and_then(|raw| match raw.trim().parse::<u32>() {
        Ok(s) => Some(s),
        Err(_) => {
            notices.push(format!("URL: step `{raw}` is not a whole number; starting at step 0."));
            None
        }
    });
    let mut params = scenario.default_params();
    let mut seen = Vec::new();
    for (key, raw) in pairs.iter().rev() {
        if RESERVED.contains(&key.as_str()) || seen.contains(key) {
            continue;
        }
        seen.push(key.clone());
        if let Err(e) = params.set(key, raw) {
            let fallback = params.spec(key).map(|s| format!("using the default {}", s.default_value()));
            notices.push(format!("URL: {e}; {}.", fallback.unwrap_or_else(|| "ignored".into())));
        }
    }
    notices.reverse();
    UrlSettings { scenario, seed, params, step, notices }
}

/// The query string for these settings: scenario and seed always, parameters only when not default.
pub fn query(scenario: &dyn Scenario, seed: u64, params: &Params, step: u32) -> String {
    let mut q = format!("?scenario={}&seed={seed}", scenario.id());
    for (spec, value) in params.non_default() {
        q.push_str(&format!("&{}={value}", spec.key));
    }
    if step > 0 {
        q.push_str(&format!("&step={step}"));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn empty_url_is_the_default_scenario_at_its_canonical_seed() {
        let s = parse(&[]);
        assert_eq!(s.scenario.id(), "redis-lock");
        assert_eq!(s.seed, s.scenario.canonical_seed());
        assert!(s.notices.is_empty());
        assert_eq!(s.step, None);
    }

    #[test]
    fn round_trip() {
        let s = parse(&pairs(&[
            ("scenario", "redis-lock"),
            ("seed", "7"),
            ("fencing", "true"),
            ("ttl_ms", "900"),
            ("step", "12"),
        ]));
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        let q = query(s.scenario, s.seed, &s.params, 12);
        assert_eq!(q, "?scenario=redis-lock&seed=7&ttl_ms=900&fencing=true&step=12");
        let back: Vec<(String, String)> = q[1..]
            .split('&')
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let again = parse(&back);
        assert_eq!((again.seed, again.params.clone(), again.step), (7, s.params, Some(12)));
    }

    #[test]
    fn bad_values_are_named_and_fall_back_to_defaults() {
        let s = parse(&pairs(&[
            ("scenario", "paxos"),
            ("seed", "-1"),
            ("ttl_ms", "abc"),
            ("clients", "99"),
            ("fencing", "perhaps"),
            ("colour", "blue"),
            ("step", "x"),
        ]));
        assert_eq!(s.scenario.id(), "redis-lock");
        assert_eq!(s.seed, s.scenario.canonical_seed());
        assert_eq!(s.params, s.scenario.default_params());
        let all = s.notices.join("\n");
        for needle in [
            "scenario `paxos` is unknown",
            "seed `-1`",
            "`ttl_ms` must be a whole number in 10..=60000 ms, not `abc`; using the default 500",
            "`clients` = 99 is out of range 1..=8; using the default 2",
            "`fencing` must be true or false, not `perhaps`; using the default false",
            "unknown parameter `colour`",
            "step `x`",
        ] {
            assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
        }
    }
}
