//! The rest of a page's module takes the data that only its own code reads.
//!
//! A page's first part held all of its module's data (the Redis lock's: 84 KB, 38 KB compressed), because code
//! refers to data by address and an address does not say which object it points into. The linker does: built with
//! `--emit-relocs` (`.cargo/config.toml`), the module keeps wasm-ld's symbol table, which gives every data object its
//! address and size, and its relocations, which say how code and data refer to each object. `note` keeps of them what
//! the split needs, in a custom section of its own that rides through wasm-opt, and `plan` uses it:
//!
//! - An object is read by the first part if a function kept there holds an address inside it, or one just past its
//!   end, in any constant (`i32.const`, either half of an `i64.const`, a load's or a store's offset), or a global
//!   starts at such an address, or an object it reads holds such an address in one of its words (pointers in data are
//!   aligned words), and so on until nothing is added.
//! - An object that code or data refers to at an address outside it (a relocation's addend past its end, which
//!   code may then step back from) is read by the first part: nothing else can tell its readers.
//! - Bytes of objects that the first part does not read go to the rest, as data segments at the same addresses:
//!   instantiating the rest writes them into the shared memory, before any moved function runs. Bytes that belong to
//!   no object stay, with every object their words point into; so do bytes that also belong to an object that stays
//!   (the linker merges equal tails of strings).
//!
//! The section also holds a hash of the module's data as the linker laid it out: if the bytes at those addresses are
//! not the same when the module is split (a tool moved data), nothing moves.

use walrus::ir::{dfs_in_order, Instr, InstrLocId, Value, Visitor};
use walrus::{ConstExpr, DataKind, FunctionId, GlobalKind, Module};

/// The custom section that carries the page's data objects from the linker's output to `split`.
pub const SECTION: &str = "faultline.data-symbols";
/// A run of movable bytes shorter than this stays: a data segment's header in each part costs about a tenth of it.
const MIN_RUN: usize = 32;

type Result<T = ()> = std::result::Result<T, String>;

/// A data object of the linker's: `size` bytes at `start`. `pinned` if code or data refers to it at an address
/// outside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Object {
    pub start: u32,
    pub size: u32,
    pub pinned: bool,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader { b, i: 0 }
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn byte(&mut self) -> Result<u8> {
        let x = *self.b.get(self.i).ok_or("the wasm ends inside a section")?;
        self.i += 1;
        Ok(x)
    }
    fn uleb(&mut self) -> Result<u64> {
        let (mut r, mut shift) = (0u64, 0);
        loop {
            let x = self.byte()?;
            r |= u64::from(x & 0x7f).checked_shl(shift).ok_or("an integer in the wasm is too long")?;
            shift += 7;
            if x < 0x80 {
                return Ok(r);
            }
        }
    }
    fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.uleb()?).map_err(|_| "an integer in the wasm is too large".to_string())
    }
    fn sleb(&mut self) -> Result<i64> {
        let (mut r, mut shift) = (0i64, 0u32);
        loop {
            let x = self.byte()?;
            if shift >= 64 {
                return Err("an integer in the wasm is too long".into());
            }
            r |= i64::from(x & 0x7f) << shift;
            shift += 7;
            if x < 0x80 {
                if x & 0x40 != 0 && shift < 64 {
                    r |= -1i64 << shift;
                }
                return Ok(r);
            }
        }
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.i.checked_add(n).filter(|e| *e <= self.b.len()).ok_or("the wasm ends inside a section")?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }
    fn name(&mut self) -> Result<&'a str> {
        let n = self.uleb()? as usize;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| "a name in the wasm is not UTF-8".to_string())
    }
}

/// A section: its id, all its bytes (id and size included), and its body.
type Section<'a> = (u8, &'a [u8], &'a [u8]);

