//! The guided story of the cache stampede, as data. One hot key, 1,000 clients on four app servers, a TTL of 5 s:
//! the warm value expires at 5 s, then every 5 s after each recompute. Chapters 2 and 6 read a hundred keys
//! warmed together (TTL 10 s, a 150 ms recompute). Chapter 5 crashes app 4, whose client holds the lock at the
//! first expiry on the canonical seed.

use super::{OVERLOAD, STAMPEDE};
use faultline_sim::{At, Beat, Chapter};

/// A hundred keys read evenly, warmed together.
macro_rules! hundred {
    ($($k:literal => $v:literal),* $(,)?) => {
        &[("keys", "100"), ("popularity", "uniform"), ("ttl_ms", "10000"), ("recompute_ms", "150") $(, ($k, $v))*]
    };
}

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. The stampede",
        text: "The hot key expires at 5 s. Every client that reads it before the new value is back misses, and every \
               miss recomputes: hundreds of identical queries reach a database that runs 20 at once. The queue \
               grows, each recompute waits longer, and more clients miss meanwhile.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(STAMPEDE)),
        beats: &[
            Beat::at(At::Time(4_900_000), "A thousand clients read the hot key; the cache answers them all. The database is idle.")
                .notes("Every square is a client: green, served from the cache."),
            Beat::play(At::FirstBreach(Some(STAMPEDE)), 4, "At 5 s the value expires. Every client that reads it now misses — and recomputes.")
                .notes("Purple squares: clients querying the database for the same rows."),
            Beat::play(At::Time(6_500_000), 4, "The database runs 20 queries at once; the rest queue, and each recompute waits longer while more clients miss.")
                .notes("Watch the queue chart, and the red squares: clients that gave up."),
        ],
    },
    Chapter {
        title: "2. The herd keeps the cache cold",
        text: "A hundred keys were warmed together, so they expire together at 10 s. The burst of recomputes outgrows \
               the queue's timeout: queries are refused, their values never come back, and every read keeps missing \
               — the database stays overloaded long after the burst. A metastable failure.",
        params: hundred!(),
        faults: "",
        at: At::FirstBreach(Some(OVERLOAD)),
        beats: &[
            Beat::at(At::Time(9_900_000), "A hundred keys, warmed together, all served from the cache. They will expire together at 10 s.")
                .notes("Caches warmed by one deploy or one batch job share their TTLs."),
            Beat::play(At::FirstBreach(Some(STAMPEDE)), 4, "At 10 s they expire: a burst of misses, every one a recompute."),
            Beat::play(At::FirstBreach(Some(OVERLOAD)), 4, "The queue outgrows its timeout: the database refuses queries, their values never return, and the reads keep missing.")
                .notes("Metastable: the trigger is gone, the overload sustains itself. Watch the queue chart stay high."),
        ],
    },
    Chapter {
        title: "3. Single-flight: one per app server",
        text: "With single-flight a miss waits for the recompute already running in its process. Four app servers, \
               four recomputes per expiry — the table is per process, not per cluster — and the clients that wait \
               get the value with the leader.",
        params: &[("mitigation", "single-flight")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(4_900_000), "Single-flight: within an app server, a miss waits for the recompute already running there."),
            Beat::play(At::Time(5_400_000), 4, "The key expires at 5 s: four recomputes, one per app server — the table of flights is per process, not per cluster."),
            Beat::play(At::End, 16, "The clients that waited get the value with their server's leader. The queue stays short.")
                .notes("Compare with none to see the difference in the database chart."),
        ],
    },
    Chapter {
        title: "4. A lock in the cache: one in the cluster",
        text: "SET lock:k0 NX PX 1000 lets exactly one client recompute; the others poll the cache until the value is \
               back. The winner reads the cache once more before it queries (the value may be back already). One \
               recompute per expiry — as long as the holder lives: crash its app server and the others wait out \
               the lease.",
        params: &[("mitigation", "lock-lease")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(4_900_000), "A lock in the cache: SET lock:k0 NX PX 1000 before recomputing."),
            Beat::play(At::Time(5_400_000), 4, "At the expiry exactly one client wins the lock and recomputes; the others poll the cache until the value is back."),
            Beat::play(At::End, 16, "One recompute per expiry, in the whole cluster — as long as the holder lives. Next chapter kills it.")
                .notes("The winner reads the cache once more before it queries: the value may be back already."),
        ],
    },
    Chapter {
        title: "5. The lock holder dies",
        text: "The same lock, but app 4 — whose client holds lock:k0 at the first expiry — crashes at 5.1 s, its \
               recompute with it. The lock stays taken until its lease runs out a second later; every other client \
               polls a cache that has no value and a lock it cannot take, and many time out. A lease bounds the \
               wait, it does not remove it.",
        params: &[("mitigation", "lock-lease"), ("run_ms", "12000")],
        faults: "crash:3@5100000,restart:3@8000000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(5_050_000), "The same lock. The key has expired, and a client of app 4 holds lock:k0 and is recomputing."),
            Beat::play(At::FirstFault, 4, "At 5.1 s app 4 crashes, and its recompute with it. The lock stays taken."),
            Beat::play(At::Time(6_300_000), 4, "Every other client polls a cache with no value and a lock it cannot take, until the lease runs out a second later; many time out.")
                .notes("A lease bounds the wait; it does not remove it."),
            Beat::play(At::End, 16, "The lease expires, another client takes the lock and the value comes back. App 4 restarts at 8 s."),
        ],
    },
    Chapter {
        title: "6. Jittered TTLs",
        text: "The same hundred keys, each warmed with a TTL drawn from 8 to 12 s: their expiries spread over four \
               seconds, the recomputes with them, and the database serves the same load without a queue.",
        params: hundred!("mitigation" => "jittered-ttl"),
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(7_900_000), "The same hundred keys, but each warmed with a TTL drawn from 8 to 12 s."),
            Beat::play(At::Time(12_500_000), 4, "Their expiries spread over four seconds, and the recomputes with them: the database keeps up without a queue."),
            Beat::play(At::End, 16, "Every later expiry is spread the same way.")
                .notes("The simplest fix: randomness where the system had accidental synchrony."),
        ],
    },
    Chapter {
        title: "7. Stale-while-revalidate",
        text: "For two seconds after the expiry the cache still serves the old value, and asks exactly one client to \
               refresh it in the background. No client misses, none waits, one recompute per expiry.",
        params: &[("mitigation", "stale-while-revalidate")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(4_900_000), "Stale-while-revalidate: for two seconds after expiry the cache may still serve the old value."),
            Beat::play(At::Time(5_400_000), 4, "At 5 s the key expires. No client misses: they get the stale value, and exactly one is asked to refresh it in the background."),
            Beat::play(At::End, 16, "One recompute per expiry, no waiting.")
                .notes("The price: readers see a value up to two seconds old. Fine for a product page, not for a balance."),
        ],
    },
    Chapter {
        title: "8. XFetch: recompute before it expires",
        text: "Each read of a fresh value recomputes it early when now − Δ·β·ln(rand()) ≥ expiry, Δ being how long \
               the last recompute took. The chance grows as the expiry nears, and at a thousand reads a second someone \
               refreshes the key a moment before it expires: it almost never does, and only a handful of recomputes \
               overlap.",
        params: &[("mitigation", "xfetch")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(4_500_000), "XFetch: every read of a fresh value may recompute it early, with a chance that grows as the expiry nears."),
            Beat::play(At::Time(5_400_000), 4, "Someone refreshed the key a moment before 5 s: it never expires, and no client misses."),
            Beat::play(At::End, 16, "Only a handful of early recomputes overlap — the method of Vattani, Chierichetti and Lowenstein (2015).")
                .notes("now − Δ·β·ln(rand()) ≥ expiry: Δ is how long the last recompute took, β = 1 by default."),
        ],
    },
];
