//! A page's wasm in two parts: what its first load runs, and the rest, fetched once the first part has come.
//!
//! A scenario's page runs about two fifths of its module's code to load and draw (its scenario, the kernel, the
//! trace, the components it shows), and the rest only when the learner does something (a step, a click, an export,
//! a search, a compare, the error paths; the loader holds such input until the rest has come). So the site ships
//! the module in two parts, as binaryen's `wasm-split` and Emscripten's "split modules" do:
//!
//! 1. `instrument` marks, in a global of its own, every function the module runs; the site's build loads each page in
//!    headless Chromium with that module (`tests/e2e/split-profile.mjs`) and reads which functions ran.
//! 2. `split` keeps those in the page's module (the first part) and moves the others to a second module (the rest).
//!    A moved function leaves a stub of its own type in the first part: the first time one is called, it asks the
//!    glue to load the rest (`__fl.load`, synchronous, from what the page prefetched or else from the network), and
//!    it calls the function through the table, where the rest put it when it was instantiated. The rest imports the
//!    first part's memory, tables, globals and the functions it calls, which the first part exports as `~f<index>`,
//!    `~g<index>`, `~t<index>`, `~m`.
//!
//! 3. The site's build then optimises each part on its own (`wasm-opt -O3`): the module is split as rustc made it, so
//!    that binaryen's inliner cannot fold a function the first load does not run into one it does (a single caller's
//!    callee is always inlined). Split after binaryen, the first loads were 3.2–5.2 KB larger (gzip).
//!
//! A function that names a data or element segment, or takes a function's reference, stays in the first part. Data
//! that only moved functions read moves with them (`split_data`).

use std::collections::{BTreeMap, HashSet};
use walrus::ir::{dfs_in_order, Instr, Value, Visitor};
use walrus::{
    ConstExpr, DataId, ElementId, ElementItems, ElementKind, ExportItem, FunctionBuilder, FunctionId, FunctionKind,
    GlobalKind, ImportId, ImportKind, ImportedFunction, InstrSeqBuilder, Module, ValType,
};

/// The instrumented module's profile: one exported global per defined function, `__fl_profile_<i>`, 1 once it ran.
pub const PROFILE_EXPORT: &str = "__fl_profile_";
/// The first part's import that loads the rest.
pub const LOAD_MODULE: &str = "__fl";
pub const LOAD_NAME: &str = "load";
/// The module name under which the rest imports what the first part exports.
pub const REST_IMPORTS: &str = "p";

type Result<T = ()> = std::result::Result<T, String>;

fn parse(wasm: &[u8]) -> Result<Module> {
    Module::from_buffer(wasm).map_err(|e| format!("reading the wasm: {e}"))
}

/// The module's defined functions, in the order the profile counts them.
fn defined(m: &Module) -> Vec<FunctionId> {
    m.funcs.iter_local().map(|(id, _)| id).collect()
}

/// The module with a global per defined function, set to 1 at the function's start and exported as
/// `PROFILE_EXPORT` and the function's place among the defined ones.
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut m = parse(wasm)?;
    for (i, id) in defined(&m).into_iter().enumerate() {
        let ran = m.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
        m.exports.add(&format!("{PROFILE_EXPORT}{i}"), ran);
        let f = m.funcs.get_mut(id).kind.unwrap_local_mut();
        let mut body = f.builder_mut().func_body();
        body.instr_at(0, Instr::Const(walrus::ir::Const { value: Value::I32(1) }));
        body.instr_at(1, Instr::GlobalSet(walrus::ir::GlobalSet { global: ran }));
    }
    Ok(m.emit_wasm())
}

/// What `split` made.
#[derive(Debug)]
pub struct Split {
    pub first: Vec<u8>,
    pub rest: Vec<u8>,
    /// Defined functions: in all, kept in the first part, moved to the rest.
    pub functions: usize,
    pub kept: usize,
    pub moved: usize,
    /// Bytes of data moved to the rest (`split_data`), or why none did.
    pub data: std::result::Result<usize, String>,
}