/// The module's sections, in order.
fn sections(wasm: &[u8]) -> Result<Vec<Section<'_>>> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut r = Reader { b: wasm, i: 8 };
    let mut out = Vec::new();
    while !r.done() {
        let at = r.i;
        let id = r.byte()?;
        let n = r.uleb()? as usize;
        let body = r.bytes(n)?;
        out.push((id, &wasm[at..r.i], body));
    }
    Ok(out)
}

/// A custom section's name and payload.
fn custom(body: &[u8]) -> Result<(&str, &[u8])> {
    let mut r = Reader::new(body);
    let name = r.name()?;
    Ok((name, &body[r.i..]))
}

/// The active data segments of memory 0 in a data section's body, at constant addresses.
fn raw_segments(body: &[u8]) -> Result<Vec<(u32, &[u8])>> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    for _ in 0..r.u32()? {
        let flags = r.u32()?;
        let passive = flags == 1;
        if flags == 2 && r.u32()? != 0 {
            return Err("a data segment of another memory".into());
        }
        let mut at = None;
        if !passive {
            if flags > 2 || r.byte()? != 0x41 {
                return Err("a data segment at an address that is not an i32.const".into());
            }
            at = Some(r.sleb()? as u32);
            if r.byte()? != 0x0b {
                return Err("a data segment's address is not a constant".into());
            }
        }
        let n = r.uleb()? as usize;
        let bytes = r.bytes(n)?;
        if let Some(at) = at {
            out.push((at, bytes));
        }
    }
    Ok(out)
}

/// The memory the segments make, from its first byte that is not zero to its last: the address and the bytes.
fn image(segments: &[(u32, &[u8])]) -> (u32, Vec<u8>) {
    let lo = segments.iter().map(|(a, _)| *a).min().unwrap_or(0);
    let hi = segments.iter().map(|(a, b)| *a as usize + b.len()).max().unwrap_or(0);
    let mut mem = vec![0u8; hi.saturating_sub(lo as usize)];
    for (a, b) in segments {
        let at = (*a - lo) as usize;
        mem[at..at + b.len()].copy_from_slice(b);
    }
    let first = mem.iter().position(|b| *b != 0).unwrap_or(mem.len());
    let last = mem.iter().rposition(|b| *b != 0).map_or(first, |i| i + 1);
    (lo + first as u32, mem[first..last].to_vec())
}

fn image_hash(segments: &[(u32, &[u8])]) -> u64 {
    faultline_sim::hash::fingerprint(&image(segments))
}

fn push_uleb(out: &mut Vec<u8>, mut v: usize) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        out.push(if v == 0 { b } else { b | 0x80 });
        if v == 0 {
            return;
        }
    }
}

fn push_custom(out: &mut Vec<u8>, name: &str, payload: &[u8]) {
    let mut body = Vec::new();
    push_uleb(&mut body, name.len());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(payload);
    out.push(0);
    push_uleb(out, body.len());
    out.extend(body);
}

/// The module without the linker's `linking` and `reloc.*` sections, and with `SECTION` in their place if they were
/// there: the data objects (from the symbol table) with whether each is pinned (from the relocations), and the hash
/// of the data they lie in. Nothing else changes: the code and the data stay byte for byte.
pub fn note(wasm: &[u8]) -> Result<Vec<u8>> {
    rewrite(wasm, true)
}

/// The module without the linker's `linking` and `reloc.*` sections (a module that is not split: the bench's probe).
pub fn strip(wasm: &[u8]) -> Result<Vec<u8>> {
    rewrite(wasm, false)
}

