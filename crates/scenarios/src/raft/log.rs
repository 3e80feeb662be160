//! A server's log, and the copy of it a save hands the kernel. Raft writes its whole persistent state before it
//! answers (Figure 2: "updated on stable storage before responding to RPCs"), and nearly every save follows an
//! append. Copied whole, a log of 10,000 entries cost 160 KB of copying at every save, and a seek in a long run
//! replays hundreds of saves. So a saved log is kept in chunks of [`CHUNK`] entries, and a save shares with the save
//! before it every full chunk the log still holds unchanged: an append copies the last chunk only. (Raft's busiest
//! run, natively: a seek's replay p95 5–6 → 1.1–1.2 ms, the run's peak memory 152 → 103 MB.)
//!
//! The checker follows each server's log from save to save, and a save names the save it was made from and how much
//! of it it kept ([`Saved::common_prefix`]): what an append changed is found without comparing the log it extends
//! (Raft's bench sample recorded: 287.5M → 229.1M instructions, the whole log compared twice at every save before).
//!
//! The chunks are a cache, nothing more: a saved log always holds exactly the entries the log held when it was saved
//! (the tests below check it against a plain copy through appends, truncations and restarts), and logs compare by
//! their entries.

use super::msg::Entry;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Weak};

/// Entries per chunk of a saved log.
pub const CHUNK: usize = 256;

/// A log as saved: its entries in chunks of [`CHUNK`] (the last one may hold fewer). Chunk boundaries fall at the
/// same indices in every save, so two saves of the same entries compare equal, chunk by chunk — by pointer first,
/// when they share the chunk.
#[derive(Default)]
pub struct Saved {
    chunks: Vec<Arc<[Entry]>>,
    /// The save of the same log this one was made from, if it held any entry: see [`Saved::common_prefix`].
    base: Option<Base>,
}

/// The save a save was made from, named by its last chunk, and how many of its leading entries the new save kept
/// unchanged. That chunk names the save's entries exactly: chunks never change, and a save shares a chunk only at the
/// chunk's own index and with every chunk before it. Held weakly, so that its memory, not its entries, stays while
/// the name is in use: no other chunk can take its address.
#[derive(Clone)]
struct Base {
    last: Weak<[Entry]>,
    kept: usize,
}

/// `clone_from` reuses the list of chunks: the checker takes a copy of every save.
impl Clone for Saved {
    fn clone(&self) -> Self {
        Saved { chunks: self.chunks.clone(), base: self.base.clone() }
    }

    fn clone_from(&mut self, source: &Self) {
        self.chunks.clone_from(&source.chunks);
        self.base.clone_from(&source.base);
    }
}

/// Chunk by chunk, shared ones by pointer: the kernel compares every save with the one before it, and those share all
/// but their last chunks. (`Arc`'s own `==` looks at the pointer first only for sized contents, not for a slice.)
/// Where a save came from is not part of what it holds.
impl PartialEq for Saved {
    fn eq(&self, other: &Self) -> bool {
        self.chunks.len() == other.chunks.len()
            && self.chunks.iter().zip(&other.chunks).all(|(a, b)| Arc::ptr_eq(a, b) || a[..] == b[..])
    }
}

impl Eq for Saved {}

/// The entries in their chunks, and nothing of where the save came from (the model checker tells states apart by
/// their `Debug` text).
impl fmt::Debug for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Saved").field(&self.chunks).finish()
    }
}

impl Saved {
    /// No entries (a `const`, for the checker's empty history).
    pub const fn new() -> Self {
        Saved { chunks: Vec::new(), base: None }
    }