/// Whether a function can move: it names no data or element segment and takes no function's reference.
fn movable(m: &Module, id: FunctionId) -> bool {
    #[derive(Default)]
    struct Pinned(bool);
    impl<'i> Visitor<'i> for Pinned {
        fn visit_data_id(&mut self, _: &DataId) {
            self.0 = true;
        }
        fn visit_element_id(&mut self, _: &ElementId) {
            self.0 = true;
        }
        fn visit_ref_func(&mut self, _: &walrus::ir::RefFunc) {
            self.0 = true;
        }
    }
    let f = m.funcs.get(id).kind.unwrap_local();
    let mut v = Pinned::default();
    dfs_in_order(&mut v, f, f.entry_block());
    !v.0
}

/// An item of the rest made an import of the first part's export `name`: its import renamed if it has one (`None`),
/// else a new import, which the caller attaches to the item.
fn import_from_first(m: &mut Module, existing: Option<ImportId>, name: String, kind: ImportKind) -> Option<ImportId> {
    match existing {
        Some(imp) => {
            let imp = m.imports.get_mut(imp);
            imp.module = REST_IMPORTS.into();
            imp.name = name;
            None
        }
        None => Some(m.imports.add(REST_IMPORTS, &name, kind)),
    }
}

/// Split `wasm` by `profile` (from a run of `instrument`'s module): the functions that ran stay in the first part.
/// Nothing moves (and the rest is empty) if no function is left to move.
pub fn split(wasm: &[u8], profile: &[u8]) -> Result<Split> {
    let mut first = parse(wasm)?;
    let objects = first.customs.remove_raw(crate::split_data::SECTION).map(|s| s.data);
    let ids = defined(&first);
    if profile.len() != ids.len() {
        return Err(format!("the profile counts {} functions, the module defines {}", profile.len(), ids.len()));
    }
    let moved: Vec<FunctionId> =
        ids.iter().enumerate().filter(|(i, id)| profile[*i] == 0 && movable(&first, **id)).map(|(_, id)| *id).collect();
    let (functions, kept) = (ids.len(), ids.len() - moved.len());
    if moved.is_empty() {
        let first = if objects.is_some() { first.emit_wasm() } else { wasm.to_vec() };
        return Ok(Split { first, rest: Vec::new(), functions, kept, moved: 0, data: Ok(0) });
    }
    let table = first
        .tables
        .main_function_table()
        .map_err(|e| format!("finding the function table: {e}"))?
        .ok_or("the module has no function table")?;
    let base = first.tables.get(table).initial;
    let end = base + moved.len() as u64;

    // The rest: the same module, where the moved functions stay defined and everything else is imported. Its ids
    // are its own (walrus's ids name their module): items are matched by their place in the module.
    let mut rest = parse(wasm)?;
    let place = |all: Vec<FunctionId>| -> BTreeMap<FunctionId, usize> {
        all.into_iter().enumerate().map(|(i, f)| (f, i)).collect()
    };
    let first_place = place(first.funcs.iter().map(|f| f.id()).collect());
    let rest_funcs: Vec<FunctionId> = rest.funcs.iter().map(|f| f.id()).collect();
    let rest_moved: Vec<FunctionId> = moved.iter().map(|f| rest_funcs[first_place[f]]).collect();
    let table_place = first.tables.iter().position(|t| t.id() == table).ok_or("the function table has no place")?;
    let rest_table = rest.tables.iter().nth(table_place).map(|t| t.id()).ok_or("the rest has no function table")?;
    let moved_set: HashSet<FunctionId> = rest_moved.iter().copied().collect();
    for e in rest.exports.iter().map(|e| e.id()).collect::<Vec<_>>() {
        rest.exports.delete(e);
    }
    rest.start = None;
    for d in rest.data.iter().map(|d| d.id()).collect::<Vec<_>>() {
        rest.data.delete(d);
    }
    for e in rest.elements.iter().map(|e| e.id()).collect::<Vec<_>>() {
        rest.elements.delete(e);
    }
    for t in rest.tables.iter_mut() {
        t.elem_segments.clear();
    }
    let customs: Vec<_> = rest.customs.iter().map(|(id, _)| id).collect();
    for c in customs {
        rest.customs.delete(c);
    }
    // Every function that does not move, defined or imported, becomes an import of the first part's export.
    for (i, id) in rest.funcs.iter().map(|f| f.id()).collect::<Vec<_>>().into_iter().enumerate() {
        if moved_set.contains(&id) {
            continue;
        }
        let name = format!("~f{i}");
        let ty = rest.funcs.get(id).ty();
        let existing = match &rest.funcs.get(id).kind {
            FunctionKind::Import(imp) => Some(imp.import),
            _ => None,
        };
        if let Some(import) = import_from_first(&mut rest, existing, name, ImportKind::Function(id)) {
            rest.funcs.get_mut(id).kind = FunctionKind::Import(ImportedFunction { import, ty });
        }
    }
    for (i, id) in rest.globals.iter().map(|g| g.id()).collect::<Vec<_>>().into_iter().enumerate() {
        let existing = match rest.globals.get(id).kind {
            GlobalKind::Import(imp) => Some(imp),
            GlobalKind::Local(_) => None,
        };
        if let Some(import) = import_from_first(&mut rest, existing, format!("~g{i}"), ImportKind::Global(id)) {
            rest.globals.get_mut(id).kind = GlobalKind::Import(import);
        }
    }
    for (i, id) in rest.tables.iter().map(|t| t.id()).collect::<Vec<_>>().into_iter().enumerate() {
        let existing = rest.tables.get(id).import;
        if let Some(import) = import_from_first(&mut rest, existing, format!("~t{i}"), ImportKind::Table(id)) {
            rest.tables.get_mut(id).import = Some(import);
        }
        let t = rest.tables.get_mut(id);
        t.init = None;
        if id == rest_table {
            t.initial = end;
            t.maximum = t.maximum.map(|max| max.max(end));
        }
    }
    for (i, id) in rest.memories.iter().map(|m| m.id()).collect::<Vec<_>>().into_iter().enumerate() {
        let existing = rest.memories.get(id).import;
        if let Some(import) = import_from_first(&mut rest, existing, format!("~m{i}"), ImportKind::Memory(id)) {
            rest.memories.get_mut(id).import = Some(import);
        }
        rest.memories.get_mut(id).data_segments.clear();
    }
    if rest.tags.iter().next().is_some() {
        return Err("the module declares exception tags, which the split does not handle".into());
    }
    // The data that only moved functions read goes with them.
    let moved_first: HashSet<FunctionId> = moved.iter().copied().collect();
    let kept_ids: Vec<FunctionId> = ids.iter().copied().filter(|f| !moved_first.contains(f)).collect();
    let data = objects
        .ok_or_else(|| "the module carries no data objects (it was not linked with --emit-relocs)".to_string())
        .and_then(|payload| crate::split_data::plan(&first, &payload, &kept_ids));
    if let Ok(plan) = &data {
        crate::split_data::apply(&mut first, &mut rest, plan)?;
    }
    let data = data.map(|plan| plan.bytes());
    let offset = ConstExpr::Value(Value::I32(i32::try_from(base).map_err(|_| "the table is too large")?));
    rest.elements.add(ElementKind::Active { table: rest_table, offset }, ElementItems::Functions(rest_moved));
    walrus::passes::gc::run(&mut rest);
    // What the rest still imports, the first part exports under the same name.
    let needed: BTreeMap<String, ImportKind> =
        rest.imports.iter().filter(|i| i.module == REST_IMPORTS).map(|i| (i.name.clone(), i.kind.clone())).collect();
    let rest_bytes = rest.emit_wasm();

    // The first part: every moved function a stub that loads the rest once and calls it through the table.
    let loaded = first.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
    let load_ty = first.types.add(&[], &[]);
    let (load, _) = first.add_import_func(LOAD_MODULE, LOAD_NAME, load_ty);
    // Load the rest unless it is loaded: one function that every stub calls first.
    let ensure = {
        let mut b = FunctionBuilder::new(&mut first.types, &[], &[]);
        b.func_body().global_get(loaded).unop(walrus::ir::UnaryOp::I32Eqz).if_else(
            None,
            |then: &mut InstrSeqBuilder| {
                then.call(load).i32_const(1).global_set(loaded);
            },
            |_| {},
        );
        b.finish(Vec::new(), &mut first.funcs)
    };
    {
        let t = first.tables.get_mut(table);
        t.initial = end;
        t.maximum = t.maximum.map(|max| max.max(end));
    }
    for (k, id) in moved.iter().enumerate() {
        let ty = first.funcs.get(*id).ty();
        let (params, results) = {
            let t = first.types.get(ty);
            (t.params().to_vec(), t.results().to_vec())
        };
        let mut b = FunctionBuilder::new(&mut first.types, &params, &results);
        let args: Vec<_> = params.iter().map(|p| first.locals.add(*p)).collect();
        let mut body = b.func_body();
        body.call(ensure);
        for a in &args {
            body.local_get(*a);
        }
        body.i32_const((base + k as u64) as i32).call_indirect(ty, table);
        first.funcs.get_mut(*id).kind = FunctionKind::Local(b.local_func(args));
    }
    let all_funcs: Vec<FunctionId> = first.funcs.iter().map(|f| f.id()).collect();
    let all_globals: Vec<_> = first.globals.iter().map(|g| g.id()).collect();
    let all_tables: Vec<_> = first.tables.iter().map(|t| t.id()).collect();
    let all_memories: Vec<_> = first.memories.iter().map(|m| m.id()).collect();
    for (name, kind) in needed {
        let index: usize = name[2..].parse().map_err(|_| format!("an unexpected import name {name}"))?;
        let item = match kind {
            ImportKind::Function(_) => all_funcs.get(index).map(|f| ExportItem::Function(*f)),
            ImportKind::Global(_) => all_globals.get(index).map(|g| ExportItem::Global(*g)),
            ImportKind::Table(_) => all_tables.get(index).map(|t| ExportItem::Table(*t)),
            ImportKind::Memory(_) => all_memories.get(index).map(|m| ExportItem::Memory(*m)),
            ImportKind::Tag(_) => None,
        }
        .ok_or_else(|| format!("the rest imports {name}, which the first part does not have"))?;
        first.exports.add(&name, item);
    }
    // A stub that nothing in the first part calls, exports or puts in a table goes: only moved code called it.
    walrus::passes::gc::run(&mut first);
    Ok(Split { first: first.emit_wasm(), rest: rest_bytes, functions, kept, moved: moved.len(), data })
}

