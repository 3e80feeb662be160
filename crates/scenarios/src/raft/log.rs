//! A server's log, and the copy of it a save hands the kernel. Raft writes its whole persistent state before it
//! answers (Figure 2: "updated on stable storage before responding to RPCs"), and nearly every save follows an
//! append. Copied whole, a log of 10,000 entries cost 160 KB of copying at every save, and a seek in a long run
//! replays hundreds of saves. So a saved log is kept in chunks of [`CHUNK`] entries, and a save shares with the save
//! before it every full chunk the log still holds unchanged: an append copies the last chunk only. (Raft's busiest
//! run, natively: a seek's replay p95 5–6 → 1.1–1.2 ms, the run's peak memory 152 → 103 MB.)
//!
//! The chunks are a cache, nothing more: a saved log always holds exactly the entries the log held when it was saved
//! (the tests below check it against a plain copy through appends, truncations and restarts), and logs compare by
//! their entries.

use super::msg::Entry;
use std::ops::Deref;
use std::sync::Arc;

/// Entries per chunk of a saved log.
pub const CHUNK: usize = 256;

/// A log as saved: its entries in chunks of [`CHUNK`] (the last one may hold fewer). Chunk boundaries fall at the
/// same indices in every save, so two saves of the same entries compare equal, chunk by chunk — by pointer first,
/// when they share the chunk.
#[derive(Clone, Debug, Default)]
pub struct Saved(Vec<Arc<[Entry]>>);

/// Chunk by chunk, shared ones by pointer: the kernel compares every save with the one before it, and those share all
/// but their last chunks. (`Arc`'s own `==` looks at the pointer first only for sized contents, not for a slice.)
impl PartialEq for Saved {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| Arc::ptr_eq(a, b) || a[..] == b[..])
    }
}

impl Eq for Saved {}

impl Saved {
    pub fn to_vec(&self) -> Vec<Entry> {
        self.0.iter().flat_map(|c| c.iter().copied()).collect()
    }
}

impl From<&[Entry]> for Saved {
    fn from(entries: &[Entry]) -> Self {
        Saved(entries.chunks(CHUNK).map(Arc::from).collect())
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
        let whole = (self.kept / CHUNK).min(self.saved.0.len());
        self.saved.0.truncate(whole);
        self.saved.0.extend(self.entries[whole * CHUNK..].chunks(CHUNK).map(Arc::from));
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
            for (i, (a, b)) in last.0.iter().zip(&saved.0).enumerate() {
                let unchanged = a.len() == CHUNK && a[..] == b[..];
                assert_eq!(Arc::ptr_eq(a, b), unchanged, "step {step}, chunk {i}");
                shared += usize::from(unchanged);
            }
            longest = longest.max(plain.len());
            last = saved;
        }
        assert!(longest > 4 * CHUNK && shared > 1_000, "the log spanned {longest} entries; {shared} chunks shared");
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