fn rewrite(wasm: &[u8], keep: bool) -> Result<Vec<u8>> {
    let sections = sections(wasm)?;
    let mut out = wasm[..8].to_vec();
    let (mut linking, mut relocs, mut data) = (None, Vec::new(), Vec::new());
    for (id, whole, body) in &sections {
        if *id == 0 {
            let (name, payload) = custom(body)?;
            if name == "linking" {
                linking = Some(payload);
                continue;
            }
            if name.starts_with("reloc.") {
                relocs.push(payload);
                continue;
            }
        }
        if *id == 11 {
            data = raw_segments(body)?;
        }
        out.extend_from_slice(whole);
    }
    let Some(linking) = linking.filter(|_| keep) else { return Ok(out) };
    let objects = objects(linking, &relocs, &data)?;
    let mut payload = image_hash(&data).to_le_bytes().to_vec();
    payload.extend((objects.len() as u32).to_le_bytes());
    for o in &objects {
        payload.extend(o.start.to_le_bytes());
        payload.extend(o.size.to_le_bytes());
        payload.push(u8::from(o.pinned));
    }
    push_custom(&mut out, SECTION, &payload);
    Ok(out)
}

/// The defined data symbols of a `linking` section (version 2), pinned by the relocations that refer to them
/// outside their bytes.
fn objects(linking: &[u8], relocs: &[&[u8]], data: &[(u32, &[u8])]) -> Result<Vec<Object>> {
    const UNDEFINED: u32 = 0x10;
    const EXPLICIT_NAME: u32 = 0x40;
    const SYMBOL_TABLE: u8 = 8;
    let mut r = Reader::new(linking);
    if r.u32()? != 2 {
        return Err("the linking section is not of version 2".into());
    }
    // Every symbol's place in the table, for the relocations; data symbols carry their object.
    let mut symbols: Vec<Option<Object>> = Vec::new();
    while !r.done() {
        let kind = r.byte()?;
        let n = r.uleb()? as usize;
        let sub = r.bytes(n)?;
        if kind != SYMBOL_TABLE {
            continue;
        }
        let mut s = Reader::new(sub);
        for _ in 0..s.u32()? {
            let kind = s.byte()?;
            let flags = s.u32()?;
            let mut object = None;
            match kind {
                // A function, a global, a tag or a table: its index, and its name if it has its own.
                0 | 2 | 4 | 5 => {
                    s.u32()?;
                    if flags & UNDEFINED == 0 || flags & EXPLICIT_NAME != 0 {
                        s.name()?;
                    }
                }
                1 => {
                    s.name()?;
                    if flags & UNDEFINED == 0 {
                        let (segment, offset, size) = (s.u32()? as usize, s.u32()?, s.u32()?);
                        let base = data.get(segment).ok_or("a data symbol in a segment the module does not have")?.0;
                        object = Some(Object { start: base + offset, size, pinned: false });
                    }
                }
                3 => {
                    s.u32()?;
                }
                k => return Err(format!("a symbol of an unknown kind {k} in the linking section")),
            }
            symbols.push(object);
        }
    }
    // Relocations that name an address in memory, each with an addend.
    const MEMORY: [u8; 11] = [3, 4, 5, 11, 14, 15, 16, 17, 21, 23, 25];
    const WITH_ADDEND: [u8; 14] = [3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25];
    for payload in relocs {
        let mut r = Reader::new(payload);
        r.u32()?;
        for _ in 0..r.u32()? {
            let ty = r.byte()?;
            r.u32()?;
            let index = r.u32()? as usize;
            let addend = if WITH_ADDEND.contains(&ty) { r.sleb()? } else { 0 };
            if MEMORY.contains(&ty) {
                if let Some(Some(o)) = symbols.get_mut(index) {
                    if addend < 0 || addend > i64::from(o.size) {
                        o.pinned = true;
                    }
                }
            }
        }
    }
    let mut objects: Vec<Object> = symbols.into_iter().flatten().filter(|o| o.size > 0).collect();
    objects.sort_by_key(|o| (o.start, o.size));
    Ok(objects)
}

/// Read `SECTION`'s payload.
fn read(payload: &[u8]) -> Result<(u64, Vec<Object>)> {
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if payload.len() < 12 {
        return Err(format!("{SECTION} is too short"));
    }
    let hash = u64::from_le_bytes(payload[..8].try_into().map_err(|_| "unreachable")?);
    let n = word(&payload[8..]) as usize;
    let rest = &payload[12..];
    if rest.len() != n * 9 {
        return Err(format!("{SECTION} does not hold the {n} objects it counts"));
    }
    let objects = rest.chunks(9).map(|c| Object { start: word(c), size: word(&c[4..]), pinned: c[8] != 0 }).collect();
    Ok((hash, objects))
}