/// The module's imports from wasm-bindgen's glue (`./<crate>_bg.js`) renamed `a`, `b`, … `z`, `a0`, … in the module
/// and in the glue's import object: their names (`__wbg_getBoundingClientRect_329ca748ec918b0c`) are a twentieth of
/// the glue and of the import section. Each name must be a key of the glue's import object exactly once.
pub fn shorten_imports(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    let mut m = parse(wasm)?;
    let mut glue = glue.to_string();
    let ids: Vec<_> = m.imports.iter().filter(|i| i.module.ends_with("_bg.js")).map(|i| i.id()).collect();
    for (k, id) in ids.into_iter().enumerate() {
        let import = m.imports.get_mut(id);
        let key = format!("\n        {}: function(", import.name);
        if glue.matches(&key).count() != 1 {
            return Err(format!("the glue does not define the import {} once", import.name));
        }
        import.name = short_name(k);
        glue = glue.replacen(&key, &format!("\n        {}: function(", import.name), 1);
    }
    Ok((m.emit_wasm(), glue))
}

/// The `k`th short name: `a` … `z`, then `a0` … `z0`, `a1`, …
fn short_name(k: usize) -> String {
    let letter = char::from(b'a' + (k % 26) as u8);
    if k < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", k / 26 - 1)
    }
}

