//! The workshop plan: chapters from several scenarios strung into one session, in the order a host shows them.
//! The front door's "workshop plan" page lists it with a deep link into each chapter (in presenter mode); a
//! scenario left out of the build drops out of the plan.

/// A part of the session: one theme, a few chapters, a time budget.
pub struct Part {
    pub title: &'static str,
    pub minutes: u32,
    /// What the room should leave with.
    pub point: &'static str,
    /// `(scenario id, chapter number from 1)`, in order.
    pub chapters: &'static [(&'static str, usize)],
}

/// "Coordination under failure", 90 minutes.
pub static WORKSHOP: &[Part] = &[
    Part {
        title: "Locks that lie: the lock tour",
        minutes: 30,
        point: "A lock with a lease is a promise about time, and a pause, a clock or a failover breaks it — on one \
                Redis, on a replicated one, on five, in a database row, in etcd. The conclusion: use Redis for locks \
                where correctness is not critical; for correctness, a consensus-backed lease plus fencing tokens \
                checked by the resource.",
        chapters: &[
            ("redis-lock", 1),
            ("redis-lock", 2),
            ("redis-lock", 3),
            ("redis-lock", 4),
            ("redis-lock", 6),
            ("redis-failover", 2),
            ("redis-failover", 4),
            ("redlock", 2),
            ("redlock", 5),
            ("leader-lease-db", 2),
            ("leader-lease-db", 7),
            ("etcd-lease", 2),
            ("etcd-lease", 4),
        ],
    },
    Part {
        title: "Agreeing on a leader",
        minutes: 20,
        point: "Raft elects one leader per term with a majority of votes; a crash costs an election timeout, a split \
                vote a retry, and a minority cannot commit anything.",
        chapters: &[("raft", 1), ("raft", 2), ("raft", 3), ("raft", 4)],
    },
    Part {
        title: "Committing across services",
        minutes: 20,
        point:
            "Two-phase commit is atomic but blocks when its coordinator dies; 3PC does not block but breaks under a \
                partition; Paxos Commit survives both. A saga never blocks, and pays with isolation.",
        chapters: &[
            ("two-phase-commit", 1),
            ("two-phase-commit", 2),
            ("two-phase-commit", 6),
            ("two-phase-commit", 7),
            ("two-phase-commit", 10),
            ("saga", 2),
            ("saga", 3),
        ],
    },
    Part {
        title: "Overload",
        minutes: 20,
        point:
            "Synchronised clients turn one event into a crowd: an expiry into a stampede, a failure into retries in \
                lockstep. Coalesce the work, spread it out with jitter, and cap retries with a budget.",
        chapters: &[
            ("thundering-herd", 1),
            ("thundering-herd", 3),
            ("thundering-herd", 8),
            ("retry-storm", 1),
            ("retry-storm", 3),
            ("retry-storm", 6),
        ],
    },
];

// With every scenario built in (a build of a few leaves the others out of the plan).
#[cfg(all(test, feature = "default"))]
mod tests {
    /// Every stop of the plan names a scenario and a chapter that exist, and the session fits in 90 minutes.
    #[test]
    fn the_plan_links_to_chapters_that_exist() {
        for part in super::WORKSHOP {
            assert!(!part.chapters.is_empty(), "{}", part.title);
            for &(id, n) in part.chapters {
                let s = crate::find(id).unwrap_or_else(|| panic!("{}: unknown scenario {id}", part.title));
                assert!((1..=s.chapters().len()).contains(&n), "{}: {id} has no chapter {n}", part.title);
            }
        }
        assert!(super::WORKSHOP.iter().map(|p| p.minutes).sum::<u32>() <= 90);
    }
}