/// Addresses a function names: every constant (both halves of a 64-bit one) and every memory access's offset.
#[derive(Default)]
struct Addresses(Vec<u32>);

impl<'i> Visitor<'i> for Addresses {
    fn visit_instr(&mut self, instr: &'i Instr, _: &'i InstrLocId) {
        let mut wide = |v: u64| self.0.extend([v as u32, (v >> 32) as u32]);
        match instr {
            Instr::Const(c) => match c.value {
                Value::I32(v) => self.0.push(v as u32),
                Value::I64(v) => wide(v as u64),
                Value::F32(v) => self.0.push(v.to_bits()),
                Value::F64(v) => wide(v.to_bits()),
                Value::V128(v) => {
                    wide(v as u64);
                    wide((v >> 64) as u64);
                }
            },
            Instr::Load(i) => wide(i.arg.offset),
            Instr::Store(i) => wide(i.arg.offset),
            Instr::AtomicRmw(i) => wide(i.arg.offset),
            Instr::Cmpxchg(i) => wide(i.arg.offset),
            Instr::AtomicNotify(i) => wide(i.arg.offset),
            Instr::AtomicWait(i) => wide(i.arg.offset),
            Instr::LoadSimd(i) => wide(i.arg.offset),
            _ => {}
        }
    }
}

/// What moves: data segments for the rest, at their addresses.
pub struct Plan {
    pub runs: Vec<(u32, Vec<u8>)>,
}

impl Plan {
    pub fn bytes(&self) -> usize {
        self.runs.iter().map(|(_, b)| b.len()).sum()
    }
}

/// The module's active data segments, in memory 0 at constant addresses; an error names what stops the data from
/// moving (a passive segment, another memory, an address that is not a constant).
fn segments(m: &Module) -> Result<Vec<(u32, Vec<u8>)>> {
    let memory = m.memories.iter().next().map(|mem| mem.id());
    if m.memories.iter().count() != 1 {
        return Err("the module has more than one memory".into());
    }
    let segs: Vec<(u32, Vec<u8>)> = m
        .data
        .iter()
        .map(|d| match &d.kind {
            DataKind::Active { memory: mem, offset: ConstExpr::Value(Value::I32(at)) } if Some(*mem) == memory => {
                Ok((*at as u32, d.value.clone()))
            }
            _ => Err("the module has a data segment that is passive or not at a constant address".to_string()),
        })
        .collect::<Result<_>>()?;
    let mut spans: Vec<(u64, u64)> = segs.iter().map(|(a, b)| (*a as u64, *a as u64 + b.len() as u64)).collect();
    spans.sort_unstable();
    if spans.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err("the module's data segments overlap".into());
    }
    Ok(segs)
}

