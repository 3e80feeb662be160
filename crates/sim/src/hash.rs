//! A stable hash of any serializable value over a compact binary encoding of its serde data model — integers as
//! 64-bit words, strings and sequences prefixed by their length, enum variants by index. The encoding names no
//! `usize` width and no platform detail, so native and wasm builds hash the same trace to the same string; and it
//! skips the text formatting a JSON encoding would cost (most of a run's time in wasm).
//!
//! The hash takes a word at a time — xor it in, multiply by the golden ratio, fold the high half down — and ends
//! with SplitMix64's finaliser. It used to be FNV-1a, a byte at a time: that was a fifth to a quarter of a recorded
//! run's time (perf, Redis lock and Raft as the page records them), a multiply per byte of every label.

use serde::ser::{self, Serialize};
use std::fmt;

/// Where a hash starts (also the crowd's member digest).
pub(crate) const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
/// Marks the start and the end of a sequence or map whose length is not known up front.
pub(crate) const OPEN: u64 = u64::MAX;
pub(crate) const CLOSE: u64 = u64::MAX - 1;

/// The hash's state. Besides serde's path (`value`), a caller may feed it words and texts directly (`word`, `str`):
/// the trace hashes its events so, in a compact encoding of its own ([`crate::Trace::compute_hash`]).
pub(crate) struct Hasher(u64);

/// One step of the hash: `state` with the word `w` folded in (also the crowd's member digest, [`crate::MemberDigest`]).
pub(crate) fn mix(state: u64, w: u64) -> u64 {
    let h = (state ^ w).wrapping_mul(MULTIPLIER);
    h ^ (h >> 32)
}

impl Hasher {
    pub(crate) fn new() -> Self {
        Hasher(OFFSET)
    }

    pub(crate) fn word(&mut self, w: u64) {
        self.0 = mix(self.0, w);
    }

    /// A string, as serde's path hashes one: its length, then its bytes.
    pub(crate) fn str(&mut self, s: &str) {
        self.sized(s.as_bytes());
    }

    /// Bytes after their length (a string's, or serde's bytes).
    fn sized(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        self.bytes(bytes);
    }

    /// Any serializable value, through serde's data model.
    pub(crate) fn value<T: Serialize + ?Sized>(&mut self, value: &T) {
        if value.serialize(&mut *self).is_err() {
            self.0 = !self.0;
        }
    }

    /// A struct's field or a map's entry: its name, then its value.
    pub(crate) fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        self.str(name);
        self.value(value);
    }

    /// 16 lowercase hex digits of the hash.
    pub(crate) fn hex(&self) -> String {
        format!("{:016x}", self.finish())
    }

    /// Whole words, then the rest with its length in the top byte (so that `a` and `a\0` differ).
    fn bytes(&mut self, bytes: &[u8]) {
        let (words, rest) = bytes.as_chunks::<8>();
        for w in words {
            self.word(u64::from_le_bytes(*w));
        }
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            for (to, from) in last.iter_mut().zip(rest) {
                *to = *from;
            }
            last[7] = 0x80 | rest.len() as u8;
            self.word(u64::from_le_bytes(last));
        }
    }

    /// SplitMix64's finaliser: every bit of the state reaches every bit of the hash.
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Hashing cannot fail; the error type exists because serde asks for one.
#[derive(Debug)]
pub struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hashing failed")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Never
    }
}

/// 16 lowercase hex digits.
pub fn hash_value<T: Serialize + ?Sized>(value: &T) -> String {
    let mut h = Hasher::new();
    h.value(value);
    h.hex()
}

/// The same hash as a number: the fingerprint the exhaustive checker keys its visited states by.
pub fn fingerprint<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut h = Hasher::new();
    h.value(value);
    h.finish()
}

/// The same hash over text written into it, and over anything `Hash` (for values that are not `Debug`).
pub struct DebugHasher(Hasher);

impl DebugHasher {
    pub fn new() -> Self {
        DebugHasher(Hasher(OFFSET))
    }
}

impl Default for DebugHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for DebugHasher {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.bytes(s.as_bytes());
        Ok(())
    }
}

impl std::hash::Hasher for DebugHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.bytes(bytes);
    }
}

impl ser::Serializer for &mut Hasher {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Never> {
        self.word(v as u64);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Never> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Never> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Never> {
        self.serialize_i64(v as i64)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Never> {
        self.word(v as u64);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Never> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Never> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Never> {
        self.serialize_u64(v as u64)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Never> {
        self.word(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        self.word(v.to_bits());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Never> {
        self.word(v as u64);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.serialize_bytes(v.as_bytes())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Never> {
        self.sized(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        self.word(0);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        self.word(1);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, index: u32, _: &'static str) -> Result<(), Never> {
        self.word(index as u64);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.word(index as u64);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Never> {
        self.word(len.map_or(OPEN, |n| n as u64));
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_tuple_variant(self, _: &'static str, index: u32, _: &'static str, _: usize) -> Result<Self, Never> {
        self.word(index as u64);
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Never> {
        self.word(len.map_or(OPEN, |n| n as u64));
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        Ok(self)
    }
    fn serialize_struct_variant(self, _: &'static str, index: u32, _: &'static str, _: usize) -> Result<Self, Never> {
        self.word(index as u64);
        Ok(self)
    }
}

macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Hasher {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Hasher {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        // Closes a map of unknown length (a flattened struct); harmless after one of known length.
        self.word(CLOSE);
        Ok(())
    }
}

macro_rules! named_fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Hasher {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Never> {
                // Field names matter: a skipped optional field must not look like the next one.
                key.serialize(&mut **self)?;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                Ok(())
            }
        }
    )*};
}

named_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_values_stay_pinned() {
        // Traces, swarms and checkers depend on these: a change here changes every trace's hash (bump the trace's
        // version with it).
        assert_eq!(hash_value(&0u64), "f9376fe90135a10e");
        assert_eq!(hash_value("a"), "cd5209c886f2924f");
    }

    #[test]
    fn a_short_tail_is_not_its_zero_padding() {
        let hash = |b: &[u8]| {
            let mut h = Hasher(OFFSET);
            h.bytes(b);
            h.finish()
        };
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b"abcdefgh"), hash(b"abcdefgh\0"));
        assert_ne!(hash(b""), hash(b"\0"));
    }

    #[test]
    fn different_values_hash_differently() {
        assert_ne!(hash_value(&[1u32, 2, 3]), hash_value(&[1u32, 2, 4]));
        assert_eq!(hash_value(&[1u32, 2, 3][..]), hash_value(&vec![1u32, 2, 3]));
        assert_ne!(hash_value(&("ab", "c")), hash_value(&("a", "bc")), "lengths separate strings");
        assert_ne!(hash_value(&Some(0u8)), hash_value(&None::<u8>));
        assert_eq!(hash_value("x").len(), 16);
    }

    #[test]
    fn integer_widths_do_not_matter() {
        // usize is 4 bytes in wasm32 and 8 natively: both hash as 8.
        assert_eq!(hash_value(&7usize), hash_value(&7u64));
        assert_eq!(hash_value(&7u32), hash_value(&7u64));
    }
}
