//! The guided story of the etcd lock, as data. Nodes: clients 1 and 2 are 0 and 1, etcd 2, the storage 3.

use super::{NO_LOST_UPDATE, SINGLE_HOLDER};
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. A session and a key",
        text: "Client 1 opens a session — a lease, kept alive every TTL/3 — and creates lock/<its lease> at revision \
               1: the lowest, so it owns the lock. Client 2's key gets revision 2; it watches revision 1's key and \
               owns the lock when client 1 deletes it.",
        params: &[("pause_ms", "0")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(20_000), "Client 1: LeaseGrant, then the transaction that creates lock/<lease> if it does not exist. Revision 1 is the lowest: it owns the lock.")
                .notes("The key is attached to the lease: if the lease expires, the key goes with it."),
            Beat::play(At::Time(125_000), 8, "Client 2's key gets revision 2. It watches the key just before its own, revision 1's."),
            Beat::play(At::Time(640_000), 8, "Client 1 writes the counter and deletes its key; the watch fires and client 2 owns the lock."),
            Beat::play(At::End, 16, "Meanwhile the keep-alives every TTL/3 kept each session alive. One owner at a time."),
        ],
    },
    Chapter {
        title: "2. The owner pauses past its TTL",
        text: "Client 1 owns the lock and a 2.5 s pause stops it. Its keep-alives stop; one TTL after the last, etcd \
               expires the lease and deletes the key; client 2's watch fires and it owns the lock. Client 1 wakes and \
               writes what it computed before the pause.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(SINGLE_HOLDER)),
        beats: &[
            Beat::at(At::Time(310_000), "Client 1 owns the lock (revision 1) and has read the counter. At 300 ms a 2.5 s pause stops it."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "No keep-alive for a TTL: at 1 s etcd expires the lease and deletes the key. Client 2's watch fires: it owns the lock too.")
                .notes("From etcd's side everything is right: the lease ended, as leases do."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "Client 1 wakes at 2.8 s and writes the value it computed before the pause: client 2's update is lost."),
        ],
    },
    Chapter {
        title: "3. Cut off from etcd",
        text: "No pause: client 1 is cut off from etcd at 200 ms but can still reach the storage, and its work takes \
               1.5 s. Its session ends after a TTL without keep-alives — client 1 notices, and stops believing it \
               owns the lock — but the value it is computing is written anyway.",
        params: &[("pause_ms", "0"), ("work_ms", "1500")],
        faults: "cut:0=2@200000",
        at: At::FirstBreach(Some(NO_LOST_UPDATE)),
        beats: &[
            Beat::at(At::Time(210_000), "Client 1 owns the lock and computes for 1.5 s. At 200 ms its link to etcd is cut; the storage is still reachable."),
            Beat::play(At::Time(1_020_000), 16, "After a TTL, etcd expires its lease and client 2 owns the lock; client 1's session ends too — it knows."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 16, "But its computation was already under way: it writes at 1.5 s, and client 2's later write loses it.")
                .notes("Knowing the session ended is not enough; the storage has to refuse the write."),
        ],
    },
    Chapter {
        title: "4. The revision is the fencing token",
        text: "fencing = true: the lock key's create revision goes with every read and write, and the storage refuses \
               a revision lower than one it has seen. Client 2 (revision 2) reads first; client 1's late write with \
               revision 1 is rejected. This is what etcd's documentation asks of a lock's user.",
        params: &[("fencing", "true")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(310_000), "The same pause. Every request now carries the lock key's revision."),
            Beat::play(At::FirstBreach(Some(SINGLE_HOLDER)), 16, "Client 2 owns the lock with revision 2 and reads with it: the storage remembers 2."),
            Beat::play(At::End, 16, "Client 1 wakes and writes with revision 1: rejected. Revisions never go back, so the newer owner always wins.")
                .notes("The conclusion of the lock story: Redis locks where correctness is not critical; for correctness, a consensus-backed lease plus fencing."),
        ],
    },
];