/// Which data moves to the rest when `kept` are the functions that stay: see the module's doc. `payload` is
/// `SECTION`'s. An error says why nothing moves.
pub fn plan(m: &Module, payload: &[u8], kept: &[FunctionId]) -> Result<Plan> {
    let (hash, objects) = read(payload)?;
    let segs = segments(m)?;
    let borrowed: Vec<(u32, &[u8])> = segs.iter().map(|(a, b)| (*a, b.as_slice())).collect();
    if image_hash(&borrowed) != hash {
        return Err("the module's data is not where the linker put it".into());
    }
    let (lo, mem) = image(&borrowed);
    let hi = lo as u64 + mem.len() as u64;
    let max = objects.iter().map(|o| o.size).max().unwrap_or(0);
    // The objects that hold `x`, or end at it.
    let holding = |x: u32, out: &mut Vec<usize>| {
        let end = objects.partition_point(|o| o.start <= x);
        for (i, o) in objects[..end].iter().enumerate().rev() {
            if (o.start as u64 + max as u64) < x as u64 {
                break;
            }
            if x as u64 <= o.start as u64 + o.size as u64 {
                out.push(i);
            }
        }
    };
    let mut roots = Addresses::default();
    for id in kept {
        let f = m.funcs.get(*id).kind.unwrap_local();
        dfs_in_order(&mut roots, f, f.entry_block());
    }
    for g in m.globals.iter() {
        if let GlobalKind::Local(ConstExpr::Value(v)) = g.kind {
            match v {
                Value::I32(v) => roots.0.push(v as u32),
                Value::I64(v) => roots.0.extend([v as u32, (v as u64 >> 32) as u32]),
                _ => {}
            }
        }
    }
    let mut stack = Vec::new();
    for x in roots.0 {
        holding(x, &mut stack);
    }
    stack.extend(objects.iter().enumerate().filter(|(_, o)| o.pinned).map(|(i, _)| i));
    let mut reached = vec![false; objects.len()];
    // A word of memory, its bytes outside the image zero (the image starts at its first byte that is not).
    let byte = |at: u64| at.checked_sub(lo as u64).and_then(|i| mem.get(i as usize)).copied().unwrap_or(0);
    let word = |at: u64| u32::from_le_bytes([byte(at), byte(at + 1), byte(at + 2), byte(at + 3)]);
    // Bytes of no object stay, and so do the objects their words point into.
    // An object's bytes, as a range of the image.
    let span = |o: &Object| {
        let at = |x: u64| (x.clamp(lo as u64, hi) - lo as u64) as usize;
        at(o.start as u64)..at(o.start as u64 + o.size as u64)
    };
    let mut covered = vec![false; mem.len()];
    for o in &objects {
        covered[span(o)].fill(true);
    }
    let mut at = lo as u64 / 4 * 4;
    while at < hi {
        if (at..at + 4).any(|a| !a.checked_sub(lo as u64).and_then(|i| covered.get(i as usize)).is_some_and(|c| *c)) {
            holding(word(at), &mut stack);
        }
        at += 4;
    }
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        let o = objects[i];
        let (mut at, end) = ((o.start as u64).div_ceil(4) * 4, o.start as u64 + o.size as u64);
        while at + 4 <= end {
            holding(word(at), &mut stack);
            at += 4;
        }
    }
    // Bytes of objects the first part does not read, less those of objects it does.
    let mut moves = vec![false; mem.len()];
    for pass in [false, true] {
        for (o, r) in objects.iter().zip(&reached) {
            if *r != pass {
                continue;
            }
            moves[span(o)].fill(!pass);
        }
    }
    // Runs of them, within one segment each.
    let mut runs = Vec::new();
    for (at, bytes) in &segs {
        let mut k = 0;
        while k < bytes.len() {
            let moving = |k: usize| {
                (*at as u64 + k as u64).checked_sub(lo as u64).and_then(|i| moves.get(i as usize)).copied()
                    == Some(true)
            };
            if !moving(k) {
                k += 1;
                continue;
            }
            let from = k;
            while k < bytes.len() && moving(k) {
                k += 1;
            }
            if k - from >= MIN_RUN {
                runs.push((at + from as u32, bytes[from..k].to_vec()));
            }
        }
    }
    Ok(Plan { runs })
}

