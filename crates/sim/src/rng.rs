//! The runs' random numbers: ChaCha8 (Bernstein's ChaCha with 8 rounds; a 64-bit block counter and a 64-bit
//! stream number), keyed by a `u64` seed as `rand`'s `SeedableRng::seed_from_u64` keys it. Every target draws the
//! very same words: those of `rand_chacha::ChaCha8Rng`.
//!
//! Natively [`ChaCha8Rng`] *is* `rand_chacha`'s, whose SIMD code makes four blocks at a time. In wasm that crate
//! has no SIMD backend, and its portable code measured 3.4 times native for a stream's first draws and 2.2 times
//! for a long stream (Node, the same machine); a short run's nodes draw a few numbers each, so in the page most of
//! that was the first block. There [`ChaCha8Rng`] is [`Scalar`]: plain 32-bit code that makes one 64-byte block
//! when the last is used up (in Node, 5.5 times faster than the portable code for a stream's first draws, 1.7
//! times for a long stream). The tests compare the two word for word, across blocks, streams and clones; the wasm
//! determinism test compares whole runs.

use rand::rand_core::{SeedableRng, TryRng};
use std::convert::Infallible;

/// The generator every node, the network and the fault mixes draw from.
#[cfg(not(target_arch = "wasm32"))]
pub type ChaCha8Rng = rand_chacha::ChaCha8Rng;
/// The generator every node, the network and the fault mixes draw from.
#[cfg(target_arch = "wasm32")]
pub type ChaCha8Rng = Scalar;

/// Stream `stream` of `seed`: how every generator of a run is made (each node's, the network's, a fault mix's), so
/// that they draw apart from one another and the same on every target.
pub fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// "expand 32-byte k", ChaCha's four constant words.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];
const BLOCK_WORDS: usize = 16;
/// Double rounds: ChaCha8 is four column rounds and four diagonal rounds.
const DOUBLE_ROUNDS: usize = 4;

/// ChaCha8, one block at a time, in scalar code: the same words as `rand_chacha::ChaCha8Rng` from the same seed
/// and stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    key: [u32; 8],
    stream: u64,
    /// The counter of the next block to make.
    next_block: u64,
    /// The block in use (counter `next_block - 1`), valid when `index` is below 16 or a block has been made.
    block: [u32; BLOCK_WORDS],
    /// The next word of `block` to hand out; 16 when it is used up (or none has been made).
    index: usize,
}

