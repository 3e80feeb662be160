//! The guided story of the saga, as data. Chapters 4 onwards fix the latency at 10 ms: the flight is booked at
//! 10 ms, the hotel at 30 ms, the car fails at 50 ms, and the hotel's cancellation is sent at 60 ms.

use super::{APPLIED_ONCE, INTERMEDIATE};
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. The trip is booked",
        text: "No step fails: the orchestrator books the flight, the hotel and the car, one after the other, writing \
               each outcome to its saga log. Each booking commits at once at its service; nothing is locked, nothing \
               waits.",
        params: &[("fail_step", "0")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(7_000), "The orchestrator books the flight: the flight service commits at once and answers. No lock is held.")
                .notes("Each step is a local transaction of its own service."),
            Beat::play(At::End, 8, "Then the hotel, then the car — each outcome written to the orchestrator's saga log. The trip is booked."),
        ],
    },
    Chapter {
        title: "2. No car: compensations",
        text: "The car cannot be booked. The saga cannot roll back what the flight and the hotel committed; it \
               compensates instead, last first: it cancels the hotel, then the flight, each with a refund. The \
               saga ends compensated: everything that was done is undone.",
        params: &[],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(22_000), "Flight and hotel are booked, each committed at once in its own service."),
            Beat::play(At::Time(35_000), 8, "The car step fails. There is nothing to roll back: the flight and hotel are committed."),
            Beat::play(At::End, 8, "So the orchestrator compensates, last step first: it cancels the hotel, then the flight.")
                .notes("A compensation is a new transaction that undoes the effect (a refund), not a rollback."),
        ],
    },
    Chapter {
        title: "3. A reader sees half a trip",
        text: "While the saga runs, the flight is booked and the hotel is not yet: anyone who reads the bookings now \
               sees a trip that may never exist. Two-phase commit would hide it behind locks (and block); a saga \
               gives up isolation to never block.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(INTERMEDIATE)),
        beats: &[
            Beat::at(At::FirstBreach(Some(INTERMEDIATE)), "The flight is booked and the hotel is not yet: anyone who reads now sees half a trip.")
                .notes("Two-phase commit hid this behind locks; a saga holds none, so it has no isolation."),
            Beat::play(At::End, 8, "Worse, this trip is cancelled later: a reader may have acted on a booking that is then compensated."),
        ],
    },
    Chapter {
        title: "4. A retried cancellation, applied once",
        text: "The hotel pauses at 65 ms, just as the cancellation reaches it, for 400 ms. The orchestrator hears \
               nothing for 100 ms and sends the cancellation again, and again. When the hotel resumes, it applies \
               the first and recognises the others by their idempotency key: one refund.",
        params: &[("latency_min_ms", "10"), ("latency_max_ms", "10")],
        faults: "pause:2:400000@65000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(61_000), "The car fails and the orchestrator sends the hotel its cancellation."),
            Beat::play(At::Time(466_000), 16, "The hotel pauses at 65 ms for 400 ms. Hearing nothing, the orchestrator sends the cancellation again every 100 ms: five copies wait for the hotel."),
            Beat::play(At::End, 8, "The hotel wakes at 465 ms. Every copy carries the same idempotency key: it refunds once, and answers the other copies from its record.")
                .notes("Retries are how a saga survives failures, so every request must be safe to apply twice."),
        ],
    },
    Chapter {
        title: "5. Broken: no idempotency keys",
        text: "The same pause, but the hotel does not record keys: every copy of the cancellation refunds the \
               customer again.",
        params: &[("latency_min_ms", "10"), ("latency_max_ms", "10"), ("idempotency_keys", "false")],
        faults: "pause:2:400000@65000",
        at: At::FirstBreach(Some(APPLIED_ONCE)),
        beats: &[
            Beat::at(At::Time(61_000), "The same failure and pause, but the hotel keeps no record of the requests it applied."),
            Beat::play(At::FirstBreach(Some(APPLIED_ONCE)), 16, "The hotel wakes and applies every copy of the cancellation: it refunds more often than it booked."),
        ],
    },
    Chapter {
        title: "6. The orchestrator crashes and resumes from its log",
        text: "The orchestrator crashes at 25 ms, after it asked for the hotel and before the answer. It restarts at \
               300 ms, reads its saga log (flight done), and asks for the hotel again with the same key: the hotel \
               answers booked without booking twice, and the saga goes on — to the car, and its compensations.",
        params: &[("latency_min_ms", "10"), ("latency_max_ms", "10")],
        faults: "crash:0@25000,restart:0@300000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(41_000), "The orchestrator crashes at 25 ms, after asking the hotel; the hotel's answer is lost."),
            Beat::play(At::Time(301_000), 8, "It restarts at 300 ms and reads its saga log: resume with the hotel step, sent again (the key makes the repeat safe)."),
            Beat::play(At::End, 8, "It goes on: the car fails, and it compensates the hotel and the flight.")
                .notes("The saga log is to a saga what the decision record is to 2PC."),
        ],
    },
];
