//! The guided story of the Redis-lock scenario, as data: each chapter names the parameters it changes from the
//! defaults, any faults, and where it leaves the cursor.

use super::{NO_LOST_UPDATE, OWN_LOCK_RELEASE, SINGLE_HOLDER};
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. The happy path",
        text: "No pause: client 1 (or 2) takes the lock with SET NX PX, reads the counter, writes it plus one and \
               releases; the other client's SET is refused ((nil)) until then, and it retries with backoff. The bars \
               above the lanes are the lease: as each client believes it, and as Redis knows it.",
        params: &[("gc_pause_ms", "0")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(12_700), "Client 1 sends SET lock NX PX 500 and gets OK: it holds the lock for half a second. The bars above the lanes are the lease, as client 1 believes it and as Redis knows it.")
                .notes("NX: only if the key does not exist. PX 500: Redis deletes it after 500 ms, so a crashed holder cannot keep the lock forever."),
            Beat::play(At::Time(32_000), 8, "Client 2 asks for the same lock and gets (nil): the key exists. It backs off and will try again."),
            Beat::play(At::Time(141_000), 8, "Client 1 reads the counter (0), writes 1, and releases: DEL, only if the key still holds its own random value."),
            Beat::play(At::End, 8, "Client 2's retry finds the lock free: it reads 1, writes 2 and releases. No pause, no overlap — the lock did its job.")
                .notes("Ask the room: what did this lock assume about time? Next chapter breaks that assumption."),
        ],
    },
    Chapter {
        title: "2. The pause",
        text: "Now a stop-the-world GC pause strikes client 1 right after it took the lock and read the counter. The \
               hatched bar is the pause: client 1 handles nothing, but time runs on — and so does its lease. Watch \
               the lease on the Redis lane end while client 1 sleeps.",
        params: &[],
        faults: "",
        at: At::FirstFault,
        // The canonical seed's times: the lock at 13 ms, the pause at 30 ms, the key expires at 504 ms, client 2
        // takes the lock at 672 ms.
        beats: &[
            Beat::at(At::Time(13_000), "Client 1 takes the lock — SET lock NX PX 500, a lease of half a second — and reads the counter.")
                .notes("Ask the room: what does client 1 know about time? Only its own clock."),
            Beat::play(At::FirstFault, 8, "At 30 ms client 1's garbage collector stops the world for 800 ms. It holds the lock, as far as it knows.")
                .notes("The hatched bar is the pause: the process runs nothing, its lease keeps running."),
            Beat::play(At::Time(504_000), 16, "At 500 ms the lease runs out by Redis's clock, and Redis deletes the key. Frozen, client 1 cannot notice.")
                .notes("Redis did nothing wrong: a lease that expires is the whole point of a lease."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "Client 2 takes the free lock. Two clients now believe they hold it.")
                .notes("The observation banner names it. Nothing has gone wrong in the data yet — next chapter."),
        ],
    },
    Chapter {
        title: "3. The stale write",
        text:
            "Redis expired the key, so client 2 took the lock, read the counter and wrote it plus one. Then client 1 \
               woke up, still believing it held the lock, and wrote the value it computed before the pause. Client \
               2's update is lost: the numbered marks point at the read, the overwritten write and the stale write.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(NO_LOST_UPDATE)),
        // Client 2 writes at 781 ms and releases; client 1 wakes at 830 ms and writes its stale value at 836 ms.
        beats: &[
            Beat::at(At::Time(790_000), "Client 2 read the counter, wrote it plus one — counter = 1 — and released the lock.")
                .notes("Everything client 2 did was correct."),
            Beat::play(At::Time(830_000), 8, "At 830 ms client 1 wakes up. It still believes it holds the lock, and it still has its old read: 0."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 4, "It writes 0 + 1 = 1 over client 2's 1: one increment is lost, and the storage cannot tell.")
                .notes("The numbered marks point at the read, the overwritten write and the stale write. Next: fencing."),
        ],
    },
    Chapter {
        title: "4. Fencing fixes it",
        text: "With fencing, every SET that succeeds also hands out a token one higher than the last. Client 1 got \
               token 1, client 2 token 2; the storage has seen 2, so it rejects client 1's late write with token 1. \
               Both clients still believed they held the lock for a while — the storage no longer cares.",
        params: &[("fencing", "true")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(12_700), "With fencing on, each SET that succeeds also hands out a token from INCR: client 1 takes the lock with token 1.")
                .notes("The same pause as before is coming at 30 ms. Watch what the storage does differently."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "The pause, the expiry, and client 2 takes the lock with token 2. Two clients still believe they hold it — fencing does not prevent that."),
            Beat::play(At::Time(785_000), 8, "Client 2 writes with token 2; the storage accepts it and remembers 2 as the highest token seen."),
            Beat::play(At::End, 8, "Client 1 wakes and writes with token 1. The storage rejects it: 1 < 2. No update is lost.")
                .notes("The check happens where the data is. The lock service is only a hint; the storage enforces it."),
        ],
    },
    Chapter {
        title: "5. Unsafe release",
        text: "Release with a plain DEL, and make the work (600 ms) longer than the TTL (500 ms): leases now run out \
               under their holders even without a pause. When a holder whose lease ran out finishes, its DEL deletes \
               the lock that now belongs to another client — so a third client could take it while that one still \
               works. The banner names who deleted whose lock. The safe release (compare-and-delete) only deletes \
               the key if it still holds the client's own value.",
        params: &[("safe_release", "false"), ("work_ms", "600"), ("clients", "3")],
        faults: "",
        at: At::FirstBreach(Some(OWN_LOCK_RELEASE)),
        beats: &[
            Beat::at(At::Time(13_000), "Three clients, a plain DEL to release, and work (600 ms) that outlasts the lease (500 ms). Client 1 holds the lock.")
                .notes("The pause is still there too; the point here is the release."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "Client 1's lease runs out while it is still paused, and client 2 takes the lock."),
            Beat::play(At::FirstBreach(Some(OWN_LOCK_RELEASE)), 8, "Client 1 finishes and releases with a plain DEL — deleting client 2's lock, not its own.")
                .notes("The safe release compares the value first (a Lua script: GET, compare, DEL), so it only deletes its own key."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Client 3 takes the lock client 1 deleted. Client 2, still working, then writes a value it computed before client 1's write: an update is lost."),
        ],
    },
    Chapter {
        title: "6. A restart turns the counter back",
        text: "Fencing is on, but Redis's machine loses power at 100 ms and is back 10 ms later with nothing on disk \
               (persistence = none, Redis without an append-only file). The lock key is gone, so client 2 takes the \
               lock while client 1 is still paused — and so is the token counter: the INCR that makes the tokens \
               starts again, and client 2 gets token 1, the same as client 1. The storage cannot tell the two apart \
               and accepts both writes: a lost update with fencing on. The restart note on the Redis lane says what \
               survived; the banner says why fencing failed.",
        params: &[("fencing", "true")],
        faults: "crash:2@100000,restart:2@110000",
        at: At::FirstBreach(Some(NO_LOST_UPDATE)),
        beats: &[
            Beat::at(At::Time(31_000), "Fencing is on. Client 1 holds the lock with token 1 and is paused at 30 ms."),
            Beat::play(At::Time(111_000), 8, "At 100 ms Redis loses power; it is back at 110 ms with nothing on disk (persistence = none): the key is gone, and so is the token counter.")
                .notes("Redis's default snapshotting would also have lost the last second or more."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 2 finds the lock free at once and gets token 1 — the same token as client 1."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Client 1 wakes and writes with token 1; the storage has seen only 1, so it accepts. Client 2's update is lost, fencing on.")
                .notes("A fencing token is only as good as the counter behind it: it must never go backwards."),
        ],
    },
    Chapter {
        title: "7. A token source that never goes back",
        text: "The same crash, but Redis fsyncs its append-only file before every reply (persistence = aof-always). \
               It comes back with the key and the counter: client 2 waits for client 1's lease to expire, gets token \
               2, and the storage rejects client 1's late write. That is Kleppmann's point: a fencing token must come \
               from something that never goes backwards — in production a consensus-backed counter such as \
               ZooKeeper's zxid or etcd's revision. Try aof-everysec: a crash within a second of the SET loses the \
               token, and fencing fails again.",
        params: &[("fencing", "true"), ("persistence", "aof-always")],
        faults: "crash:2@100000,restart:2@110000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(111_000), "The same crash at 100 ms, but Redis fsyncs its append-only file before every reply: it comes back with the key and the counter at 1."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "So client 2 must wait for client 1's lease to expire, and gets token 2."),
            Beat::play(At::End, 16, "Client 1 wakes and writes with token 1; the storage rejects it: 1 < 2. Fencing holds because the counter survived.")
                .notes("In production: a consensus-backed counter such as etcd's revision or ZooKeeper's zxid. Try aof-everysec."),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis_lock::RedisLock;
    use faultline_sim::{FaultPlan, RunOptions, Scenario, Severity};

    /// Every chapter's settings are valid and reach its anchor with the canonical seed.
    #[test]
    fn every_chapter_runs_and_reaches_its_anchor() {
        for ch in CHAPTERS {
            let mut p = RedisLock.default_params();
            for (k, v) in ch.params {
                p.set(k, v).unwrap_or_else(|e| panic!("{}: {e}", ch.title));
            }
            let (plan, errors) = FaultPlan::parse_compact(ch.faults);
            assert!(errors.is_empty(), "{}: {errors:?}", ch.title);
            let t = RedisLock.run(&p, RedisLock.canonical_seed(), &plan, &RunOptions::default()).unwrap();
            assert!(ch.at.reached_in(&t), "{}: does not reach {:?}", ch.title, ch.at);
            // Fencing keeps the counter safe, except where the chapter shows how it fails.
            let fencing = ch.params.iter().any(|(k, v)| *k == "fencing" && *v == "true");
            if fencing && !matches!(ch.at, At::FirstBreach(_)) {
                assert_eq!(t.violations().count(), 0, "{}", ch.title);
            }
            if ch.title.contains("happy") {
                assert_eq!(t.breaches(Severity::Violation).count() + t.breaches(Severity::Observation).count(), 0);
            }
        }
    }
}
