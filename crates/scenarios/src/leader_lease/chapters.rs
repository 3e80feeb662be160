//! The guided story of the leader lease, as data: from a row that works, through clocks that disagree, to the
//! fixes — one clock, a margin, and generations the storage checks.

use super::{NO_LOST_UPDATE, SINGLE_LEADER};
use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. Leading by a row",
        text: "Every ttl/3 each node runs UPDATE leader SET holder = me, expires_at = $now + ttl WHERE expires_at < \
               $now OR holder = me. Node 1 gets the row and leads — it reads the counter, works, writes it back plus \
               one — and renews its lease each second. Node 2's UPDATE finds the lease alive and changes no row.",
        params: &[("skew_ms", "0")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "Node 1 runs the UPDATE first: one row changes, so it holds the lease for 3 s and starts leading (the green bar).")
                .notes("The database lane's bar is the row itself: holder = node 1, generation 1."),
            Beat::play(At::Time(640_000), 8, "Node 2 runs the same UPDATE; the lease has not expired, so no row changes: it stays a follower.")
                .notes("0 rows updated is the whole election result — no messages between the nodes."),
            Beat::play(At::End, 32, "Node 1 renews every second and stays the only leader; the counter goes up by one per round."),
        ],
    },
    Chapter {
        title: "2. A clock behind",
        text: "Node 1's clock runs 2.5 s behind. It puts its own clock's now into the UPDATE, so the expires_at it \
               writes is 2.5 s early. Node 2, whose clock is right, finds the lease expired and takes it — while node \
               1, by its own clock, still holds it. Both act as leader, both write the counter, and updates are lost.",
        params: &[],
        faults: "",
        at: At::FirstBreach(Some(SINGLE_LEADER)),
        beats: &[
            Beat::at(At::Time(40_000), "Node 1's clock reads 2.5 s behind true time. Its UPDATE says $now = −2.47 s, so the row expires at 0.53 s.")
                .notes("Ask: whose clock is `now` in that statement? Whoever sent it."),
            Beat::play(At::FirstBreach(Some(SINGLE_LEADER)), 8, "At 0.62 s node 2, with a correct clock, finds the lease expired and takes it: generation 2. Node 1 still believes it leads until 3 s.")
                .notes("Split brain: two leaders, each with a reason to believe it."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 8, "Both read the counter, both write it back plus one: one write lands on a value the writer never saw, and an update is lost."),
            Beat::play(At::Time(1_040_000), 8, "Node 1 renews at 1 s; the database now refuses (node 2 holds the row) and node 1 steps down. Too late."),
        ],
    },
    Chapter {
        title: "3. One clock: the database's",
        text: "fix = db-clock: the UPDATE says now() instead of a time, so the database's clock alone decides when a \
               lease ends. Node 1's clock is still 2.5 s behind, and it no longer matters: node 2's UPDATE finds the \
               lease alive.",
        params: &[("fix", "db-clock")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(40_000), "The same skewed clock, but the UPDATE says now(): the row expires 3 s after the database's own clock."),
            Beat::play(At::Time(640_000), 8, "Node 2 asks at 0.62 s and is refused: by the one clock that counts, the lease runs until 3 s."),
            Beat::play(At::End, 32, "One leader all the way. Each node still measures its own lease on its own clock, though — next chapter.")
                .notes("A node cannot read the database's clock; it counts ttl on its own from when it sent the UPDATE."),
        ],
    },
    Chapter {
        title: "4. A slow clock, cut off",
        text: "One clock decides at the database, but each node measures how long it may lead on its own clock. Node \
               1's clock runs 30% slow, and at 2 s it is cut off from the database, so it cannot renew. The database \
               lets its lease go at about 4.4 s; node 1 counts 3 s on a slow clock and leads until 5.7 s.",
        params: &[("fix", "db-clock"), ("skew_ms", "0"), ("drift_ppm", "-300000")],
        faults: "cut:0=2@2000000",
        at: At::FirstBreach(Some(SINGLE_LEADER)),
        beats: &[
            Beat::at(At::Time(2_010_000), "Node 1 leads; its clock runs 30% slow. At 2 s its link to the database is cut: its renewals no longer arrive.")
                .notes("It can still reach the storage: a partition need not be symmetric or total."),
            Beat::play(At::FirstBreach(Some(SINGLE_LEADER)), 16, "By the database's clock the lease ended at about 4.4 s, and node 2 takes it. Node 1's slow clock says it has a second left."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 8, "Both write the counter: updates are lost until node 1's slow clock finally runs out at 5.7 s."),
        ],
    },
    Chapter {
        title: "5. A safety margin",
        text: "fix = margin: a leader stops 1 s before its lease ends by its own clock. Over a 3 s lease that covers \
               a clock 30% slow and the work it started just before: node 1 stops at about 4.3 s, before the database \
               lets the lease go.",
        params: &[("fix", "margin"), ("skew_ms", "0"), ("drift_ppm", "-300000")],
        faults: "cut:0=2@2000000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(2_010_000), "The same slow clock and the same cut, with a 1 s safety margin."),
            Beat::play(At::Time(4_640_000), 16, "Node 1 stops leading at 4.3 s by its own reckoning; node 2 takes the lease at 4.6 s. No overlap.")
                .notes("The margin must exceed the drift over one ttl (30% of 3 s is 0.9 s) plus the work in flight."),
            Beat::play(At::End, 32, "One leader at a time, and no update lost."),
        ],
    },
    Chapter {
        title: "6. A pause beats any margin",
        text: "The margin covers drift, not a pause. Node 1 checks its lease, reads the counter, and is stopped for 4 \
               s by a garbage-collection pause. The database lets the lease go and node 2 leads; node 1 wakes up and \
               writes what it computed before the pause.",
        params: &[("fix", "margin"), ("skew_ms", "0")],
        faults: "pause:0:4000000@2100000",
        at: At::FirstBreach(Some(NO_LOST_UPDATE)),
        beats: &[
            Beat::at(At::Time(2_110_000), "Node 1 leads with a 1 s margin. It has just read the counter when a 4 s pause stops it."),
            Beat::play(At::FirstBreach(Some(SINGLE_LEADER)), 16, "It cannot renew while paused: the lease ends at the database and node 2 takes it."),
            Beat::play(At::FirstBreach(Some(NO_LOST_UPDATE)), 8, "Node 1 wakes at 6.1 s and writes the value it computed before the pause: node 2's update is lost.")
                .notes("Checking the lease again before writing would not help: the pause can strike between the check and the write."),
        ],
    },
    Chapter {
        title: "7. Fencing by generation",
        text: "fix = fencing: the lease's generation goes with every read and write, and the storage refuses a \
               generation older than one it has seen. The same pause: node 2 reads with generation 2, so node 1's \
               late write with generation 1 is rejected. Two nodes still believed they led for a moment; the \
               storage made it harmless.",
        params: &[("fix", "fencing"), ("skew_ms", "0")],
        faults: "pause:0:4000000@2100000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(2_110_000), "Every read and write now carries the generation. Node 1 (generation 1) pauses, as before."),
            Beat::play(At::FirstBreach(Some(SINGLE_LEADER)), 16, "Node 2 takes the lease — generation 2 — and reads with it: the storage remembers 2."),
            Beat::play(At::Time(6_110_000), 8, "Node 1 wakes and writes with generation 1: rejected, 1 < 2. It steps down.")
                .notes("The generation comes from the durable database row: it never goes back. That is what a fencing token needs."),
            Beat::play(At::End, 32, "No update lost. A lease is a hint; only the resource can enforce it."),
        ],
    },
];
