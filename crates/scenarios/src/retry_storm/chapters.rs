//! The guided story of the retry storm, as data: a hundred clients update one row (the AWS simulator's
//! workload), then an outage of 5 s from 2 s.

use super::AMPLIFICATION;
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. Retry at once",
        text: "A hundred clients read the row and write it back if nobody wrote in between. Only one write per \
               version can win; the others conflict and retry at once — and collide again. Some client needs more \
               than ten attempts: a retry storm.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(AMPLIFICATION)),
        beats: &[
            Beat::at(At::Time(12_000), "A hundred clients read the same row and try to write it back, each only if nobody wrote in between.")
                .notes("Optimistic concurrency: one write per version wins, the rest conflict."),
            Beat::play(At::Time(40_000), 1, "One write wins; ninety-nine conflict and retry at once — and collide again."),
            Beat::play(At::FirstBreach(Some(AMPLIFICATION)), 1, "By 120 ms some client is on its eleventh attempt for one write: a retry storm.")
                .notes("Watch the calls chart: far more calls than writes."),
            Beat::play(At::Time(600_000), 2, "By half a second every client has written — with 3,730 calls for 100 writes."),
        ],
    },
    Chapter {
        title: "2. Exponential backoff, in lockstep",
        text: "Each failure doubles the sleep, up to 2 s. But the clients that conflicted together sleep exactly as \
               long and wake together: they collide again, in waves. Fewer calls than retrying at once, yet the last \
               client finishes only after half a minute.",
        params: &[("backoff", "exponential")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "Exponential backoff: each failure doubles the sleep, up to 2 s."),
            Beat::play(At::Time(2_500_000), 8, "But the clients that conflicted together sleep exactly as long and wake together: they collide again, in waves.")
                .notes("The amber squares are backing off together; they turn blue together."),
            Beat::play(At::Time(30_000_000), 16, "Fewer calls than retrying at once (2,330), yet the last client finishes only after half a minute."),
        ],
    },
    Chapter {
        title: "3. Full jitter",
        text: "Sleep a random time between 0 and the exponential delay: the waves break up, the retries stop \
               arriving together, and everyone is done in about two seconds with the fewest calls.",
        params: &[("backoff", "full-jitter")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "Full jitter: sleep a random time between 0 and the exponential delay."),
            Beat::play(At::Time(600_000), 4, "The waves break up: retries no longer arrive together, and most of them succeed."),
            Beat::play(At::Time(3_000_000), 8, "Everyone is done in about two seconds, with 1,384 calls for 100 writes — retrying at once took 3,730.")
                .notes("This is the AWS Architecture Blog's recommendation (Brooker, 2015)."),
        ],
    },
    Chapter {
        title: "4. Equal and decorrelated jitter",
        text: "Equal jitter keeps half of the delay and randomises the rest: about as many calls as full jitter, \
               but it finishes later. Decorrelated jitter draws each sleep from base to three times the last one: \
               it finishes soonest here, and with more clients makes more calls than full jitter.",
        params: &[("backoff", "decorrelated-jitter")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "Decorrelated jitter: each sleep is drawn between the base and three times the last one."),
            Beat::play(At::Time(3_000_000), 8, "It finishes soonest here; equal jitter (half fixed, half random) makes about as many calls as full jitter but finishes later.")
                .notes("Switch the backoff knob to compare all four; `faultline table retry-storm` prints the blog's chart."),
        ],
    },
    Chapter {
        title: "5. An outage multiplies the load",
        text: "Now the clients call now and then, and the service fails every call from 2 s to 7 s. Retrying at once \
               turns a hundred calls a second into thousands: the clients hammer a service that is down.",
        params: &[("workload", "outage"), ("run_ms", "12000")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(1_900_000), "Now the clients call now and then — a hundred calls a second — and the service answers."),
            Beat::play(At::Time(3_000_000), 4, "From 2 s the service fails every call. Retrying at once turns a hundred calls a second into thousands."),
            Beat::play(At::Time(7_500_000), 16, "The clients hammer a service that is down until it is back at 7 s.")
                .notes("In production this load is what keeps a recovering service down."),
        ],
    },
    Chapter {
        title: "6. A retry budget",
        text: "The same outage with a retry budget: a success earns a tenth of a token, a retry spends one. Once the \
               tokens are gone a failure is final, the load stays near the clients' own rate, and when the service \
               is back the successes refill the budget.",
        params: &[("workload", "outage"), ("run_ms", "12000"), ("retry_budget", "true")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(1_900_000), "The same outage with a retry budget: a success earns a tenth of a token, a retry spends one."),
            Beat::play(At::Time(3_000_000), 4, "The tokens run out early in the outage; after that a failure is final, and the load stays near the clients' own rate."),
            Beat::play(At::End, 16, "When the service is back at 7 s, the successes refill the budget.")
                .notes("A budget caps amplification at 1.1× whatever the backoff does."),
        ],
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
        beats: &[
            Beat::at(At::Time(1_900_000), "This time the service does not fail: from 2 s it answers every call 3 s late."),
            Beat::play(At::Time(4_000_000), 4, "Each client gives up after a quarter of a second and calls again while its first call is still being served."),
            Beat::play(At::Time(7_000_000), 16, "Four calls a second per client instead of one, a dozen of each client's calls held at once — and not one answer anybody still waits for.")
                .notes("A timeout shorter than the latency multiplies the load on exactly the service that is slow."),
        ],
    },
];
