//! # The TwoPhase specification, for exhaustive checking
//!
//! Gray & Lamport, "Consensus on Transaction Commit" (2006), §3 and its appendix: the TLA+ module `TwoPhase`,
//! written as a [`Space`] action for action. Its variables are `rmState` (each resource manager `working`,
//! `prepared`, `committed` or `aborted`), `tmState` (`init`, `committed`, `aborted`), `tmPrepared` (the RMs from
//! which the transaction manager has received `Prepared`) and `msgs` (every message ever sent: `Prepared` from an
//! RM, `Commit`, `Abort`; messages are never removed, so loss and repetition are modelled by the receivers
//! ignoring or re-reading them). Its actions are `TMRcvPrepared(rm)`, `TMCommit`, `TMAbort`, `RMPrepare(rm)`,
//! `RMChooseToAbort(rm)`, `RMRcvCommitMsg(rm)` and `RMRcvAbortMsg(rm)`; its invariant is `TCConsistent`: no RM
//! has committed while another has aborted.
//!
//! This is not a simulation (it has no time and no faults but those the actions allow): it is the engine's proof.
//! TLC and stateright count exactly 288 distinct states for 3 RMs, 8,832 for 5 and 1,745,408 for 8, and so must
//! `faultline check two-phase-spec --set resource_managers=N`. The whole state packs into one `u64`: two bits per
//! RM state, two for the TM, one bit per RM in `tmPrepared` and in `msgs`' `Prepared`, and two for `Commit` and
//! `Abort`.

use faultline_sim::check::{check, Bounds, Report, Space, Spec};
use faultline_sim::{ParamSpec, Params};

/// At most this many resource managers (4 bits of state each, in one `u64`).
pub const MAX_RMS: u32 = 12;

faultline_sim::params! {
    pub struct SpecParams in SPEC_PARAMS {
        resource_managers: u32 = int(3, 1, MAX_RMS as i64, "", "How many resource managers (RMs) the transaction has."),
    }
}

const WORKING: u64 = 0;
const PREPARED: u64 = 1;
const COMMITTED: u64 = 2;
const ABORTED: u64 = 3;
const TM_INIT: u64 = 0;
const TM_COMMITTED: u64 = 1;
const TM_ABORTED: u64 = 2;

/// The state's fields, packed: `rmState` in bits `2·rm`, then `tmState`, `tmPrepared`, the `Prepared` messages,
/// `Commit` and `Abort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoPhase {
    rms: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    TmRcvPrepared(u32),
    TmCommit,
    TmAbort,
    RmPrepare(u32),
    RmChooseToAbort(u32),
    RmRcvCommitMsg(u32),
    RmRcvAbortMsg(u32),
}

impl TwoPhase {
    pub fn new(rms: u32) -> Self {
        TwoPhase { rms: rms.clamp(1, MAX_RMS) }
    }
    fn tm_shift(&self) -> u32 {
        2 * self.rms
    }
    fn rm(&self, s: u64, rm: u32) -> u64 {
        (s >> (2 * rm)) & 3
    }
    fn set_rm(&self, s: u64, rm: u32, v: u64) -> u64 {
        (s & !(3 << (2 * rm))) | (v << (2 * rm))
    }
    fn tm(&self, s: u64) -> u64 {
        (s >> self.tm_shift()) & 3
    }
    fn set_tm(&self, s: u64, v: u64) -> u64 {
        (s & !(3 << self.tm_shift())) | (v << self.tm_shift())
    }
    fn tm_prepared_bit(&self, rm: u32) -> u64 {
        1 << (self.tm_shift() + 2 + rm)
    }
    fn prepared_msg_bit(&self, rm: u32) -> u64 {
        1 << (self.tm_shift() + 2 + self.rms + rm)
    }
    fn commit_bit(&self) -> u64 {
        1 << (self.tm_shift() + 2 + 2 * self.rms)
    }
    fn abort_bit(&self) -> u64 {
        self.commit_bit() << 1
    }
    fn all_tm_prepared(&self) -> u64 {
        ((1 << self.rms) - 1) << (self.tm_shift() + 2)
    }
}

impl Space for TwoPhase {
    type State = u64;
    type Action = Action;

    /// `TPInit`: every RM working, the TM in `init`, nothing prepared, no message.
    fn init(&self) -> Vec<u64> {
        vec![0]
    }

