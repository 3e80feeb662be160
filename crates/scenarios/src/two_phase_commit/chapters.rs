//! The guided story of two-phase commit, as data. Chapters 2 onwards fix the latency at 10 ms and the fsync at
//! 20 ms so that the times line up: participant 1 votes at 70 ms, the coordinator sends `Prepare` at 80 ms, the
//! others vote at 110 ms, and the decision is forced from 120 to 140 ms (3PC: `PreCommit` goes out at 140 ms).
//! With Paxos Commit (three participants, F = 1) the acceptors are nodes 4–6 and the backup coordinator node 7;
//! the votes reach acceptors 1 and 2 at 80 and 120 ms and the coordinator decides at 130 ms.

use super::{ATOMICITY, BLOCKED};

/// Paxos Commit's chapters: F = 1, so three acceptors and a backup coordinator.
macro_rules! paxos {
    () => {
        timed!("protocol" => "paxos-commit")
    };
}
use faultline_sim::{At, Beat, Chapter};

/// Timely settings (every step of the protocol lands on a round number; see the module doc) plus the chapter's own.
macro_rules! timed {
    ($($k:literal => $v:literal),* $(,)?) => {
        &[("latency_min_ms", "10"), ("latency_max_ms", "10"), ("fsync_ms", "20") $(, ($k, $v))*]
    };
}

pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "1. Commit",
        text: "Each participant works holding a row lock (the blue bars). Participant 1 forces its prepared record and \
               sends Prepared; the coordinator sends Prepare to the others, they vote Prepared, and it forces commit \
               to its log and sends Commit. Every lock is released; the acknowledgements let the coordinator forget.",
        params: &[],
        faults: "",
        at: At::End,
        beats: &[
            Beat::at(At::Time(56_000), "Each participant works under a row lock (the blue bars). Participant 1 is done first: it forces a prepared record to its log and votes yes.")
                .notes("From this vote on, participant 1 is bound: it may not commit or abort on its own."),
            Beat::play(At::Time(80_000), 8, "The others vote yes too. All three hold their locks, in doubt, until they hear the decision."),
            Beat::play(At::End, 8, "The coordinator forces commit to its log, then sends Commit; each participant commits, releases its locks and acknowledges.")
                .notes("The decision is durable before anyone hears it: that is what makes it recoverable."),
        ],
    },
    Chapter {
        title: "2. The coordinator crashes: blocked",
        text: "The coordinator crashes at 100 ms, after its Prepare messages and before any decision. Every \
               participant has voted yes: amber bars, in doubt, locks held. They ask the coordinator again and \
               again; no one answers, and none of them may decide alone. Other transactions that need those rows \
               wait too.",
        params: timed!(),
        faults: "crash:0@100000",
        at: At::FirstBreach(Some(BLOCKED)),
        beats: &[
            Beat::at(At::Time(80_000), "Participant 1 has voted yes; at 80 ms the coordinator sends Prepare to the others.")
                .notes("Each row lock is a blue bar: other transactions that need those rows wait."),
            Beat::play(At::FirstFault, 8, "The others force their prepared record and vote yes. At 100 ms the coordinator crashes — before any decision.")
                .notes("Ask the room: may a participant that voted yes abort now? (No: the coordinator may have decided commit.)"),
            Beat::play(At::FirstBreach(Some(BLOCKED)), 16, "They ask again and again; nobody answers. A second later all three are blocked, holding their locks.")
                .notes("Amber bars: in doubt. Only the coordinator's log knows — next chapter, it recovers."),
        ],
    },
    Chapter {
        title: "3. Recovery unblocks, late",
        text: "The coordinator restarts at 1.5 s and reads its log: no decision was forced, so none was sent — it \
               presumes abort and tells everyone. The locks were held for 1.5 s for nothing.",
        params: timed!(),
        faults: "crash:0@100000,restart:0@1500000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(111_000), "The coordinator crashes at 100 ms, before deciding. All three participants have voted yes and hold their locks."),
            Beat::play(At::Time(1_400_000), 16, "They ask for the decision again and again; nobody answers. Their locks stay held, for over a second.")
                .notes("Every other transaction that needs those rows waits behind them."),
            Beat::play(At::End, 8, "The coordinator restarts at 1.5 s. Its log has no decision, so nothing was sent: it aborts, and the locks are released at last.")
                .notes("Presumed abort: no decision on the log means no one can have committed."),
        ],
    },
    Chapter {
        title: "4. Cooperative termination: a peer knows",
        text: "With 2pc-ctp, the links from the coordinator to participants 2 and 3 fail at 130 ms and the \
               coordinator crashes at 145 ms: only participant 1 got Commit. At 410 ms participants 2 and 3 time \
               out and ask their peers too: participant 1 answers Commit, and they finish without the coordinator.",
        params: timed!("protocol" => "2pc-ctp"),
        faults: "cut:0>2@130000,cut:0>3@130000,crash:0@145000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(121_000), "With 2pc-ctp, every participant knows the others. The coordinator decides commit at 120 ms."),
            Beat::play(At::Time(151_000), 8, "Its links to participants 2 and 3 fail at 130 ms and it crashes at 145 ms: only participant 1 hears Commit."),
            Beat::play(At::End, 8, "After 300 ms in doubt, 2 and 3 ask their peers; participant 1 knows the outcome and tells them. Everyone commits.")
                .notes("Cooperative termination helps only if some participant knows the decision — next chapter."),
        ],
    },
    Chapter {
        title: "5. Cooperative termination: everyone is in doubt",
        text: "The same protocol, but the coordinator crashes at 100 ms, before any decision. Every participant \
               voted yes and asks the others; each answers Uncertain. No one can help: they stay blocked, exactly \
               as in plain two-phase commit.",
        params: timed!("protocol" => "2pc-ctp"),
        faults: "crash:0@100000",
        at: At::FirstBreach(Some(BLOCKED)),
        beats: &[
            Beat::at(At::Time(111_000), "The same protocol, but the coordinator crashes at 100 ms, before it has decided."),
            Beat::play(At::Time(440_000), 8, "The participants ask the coordinator and each other. Every peer answers: in doubt too."),
            Beat::play(At::FirstBreach(Some(BLOCKED)), 16, "Nobody knows the outcome, and nobody may decide it: all three are blocked, locks held.")
                .notes("Only the coordinator could have decided. This is the blocking that 2PC cannot escape."),
        ],
    },
    Chapter {
        title: "6. Three-phase commit does not block",
        text: "With 3pc the coordinator crashes at 100 ms and stays down. The participants are uncertain (no \
               PreCommit reached them), so when they time out each aborts — and they all agree, because a \
               participant can commit only after PreCommit, which goes out only when every vote is yes.",
        params: timed!("protocol" => "3pc"),
        faults: "crash:0@100000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(111_000), "With 3pc the coordinator crashes at 100 ms and stays down. No PreCommit has gone out."),
            Beat::play(At::End, 8, "The participants are uncertain, and 3PC's rule says an uncertain participant that times out aborts: all three abort and release their locks.")
                .notes("Safe only if nobody can have committed: 3PC assumes a failure is detected, not a message delayed."),
        ],
    },
    Chapter {
        title: "7. Three-phase commit under a partition",
        text: "The links from the coordinator to participants 2 and 3 fail at 130 ms, just before PreCommit. \
               Participant 1 is pre-committed and commits; participants 2 and 3 are uncertain and, by the same \
               rules, abort at 410 ms. Non-blocking was bought with an assumption: that a silent node has \
               crashed. A partition breaks it — and atomicity with it.",
        params: timed!("protocol" => "3pc"),
        faults: "cut:0>2@130000,cut:0>3@130000",
        at: At::FirstBreach(Some(ATOMICITY)),
        beats: &[
            Beat::at(At::Time(131_000), "3PC again. At 130 ms the links from the coordinator to participants 2 and 3 fail, just before PreCommit."),
            Beat::play(At::Time(371_000), 8, "Participant 1 pre-commits; the coordinator times out the others, decides commit, and participant 1 commits."),
            Beat::play(At::FirstBreach(Some(ATOMICITY)), 8, "Participants 2 and 3 heard nothing, time out while uncertain and abort. One committed, two aborted: atomicity is lost.")
                .notes("A partition looks like a crash to each side. 3PC is non-blocking only in a synchronous network."),
        ],
    },
    Chapter {
        title: "8. Broken: a participant gives up",
        text: "abort_when_uncertain = true: Commit to participant 3 is lost (its link from the coordinator fails at \
               130 ms). At 410 ms it times out and aborts although it voted yes, while 1 and 2 committed.",
        params: timed!("abort_when_uncertain" => "true"),
        faults: "cut:0>3@130000",
        at: At::FirstBreach(Some(ATOMICITY)),
        beats: &[
            Beat::at(At::Time(131_000), "Broken 2PC: a participant that waits too long aborts on its own. The link to participant 3 fails at 130 ms, after the decision."),
            Beat::play(At::Time(151_000), 8, "Participants 1 and 2 hear Commit and commit."),
            Beat::play(At::FirstBreach(Some(ATOMICITY)), 8, "Participant 3 voted yes, then aborts after 300 ms without a decision. It may not: atomicity is lost.")
                .notes("Once it has voted yes, only the coordinator may decide for it."),
        ],
    },
    Chapter {
        title: "9. Broken: a decision sent before it is on the log",
        text: "force_decision = false: the coordinator sends Commit at 120 ms and its log write would complete at \
               140 ms; it crashes at 130 ms. Participant 3 never got Commit (its link failed at 115 ms). The \
               coordinator restarts at 600 ms with no decision on its log, presumes abort, and participant 3 \
               aborts what 1 and 2 committed.",
        params: timed!("force_decision" => "false"),
        faults: "cut:0>3@115000,crash:0@130000,heal:0>3@500000,restart:0@600000",
        at: At::FirstBreach(Some(ATOMICITY)),
        beats: &[
            Beat::at(At::Time(131_000), "Broken 2PC: the coordinator sends Commit before forcing it to its log. The link to participant 3 fails at 115 ms; the coordinator crashes at 130 ms."),
            Beat::play(At::Time(420_000), 8, "Participants 1 and 2 commit. Participant 3 heard nothing; after 300 ms it asks the coordinator, which is down."),
            Beat::play(At::FirstBreach(Some(ATOMICITY)), 8, "The coordinator restarts at 600 ms with no decision on its log, so it aborts — and participant 3 aborts. Atomicity is lost.")
                .notes("Write-ahead: a decision is durable before anyone hears it, or recovery can contradict it."),
        ],
    },
    Chapter {
        title: "10. Paxos Commit: the backup coordinator finishes",
        text: "With paxos-commit each participant votes by proposing its vote to acceptors (ballot 0); the coordinator \
               only learns what they accepted. It crashes at 100 ms. When the participants time out they ask the \
               backup coordinator too, which takes over with ballot 2: it asks every acceptor for a promise, learns \
               that every vote was Prepared, gets that chosen again in its ballot, and commits. No one blocks.",
        params: paxos!(),
        faults: "crash:0@100000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(121_000), "Paxos Commit: each participant sends its vote to three acceptors, not to the coordinator alone. The coordinator crashes at 100 ms."),
            Beat::play(At::Time(391_000), 8, "A participant in doubt asks the backup coordinator, which takes over with a higher ballot (Paxos phase 1)."),
            Beat::play(At::End, 8, "A majority of acceptors chose Prepared for every participant: the backup decides commit, and everyone commits.")
                .notes("The decision lives in the acceptors, not in one process: any coordinator can finish it."),
        ],
    },
    Chapter {
        title: "11. Paxos Commit survives an acceptor too",
        text: "Acceptor 1 crashes at 50 ms, before any vote reached it, and the coordinator at 100 ms. Ballot 0 never \
               gets two acceptors to agree — but acceptors 2 and 3 are enough for the backup's ballot: up to F \
               acceptors may fail (here F = 1, three acceptors), and the outcome still stands.",
        params: paxos!(),
        faults: "crash:4@50000,crash:0@100000",
        at: At::End,
        beats: &[
            Beat::at(At::Time(101_000), "Acceptor 1 crashes at 50 ms, the coordinator at 100 ms."),
            Beat::play(At::End, 8, "Two of three acceptors are still a majority: the backup coordinator takes over and commits.")
                .notes("F = 1 here: 2F + 1 = 3 acceptors tolerate one failure."),
        ],
    },
    Chapter {
        title: "12. More than F acceptors fail: blocked again",
        text: "Acceptors 1 and 2 crash at 50 ms: only one of three is left, no ballot can gather a majority, and the \
               backup coordinator tries ballot after ballot in vain. Paxos Commit does not make blocking \
               impossible; it makes it take F+1 failures among the acceptors instead of one coordinator.",
        params: paxos!(),
        faults: "crash:4@50000,crash:5@50000,crash:0@100000",
        at: At::FirstBreach(Some(BLOCKED)),
        beats: &[
            Beat::at(At::Time(101_000), "Acceptors 1 and 2 crash at 50 ms, the coordinator at 100 ms: more than F = 1 failures."),
            Beat::play(At::Time(401_000), 8, "The backup coordinator takes over, but only acceptor 3 answers: no majority."),
            Beat::play(At::FirstBreach(Some(BLOCKED)), 16, "With no majority the decision cannot be learned or made: the participants are blocked again.")
                .notes("Paxos Commit blocks only when more than F acceptors fail — choose F for the failures you expect."),
        ],
    },
];
