//! Labels written piece by piece: `label!("RequestVote t", term, " (log ", index, "@t", last_term, ")")` makes the
//! same text as `format!("RequestVote t{term} (log {index}@t{last_term})")`, for strings, characters and integers.
//!
//! A recorded run labels every message it sends ([`crate::Describe`]), and `format!` goes through `core::fmt` for
//! each: a dynamic call for every piece, the padding and sign checks of every number, and a string that grows as it
//! is written (a second and third allocation when the first guess is short). That was a fifth of Raft's recorded run
//! (callgrind, its bench sample: 229.1M instructions, 197.7M with its messages labelled here; the kernel bench's
//! recorded storm 152.4M → 105.2M). Here every piece says its length first, so the text is written into one allocation
//! of exactly its size, the strings copied and the numbers by `itoa`.
//!
//! What it makes is a [`Label`]: the text of a message or a timer as its send or timer event keeps it. A label of up
//! to [`INLINE`] bytes is kept inside the event, a fixed one (`"OK".into()`) as the `&'static str` it is, and only a
//! longer text on the heap. A `String` each was an allocation for every event that sends, and a free when the trace
//! went: the recorded storm, whose labels (`token 4000123`) all fit, took 105.2M instructions for 100,000 steps with
//! them, 77.1M with labels kept inline (callgrind). A label takes a `String`'s 24 bytes natively; in wasm32, where a
//! `String` takes 12, events grow from 64 to 80 bytes, and the storm in Chromium is 18% faster all the same.

/// A piece of a label: its size in bytes, then the piece itself.
pub trait Piece {
    fn size(&self) -> usize;
    fn put(&self, out: &mut impl Out);
}

/// Where pieces are written: a `String`, or the buffer of an inline label.
pub trait Out {
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
}

impl Out for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }
    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

impl Piece for str {
    fn size(&self) -> usize {
        str::len(self)
    }
    fn put(&self, out: &mut impl Out) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn size(&self) -> usize {
        String::len(self)
    }
    fn put(&self, out: &mut impl Out) {
        out.push_str(self);
    }
}

