// Faultline's loader: a page per scenario. The site holds one wasm module per scenario, one for the compare view of
// each two scenarios that compare with each other, and one with every scenario for the front door and the workshop
// plan. This script reads the URL, picks the module that holds what it names, and starts it; so a visitor (or a docs
// page's iframe) downloads only the scenario it shows, and the URL, the scenario picker and the embed API stay what
// they were.
//
// `cargo xtask` writes the map into the page when it builds the site (a `<meta name="faultline-pages">`), short, as
// every first load carries it:
//   { "first": "redis-lock", "compare": { "saga": "two-phase-commit+saga", "two-phase-commit": "two-phase-commit+saga" },
//     "pages": { "all": "…", "redis-lock": "0961260c680e4a02", "two-phase-commit+saga": "…", … } }
// `all` is the page with every scenario; each other page but the compare views' is its scenario's, named after it. A
// page's hash names its files (`filesOf`): `./faultline-web-<hash>.js`, `…_bg.wasm` and `…_rest.wasm`; a page whose
// files are named otherwise (a module that is not split has no rest) is given by its files: { "js": …, "wasm": … }.
// A page's module is in two parts (xtask/src/split.rs): `wasm` holds what the page's first load runs, `rest` the
// other functions, which this script asks the glue to fetch once the first part has come (it compiles while the first
// part runs); input that comes before it is held until it has (`holdInput`).
// The page's stylesheet of what a scenario's page does not draw as it opens (www/later.css: presenter mode, the
// speaker window, the front door) comes switched off; this script switches it on (`drawsLater`, `switchOnLater`).
// Paths are relative, so the site works from any sub-path. It is an external script, not an inline one, so that
// the page's Content Security Policy allows scripts from the site itself only.

const has = (o, key) => Object.prototype.hasOwnProperty.call(o ?? {}, key);
/** Whether the page `name` is a compare view's: one that holds two scenarios. */
const isPair = (map, name) => Object.values(map.compare ?? {}).includes(name);

/** The files of the page `name` ({ js, wasm, rest }), as the map names them; undefined if it has no such page. */
export function filesOf(map, name) {
  const f = has(map.pages, name) ? map.pages[name] : undefined;
  const stem = `./faultline-web-${f}`;
  return typeof f === 'string' ? { js: `${stem}.js`, wasm: `${stem}_bg.wasm`, rest: `${stem}_rest.wasm` } : f;
}

/** The page (a key of `pages`) that holds what the query names. */
export function pageFor(search, map) {
  const q = new URLSearchParams(search);
  const own = (id) => (id !== 'all' && !isPair(map, id) && has(map.pages, id) ? id : undefined);
  const id = q.get('scenario') ?? map.first;
  // The speaker window of a talk shows its scenario's chapters.
  if (q.get('speaker') === '1') return own(id) ?? 'all';
  // No query at all, or `?page=…`: the front door or the workshop plan, which show every scenario.
  if (q.has('page') || search.replace(/^\?/, '').trim() === '') return 'all';
  // The compare view of a scenario beside another one (two-phase commit and the saga): the page that holds both.
  if (q.get('view') === 'compare' && has(map.compare, id)) return map.compare[id];
  // Else the playground: the scenario named (the first one by default). An unknown name opens every scenario's
  // page, which says it is unknown and lists the others.
  return own(id) ?? 'all';
}

function fail(message, { started = false } = {}) {
  const p = document.createElement('p');
  p.className = 'load-error';
  p.setAttribute('role', 'alert');
  p.textContent = started ? `Faultline stopped: ${message}` : `Faultline could not start: ${message}`;
  // A page that has started shows it above what it drew.
  if (started) document.body.prepend(p);
  else document.body.append(p);
}

/** Ask for a file ahead of its use; resolves once it has come (true) or failed to (false). */
function preload(rel, href, as) {
  const l = document.createElement('link');
  const loaded = new Promise((resolve) => { l.onload = () => resolve(true); l.onerror = () => resolve(false); });
  l.rel = rel;
  l.href = href;
  if (as) {
    l.as = as;
    l.type = 'application/wasm';
  }
  l.crossOrigin = 'anonymous';
  document.head.append(l);
  return loaded;
}

