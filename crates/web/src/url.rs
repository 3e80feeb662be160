//! The URL holds what reproduces the screen: scenario, seed, parameters, fault plan, step and view, e.g.
//! `?scenario=ID&seed=6&KEY=VALUE&faults=crash:3@400001&step=30&view=compare`.
//!
//! Parsing is pure (decoded key/value pairs in, settings and notices out) so it is tested natively. Every bad
//! value yields a visible notice naming the value and the fallback; nothing here can fail the page.

use faultline_sim::{FaultPlan, Params, Scenario};

/// Keys the URL uses besides the scenario's parameters.
pub const RESERVED: &[&str] = &[
    "scenario",
    "seed",
    "step",
    "faults",
    "view",
    "presenter",
    "chapter",
    "beat",
    "embed",
    "controls",
    "autoplay",
    "origin",
    "fit",
    "follow",
];

/// How the page is embedded in another (a docs page's iframe).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Embed {
    /// `embed=1`: compact chrome for an iframe.
    pub on: bool,
    /// `controls=0` hides the playback controls.
    pub controls: bool,
    /// `autoplay=1` starts playing on load.
    pub autoplay: bool,
    /// `fit=1` scales the whole diagram to the frame's width instead of scrolling it with the cursor.
    pub fit: bool,
    /// `origin=…`: the host page origin allowed to drive this page by postMessage (`*` for any). Without it only
    /// the page's own origin may.
    pub origin: Option<String>,
}

pub struct UrlSettings {
    pub scenario: &'static dyn Scenario,
    pub seed: u64,
    pub params: Params,
    pub faults: FaultPlan,
    pub step: Option<u32>,
    pub compare: bool,
    pub presenter: bool,
    pub chapter: Option<usize>,
    /// `beat=3`: the beat of the chapter on screen (numbered from 1), so that a reload shows its caption.
    pub beat: usize,
    pub embed: Embed,
    /// `follow=17`: the crowd member (numbered from 1, as the page names clients) whose events the trace keeps.
    pub follow: Option<Vec<u32>>,
    /// The URL only names a scenario (`?scenario=raft`, perhaps with `presenter=1`): someone is opening it, so the
    /// page starts at the first beat of its first chapter rather than at bare lanes at step 0.
    pub landing: bool,
    pub notices: Vec<String>,
}

/// Why this page cannot show scenario `id`: it has a page of its own (the site's loader opens it from
/// `?scenario=id`), or no scenario has that id. For the URL's notices and the trace import's refusals.
pub fn not_here(id: &str) -> String {
    if faultline_scenarios::CATALOG.contains(&id) {
        format!("scenario `{id}` has a page of its own: open ?scenario={id}")
    } else {
        format!("scenario `{id}` is unknown (known: {})", faultline_scenarios::CATALOG.join(", "))
    }
}

pub fn default_scenario() -> &'static dyn Scenario {
    faultline_scenarios::all()[0]
}

fn flag(v: Option<&str>) -> Option<bool> {
    v.map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "on" | "yes"))
}