impl Piece for Label {
    fn size(&self) -> usize {
        self.len()
    }
    fn put(&self, out: &mut impl Out) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn size(&self) -> usize {
        self.len_utf8()
    }
    fn put(&self, out: &mut impl Out) {
        out.push(*self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn size(&self) -> usize {
        T::size(self)
    }
    fn put(&self, out: &mut impl Out) {
        T::put(self, out);
    }
}

macro_rules! integers {
    ($($t:ty => $digits:expr),*) => {$(
        impl Piece for $t {
            fn size(&self) -> usize {
                let digits: fn($t) -> usize = $digits;
                digits(*self)
            }
            fn put(&self, out: &mut impl Out) {
                out.push_str(itoa::Buffer::new().format(*self));
            }
        }
    )*};
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn signed(n: i64) -> usize {
    usize::from(n < 0) + digits(n.unsigned_abs())
}

integers!(
    u8 => |n| digits(n.into()), u16 => |n| digits(n.into()), u32 => |n| digits(n.into()), u64 => digits,
    usize => |n| digits(n as u64), i8 => |n| signed(n.into()), i16 => |n| signed(n.into()),
    i32 => |n| signed(n.into()), i64 => signed
);

/// The [`Label`] of the pieces: inline when it fits, else in one allocation of its exact size (see the
/// [module](self)).
#[macro_export]
macro_rules! label {
    ($($piece:expr),+ $(,)?) => {{
        let size = 0 $(+ $crate::label::Piece::size(&$piece))*;
        if size <= $crate::label::INLINE {
            let mut out = $crate::label::Inline::default();
            $($crate::label::Piece::put(&$piece, &mut out);)*
            $crate::label::Label::from(out)
        } else {
            let mut out = ::std::string::String::with_capacity(size);
            $($crate::label::Piece::put(&$piece, &mut out);)*
            $crate::label::Label::from(out)
        }
    }};
}

/// The most bytes a [`Label`] keeps inline: what fits beside its tag and length in the 24 bytes of a `String`.
pub const INLINE: usize = 22;

/// The text of an inline label: up to [`INLINE`] bytes, written by [`Out::push_str`] (a piece past the end is cut
/// at a character's boundary; [`label!`] never writes one, as it measured the pieces first).
#[derive(Clone, Copy, Default)]
pub struct Inline {
    len: u8,
    bytes: [u8; INLINE],
}

impl Inline {
    fn as_str(&self) -> &str {
        let bytes = &self.bytes[..usize::from(self.len)];
        // Only whole `&str`s are ever copied in, so this is always valid; a cut in a character is shown up to it.
        std::str::from_utf8(bytes).unwrap_or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""))
    }
}

impl Out for Inline {
    fn push_str(&mut self, s: &str) {
        let at = usize::from(self.len);
        let mut n = s.len().min(INLINE - at);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.bytes[at..at + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n as u8;
    }
}

/// The text of a message or a timer, as its event keeps it: a fixed text, a short one inline, or a longer one on the
/// heap (see the [module](self)). It reads, compares, prints and serializes as the `str` it holds.
#[derive(Clone)]
pub enum Label {
    Static(&'static str),
    Inline(Inline),
    Heap(Box<str>),
}

impl Label {
    /// A copy of `text`: inline when it fits.
    pub fn new(text: &str) -> Label {
        if text.len() <= INLINE {
            let mut inline = Inline::default();
            inline.push_str(text);
            Label::Inline(inline)
        } else {
            Label::Heap(text.into())
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Label::Static(s) => s,
            Label::Inline(i) => i.as_str(),
            Label::Heap(s) => s,
        }
    }
}

impl Default for Label {
    fn default() -> Self {
        Label::Static("")
    }
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Label {
    fn from(text: &'static str) -> Self {
        Label::Static(text)
    }
}

impl From<String> for Label {
    fn from(text: String) -> Self {
        if text.len() <= INLINE {
            Label::new(&text)
        } else {
            Label::Heap(text.into_boxed_str())
        }
    }
}

impl From<Inline> for Label {
    fn from(inline: Inline) -> Self {
        Label::Inline(inline)
    }
}

impl From<Label> for String {
    fn from(label: Label) -> Self {
        match label {
            Label::Heap(s) => s.into(),
            other => other.as_str().to_string(),
        }
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Label {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Label> for str {
    fn eq(&self, other: &Label) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Label> for &str {
    fn eq(&self, other: &Label) -> bool {
        *self == other.as_str()
    }
}

impl std::fmt::Debug for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Label {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Label::from)
    }
}

#[cfg(test)]
mod tests {
    use super::{Inline, Label, Out, Piece, INLINE};

    /// A label reads, compares and serializes as its text, whichever way it is kept; a fixed text stays borrowed,
    /// a short one is copied inline and a long one goes to the heap.
    #[test]
    fn a_label_is_its_text_however_it_is_kept() {
        let long = "a text longer than what fits inline";
        let kept = [
            (Label::from("OK"), "OK"),
            (Label::from(String::from("token 4000123")), "token 4000123"),
            (Label::new("é".repeat(11).as_str()), "ééééééééééé"),
            (Label::from(long.to_string()), long),
            (Label::new(long), long),
            (Label::default(), ""),
        ];
        for (label, text) in &kept {
            assert_eq!(label.as_str(), *text);
            assert_eq!(label, text);
            assert_eq!(*text, label);
            assert_eq!(label.to_string(), *text);
            assert_eq!(format!("{label:?}"), format!("{text:?}"));
            assert_eq!(serde_json::to_string(label).ok(), serde_json::to_string(text).ok());
            let back: Option<Label> = serde_json::from_str(&serde_json::to_string(text).unwrap_or_default()).ok();
            assert_eq!(back.as_ref(), Some(label));
            assert_eq!(String::from(label.clone()), *text);
        }
        assert!(matches!(kept[0].0, Label::Static("OK")));
        assert!(matches!(kept[1].0, Label::Inline(_)) && matches!(kept[2].0, Label::Inline(_)));
        assert!(matches!(kept[3].0, Label::Heap(_)) && matches!(kept[4].0, Label::Heap(_)));
        assert_ne!(Label::from("OK"), Label::new("OK!"));
        assert_eq!(std::mem::size_of::<Label>(), std::mem::size_of::<String>(), "a label takes a string's room");
    }

    /// An inline buffer written past its end keeps what fits, cut at a character's boundary, and never panics.
    #[test]
    fn an_inline_label_cuts_what_does_not_fit_at_a_character() {
        let mut inline = Inline::default();
        inline.push_str(&"x".repeat(INLINE - 1));
        inline.push('é');
        assert_eq!(inline.as_str(), "x".repeat(INLINE - 1), "the two bytes of é do not fit in the one left");
        inline.push('y');
        assert_eq!(Label::from(inline), format!("{}y", "x".repeat(INLINE - 1)));
    }

    /// Every piece writes what `format!` writes, in exactly the bytes it announced.
    #[test]
    fn a_label_is_what_format_writes_in_one_allocation_of_its_size() {
        let numbers: [i64; 10] = [0, 1, 9, 10, 99, 100, -1, -10, i64::MAX, i64::MIN];
        for n in numbers {
            let s = crate::label!("n=", n, ' ', n.unsigned_abs(), "é", String::from("!"));
            assert_eq!(s.as_str(), format!("n={n} {}é!", n.unsigned_abs()));
            match s {
                Label::Inline(_) => assert!(s.len() <= INLINE, "{s}"),
                Label::Heap(ref h) => assert!(h.len() > INLINE, "{s}"),
                Label::Static(_) => panic!("{s}: made, not fixed"),
            }
        }
        assert_eq!(crate::label!("a", 1u8), "a1");
        assert!(matches!(crate::label!("x".repeat(INLINE)), Label::Inline(_)));
        assert!(matches!(crate::label!("x".repeat(INLINE), 'y'), Label::Heap(_)));
        for n in [0u64, 7, 10, 12_345, u64::MAX] {
            assert_eq!(Piece::size(&n), n.to_string().len());
            assert_eq!(Piece::size(&(n as u8)), (n as u8).to_string().len());
            assert_eq!(Piece::size(&(n as i8)), (n as i8).to_string().len());
        }
    }
}