/** Whether a link draws at once what the page's stylesheet held switched off styles (www/later.css): presenter mode
 *  (`presenter=1`, read as the page reads it: the last one, 1, true, on or yes), a talk's speaker window, the front
 *  door and the workshop plan (the page with every scenario). */
export function drawsLater(search, name) {
  const q = new URLSearchParams(search);
  const presenter = (q.getAll('presenter').at(-1) ?? '').trim().toLowerCase();
  return name === 'all' || ['1', 'true', 'on', 'yes'].includes(presenter) || q.get('speaker') === '1';
}

/** Switch on the stylesheets the page holds switched off (the built page's www/later.css: a browser does not fetch a
 *  disabled one); resolves once each has come or failed to. A browser that fetched one anyway has its rules already
 *  (and fires no second load): that one resolves at once. */
export function switchOnLater(doc = document) {
  const links = [...doc.querySelectorAll('link[rel~="stylesheet"][disabled]')];
  return Promise.all(links.map((l) => new Promise((resolve) => {
    l.addEventListener('load', resolve, { once: true });
    l.addEventListener('error', resolve, { once: true });
    l.disabled = false;
    if (l.sheet) resolve();
  })));
}

/** Ask the service worker (www/sw.js) to keep what this visit loaded, so that the page also opens offline. A browser
 *  that has no service workers, or refuses one (a private window, a file:// page), runs online only. */
function keepOffline(files, also) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'kept') document.documentElement.dataset.offline = e.data.files === e.data.of ? 'ready' : 'partly';
  });
  navigator.serviceWorker.register('./sw.js')
    .then(() => navigator.serviceWorker.ready)
    .then((reg) => {
      const links = [...document.querySelectorAll('link[rel~="stylesheet"], link[rel~="icon"]')].map((l) => l.href);
      const urls = [location.href, './loader.js', './search-worker.js', files.js, files.wasm, files.rest, ...links,
        also?.js, also?.wasm, also?.rest].filter(Boolean);
      reg.active?.postMessage({ type: 'keep', urls });
    })
    .catch(() => {});
}

/** Whether a link's first run needs the rest of its page's module: the compare view of a scenario's fix off and on,
 *  and a talk's speaker window (no first visit the build profiles opens them; xtask/src/split.rs). Such a link waits
 *  for the rest, fetched at once, before its module starts, rather than load it synchronously as it runs. */
export function startsWithRest(search, map, name) {
  const q = new URLSearchParams(search);
  const pair = isPair(map, name);
  return (q.get('view') === 'compare' && !pair) || q.get('speaker') === '1';
}

/** The files of the page that shows this page's scenario in compare view beside another one (two-phase commit and
 *  the saga), if that is not this page: kept offline with it, so that the compare button works offline too. */
export function comparePage(search, map, name) {
  const q = new URLSearchParams(search);
  q.set('view', 'compare');
  const pair = pageFor(`?${q}`, map);
  return pair !== name && isPair(map, pair) ? filesOf(map, pair) : undefined;
}

/** What a learner does before the rest of the module has come (a key, a click, a changed knob, an embedding page's
 *  command) runs code of the rest. Such input is held from before the module starts until the rest is compiled, and
 *  then dispatched again, in order, to where it went (as frameworks replay input that came before a page could
 *  answer it): the page neither freezes on a synchronous load nor downloads the rest twice. A click is held with its
 *  default action (a checkbox's tick, a link), which its copy does; a key is not, so that typing still types and Tab
 *  still moves on. Returns `release`, which lets the input through; `fetch` starts the rest's download at once. */
export function holdInput(target, fetch) {
  // Every kind of event the page's module listens for that a learner (or an embedding page) makes, except a
  // resize (its first run draws the diagram to fit): a browser test moves, tabs, scrolls and types through a page
  // before its rest has come, and fails if any of it loads the rest synchronously.
  const kinds = ['keydown', 'click', 'input', 'change', 'submit', 'message', 'pointerenter', 'focus', 'scroll'];
  const held = [];
  let holding = true;
  const hold = (e) => {
    e.stopImmediatePropagation();
    if (e.type === 'click' || e.type === 'submit') e.preventDefault();
    held.push(e);
    fetch();
  };
  for (const kind of kinds) target.addEventListener(kind, hold, { capture: true });
  return function release() {
    if (!holding) return;
    holding = false;
    for (const kind of kinds) target.removeEventListener(kind, hold, { capture: true });
    // A copy of each event, with its properties: a click's position and buttons, a key's key and modifiers, a
    // message's data and origin.
    for (const e of held.splice(0)) e.target.dispatchEvent(new e.constructor(e.type, e));
  };
}