    pub fn len(&self) -> usize {
        self.chunks.last().map_or(0, |last| (self.chunks.len() - 1) * CHUNK + last.len())
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Entry `i` (0-based): every chunk but the last is full.
    fn get(&self, i: usize) -> Option<&Entry> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    /// The entries from index `i` (0-based) on.
    pub fn iter_from(&self, i: usize) -> impl Iterator<Item = &Entry> {
        let first = self.chunks.get(i / CHUNK).map_or(&[][..], |c| c.get(i % CHUNK..).unwrap_or(&[]));
        first.iter().chain(self.chunks.iter().skip(i / CHUNK + 1).flat_map(|c| c.iter()))
    }

    pub fn to_vec(&self) -> Vec<Entry> {
        self.iter_from(0).copied().collect()
    }

    /// How many leading entries this save holds in common with `before`. The checker asks it at every save, of the
    /// save before it, and nearly every save is an append: when `before` is the save this one was made from, the
    /// entries it kept need no comparing, nor do the chunks the two share; the rest are compared one by one.
    pub fn common_prefix(&self, before: &Saved) -> usize {
        let shared = self.chunks.iter().zip(&before.chunks).take_while(|(a, b)| Arc::ptr_eq(a, b)).count();
        let made_from = match &self.base {
            Some(b) if before.chunks.last().is_some_and(|last| std::ptr::addr_eq(Arc::as_ptr(last), b.last.as_ptr())) => {
                b.kept
            }
            _ => 0,
        };
        let mut same = (shared * CHUNK).max(made_from).min(self.len()).min(before.len());
        while let (Some(a), Some(b)) = (self.get(same), before.get(same)) {
            if a != b {
                break;
            }
            same += 1;
        }
        same
    }
}

impl From<&[Entry]> for Saved {
    fn from(entries: &[Entry]) -> Self {
        Saved { chunks: entries.chunks(CHUNK).map(Arc::from).collect(), base: None }
    }
}

impl From<Vec<Entry>> for Saved {
    fn from(entries: Vec<Entry>) -> Self {
        Saved::from(entries.as_slice())
    }
}

/// A server's log: read as a slice of entries, changed only by [`Log::push`] and [`Log::truncate`], which keep
/// count of how much of the last save it still holds.
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Vec<Entry>,
    /// The last save, and how many leading entries the log has kept unchanged since.
    saved: Saved,
    kept: usize,
}

impl Log {
    pub fn push(&mut self, e: Entry) {
        self.entries.push(e);
    }

    /// Keep the first `len` entries (Figure 2, AppendEntries step 3: a conflicting entry and all that follow it go).
    pub fn truncate(&mut self, len: usize) {
        self.entries.truncate(len);
        self.kept = self.kept.min(len);
    }

    /// The log as it stands, for the disk: the full chunks of the last save that the log still holds unchanged,
    /// shared, and the rest copied.
    pub fn save(&mut self) -> Saved {
        let chunks = &mut self.saved.chunks;
        let base = chunks.last().map(|last| Base { last: Arc::downgrade(last), kept: self.kept });
        let whole = (self.kept / CHUNK).min(chunks.len());
        chunks.truncate(whole);
        chunks.extend(self.entries[whole * CHUNK..].chunks(CHUNK).map(Arc::from));
        self.saved.base = base;
        self.kept = self.entries.len();
        self.saved.clone()
    }

    /// The log a restart reads back from its disk (which it shares, as if it had just saved it).
    pub fn restored(disk: &Saved) -> Log {
        let entries = disk.to_vec();
        Log { kept: entries.len(), entries, saved: disk.clone() }
    }
}

impl From<Vec<Entry>> for Log {
    fn from(entries: Vec<Entry>) -> Self {
        Log { entries, saved: Saved::default(), kept: 0 }
    }
}

impl Deref for Log {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
    }
}

/// Logs are equal when their entries are: what the last save shares is a cache.
impl PartialEq for Log {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Eq for Log {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::msg::Cmd;

    fn entry(term: u64, value: u32) -> Entry {
        Entry { term, cmd: Cmd::Set { key: 0, value } }
    }

