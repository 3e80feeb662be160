//! What a server holds per key while something is in flight for it (a recompute, a refresh, the queries of a key):
//! a vector of (key, value) sorted by key, found by binary search. It holds the keys busy at one moment, a few even
//! in a stampede over 10,000 keys (a key leaves once its work is done), and it is smaller and faster there than a
//! `BTreeMap`: an entry comes and goes with a short move of the vector, and every kind of value shares the vector's
//! code (the page's first download carries the scenario's code; see xtask/src/split.rs).

use super::msg::Key;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByKey<V>(Vec<(Key, V)>);

impl<V> Default for ByKey<V> {
    fn default() -> Self {
        ByKey(Vec::new())
    }
}

impl<V> ByKey<V> {
    fn find(&self, key: Key) -> Result<usize, usize> {
        self.0.binary_search_by_key(&key, |e| e.0)
    }

    pub fn get(&self, key: Key) -> Option<&V> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, key: Key) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    /// The value of `key`, made first (`make`) if it has none.
    pub fn get_or_insert_with(&mut self, key: Key, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Set the value of `key`; the one it replaces, if any.
    pub fn insert(&mut self, key: Key, value: V) -> Option<V> {
        match self.find(key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: Key) -> Option<V> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map agrees with a `BTreeMap` given the same operations, in any order of keys.
    #[test]
    fn it_answers_as_a_btree_map_does() {
        let mut ours = ByKey::default();
        let mut theirs = std::collections::BTreeMap::new();
        let mut x = 7u32;
        for step in 0..2_000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let key = x % 40;
            match step % 4 {
                0 | 1 => assert_eq!(ours.insert(key, step), theirs.insert(key, step)),
                2 => assert_eq!(ours.remove(key), theirs.remove(&key)),
                _ => *ours.get_or_insert_with(key, || 0) += 1,
            }
            if step % 4 == 3 {
                *theirs.entry(key).or_insert(0) += 1;
            }
            assert_eq!(ours.get(key), theirs.get(&key));
            assert_eq!(ours.len(), theirs.len());
        }
        let sorted: Vec<(Key, u32)> = theirs.into_iter().collect();
        assert_eq!(ours.0, sorted);
        assert!(!ours.is_empty());
    }
}