/// Move the plan's data: out of the first part's segments, into active segments of the rest at the same addresses.
pub fn apply(first: &mut Module, rest: &mut Module, plan: &Plan) -> Result {
    let segs = segments(first)?;
    let memory = first.memories.iter().next().map(|m| m.id()).ok_or("the module has no memory")?;
    let rest_memory = rest.memories.iter().next().map(|m| m.id()).ok_or("the rest has no memory")?;
    for id in first.data.iter().map(|d| d.id()).collect::<Vec<_>>() {
        first.data.delete(id);
    }
    first.memories.get_mut(memory).data_segments.clear();
    let mut runs = plan.runs.iter().map(|(a, b)| (*a, *a + b.len() as u32)).peekable();
    let active = |at: u32| DataKind::Active { memory, offset: ConstExpr::Value(Value::I32(at as i32)) };
    for (at, bytes) in segs {
        let end = at + bytes.len() as u32;
        let mut from = at;
        while let Some((a, b)) = runs.next_if(|(a, _)| (at..end).contains(a)) {
            if a > from {
                first.data.add(active(from), bytes[(from - at) as usize..(a - at) as usize].to_vec());
            }
            from = b;
        }
        if from < end {
            first.data.add(active(from), bytes[(from - at) as usize..].to_vec());
        }
    }
    for (at, bytes) in &plan.runs {
        let kind = DataKind::Active { memory: rest_memory, offset: ConstExpr::Value(Value::I32(*at as i32)) };
        rest.data.add(kind, bytes.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::split;
    use crate::split::tests::run_parts;

    /// Objects of 64 bytes, 128 apart, so that none ends where another starts: `A` read by a kept function; `G` read
    /// only by a moved one, and holding a pointer to `H`; `C` read by a kept function by index from its start and by a
    /// moved one at a constant address inside it; `E` (8 bytes) read by a kept function, holding a pointer to `D`; `F`
    /// read only by a moved function, but referred to past its end (pinned).
    const MODULE: &str = r#"(module
        (memory (export "memory") 1)
        (data (i32.const 1024) "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        (data (i32.const 1152) "G\00\00\00\00\07\00\00GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG")
        (data (i32.const 1280) "cccccccCcccccccccccccccccccccccccccccccccccccccccccccccccccccccc")
        (data (i32.const 1408) "\00\06\00\00\00\00\00\00")
        (data (i32.const 1536) "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD")
        (data (i32.const 1664) "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")
        (data (i32.const 1792) "HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH")
        (func (export "a") (result i32) (i32.load8_u (i32.const 1024)))
        (func (export "c_at") (param i32) (result i32) (i32.load8_u (i32.add (i32.const 1280) (local.get 0))))
        (func (export "d") (result i32) (i32.load8_u (i32.load (i32.const 1408))))
        (func (export "g") (result i32) (i32.add (i32.load8_u (i32.const 1152)) (i32.load8_u (i32.const 1287))))
        (func (export "f") (result i32) (i32.load8_u (i32.const 1664)))
        (func (export "h") (result i32) (i32.load8_u (i32.load (i32.const 1156))))
        (table 1 funcref))"#;
    const OBJECTS: [(u32, u32); 7] =
        [(1024, 64), (1152, 64), (1280, 64), (1408, 8), (1536, 64), (1664, 64), (1792, 64)];

    fn uleb(out: &mut Vec<u8>, v: u32) {
        push_uleb(out, v as usize);
    }

    /// The module as wasm-ld's `--emit-relocs` leaves it: a symbol table naming the objects (in three segments'
    /// worth of data: the first holds all of them here) and a relocation that refers to `F` past its end.
    fn linked() -> Vec<u8> {
        let mut wasm = wat::parse_str(MODULE).unwrap();
        let mut table = Vec::new();
        uleb(&mut table, OBJECTS.len() as u32 + 1);
        // A function symbol first, as the table has: its index and name.
        table.extend([0, 0, 0, 1, b'f']);
        for (k, (start, size)) in OBJECTS.iter().enumerate() {
            table.extend([1, 0, 1, b'a' + k as u8]);
            // Every segment of the wat is its own: the object's segment, offset 0.
            uleb(&mut table, k as u32);
            uleb(&mut table, 0);
            uleb(&mut table, *size);
            let _ = start;
        }
        let mut linking = vec![2, 8];
        uleb(&mut linking, table.len() as u32);
        linking.extend(table);
        push_custom(&mut wasm, "linking", &linking);
        // R_WASM_MEMORY_ADDR_SLEB to F (symbol 6) at 70 (signed LEB: two bytes), and to A at 3 (inside it).
        let relocs = [10, 2, 4, 0, 6, 0xc6, 0, 4, 0, 1, 3];
        push_custom(&mut wasm, "reloc.CODE", &relocs);
        wasm
    }

    fn names(wasm: &[u8]) -> Vec<String> {
        sections(wasm).unwrap().iter().filter(|s| s.0 == 0).map(|s| custom(s.2).unwrap().0.to_string()).collect()
    }

    #[test]
    fn the_linkers_sections_become_the_objects_with_the_pinned_one_marked() {
        let noted = note(&linked()).unwrap();
        assert_eq!(names(&noted), [SECTION]);
        let payload = sections(&noted).unwrap().iter().find(|s| s.0 == 0).map(|s| custom(s.2).unwrap().1).unwrap();
        let (_, objects) = read(payload).unwrap();
        let got: Vec<(u32, u32, bool)> = objects.iter().map(|o| (o.start, o.size, o.pinned)).collect();
        let want: Vec<(u32, u32, bool)> = OBJECTS.iter().map(|(a, s)| (*a, *s, *a == 1664)).collect();
        assert_eq!(got, want);
        assert!(names(&strip(&linked()).unwrap()).is_empty());
        let plain = wat::parse_str(MODULE).unwrap();
        assert_eq!(note(&plain).unwrap(), plain, "a module the linker left no symbols in is left as it is");
    }

    fn data_of(wasm: &[u8]) -> Vec<(u32, usize)> {
        let m = Module::from_buffer(wasm).unwrap();
        let mut d: Vec<(u32, usize)> = segments(&m).unwrap().into_iter().map(|(a, b)| (a, b.len())).collect();
        d.sort_unstable();
        d
    }

    #[test]
    fn data_only_moved_code_reads_goes_to_the_rest_and_reads_the_same() {
        // a, c_at and d ran; g, f and h did not.
        let parts = split(&note(&linked()).unwrap(), &[1, 1, 1, 0, 0, 0]).unwrap();
        assert_eq!(parts.moved, 3);
        assert_eq!(parts.data, Ok(128), "G and H move; C, read by index, and the pinned F stay");
        assert_eq!(data_of(&parts.first), [(1024, 64), (1280, 64), (1408, 8), (1536, 64), (1664, 64)]);
        assert_eq!(data_of(&parts.rest), [(1152, 64), (1792, 64)]);
        assert!(!names(&parts.first).contains(&SECTION.to_string()), "the section does not ship");
        let dir = std::env::temp_dir().join(format!("faultline-split-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = run_parts(
            &dir,
            &parts,
            "env: {}",
            r#"const c = (x) => String.fromCharCode(x);
               const out = [c(e.a()), c(e.c_at(7)), c(e.d()), loads];
               out.push(e.g(), c(e.h()), c(e.f()), loads);
               console.log(out.join(','));"#,
        );
        // g = 'G' + 'C' (71 + 67): the moved function reads its own data and the kept C alike.
        assert_eq!(out, "A,C,D,0,138,H,F,1");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nothing_moves_when_the_data_is_not_where_the_linker_put_it() {
        let noted = note(&linked()).unwrap();
        let mut m = Module::from_buffer(&noted).unwrap();
        let id = m.data.iter().map(|d| d.id()).next().unwrap();
        m.data.get_mut(id).value[0] = b'Z';
        let parts = split(&m.emit_wasm(), &[1, 1, 1, 0, 0, 0]).unwrap();
        assert_eq!(parts.data, Err("the module's data is not where the linker put it".into()));
        assert_eq!(data_of(&parts.first).len(), OBJECTS.len());
        let plain = split(&wat::parse_str(MODULE).unwrap(), &[1, 1, 1, 0, 0, 0]).unwrap();
        assert!(plain.data.unwrap_err().contains("--emit-relocs"));
    }
}
