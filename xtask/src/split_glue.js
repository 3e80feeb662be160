
// Faultline: this page's wasm is in two parts (xtask/src/split.rs). The first part holds what the page's first load
// runs; the rest holds the other functions, and the first part calls them through stubs that load it the first time.
// The loader fetches and compiles the rest once the first part has come (`prefetch_rest`), or before it starts when the
// offline worker serves the page; a stub called before that loads it synchronously (a synchronous request does not
// pass through the offline worker).
const __flRestUrl = new URL('__FL_REST__', import.meta.url);
let __flRest;
let __flRestCompiling;

/** Fetch and compile the rest of the module, once; resolves when it is ready. */
export function prefetch_rest() {
    // Already here (loaded synchronously, by a stub called first): nothing to fetch.
    if (__flRest !== undefined) return Promise.resolve();
    __flRestCompiling ??= fetch(__flRestUrl)
        .then((r) => {
            if (!r.ok) throw new Error(`${r.status} ${r.statusText} fetching ${__flRestUrl}`);
            return WebAssembly.compileStreaming(r);
        })
        .then((m) => { __flRest ??= m; })
        .catch((e) => { __flRestCompiling = undefined; throw e; });
    return __flRestCompiling;
}

/** The first part's `__fl.load`: instantiate the rest, which writes its functions into the first part's table. */
function __flLoad() {
    let module = __flRest;
    if (module === undefined) {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', __flRestUrl, false);
        xhr.overrideMimeType('text/plain; charset=x-user-defined');
        try {
            xhr.send();
        } catch {
            // Offline, or refused: the status below says it did not load.
        }
        if (xhr.status !== 200) {
            const e = new Error(`the rest of this page's module (${__flRestUrl.pathname.split('/').pop()}) did not load`);
            e.name = 'FaultlineRestError';
            throw e;
        }
        const text = xhr.responseText;
        const bytes = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
        module = __flRest = new WebAssembly.Module(bytes);
    }
    new WebAssembly.Instance(module, { p: wasm });
}

function __wbg_get_imports() {
    const imports = __wbg_get_imports_whole();
    imports.__fl = { load: __flLoad };
    return imports;
}
