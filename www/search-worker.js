// Faultline's search worker. It loads the page's own wasm module (the page passes the URLs of its glue and its
// .wasm, which the browser has cached) and runs what the page asks, one request at a time: a batch of search
// candidates, a shrink, an exhaustive check. Every answer is posted back as JSON text, with the request's `gen`
// (which search it belongs to: the page reuses its workers).
let api = null;
const waiting = [];

function handle(m) {
  const started = Date.now();
  let result;
  try {
    if (m.kind === "batch") result = api.search_batch(m.scenario, m.sets, m.seed, m.start, m.end);
    else if (m.kind === "shrink") result = api.shrink_candidate(m.scenario, m.sets, m.seed, m.candidate);
    else if (m.kind === "check") result = api.check_scenario(m.scenario, m.sets, m.seed, m.crashes, m.depth);
    else result = JSON.stringify({ error: `unknown request ${m.kind}` });
  } catch (e) {
    result = JSON.stringify({ error: String(e) });
  }
  postMessage(JSON.stringify({ kind: m.kind, gen: m.gen ?? 0, start: m.start ?? 0, end: m.end ?? 0, ms: Date.now() - started, result: JSON.parse(result) }));
}

onmessage = async (e) => {
  const m = JSON.parse(e.data);
  if (m.kind === "boot") {
    try {
      const mod = await import(m.glue);
      await mod.default({ module_or_path: m.wasm });
      // The search runs code that the page's first load did not: the rest of a split module, fetched before the
      // first request rather than synchronously inside it. A failed fetch is not final: the first call into the
      // rest loads it again, and says so if it cannot.
      if (mod.prefetch_rest) await mod.prefetch_rest().catch(() => {});
      api = mod;
      waiting.splice(0).forEach(handle);
    } catch (err) {
      postMessage(JSON.stringify({ kind: "boot", result: { error: `the worker could not load the module: ${err}` } }));
    }
    return;
  }
  if (api) handle(m);
  else waiting.push(m);
};