/// The longest query the page reads (keys and values, decoded): a plan of the most faults a plan may hold
/// ([`faultline_sim::fault::MAX_FAULTS`]) fits in it with room to spare.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Read settings from decoded query pairs; later duplicates win. A query longer than [`MAX_QUERY_BYTES`] is set
/// aside whole, with a notice that names the limit.
pub fn parse(pairs: &[(String, String)]) -> UrlSettings {
    let size: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    if size > MAX_QUERY_BYTES {
        let mut s = parse(&[]);
        s.notices.push(format!(
            "URL: the query is {size} bytes long, more than the limit of {MAX_QUERY_BYTES}; showing {} instead.",
            s.scenario.id()
        ));
        return s;
    }
    let mut notices = Vec::new();
    let get = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let scenario = match get("scenario") {
        None => default_scenario(),
        Some(id) => faultline_scenarios::find(id).unwrap_or_else(|| {
            let d = default_scenario();
            notices.push(format!("URL: {}; showing {}.", not_here(id), d.id()));
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
    let chapter = get("chapter").and_then(|raw| match raw.trim().parse::<usize>() {
        Ok(c) if (1..=scenario.chapters().len()).contains(&c) => Some(c - 1),
        _ => {
            notices.push(format!(
                "URL: chapter `{raw}` is not one of 1..={}; no chapter selected.",
                scenario.chapters().len()
            ));
            None
        }
    });
    let beats = chapter.and_then(|c| scenario.chapters().get(c)).map_or(0, |ch| ch.beats.len());
    let beat = get("beat").map_or(0, |raw| match raw.trim().parse::<usize>() {
        Ok(b) if (1..=beats.max(1)).contains(&b) => b - 1,
        _ => {
            notices.push(format!(
                "URL: beat `{raw}` is not one of 1..={} of this chapter; showing its first.",
                beats.max(1)
            ));
            0
        }
    });
    let faults = match get("faults") {
        None => FaultPlan::new(),
        Some(raw) => {
            let (plan, errors) = FaultPlan::parse_compact(raw);
            notices.extend(errors.into_iter().map(|e| format!("URL: {e}; left out.")));
            plan
        }
    };
    let compare = match get("view") {
        None | Some("") | Some("single") => false,
        Some("compare") => {
            let can = crate::state::can_compare(scenario);
            if !can {
                notices.push(format!("URL: {} has nothing to compare; showing one run.", scenario.id()));
            }
            can
        }
        Some(other) => {
            notices.push(format!("URL: view `{other}` is unknown (single, compare); showing one run."));
            false
        }
    };
    let follow = get("follow").and_then(|raw| match raw.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Some(vec![n - 1]),
        _ => {
            notices.push(format!("URL: follow `{raw}` is not a client number (1 or more); following the default."));
            None
        }
    });
    let embed = Embed {
        on: flag(get("embed")).unwrap_or(false),
        controls: flag(get("controls")).unwrap_or(true),
        autoplay: flag(get("autoplay")).unwrap_or(false),
        fit: flag(get("fit")).unwrap_or(false),
        origin: get("origin").map(str::to_string).filter(|o| !o.is_empty()),
    };
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
    UrlSettings {
        scenario,
        seed,
        params,
        faults,
        step,
        compare,
        presenter: flag(get("presenter")).unwrap_or(false),
        chapter,
        beat,
        embed,
        follow,
        landing: get("scenario").is_some() && pairs.iter().all(|(k, _)| k == "scenario" || k == "presenter"),
        notices,
    }
}

/// What the query string records: everything that shapes the screen.
pub struct Shown<'a> {
    pub scenario: &'a dyn Scenario,
    pub seed: u64,
    pub params: &'a Params,
    pub faults: &'a FaultPlan,
    pub step: u32,
    pub compare: bool,
    pub presenter: bool,
    pub chapter: Option<usize>,
    pub beat: usize,
    pub embed: &'a Embed,
    pub follow: Option<&'a [u32]>,
}

/// The query string: scenario and seed always; parameters only when not default; the rest when set.
pub fn query(s: &Shown<'_>) -> String {
    let mut q = format!("?scenario={}&seed={}", s.scenario.id(), s.seed);
    for (spec, value) in s.params.non_default() {
        q.push_str(&format!("&{}={value}", spec.key));
    }
    if !s.faults.is_empty() {
        q.push_str(&format!("&faults={}", s.faults.to_compact()));
    }
    if s.step > 0 {
        q.push_str(&format!("&step={}", s.step));
    }
    if s.compare {
        q.push_str("&view=compare");
    }
    if s.presenter {
        q.push_str("&presenter=1");
    }
    if let Some(c) = s.chapter {
        q.push_str(&format!("&chapter={}", c + 1));
        if s.beat > 0 {
            q.push_str(&format!("&beat={}", s.beat + 1));
        }
    }
    if let Some(&[m]) = s.follow {
        q.push_str(&format!("&follow={}", m + 1));
    }
    push_embed(&mut q, s.embed);
    q
}

/// The query that opens scenario `id` afresh, as its own page (`?scenario=id`) keeping how the page is shown:
/// presenter mode and the embed's flags. The scenario picker leaves for it when this page does not hold `id`.
pub fn landing(id: &str, presenter: bool, embed: &Embed) -> String {
    let mut q = format!("?scenario={}", encode(id));
    if presenter {
        q.push_str("&presenter=1");
    }
    push_embed(&mut q, embed);
    q
}

fn push_embed(q: &mut String, embed: &Embed) {
    if embed.on {
        q.push_str("&embed=1");
        if !embed.controls {
            q.push_str("&controls=0");
        }
        if embed.fit {
            q.push_str("&fit=1");
        }
        if let Some(o) = &embed.origin {
            q.push_str(&format!("&origin={}", encode(o)));
        }
    }
}

/// What a query value keeps raw: letters, digits and `-_.~:/*` (an origin stays readable); the rest is
/// percent-encoded.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b':')
    .remove(b'/')
    .remove(b'*');

fn encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::Fault;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn from_query(q: &str) -> UrlSettings {
        let back: Vec<(String, String)> = q[1..]
            .split('&')
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.replace("%3F", "?"))))
            .collect();
        parse(&back)
    }

    #[test]
    fn empty_url_is_the_default_scenario_at_its_canonical_seed() {
        let s = parse(&[]);
        assert_eq!(s.scenario.id(), "redis-lock");
        assert_eq!(s.seed, s.scenario.canonical_seed());
        assert!(s.notices.is_empty());
        assert_eq!((s.step, s.compare, s.presenter, s.chapter), (None, false, false, None));
        assert!(s.faults.is_empty());
    }

    #[test]
    fn round_trip() {
        let s = parse(&pairs(&[
            ("scenario", "redis-lock"),
            ("seed", "7"),
            ("fencing", "true"),
            ("ttl_ms", "900"),
            ("step", "12"),
            ("faults", "crash:3@400001,pause:0:5000@9"),
            ("view", "compare"),
            ("presenter", "1"),
            ("chapter", "2"),
            ("beat", "3"),
        ]));
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(s.beat, 2);
        let shown = Shown {
            scenario: s.scenario,
            seed: s.seed,
            params: &s.params,
            faults: &s.faults,
            step: 12,
            compare: s.compare,
            presenter: s.presenter,
            chapter: s.chapter,
            beat: s.beat,
            embed: &s.embed,
            follow: Some(&[16]),
        };
        let q = query(&shown);
        assert_eq!(
            q,
            "?scenario=redis-lock&seed=7&ttl_ms=900&fencing=true&faults=crash:3@400001,pause:0:5000@9&step=12\
             &view=compare&presenter=1&chapter=2&beat=3&follow=17"
        );
        let again = from_query(&q);
        assert_eq!((again.seed, &again.params, again.step), (7, &s.params, Some(12)));
        assert_eq!(again.faults.entries()[0].fault, Fault::Crash { node: 3 });
        assert!(again.compare && again.presenter);
        assert_eq!(again.chapter, Some(1));
        assert_eq!(again.follow, Some(vec![16]));
    }

    #[test]
    fn embed_flags_round_trip() {
        let s = parse(&pairs(&[
            ("embed", "1"),
            ("controls", "0"),
            ("autoplay", "1"),
            ("fit", "1"),
            ("origin", "https://docs.example"),
        ]));
        assert_eq!(
            s.embed,
            Embed { on: true, controls: false, autoplay: true, fit: true, origin: Some("https://docs.example".into()) }
        );
        let shown = Shown {
            scenario: s.scenario,
            seed: s.seed,
            params: &s.params,
            faults: &s.faults,
            step: 0,
            compare: false,
            presenter: false,
            chapter: None,
            beat: 0,
            embed: &s.embed,
            follow: None,
        };
        let q = query(&shown);
        assert!(q.ends_with("&embed=1&controls=0&fit=1&origin=https://docs.example"), "{q}");
    }

    #[test]
    fn landing_opens_a_scenario_afresh_keeping_presenter_and_embed() {
        let embed = Embed {
            on: true,
            controls: false,
            autoplay: false,
            fit: true,
            origin: Some("https://docs.example".into()),
        };
        let q = landing("raft", true, &embed);
        assert_eq!(q, "?scenario=raft&presenter=1&embed=1&controls=0&fit=1&origin=https://docs.example");
        let s = from_query(&q);
        assert_eq!((s.scenario.id(), s.presenter, s.seed), ("raft", true, s.scenario.canonical_seed()));
        assert_eq!(s.embed, Embed { autoplay: false, ..embed });
        assert!(s.notices.is_empty(), "{:?}", s.notices);
        assert_eq!(landing("saga", false, &Embed::default()), "?scenario=saga");
    }

    /// Every limit a URL can reach is named, with its value, in the notice the page shows.
    #[test]
    fn every_limit_a_url_can_reach_is_named() {
        let notice = |q: &[(&str, &str)]| parse(&pairs(q)).notices.join(" ");
        // Clients (the crowd's size), nodes (a cluster's size) and the run's length: their ranges.
        let n = notice(&[("scenario", "thundering-herd"), ("clients", "10001")]);
        assert!(n.contains("out of range 1..=10000"), "{n}");
        let n = notice(&[("scenario", "raft"), ("servers", "64")]);
        assert!(n.contains("`servers` = 64 is out of range 3..=7"), "{n}");
        let n = notice(&[("scenario", "redis-lock"), ("run_ms", "99999999")]);
        assert!(n.contains("`run_ms` = 99999999 is out of range 100..=3600000 ms"), "{n}");
        // Faults in a plan.
        let plan = vec!["crash:0@1"; faultline_sim::fault::MAX_FAULTS + 1].join(",");
        let s = parse(&pairs(&[("scenario", "redis-lock"), ("faults", &plan)]));
        assert_eq!(s.faults.entries().len(), faultline_sim::fault::MAX_FAULTS);
        assert!(s.notices.join(" ").contains("more than 1000 faults"), "{:?}", s.notices);
        // The URL's length.
        let long = "9".repeat(MAX_QUERY_BYTES);
        let s = parse(&pairs(&[("scenario", "raft"), ("seed", &long)]));
        assert_eq!(s.scenario.id(), default_scenario().id());
        assert!(s.notices[0].contains(&format!("more than the limit of {MAX_QUERY_BYTES}")), "{:?}", s.notices);
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
            ("faults", "crash:0@5,boom@1"),
            ("view", "3d"),
            ("chapter", "99"),
        ]));
        assert_eq!(s.scenario.id(), "redis-lock");
        assert_eq!(s.seed, s.scenario.canonical_seed());
        assert_eq!(s.params, s.scenario.default_params());
        assert_eq!(s.faults.entries().len(), 1, "the good fault stays");
        let all = s.notices.join("\n");
        for needle in [
            "scenario `paxos` is unknown",
            "seed `-1`",
            "`ttl_ms` must be a whole number in 10..=60000 ms, not `abc`; using the default 500",
            "`clients` = 99 is out of range 1..=8; using the default 2",
            "`fencing` must be true or false, not `perhaps`; using the default false",
            "unknown parameter `colour`",
            "step `x`",
            "fault `boom@1`",
            "view `3d` is unknown",
            "chapter `99`",
        ] {
            assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
        }
    }
}