    /// Through appends, truncations inside and at chunk boundaries, and restarts, every save holds exactly the
    /// entries of the log, and shares with the save before it the full chunks the log did not change.
    #[test]
    fn a_save_holds_the_log_and_shares_only_unchanged_full_chunks() {
        let mut log = Log::default();
        let mut plain: Vec<Entry> = Vec::new();
        let mut last = Saved::default();
        let (mut longest, mut shared) = (0, 0);
        let mut x: u64 = 7;
        for step in 0..10_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly appends, so that the log spans many chunks; now and then a conflict cuts a few entries off
            // its end (as AppendEntries does), a cut to anywhere or to a chunk boundary, or a restart.
            let cut = match x % 1000 {
                0..=2 => Some((x >> 8) as usize % (plain.len() + 1)),
                3..=30 => Some(plain.len().saturating_sub((x >> 8) as usize % 8)),
                31..=33 => Some(plain.len() / CHUNK * CHUNK),
                _ => None,
            };
            if let Some(len) = cut {
                log.truncate(len);
                plain.truncate(len);
            } else if x % 1000 < 40 {
                log = Log::restored(&last);
                plain = last.to_vec();
            } else {
                let e = entry(x >> 40, step);
                log.push(e);
                plain.push(e);
            }
            assert_eq!(&log[..], &plain[..]);
            let saved = log.save();
            assert_eq!(saved.to_vec(), plain, "step {step}");
            assert_eq!(saved, Saved::from(plain.as_slice()), "chunk boundaries are canonical");
            for (i, (a, b)) in last.chunks.iter().zip(&saved.chunks).enumerate() {
                let unchanged = a.len() == CHUNK && a[..] == b[..];
                assert_eq!(Arc::ptr_eq(a, b), unchanged, "step {step}, chunk {i}");
                shared += usize::from(unchanged);
            }
            longest = longest.max(plain.len());
            last = saved;
        }
        assert!(longest > 4 * CHUNK && shared > 1_000, "the log spanned {longest} entries; {shared} chunks shared");
    }

    /// The common prefix a save reports with any earlier save — the one it was made from, an older one (as when a
    /// step saves twice and the checker saw only the first), one a restart read back — is the one a comparison of
    /// every entry finds; and a save made from `before` by appends reports it whole.
    #[test]
    fn a_save_finds_its_common_prefix_with_any_earlier_save() {
        let naive = |a: &[Entry], b: &[Entry]| a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let mut log = Log::default();
        let mut saves: Vec<Saved> = vec![Saved::new()];
        let mut x: u64 = 11;
        let (mut appended, mut checked) = (0, 0);
        for step in 0..6_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let before = log.len();
            match x % 100 {
                0..=2 => log.truncate(log.len().saturating_sub((x >> 8) as usize % 8)),
                3 => log.truncate(log.len().saturating_sub((x >> 8) as usize % 300)),
                4 => log = Log::restored(&saves[saves.len().saturating_sub(1 + (x >> 8) as usize % 4)]),
                // A conflict replaced by the same entries: the log holds what it held, its last chunk copied anew.
                5 if before > 0 => {
                    let e = log[before - 1];
                    log.truncate(before - 1);
                    log.push(e);
                }
                _ => {
                    for i in 0..1 + (x >> 8) % 3 {
                        log.push(entry((x >> 20) % 3, step * 4 + i as u32));
                    }
                }
            }
            let saved = log.save();
            for earlier in saves.iter().rev().take(4) {
                let expected = naive(&saved.to_vec(), &earlier.to_vec());
                assert_eq!(saved.common_prefix(earlier), expected, "step {step}");
                checked += 1;
            }
            if x % 100 > 5 && saves.last().is_some_and(|last| saved.common_prefix(last) == last.len()) {
                appended += 1;
            }
            assert_eq!(saved.len(), log.len());
            assert_eq!(saved.iter_from(before.min(log.len())).count(), log.len() - before.min(log.len()));
            saves.push(saved);
        }
        assert!(appended > 4_000 && checked > 20_000, "{appended} appends, {checked} comparisons");
        assert!(saves.iter().map(Saved::len).max() > Some(4 * CHUNK), "the log spanned several chunks");
    }

    #[test]
    fn logs_compare_by_their_entries_alone() {
        let mut a = Log::from(vec![entry(1, 1), entry(1, 2)]);
        let b = Log::from(vec![entry(1, 1), entry(1, 2)]);
        a.save();
        assert_eq!(a, b);
        a.truncate(1);
        assert_ne!(a, b);
    }
}
