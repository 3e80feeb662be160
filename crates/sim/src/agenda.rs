//! A node's own schedule of many timed entries — one or more per client of a crowd — behind a single kernel
//! timer. The kernel keeps a node's timers in a short list, which suits a server's two or three timers; a node
//! that acts for thousands of clients keeps their deadlines here instead, arms the earliest with one kernel
//! timer (named after the member it is for, so that the trace files the step under that member) and handles one
//! due entry per step.

use crate::node::Ctx;
use dary_heap::QuaternaryHeap;
use std::cmp::{Ordering, Reverse};

#[derive(Clone, Debug)]
struct Entry<E> {
    /// The time (its sign bit flipped, so that unsigned order is signed order) in the high 64 bits, the insertion
    /// order in the low 64: the heap orders entries with one branch-free comparison, as the kernel's queue does.
    key: u128,
    item: E,
}

impl<E> Entry<E> {
    fn new(at_us: i64, seq: u64, item: E) -> Self {
        Entry { key: u128::from(at_us as u64 ^ 1 << 63) << 64 | u128::from(seq), item }
    }

    fn at_us(&self) -> i64 {
        ((self.key >> 64) as u64 ^ 1 << 63) as i64
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Entries due at node-local times, popped in (time, insertion) order. Entries that became moot (a deadline of
/// a request that already finished) stay until they come up, or until the agenda has doubled since it last dropped
/// them; [`Agenda::arm`] skips and drops them with a predicate.
#[derive(Clone, Debug)]
pub struct Agenda<E, T> {
    /// A 4-ary heap: an agenda holds tens of thousands of entries (the herd at 10,000 clients), where half the
    /// levels of `std`'s binary heap paid off; popping was a fifth of that run. Recorded natively 3.89M → 4.15M
    /// steps/s, its run in Node 575 → 553 ms; no other scenario's runs moved by more than 2%. The kernel's queue,
    /// a few dozen entries in most runs, stays binary: 4-ary there, the lean storm and Raft were slower.
    heap: QuaternaryHeap<Reverse<Entry<E>>>,
    seq: u64,
    /// The kernel timer that is set, and for which entry.
    armed: Option<(u128, T)>,
    /// The length at which [`Agenda::arm`] next drops every moot entry, not only those in front.
    purge_at: usize,
}

/// An agenda drops its moot entries when it has grown to twice its length after the last purge, and to at least
/// this many: each purge is a pass over the entries, paid for by as many pushes.
const PURGE_MIN: usize = 1_024;

impl<E, T> Default for Agenda<E, T> {
    fn default() -> Self {
        Agenda { heap: QuaternaryHeap::new(), seq: 0, armed: None, purge_at: PURGE_MIN }
    }
}

impl<E, T: Clone + PartialEq> Agenda<E, T> {
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedule `item` at node-local time `at_us`.
    pub fn push(&mut self, at_us: i64, item: E) {
        self.seq += 1;
        self.heap.push(Reverse(Entry::new(at_us, self.seq, item)));
    }

    /// The earliest entry if it is due by `now_us`.
    pub fn pop_due(&mut self, now_us: i64) -> Option<E> {
        if self.heap.peek().is_some_and(|Reverse(e)| e.at_us() <= now_us) {
            self.heap.pop().map(|Reverse(e)| e.item)
        } else {
            None
        }
    }

    /// Keep one kernel timer set for the earliest live entry: drop the moot entries at the front (`live` says
    /// which are not), then (re)set the timer `timer(entry)` if the front changed. Call it at the end of every
    /// handler that pushed or popped.
    ///
    /// An entry `live` calls moot must stay moot (a deadline of a request that has finished): once the agenda has
    /// doubled since its last purge, every moot entry goes, not only those in front. The herd's agenda held twice as
    /// many entries as it had live ones, and every pop and every checkpoint's copy paid for the others.
    pub fn arm<M, D>(&mut self, ctx: &mut Ctx<'_, M, T, D>, live: impl Fn(&E) -> bool, timer: impl Fn(&E) -> T) {
        if self.heap.len() >= self.purge_at {
            // The same entries come out, at the same steps: a moot entry would have been dropped here once it came
            // to the front (only an entry that an `arm` left in front is ever popped by `pop_due`).
            self.heap.retain(|Reverse(e)| live(&e.item));
            self.purge_at = (self.heap.len() * 2).max(PURGE_MIN);
        }
        while self.heap.peek().is_some_and(|Reverse(e)| !live(&e.item)) {
            self.heap.pop();
        }
        let front = self.heap.peek().map(|Reverse(e)| e.key);
        if front == self.armed.as_ref().map(|(key, _)| *key) {
            return;
        }
        if let Some((_, t)) = self.armed.take() {
            ctx.cancel_timer(t);
        }
        if let Some(Reverse(e)) = self.heap.peek() {
            let t = timer(&e.item);
            ctx.set_timer(e.at_us().saturating_sub(ctx.now_us()).max(0) as u64, t.clone());
            self.armed = Some((e.key, t));
        }
    }

    /// The armed timer fired: forget it, so that the next [`Agenda::arm`] sets a new one.
    pub fn fired(&mut self) {
        self.armed = None;
    }

    /// Forget everything (a crash).
    pub fn clear(&mut self) {
        self.heap.clear();
        self.armed = None;
        self.purge_at = PURGE_MIN;
    }

    /// The live entries, in no particular order (for a view).
    pub fn iter(&self) -> impl Iterator<Item = (i64, &E)> {
        self.heap.iter().map(|Reverse(e)| (e.at_us(), &e.item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Effect, TestCtx};

    #[test]
    fn one_kernel_timer_follows_the_earliest_live_entry() {
        let mut a: Agenda<u32, u32> = Agenda::default();
        let mut t: TestCtx<(), u32, ()> = TestCtx::new(0, 1_000, 1);
        a.push(5_000, 7);
        a.push(3_000, 8);
        a.push(3_000, 9);
        a.arm(&mut t.ctx(), |_| true, |&e| e);
        assert_eq!(t.take(), [Effect::SetTimer { after_us: 2_000, timer: 8 }]);
        // Re-arming with nothing new does nothing; a moot front is skipped and the timer moves.
        a.arm(&mut t.ctx(), |_| true, |&e| e);
        assert_eq!(t.take(), []);
        a.arm(&mut t.ctx(), |&e| e != 8, |&e| e);
        assert_eq!(t.take(), [Effect::CancelTimer { timer: 8 }, Effect::SetTimer { after_us: 2_000, timer: 9 }]);
        // It fires: pop what is due, in order, one at a time.
        a.fired();
        assert_eq!((a.pop_due(3_000), a.pop_due(3_000)), (Some(9), None));
        a.arm(&mut t.ctx(), |_| true, |&e| e);
        assert_eq!(t.take(), [Effect::SetTimer { after_us: 4_000, timer: 7 }]);
    }

    /// Once the agenda has doubled, arming drops every moot entry, not only those in front; what comes out, in
    /// what order, is what would have come out without the purge.
    #[test]
    fn arming_a_grown_agenda_drops_its_moot_entries() {
        let mut a: Agenda<u32, u32> = Agenda::default();
        let mut t: TestCtx<(), u32, ()> = TestCtx::new(0, 0, 1);
        for e in 0..PURGE_MIN as u32 - 1 {
            a.push(i64::from(e) + 1, e);
        }
        a.arm(&mut t.ctx(), |_| true, |&e| e);
        assert_eq!(t.take(), [Effect::SetTimer { after_us: 1, timer: 0 }]);
        // The odd entries turn moot. Below the purge's length, only moot entries in front would go (none are).
        let live = |e: &u32| e.is_multiple_of(2);
        a.arm(&mut t.ctx(), live, |&e| e);
        assert_eq!(a.len(), PURGE_MIN - 1);
        a.push(5_000, 2_000);
        a.arm(&mut t.ctx(), live, |&e| e);
        assert_eq!(a.len(), PURGE_MIN / 2 + 1, "the even entries and 2,000");
        assert_eq!(t.take(), [], "the front did not change");
        let out: Vec<u32> = std::iter::from_fn(|| a.pop_due(i64::MAX)).collect();
        let expected: Vec<u32> = (0..PURGE_MIN as u32 - 1).step_by(2).chain([2_000]).collect();
        assert_eq!(out, expected);
    }

    /// Entries come out by time, negative times (a clock set back) first, then in the order they went in.
    #[test]
    fn entries_come_out_by_time_then_insertion() {
        let mut a: Agenda<u32, u32> = Agenda::default();
        for (at, item) in [(5, 1), (-7, 2), (i64::MAX, 3), (5, 4), (i64::MIN, 5), (0, 6), (-7, 7)] {
            a.push(at, item);
        }
        let mut times: Vec<i64> = a.iter().map(|(at, _)| at).collect();
        times.sort_unstable();
        assert_eq!(times, [i64::MIN, -7, -7, 0, 5, 5, i64::MAX]);
        let out: Vec<u32> = std::iter::from_fn(|| a.pop_due(i64::MAX)).collect();
        assert_eq!(out, [5, 2, 7, 6, 1, 4, 3]);
    }
}
