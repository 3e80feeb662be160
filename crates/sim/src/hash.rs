//! A stable hash: FNV-1a (64 bit) over the canonical JSON of a value. JSON pins the byte layout (no `usize`
//! widths, no enum discriminant encodings), so native and wasm builds hash the same trace to the same string.

use serde::Serialize;
use std::io;

struct Fnv64(u64);

impl io::Write for Fnv64 {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for b in buf {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// 16 lowercase hex digits.
pub fn hash_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut h = Fnv64(0xcbf2_9ce4_8422_2325);
    // Serializing plain data into an infallible writer cannot fail; if it ever did, the hash still differs.
    if serde_json::to_writer(&mut h, value).is_err() {
        h.0 = !h.0;
    }
    format!("{:016x}", h.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_vector() {
        // FNV-1a 64 of the bytes `"a"` (JSON of the string a) — computed independently.
        let mut h = Fnv64(0xcbf2_9ce4_8422_2325);
        io::Write::write(&mut h, b"a").unwrap();
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn different_values_hash_differently() {
        assert_ne!(hash_json(&[1, 2, 3]), hash_json(&[1, 2, 4]));
        assert_eq!(hash_json(&[1, 2, 3]), hash_json(&vec![1, 2, 3]));
        assert_eq!(hash_json("x").len(), 16);
    }
}