/// wasm-bindgen's glue for the first part: its imports gain `__fl.load`, and it exports `prefetch_rest`; `rest` is
/// the rest's file name, next to the glue.
pub fn glue(glue: &str, rest: &str) -> Result<String> {
    const IMPORTS: &str = "function __wbg_get_imports() {";
    if glue.matches(IMPORTS).count() != 1 || !glue.contains("wasm = instance.exports;") {
        return Err("wasm-bindgen's glue is not the one the split knows (`__wbg_get_imports`, `wasm`)".into());
    }
    let tail = include_str!("split_glue.js").replace("__FL_REST__", rest);
    Ok(glue.replace(IMPORTS, "function __wbg_get_imports_whole() {") + &tail)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::Command;

    /// A module with what the page's modules have: a function table called through, a mutable global (the stack
    /// pointer), memory with data, an import from JS, and functions that call each other both ways.
    const MODULE: &str = r#"(module
        (import "env" "twice" (func $twice (param i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\05\00\00\00")
        (global $sp (mut i32) (i32.const 1024))
        (table 2 funcref)
        (elem (i32.const 0) $hot $cold)
        (type $t (func (param i32) (result i32)))
        (func $hot (param i32) (result i32) (i32.add (local.get 0) (i32.load (i32.const 16))))
        (func $cold (param i32) (result i32)
            (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
            (i32.store (i32.const 20) (call $hot (call $twice (local.get 0))))
            (i32.load (i32.const 20)))
        (func (export "run_hot") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
        (func (export "run_cold") (param i32) (result i32) (call $cold (local.get 0)))
        (func (export "run_cold_indirect") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 1)))
        (func (export "sp") (result i32) (global.get $sp)))"#;

    /// Run `script` in Node with the files in `dir` (which it reads by name).
    pub(crate) fn node(dir: &std::path::Path, script: &str) -> String {
        let out = Command::new("node").args(["-e", script]).current_dir(dir).output().expect("node runs");
        assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Run `script` in Node over the two parts, written into `dir`: the first part instantiated with `imports` (the
    /// text of an object's entries) and a `__fl.load` that instantiates the rest and counts its calls in `loads`;
    /// `e` is the first part's exports.
    pub(crate) fn run_parts(dir: &std::path::Path, parts: &Split, imports: &str, script: &str) -> String {
        std::fs::write(dir.join("first.wasm"), &parts.first).unwrap();
        std::fs::write(dir.join("rest.wasm"), &parts.rest).unwrap();
        let preamble = format!(
            "const fs = require('fs');
             let loads = 0, first;
             const load = () => {{ loads++; new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync('rest.wasm')), {{ p: first.exports }}); }};
             first = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync('first.wasm')), {{ {imports}, __fl: {{ load }} }});
             const e = first.exports;\n"
        );
        node(dir, &(preamble + script))
    }

    #[test]
    fn the_split_module_runs_as_the_whole_did_and_loads_the_rest_once_when_needed() {
        let whole = wat::parse_str(MODULE).unwrap();
        let dir = std::env::temp_dir().join(format!("faultline-split-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("instrumented.wasm"), instrument(&whole).unwrap()).unwrap();
        // The profile of a run that calls only `run_hot`: `hot` and `run_hot` ran, in the module's order.
        let profile = node(
            &dir,
            r#"const m = new WebAssembly.Instance(new WebAssembly.Module(require('fs').readFileSync('instrumented.wasm')),
                 { env: { twice: (x) => 2 * x } });
               m.exports.run_hot(1);
               const ran = [];
               for (let i = 0; m.exports[`__fl_profile_${i}`]; i++) ran.push(m.exports[`__fl_profile_${i}`].value);
               console.log(ran.join(','));"#,
        );
        assert_eq!(profile, "1,0,1,0,0,0");
        let bytes: Vec<u8> = profile.split(',').map(|b| b.parse().unwrap()).collect();
        let parts = split(&whole, &bytes).unwrap();
        assert_eq!((parts.functions, parts.kept, parts.moved), (6, 2, 4));
        let runs = run_parts(
            &dir,
            &parts,
            "env: { twice: (x) => 2 * x }",
            r#"const out = [];
               out.push(e.run_hot(1), loads);
               out.push(e.run_cold(3), loads, e.sp());
               out.push(e.run_cold_indirect(4), e.run_cold(5), loads, e.sp());
               console.log(out.join(','));"#,
        );
        // run_hot(1) = 1 + 5 without loading; run_cold(3) = 2*3 + 5, loading the rest once; the stack pointer moves
        // as in the whole module; calls through the table reach the moved function too.
        assert_eq!(runs, "6,0,11,1,1008,13,15,1,976");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_moved_function_that_only_moved_code_calls_leaves_no_stub() {
        let whole = wat::parse_str(
            r#"(module
                (func (export "a") (result i32) (i32.const 1))
                (func (export "b") (result i32) (i32.add (call $c) (i32.const 1)))
                (func $c (result i32) (i32.const 40))
                (table 0 funcref))"#,
        )
        .unwrap();
        let parts = split(&whole, &[1, 0, 0]).unwrap();
        assert_eq!(parts.moved, 2);
        // a, the stub of b, and the function that loads the rest once; c is only in the rest.
        assert_eq!(parse(&parts.first).unwrap().funcs.iter_local().count(), 3);
        let dir = std::env::temp_dir().join(format!("faultline-split-gc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            run_parts(&dir, &parts, "env: {}", "console.log([e.a(), loads, e.b(), loads].join(','));"),
            "1,0,41,1"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nothing_moves_when_everything_ran_and_a_profile_of_another_length_is_refused() {
        let whole = wat::parse_str(MODULE).unwrap();
        let all = split(&whole, &[1; 6]).unwrap();
        assert_eq!((all.moved, all.rest.len()), (0, 0));
        assert_eq!(all.first, whole);
        assert!(split(&whole, &[1; 5]).unwrap_err().contains("counts 5 functions"));
        assert!(split(&whole, &[1; 7]).unwrap_err().contains("counts 7 functions"), "a profile of another module");
    }

    #[test]
    fn imports_from_the_glue_get_short_names_in_both() {
        let wasm = wat::parse_str(
            r#"(module (import "./x_bg.js" "__wbg_alert_0123" (func $a (param i32)))
                       (import "./x_bg.js" "__wbg_now_4567" (func $n (result f64)))
                       (import "__fl" "load" (func $l))
                       (func (export "f") (call $a (i32.const 1)) (drop (call $n)) (call $l)))"#,
        )
        .unwrap();
        let glue = "    const import0 = {\n        __wbg_alert_0123: function(arg0) {\n            alert(arg0);\n        },\n        \
                    __wbg_now_4567: function() {\n            return Date.now();\n        },\n    };\n";
        let (wasm, glue) = shorten_imports(&wasm, glue).unwrap();
        let names: Vec<(String, String)> =
            parse(&wasm).unwrap().imports.iter().map(|i| (i.module.clone(), i.name.clone())).collect();
        assert_eq!(
            names,
            [("./x_bg.js".into(), "a".into()), ("./x_bg.js".into(), "b".into()), ("__fl".into(), "load".into())]
        );
        assert!(
            glue.contains("\n        a: function(arg0) {\n            alert(arg0);")
                && glue.contains("\n        b: function() {")
        );
        assert!(!glue.contains("__wbg_"));
        assert!(shorten_imports(&parse(&wasm).unwrap().emit_wasm(), "no such keys").is_err());
        assert_eq!([0, 25, 26, 27, 51, 52].map(short_name), ["a", "z", "a0", "b0", "z0", "a1"].map(String::from));
    }

    #[test]
    fn the_glue_gains_the_loader_or_is_refused() {
        let glue = "let wasm;\nfunction __wbg_get_imports() {\n    return {};\n}\nfunction f(instance) { wasm = instance.exports; }\n";
        let out = super::glue(glue, "x_rest.wasm").unwrap();
        assert!(out.contains("function __wbg_get_imports_whole() {"));
        assert!(out.contains("new URL('x_rest.wasm', import.meta.url)"));
        assert!(out.contains("imports.__fl = { load: __flLoad };"));
        assert!(out.contains("export function prefetch_rest()"));
        assert!(super::glue("function other() {}", "x").is_err());
    }
}
