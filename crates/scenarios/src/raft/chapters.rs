//! The guided story of the Raft scenario, as data.

use faultline_sim::{At, Beat, Chapter};

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. First election",
        text: "Every server starts as a follower with a random election timeout. The first to time out becomes a \
               candidate for term 1 and asks for votes; with a majority it becomes leader and starts sending \
               heartbeats, which keep the others from timing out.",
        params: &[("request_ms", "0"), ("run_ms", "1000")],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(150_000), "Five servers start as followers, each with a random election timeout between 150 and 300 ms (the arcs).")
                .notes("Figure 2 of the Raft paper: a follower that hears no leader before its timeout starts an election."),
            Beat::play(At::Time(156_000), 8, "Server 5's timer runs out first: it becomes a candidate for term 1, votes for itself and sends RequestVote to the others."),
            Beat::play(At::Time(166_000), 8, "Two votes come back — three with its own, a majority of five: server 5 leads term 1."),
            Beat::play(At::End, 16, "Its heartbeats (empty AppendEntries) reset the others' timers: no one else times out.")
                .notes("Ask: what stops two leaders in one term? Each server votes once per term, and two majorities overlap."),
        ],
    },
    Chapter {
        title: "2. The leader crashes",
        text: "Server 5 won the first election; at 1 s it crashes. Its heartbeats stop, the followers time out one \
               by one, and the first becomes a candidate in a higher term and wins. At 2 s server 5 restarts from \
               its durable state, hears the new leader's higher term and follows. Click another server's name to \
               crash it instead.",
        params: &[("run_ms", "3000")],
        // The crash joins the run at the second beat and the restart at the fourth: the run forks as the host
        // speaks.
        faults: "",
        at: At::End,
        // The canonical seed's times: server 5 leads term 1 from 166 ms; server 4 leads term 2 from 1.198 s;
        // server 5 is repaired by the first AppendEntries after its restart, at 2.004 s.
        beats: &[
            Beat::at(At::Time(900_000), "Server 5 leads term 1: its heartbeats keep the others from timing out, and every request reaches all five logs."),
            Beat::play(At::FirstFault, 16, "At 1 s the leader crashes, and its heartbeats stop.")
                .with_faults("crash:4@1000000")
                .notes("Ask the room: who notices first? Whoever's election timer runs out first — they are random."),
            Beat::play(At::Time(1_200_000), 16, "The followers' election timers run out, server 4's first: it asks for votes in term 2, gets three, and leads.")
                .notes("Server 2 became a candidate a few ms later and steps down when it hears the new leader."),
            Beat::at(At::Time(2_010_000), "At 2 s server 5 restarts from its durable log, still in term 1; the first AppendEntries of term 2 brings its term and its log up to date.")
                .notes("Figure 2: a server that sees a higher term steps down and adopts it; the leader repairs its log.")
                .with_faults("restart:4@2000000"),
        ],
    },
    Chapter {
        title: "3. A split vote",
        text: "With timeouts that are not random, every server times out at once, votes for itself, and no one gets a \
               majority: the term climbs again and again with no leader. Randomized timeouts are the fix.",
        params: &[("randomize_timeouts", "false"), ("run_ms", "3000")],
        faults: "",
        at: At::FirstBreach(Some(super::SPLIT_VOTES)),
        beats: &[
            Beat::at(At::Time(151_000), "Timeouts are not random here: at 150 ms every server times out at once and becomes a candidate for term 1."),
            Beat::play(At::Time(301_000), 8, "Each voted for itself, so nobody gets a majority. 150 ms later they all time out again, in term 2."),
            Beat::play(At::FirstBreach(Some(super::SPLIT_VOTES)), 16, "And again, term after term: no leader. Randomised timeouts are what break the tie.")
                .notes("Turn randomize_timeouts back on and the next election succeeds at once."),
        ],
    },
    Chapter {
        title: "4. A minority leader",
        text: "At 1 s the leader (server 5) and server 4 are cut off from servers 1 to 3. The stale leader keeps \
               leading its minority and appending client commands, but commits nothing; the majority elects a new \
               leader in a higher term and goes on committing.",
        params: &[("run_ms", "3000")],
        faults: "cut:4=0@1000000,cut:4=1@1000000,cut:4=2@1000000,cut:3=0@1000000,cut:3=1@1000000,cut:3=2@1000000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(1_000_001), "Server 5 leads term 1. At 1 s, it and server 4 are cut off from servers 1 to 3.")
                .notes("The dashed chords are the cut links."),
            Beat::play(At::Time(1_203_000), 16, "Servers 1 to 3 hear no leader; server 2 times out and wins term 2 with their three votes."),
            Beat::play(At::End, 16, "Server 5 still believes it leads term 1 and appends requests, but with only server 4 it commits nothing. The majority side commits on.")
                .notes("Two servers think they lead, in different terms; only one can commit. Safety holds."),
        ],
    },
    Chapter {
        title: "5. Healing repairs the logs",
        text: "The partition heals: the old leader sees the higher term, steps down, and the new leader repairs the \
               followers' logs — walking back to where they match, then overwriting the entries that never \
               committed.",
        params: &[("run_ms", "4000")],
        faults: "cut:4=0@1000000,cut:4=1@1000000,cut:4=2@1000000,cut:3=0@1000000,cut:3=1@1000000,cut:3=2@1000000,\
                 healall@2500000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(2_400_000), "The same partition: two leaders, term 1 on the minority side with uncommitted entries, term 2 on the majority side."),
            Beat::play(At::Time(2_506_000), 8, "At 2.5 s the links heal. Server 5 hears term 2 and steps down to follower."),
            Beat::play(At::End, 16, "The term-2 leader walks each follower's log back to where it matches and overwrites the rest: server 5's uncommitted entries are gone.")
                .notes("Only uncommitted entries are ever overwritten — that is the Log Matching and Leader Completeness properties at work."),
        ],
    },
];