#[inline(always)]
fn quarter_round(x: &mut [u32; BLOCK_WORDS], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

impl Scalar {
    /// Draw from stream `stream` of this seed from here on (the position in the stream is kept), as
    /// `rand_chacha::ChaCha8Rng::set_stream` does.
    pub fn set_stream(&mut self, stream: u64) {
        self.stream = stream;
        if self.index < BLOCK_WORDS {
            self.next_block = self.next_block.wrapping_sub(1);
            let index = self.index;
            self.make_block();
            self.index = index;
        }
    }

    /// How many words have been drawn, as `rand_chacha::ChaCha8Rng::get_word_pos` counts them.
    pub fn get_word_pos(&self) -> u128 {
        u128::from(self.next_block) * BLOCK_WORDS as u128 + self.index as u128 - BLOCK_WORDS as u128
    }

    /// Block `next_block` into `block`, and the counter on by one.
    #[inline(never)]
    fn make_block(&mut self) {
        let mut input = [0u32; BLOCK_WORDS];
        input[..4].copy_from_slice(&SIGMA);
        input[4..12].copy_from_slice(&self.key);
        input[12] = self.next_block as u32;
        input[13] = (self.next_block >> 32) as u32;
        input[14] = self.stream as u32;
        input[15] = (self.stream >> 32) as u32;
        let mut x = input;
        for _ in 0..DOUBLE_ROUNDS {
            quarter_round(&mut x, 0, 4, 8, 12);
            quarter_round(&mut x, 1, 5, 9, 13);
            quarter_round(&mut x, 2, 6, 10, 14);
            quarter_round(&mut x, 3, 7, 11, 15);
            quarter_round(&mut x, 0, 5, 10, 15);
            quarter_round(&mut x, 1, 6, 11, 12);
            quarter_round(&mut x, 2, 7, 8, 13);
            quarter_round(&mut x, 3, 4, 9, 14);
        }
        for ((out, x), input) in self.block.iter_mut().zip(x).zip(input) {
            *out = x.wrapping_add(input);
        }
        self.next_block = self.next_block.wrapping_add(1);
        self.index = 0;
    }

    #[inline]
    fn word(&mut self) -> u32 {
        if self.index >= BLOCK_WORDS {
            self.make_block();
        }
        let w = self.block[self.index];
        self.index += 1;
        w
    }
}

impl SeedableRng for Scalar {
    type Seed = [u8; 32];

    fn from_seed(seed: [u8; 32]) -> Self {
        let mut key = [0u32; 8];
        for (k, bytes) in key.iter_mut().zip(seed.as_chunks::<4>().0) {
            *k = u32::from_le_bytes(*bytes);
        }
        Scalar { key, stream: 0, next_block: 0, block: [0; BLOCK_WORDS], index: BLOCK_WORDS }
    }
}

/// Words in order: a `u64` is two words, the low one first; bytes are whole words, little-endian, the rest of a
/// last partial word dropped (as `rand_core`'s block buffer does).
impl TryRng for Scalar {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = self.word() as u64;
        Ok(((self.word() as u64) << 32) | lo)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngExt};

    /// Draws of every kind the runs make, in an order given by `pattern`, from both generators.
    fn same_draws(seed: u64, stream: u64, pattern: &[u8]) {
        let mut ours = Scalar::seed_from_u64(seed);
        let mut theirs = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        ours.set_stream(stream);
        theirs.set_stream(stream);
        for (i, &p) in pattern.iter().enumerate() {
            let at = format!("seed {seed}, stream {stream}, draw {i} ({p})");
            match p % 7 {
                0 => assert_eq!(ours.next_u32(), theirs.next_u32(), "{at}"),
                1 => assert_eq!(ours.next_u64(), theirs.next_u64(), "{at}"),
                2 => assert_eq!(ours.random_range(0..=1000u32), theirs.random_range(0..=1000u32), "{at}"),
                3 => assert_eq!(ours.random_range(5..u64::MAX), theirs.random_range(5..u64::MAX), "{at}"),
                4 => assert_eq!(ours.random_bool(0.3), theirs.random_bool(0.3), "{at}"),
                5 => {
                    let (mut a, mut b) = ([0u8; 11], [0u8; 11]);
                    let n = p as usize % 12;
                    ours.fill_bytes(&mut a[..n]);
                    theirs.fill_bytes(&mut b[..n]);
                    assert_eq!(a, b, "{at}");
                }
                _ => {
                    // A clone goes on from where it was taken, as the original does.
                    let (mut a, mut b) = (ours.clone(), theirs.clone());
                    assert_eq!(a.next_u64(), ours.next_u64(), "{at}");
                    assert_eq!(b.next_u64(), theirs.next_u64(), "{at}");
                    assert_eq!(a.next_u32(), b.next_u32(), "{at}");
                }
            }
        }
    }

    #[test]
    fn the_same_words_as_rand_chacha() {
        // Pseudo-random patterns, long enough to cross several of both generators' buffers (16 and 64 words).
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for seed in 0..300u64 {
            let pattern: Vec<u8> = (0..(seed as usize % 97) * 3)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            same_draws(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), seed % 5, &pattern);
        }
    }

    #[test]
    fn an_odd_word_then_a_u64_across_every_block_boundary() {
        // 1 word then u64s: a u64 straddles both generators' buffer ends.
        let mut pattern = vec![0u8];
        pattern.extend(std::iter::repeat_n(1u8, 200));
        same_draws(7, 0, &pattern);
    }

    #[test]
    fn the_stream_changes_mid_block_as_rand_chacha_changes_it() {
        for skip in [0usize, 1, 5, 15, 16, 17, 63, 64, 65, 100] {
            let mut ours = Scalar::seed_from_u64(42);
            let mut theirs = rand_chacha::ChaCha8Rng::seed_from_u64(42);
            for _ in 0..skip {
                assert_eq!(ours.next_u32(), theirs.next_u32());
            }
            ours.set_stream(9);
            theirs.set_stream(9);
            assert_eq!(ours.get_word_pos(), theirs.get_word_pos(), "after {skip} words");
            for i in 0..80 {
                assert_eq!(ours.next_u32(), theirs.next_u32(), "after {skip} words, word {i}");
                assert_eq!(ours.get_word_pos(), theirs.get_word_pos(), "after {skip} words, word {i}");
            }
        }
    }

    #[test]
    fn streams_and_seeds_differ() {
        let first = |seed: u64, stream: u64| {
            let mut r = Scalar::seed_from_u64(seed);
            r.set_stream(stream);
            r.next_u64()
        };
        assert_ne!(first(1, 0), first(1, 1));
        assert_ne!(first(1, 0), first(2, 0));
    }
}