    fn actions(&self, &s: &u64, out: &mut Vec<Action>) {
        let init = self.tm(s) == TM_INIT;
        if init && s & self.all_tm_prepared() == self.all_tm_prepared() {
            out.push(Action::TmCommit);
        }
        if init {
            out.push(Action::TmAbort);
        }
        for rm in 0..self.rms {
            if init && s & self.prepared_msg_bit(rm) != 0 {
                out.push(Action::TmRcvPrepared(rm));
            }
            if self.rm(s, rm) == WORKING {
                out.push(Action::RmPrepare(rm));
                out.push(Action::RmChooseToAbort(rm));
            }
            if s & self.commit_bit() != 0 {
                out.push(Action::RmRcvCommitMsg(rm));
            }
            if s & self.abort_bit() != 0 {
                out.push(Action::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next(&self, &s: &u64, a: &Action) -> Option<u64> {
        Some(match *a {
            Action::TmRcvPrepared(rm) => s | self.tm_prepared_bit(rm),
            Action::TmCommit => self.set_tm(s, TM_COMMITTED) | self.commit_bit(),
            Action::TmAbort => self.set_tm(s, TM_ABORTED) | self.abort_bit(),
            Action::RmPrepare(rm) => self.set_rm(s, rm, PREPARED) | self.prepared_msg_bit(rm),
            Action::RmChooseToAbort(rm) => self.set_rm(s, rm, ABORTED),
            Action::RmRcvCommitMsg(rm) => self.set_rm(s, rm, COMMITTED),
            Action::RmRcvAbortMsg(rm) => self.set_rm(s, rm, ABORTED),
        })
    }

    fn fingerprint(&self, s: &u64) -> u64 {
        faultline_sim::hash::fingerprint(s)
    }

    /// `TCConsistent`.
    fn violation(&self, &s: &u64) -> Option<(String, String)> {
        let has = |v| (0..self.rms).find(|&rm| self.rm(s, rm) == v);
        match (has(COMMITTED), has(ABORTED)) {
            (Some(c), Some(a)) => Some((
                "TCConsistent".into(),
                format!("RM {} committed while RM {} aborted", c + 1, a + 1),
            )),
            _ => None,
        }
    }

    fn describe(&self, _: &u64, a: &Action) -> String {
        match *a {
            Action::TmRcvPrepared(rm) => format!("TM receives Prepared from RM {}", rm + 1),
            Action::TmCommit => "TM commits and sends Commit".into(),
            Action::TmAbort => "TM aborts and sends Abort".into(),
            Action::RmPrepare(rm) => format!("RM {} prepares and sends Prepared", rm + 1),
            Action::RmChooseToAbort(rm) => format!("RM {} chooses to abort", rm + 1),
            Action::RmRcvCommitMsg(rm) => format!("RM {} receives Commit", rm + 1),
            Action::RmRcvAbortMsg(rm) => format!("RM {} receives Abort", rm + 1),
        }
    }
}

/// `two-phase-spec` for `faultline check`.
pub struct TwoPhaseSpec;

impl Spec for TwoPhaseSpec {
    fn id(&self) -> &'static str {
        "two-phase-spec"
    }
    fn summary(&self) -> &'static str {
        "Gray & Lamport's TLA+ TwoPhase specification, checked exhaustively (288 states for 3 RMs)."
    }
    fn params(&self) -> &'static [ParamSpec] {
        SPEC_PARAMS
    }
    fn check(&self, params: &Params, bounds: Bounds, progress: &mut dyn FnMut(u64, u32)) -> Report<String> {
        let space = TwoPhase::new(SpecParams::from(params).resource_managers);
        check(&space, bounds, progress).described()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique(rms: u32) -> (u64, u32, bool) {
        let r = check(&TwoPhase::new(rms), Bounds::default(), |_, _| {});
        (r.unique_states, r.max_depth, r.counterexample.is_none() && r.stopped.is_none())
    }

    /// The counts TLC and stateright report for the same specification.
    #[test]
    fn the_state_counts_are_tlcs() {
        assert_eq!(unique(3), (288, 11, true));
        assert_eq!(unique(5), (8_832, 17, true));
    }

    #[test]
    fn each_action_does_what_the_tla_says() {
        let sp = TwoPhase::new(2);
        let s = sp.next(&0, &Action::RmPrepare(1)).unwrap();
        assert_eq!((sp.rm(s, 1), s & sp.prepared_msg_bit(1) != 0), (PREPARED, true));
        let mut enabled = Vec::new();
        sp.actions(&s, &mut enabled);
        assert!(enabled.contains(&Action::TmRcvPrepared(1)) && !enabled.contains(&Action::TmCommit));
        let s = sp.next(&s, &Action::TmRcvPrepared(1)).unwrap();
        let s = sp.next(&s, &Action::RmPrepare(0)).unwrap();
        let s = sp.next(&s, &Action::TmRcvPrepared(0)).unwrap();
        enabled.clear();
        sp.actions(&s, &mut enabled);
        assert!(enabled.contains(&Action::TmCommit));
        let s = sp.next(&s, &Action::TmCommit).unwrap();
        assert_eq!((sp.tm(s), s & sp.commit_bit() != 0), (TM_COMMITTED, true));
        enabled.clear();
        sp.actions(&s, &mut enabled);
        assert!(!enabled.contains(&Action::TmAbort), "the TM decides once");
        assert_eq!(sp.violation(&sp.set_rm(sp.set_rm(0, 0, COMMITTED), 1, ABORTED)).unwrap().0, "TCConsistent");
    }
}
