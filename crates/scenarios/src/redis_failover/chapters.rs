//! The guided story of the Redis failover, as data. Nodes: clients 1 and 2 are 0 and 1, redis 1 and 2 are 2 and
//! 3, Sentinel 4, the storage 5.

use super::{NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. A primary and its replica",
        text: "No crash: client 1 takes the lock on redis 1, the primary, which answers OK at once and streams the key \
               to redis 2, its replica, a moment later. Client 2 is refused until client 1 releases.",
        params: &[("crash_primary_at_ms", "0")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(30_000), "Client 1 asks Sentinel where the master is, and sends SET NX PX to redis 1: OK, at once.")
                .notes("The bar on redis 1's lane is the key. Redis 2 has nothing yet."),
            Beat::play(At::Time(120_000), 8, "About 100 ms later the replication stream carries the key to redis 2.")
                .notes("Asynchronous replication: the OK came before the copy."),
            Beat::play(At::End, 16, "Client 2 is refused until client 1 releases; then it takes the lock. One holder at a time."),
        ],
    },
    Chapter {
        title: "2. The primary dies first",
        text: "Redis 1 dies 40 ms in — after it told client 1 OK, before its next replication. Sentinel promotes redis 2, \
               which never saw the key, and client 2 takes the same lock from it: two holders, and an update lost. \
               This is the race the Redis documentation describes on its distributed locks page.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(SINGLE_HOLDER)),
        beats: &[
            Beat::at(At::Time(30_000), "Client 1 takes the lock on redis 1: OK. The key exists only in redis 1's memory.")
                .notes("Ask: what does OK promise here?"),
            Beat::play(At::Time(45_000), 4, "At 40 ms redis 1's machine dies. Its next replication would have been at about 100 ms."),
            Beat::play(At::Time(310_000), 8, "After 300 ms without a PONG, Sentinel promotes redis 2 (REPLICAOF NO ONE). Redis 2 has no lock key."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 2 asks Sentinel, goes to redis 2, and gets the lock. Client 1 still holds it: two holders."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Both read the counter and write it back plus one: client 1's update is lost.")
                .notes("Nothing failed that a failover is not meant to handle; the lock simply was not replicated."),
        ],
    },
    Chapter {
        title: "3. WAIT 1",
        text: "mitigation = wait: after the SET, client 1 sends WAIT 1 and proceeds only once the replica has the key. \
               Redis 1 dies before it replicates, so the WAIT gets no answer; client 1 gives up the lock and starts \
               over. Client 2 takes the lock from redis 2 — and it is the only holder.",
        params: &[("mitigation", "wait")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(30_000), "Client 1 gets OK and sends WAIT 1: proceed only when one replica has the key."),
            Beat::play(At::Time(260_000), 8, "Redis 1 dies before replicating; the WAIT is never answered, and client 1 gives up on this lock."),
            Beat::play(At::End, 16, "After the failover the clients take the lock from redis 2, one at a time. The window narrowed — next, how it stays open.")
                .notes("WAIT makes the write reach the replica's memory. It does not make the replica agree on anything else."),
        ],
    },
    Chapter {
        title: "4. WAIT is not enough: the replica's clock",
        text: "The same WAIT, a 2 s lease and 1.5 s of work; this time the key reaches the replica before redis 1 \
               dies at 150 ms. But Redis replicates an expiry as an absolute time in the primary's clock, and the \
               promoted replica judges it by its own clock, which runs 0.8 s ahead: the key expires there 0.8 s early, \
               and client 2 takes the lock — WAIT answered by redis 1, back as the replica — while client 1 still \
               holds it.",
        params: &[
            ("mitigation", "wait"),
            ("crash_primary_at_ms", "150"),
            ("restart_primary_after_ms", "500"),
            ("ttl_ms", "2000"),
            ("work_ms", "1500"),
        ],
        faults: "jump:3:800000@0",
        at: At::FirstBreach(Some(SINGLE_HOLDER)),
        beats: &[
            Beat::at(At::Time(115_000), "WAIT 1 answered 1: redis 2 has the key, expiring at 2.03 s by redis 1's clock. Client 1 proceeds.")
                .notes("Redis 2's clock reads 0.8 s ahead of true time, from the start."),
            Beat::play(At::Time(660_000), 8, "Redis 1 dies at 150 ms; Sentinel promotes redis 2 at 450 ms; redis 1 comes back empty at 650 ms as its replica."),
            Beat::play(At::Time(1_240_000), 8, "At 1.23 s true time redis 2's clock reads 2.03 s: it expires the key, 0.8 s before client 1's lease ends."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "Client 2 takes the lock, and its WAIT 1 is answered: two holders, WAIT and all.")
                .notes("The Redis documentation: WAIT does not make Redis a strongly consistent store."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Client 1 writes at 1.63 s, client 2 later, from the value it read before: an update is lost."),
        ],
    },
    Chapter {
        title: "5. Delayed start",
        text: "mitigation = delayed-start: a node that becomes the primary refuses the lock for one TTL, by its own \
               clock, so every lock the old primary handed out has expired before it hands out its own. Client 2 is \
               refused (LOADING) until client 1 is done.",
        params: &[("mitigation", "delayed-start")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(310_000), "The same crash and failover. Redis 2 is the primary now — and refuses the lock for one TTL."),
            Beat::play(At::Time(1_000_000), 16, "Client 2 is told LOADING and retries; client 1 finishes its work and lets go."),
            Beat::play(At::Time(1_420_000), 8, "A TTL after its promotion redis 2 hands out the lock: client 2 holds it alone.")
                .notes("It trades availability for safety, and it still trusts that clocks and pauses stay within a TTL."),
        ],
    },
    Chapter {
        title: "6. Fencing at the storage",
        text: "mitigation = fencing: each holder first gets a token from the storage's own durable sequence, and the \
               storage refuses any token older than the newest it issued. The failover still makes two holders; \
               client 2's token is newer, so client 1's late write is rejected.",
        params: &[("mitigation", "fencing")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "Client 1 holds the lock and got token 1 from the storage before it read."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 8, "The failover hands the lock to client 2 as well; it gets token 2."),
            Beat::play(At::End, 16, "Client 1 writes with token 1: rejected, 1 < 2. No update lost.")
                .notes("The token cannot come from Redis: its counter would be replicated asynchronously and lost in the same failover."),
        ],
    },
];
