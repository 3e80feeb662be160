//! The guided story of the retry storm, as data: a hundred clients update one row (the AWS simulator's
//! workload), then an outage of 5 s from 2 s.

use super::AMPLIFICATION;
use faultline_sim::{At, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. Retry at once",
        text: "A hundred clients read the row and write it back if nobody wrote in between. Only one write per \
               version can win; the others conflict and retry at once — and collide again. Some client needs more \
               than ten attempts: a retry storm.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(AMPLIFICATION)),
        beats: &[],
    },
    Chapter {
        title: "2. Exponential backoff, in lockstep",
        text: "Each failure doubles the sleep, up to 2 s. But the clients that conflicted together sleep exactly as \
               long and wake together: they collide again, in waves. Fewer calls than retrying at once, yet the last \
               client finishes only after half a minute.",
        params: &[("backoff", "exponential")],
        faults: "",
        at: At::End,
        beats: &[],
    },
    Chapter {
        title: "3. Full jitter",
        text: "Sleep a random time between 0 and the exponential delay: the waves break up, the retries stop \
               arriving together, and everyone is done in about two seconds with the fewest calls.",
        params: &[("backoff", "full-jitter")],
        faults: "",
        at: At::End,
        beats: &[],
    },
    Chapter {
        title: "4. Equal and decorrelated jitter",
        text: "Equal jitter keeps half of the delay and randomises the rest: about as many calls as full jitter, \
               but it finishes later. Decorrelated jitter draws each sleep from base to three times the last one: \
               it finishes soonest here, and with more clients makes more calls than full jitter.",
        params: &[("backoff", "decorrelated-jitter")],
        faults: "",
        at: At::End,
        beats: &[],
    },
    Chapter {
        title: "5. An outage multiplies the load",
        text: "Now the clients call now and then, and the service fails every call from 2 s to 7 s. Retrying at once \
               turns a hundred calls a second into thousands: the clients hammer a service that is down.",
        params: &[("workload", "outage"), ("run_ms", "12000")],
        faults: "",
        at: At::End,
        beats: &[],
    },
    Chapter {
        title: "6. A retry budget",
        text: "The same outage with a retry budget: a success earns a tenth of a token, a retry spends one. Once the \
               tokens are gone a failure is final, the load stays near the clients' own rate, and when the service \
               is back the successes refill the budget.",
        params: &[("workload", "outage"), ("run_ms", "12000"), ("retry_budget", "true")],
        faults: "",
        at: At::End,
        beats: &[],
    },
    Chapter {
        title: "7. Slow is worse than down",
        text: "The service does not fail this time: from 2 s to 7 s it answers every call 3 s late. Each client gives \
               up after a quarter of a second and calls again while its first call is still being served: four calls \
               a second per client instead of one, a dozen of each client's calls held at once, and not one answer \
               that anybody still waits for.",
        params: &[("workload", "outage"), ("run_ms", "12000"), ("slow_ms", "3000"), ("timeout_ms", "250")],
        faults: "",
        at: At::End,
        beats: &[],
    },
];
