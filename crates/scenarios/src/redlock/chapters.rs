//! The guided story of Redlock, as data: Kleppmann's two counterexamples, the elapsed-time check that catches
//! one of them, and the token source that fences both. Nodes: clients 1 and 2 are 0 and 1, redis A–E are 2–6,
//! the token source 7, the storage 8.

use super::{NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline_sim::{At, Beat, Chapter};

/// No partition and no clock jump: the settings of the chapters that tell another story.
macro_rules! calm {
    ($($k:literal => $v:literal),* $(,)?) => {
        &[("cut_masters", "0"), ("jump_master", "0") $(, ($k, $v))*]
    };
}

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. A majority of five",
        text: "Client 1 reads its clock and sends SET NX PX to redis A, B, C, D and E in turn. All five say OK within \
               a few milliseconds, far inside the TTL, so it holds the lock — valid for the TTL less the time spent \
               and a drift allowance. Client 2 gets (nil) everywhere until client 1 releases.",
        params: calm!(),
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(35_000), "Client 1 asked the five masters in turn: 5 of 5 OK in about 28 ms. It holds the lock for the TTL less that and a drift allowance.")
                .notes("Validity = TTL − elapsed − (1% of TTL + 2 ms)."),
            Beat::play(At::Time(240_000), 8, "Client 2 tries at 200 ms: (nil) from every master. Fewer than three: it releases what it has (nothing) and waits a random time."),
            Beat::play(At::End, 16, "Client 1 writes the counter and releases on all five; client 2's next try takes the lock."),
        ],
    },
    Chapter {
        title: "2. A clock jumps",
        text: "Kleppmann's first counterexample. Client 1 cannot reach D and E; it locks A, B and C — a majority. At 150 \
               ms C's clock jumps forward a second, and C expires the key. Client 2 asks all five: A and B refuse, C, \
               D and E say OK — another majority. Both hold the lock; the storage cannot tell their writes apart.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(SINGLE_HOLDER)),
        beats: &[
            Beat::at(At::Time(125_000), "Client 1 got OK from A, B and C; D and E never answered (a partition). 3 of 5 is a majority: it holds the lock.")
                .notes("The dashed lines are the cut links."),
            Beat::play(At::Time(160_000), 4, "At 150 ms redis C's clock jumps a second forward (NTP stepping it, an operator): its key expires at once."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 2: (nil) from A and B, OK from C, D and E. Another majority — two clients hold the lock."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Both read the counter and write it back plus one: an update is lost.")
                .notes("Redlock's safety rests on every master measuring the TTL correctly."),
        ],
    },
    Chapter {
        title: "3. A pause with the replies in flight",
        text: "Kleppmann's second counterexample: client 1 pauses for 1.5 s while an OK is on its way; its keys \
               expire and client 2 locks all five. Client 1 resumes and reads the OK — but Redlock's elapsed-time \
               check catches it: 1.5 s have passed by its own clock, more than the TTL, so it does not consider the \
               lock held and releases.",
        params: calm!(),
        faults: "pause:0:1500000@20000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(25_000), "Client 1 has OKs from A and B; C's OK is on its way when a 1.5 s pause stops client 1.")
                .notes("The OK waits in client 1's network buffer while the process is frozen."),
            Beat::play(At::Time(1_140_000), 16, "The keys expire at about 1 s; client 2 locks all five."),
            Beat::play(At::Time(1_540_000), 8, "Client 1 wakes and reads C's OK: with A and B that is a majority, but 1.5 s have elapsed by its own clock — too late. It releases.")
                .notes("This is Sanfilippo's answer: the elapsed-time check is part of the algorithm."),
        ],
    },
    Chapter {
        title: "4. Without the elapsed-time check",
        text: "The same pause, with a client that skips the elapsed-time check (check_validity = false): it counts \
               its majority of OKs, believes it holds the lock, and writes over client 2.",
        params: calm!("check_validity" => "false"),
        faults: "pause:0:1500000@20000",
        at: At::FirstBreach(Some(SINGLE_HOLDER)),
        beats: &[
            Beat::at(At::Time(1_140_000), "The same pause; client 2 holds all five."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 1 wakes and counts three OKs (A, B, C): without the check, it believes it holds the lock."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "It reads and writes alongside client 2: an update is lost."),
        ],
    },
    Chapter {
        title: "5. A pause after the check",
        text: "The check cannot help with a pause that comes after it. Client 1 takes the lock (5 of 5, valid for \
               0.96 s), reads the counter, and is paused for 1.5 s while it computes. Its keys expire, client 2 locks \
               all five and writes; client 1 wakes and writes the value it computed before the pause.",
        params: calm!(),
        faults: "pause:0:1500000@70000",
        at: At::FirstBreach(Some(NO_LOST_UPDATE)),
        beats: &[
            Beat::at(At::Time(60_000), "Client 1 holds the lock — 5 of 5 in 28 ms — and has read the counter."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "A 1.5 s pause at 70 ms. The keys expire at about 1 s and client 2 locks all five."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 8, "Client 1 wakes and writes; client 2 writes over a value it never saw: an update is lost.")
                .notes("Kleppmann: a lock with a timeout needs a fencing token, whatever the algorithm."),
        ],
    },
    Chapter {
        title: "6. A token source that never goes back",
        text: "token_source = true: each holder takes a token from a counter that never goes back, and the storage \
               refuses tokens older than the newest it has seen. The clock jump still gives two holders; client 2's \
               token 2 shuts out client 1's token 1. That counter must be durable and linearizable — a consensus \
               system — and with one of those you would take its lock.",
        params: &[("token_source", "true")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(125_000), "The same partition and clock jump. Client 1 holds the lock and takes token 1."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 2 holds it too, with token 2, and reads with it: the storage remembers 2."),
            Beat::play(At::End, 16, "Client 1 writes with token 1: rejected. No update lost — thanks to the token source, not to Redlock.")
                .notes("Redlock's random values cannot be ordered; only a counter can fence."),
        ],
    },
];