async function start() {
  const meta = document.querySelector('meta[name="faultline-pages"]');
  let map;
  try {
    map = JSON.parse(meta?.content ?? '');
    if (typeof map?.pages !== 'object') throw new Error();
  } catch {
    fail('the page has no map of its modules (build the site with `cargo xtask`).');
    return;
  }
  const name = pageFor(location.search, map);
  const files = filesOf(map, name);
  if (!files) {
    fail(`no module for the page "${name}".`);
    return;
  }
  // A link that draws presenter mode, the speaker window or the front door has their rules before its first frame;
  // any other page switches them on once it has started (before a learner can press p: input waits for the rest).
  const styled = drawsLater(location.search, name) ? switchOnLater() : undefined;
  // The search workers load the page's own module: they find its files in these links, as the page does.
  preload('modulepreload', files.js);
  const firstPart = preload('preload', files.wasm, 'fetch');
  try {
    const glue = await import(files.js);
    const split = Boolean(files.rest && glue.prefetch_rest);
    // A page the offline worker already serves (a visit before kept it) takes the rest from that cache before the
    // module starts: a function of the rest that a link's first run needs then finds it compiled, with or without a
    // network (the synchronous load below does not pass through the worker). So does a link whose first run needs
    // the rest (`startsWithRest`), from the network.
    let here = false;
    if (split && (navigator.serviceWorker?.controller || startsWithRest(location.search, map, name))) {
      here = await glue.prefetch_rest().then(() => true, () => false);
    }
    // The rest's download and compilation, once asked for. A failure here is not final: the first function that
    // needs the rest loads it again, and says so if it cannot.
    let rest;
    const fetchRest = () => (rest ??= glue.prefetch_rest().then(() => 'here', () => 'failed'));
    // Input before the rest has come is held, and replayed once the page has started and the rest is here (or failed
    // to come: then the first function of the rest that the input needs loads it synchronously, or says it cannot).
    let started;
    const running = new Promise((resolve) => { started = resolve; });
    let release = () => {};
    // Once the page has started and the rest has come (or not): `<html data-rest="here">` (or "failed"), and the held
    // input goes on.
    const settle = (state) => {
      document.documentElement.dataset.rest = state;
      release();
    };
    if (split && !here) {
      // The rest's download starts once the first part's has ended (the two never share the network), and it
      // compiles in the background while the first part runs and the page lays out its first frame: a key pressed as
      // the page appears waits for less.
      firstPart.then((came) => came && fetchRest());
      release = holdInput(window, () => Promise.all([fetchRest(), running]).then(([state]) => settle(state)));
    }
    await styled;
    const wasm = await glue.default({ module_or_path: files.wasm }).catch((e) => {
      // A page that did not start says so below; what was held goes where it would have gone.
      release();
      throw e;
    });
    document.documentElement.dataset.page = name;
    dispatchEvent(new CustomEvent('faultline-started', { detail: { wasm, page: name } }));
    // If the rest cannot be loaded when it is needed (the network went away before it arrived), the page says so:
    // what was being done stopped halfway, and a reload (once online) brings the page back.
    addEventListener('error', (e) => {
      if (e.error?.name === 'FaultlineRestError' && !document.querySelector('.load-error')) {
        const when = navigator.onLine ? '' : ' once you are online';
        fail(`${e.error.message}. Reload the page${when}.`, { started: true });
      }
    });
    started();
    if (!styled) switchOnLater();
    // The rest of the module (asked for above), once the page has started: held input goes on once it has come.
    if (split && !here) {
      fetchRest().then(settle);
    } else {
      settle('here');
    }
  } catch (e) {
    const file = files.wasm.replace('./', '');
    fail(navigator.onLine
      ? `its WebAssembly module did not load (${e}). Reload the page; if it happens again, the site is missing ${file}.`
      : `you are offline, and this scenario's module (${file}) was not kept on an earlier visit. Open it again once you are online.`);
    return;
  }
  keepOffline(files, comparePage(location.search, map, name));
}

if (typeof document !== 'undefined') start();
