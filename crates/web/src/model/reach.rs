//! Where in a list of arrows or marks (in the order the run made them) to look for the ones a view needs. The
//! diagram draws the arrows and marks that reach into its window, the ring the messages in flight at the cursor;
//! both were found by reading every arrow and mark of the run at every step. Raft's busiest run has 141,000 arrows
//! and 50,000 marks: that read was most of a step's time in the page. An index of running bounds gives, for a
//! window or a cursor, the slice outside which nothing can qualify; the views filter that slice as before, so they
//! draw exactly what they drew.

use std::ops::Range;

/// For items with an extent [left, right] on the diagram's x axis: how far right any item up to each index reaches,
/// and how far left any item from each index on starts. A NaN end (an extent still open) counts as unbounded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reach {
    right_max: Vec<f64>,
    left_min: Vec<f64>,
}

impl Reach {
    /// The index of items given by their extents, in list order.
    pub fn new(extents: impl Iterator<Item = (f64, f64)>) -> Reach {
        let (lefts, rights): (Vec<f64>, Vec<f64>) = extents
            .map(
                |(a, b)| {
                    if a.is_nan() || b.is_nan() {
                        (f64::NEG_INFINITY, f64::INFINITY)
                    } else {
                        (a.min(b), a.max(b))
                    }
                },
            )
            .unzip();
        let mut right_max = rights;
        for i in 1..right_max.len() {
            right_max[i] = right_max[i].max(right_max[i - 1]);
        }
        let mut left_min = lefts;
        for i in (0..left_min.len().saturating_sub(1)).rev() {
            left_min[i] = left_min[i].min(left_min[i + 1]);
        }
        Reach { right_max, left_min }
    }

    /// The items that may overlap [x0, x1]: every item before the range ends left of x0, every item after it starts
    /// right of x1.
    pub fn within(&self, x0: f64, x1: f64) -> Range<usize> {
        let start = self.right_max.partition_point(|&r| r < x0);
        let end = self.left_min.partition_point(|&l| l <= x1);
        start..end.max(start)
    }
}

/// For messages in send order: the latest step by which any message up to each index had ended (delivered or
/// dropped; never, if it has not).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ends(Vec<u32>);

impl Ends {
    pub fn new(ends: impl Iterator<Item = Option<u32>>) -> Ends {
        let mut latest = 0;
        Ends(
            ends.map(|e| {
                latest = latest.max(e.unwrap_or(u32::MAX));
                latest
            })
            .collect(),
        )
    }

    /// The first message that may still be in flight at `cursor` (every one before it had ended before it).
    pub fn first_open_at(&self, cursor: u32) -> usize {
        self.0.partition_point(|&e| e < cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlaps(a: f64, b: f64, x0: f64, x1: f64) -> bool {
        a.min(b) <= x1 && a.max(b) >= x0
    }

    /// Whatever the extents (long ones, backwards ones, open ones), no item outside the range overlaps the window,
    /// and the range is short when the items are short.
    #[test]
    fn nothing_outside_the_range_reaches_into_the_window() {
        let mut x: u64 = 99;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let items: Vec<(f64, f64)> = (0..5_000)
            .map(|i| {
                let a = i as f64;
                let b = match next(100) {
                    0 => f64::NAN,
                    1 => a + next(3_000) as f64,
                    2 => a - next(50) as f64,
                    _ => a + next(20) as f64,
                };
                (a, b)
            })
            .collect();
        let reach = Reach::new(items.iter().copied());
        for _ in 0..2_000 {
            let x0 = next(5_200) as f64 - 100.0;
            let x1 = x0 + next(300) as f64;
            let r = reach.within(x0, x1);
            for (i, &(a, b)) in items.iter().enumerate() {
                if !r.contains(&i) {
                    assert!(!overlaps(a, b, x0, x1) || a.is_nan() || b.is_nan(), "item {i} ({a}, {b}) in [{x0}, {x1}]");
                    assert!(!(a.is_nan() || b.is_nan()), "an open item {i} was left out of {r:?}");
                }
            }
        }
        // Short items only: the range is about the window.
        let short: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, i as f64 + 5.0)).collect();
        assert_eq!(Reach::new(short.into_iter()).within(5_000.0, 5_100.0), 4_995..5_101);
        assert_eq!(Reach::new(std::iter::empty()).within(0.0, 10.0), 0..0);
    }

    #[test]
    fn messages_before_the_first_open_one_had_all_ended() {
        let ends = Ends::new([Some(3), Some(2), Some(9), None, Some(4)].into_iter());
        assert_eq!(ends.first_open_at(0), 0);
        assert_eq!(ends.first_open_at(3), 0);
        assert_eq!(ends.first_open_at(4), 2);
        assert_eq!(ends.first_open_at(10), 3);
        assert_eq!(ends.first_open_at(u32::MAX), 3);
    }
}
