// Faultline's service worker: the playground keeps working offline, for every page visited before.
//
// - Files whose names carry a content hash (each page's glue and wasm, the stylesheets, the icon) never change:
//   served from the cache, fetched and kept on a miss.
// - Everything else (the page itself, loader.js, the search worker, the embed example): from the network, kept as a
//   fallback for when the network is gone. The page is kept once for every query (`?scenario=…&seed=…`).
// - A page is not served by the worker on its very first visit, so loader.js, once the page has started, asks it to
//   keep what that visit loaded (a `keep` message); the worker answers `kept`.
// - `cargo xtask site` writes the build's fingerprint into VERSION: a new build is a new cache, and the old one is
//   deleted when the new worker takes over.
const VERSION = 'dev';
const CACHE = `faultline-${VERSION}`;
const HASHED = /-[0-9a-f]{16}(_bg|_rest)?\.(js|wasm|css|svg|png)$/;
/** The most files one `keep` message may name. */
const MAX_KEEP = 32;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('faultline-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

/** Where the page and other unhashed files are kept: their address without the query. */
const keyOf = (url) => url.origin + url.pathname;

function ours(url) {
  return url.origin === self.location.origin && url.href.startsWith(self.registration.scope);
}

async function keep(cache, url) {
  const response = await fetch(url.href);
  if (response.ok) await cache.put(HASHED.test(url.pathname) ? url.href : keyOf(url), response);
}

self.addEventListener('message', (event) => {
  const urls = event.data?.type === 'keep' && Array.isArray(event.data.urls) ? event.data.urls : [];
  const wanted = urls
    .filter((u) => typeof u === 'string')
    .slice(0, MAX_KEEP)
    .map((u) => { try { return new URL(u, self.registration.scope); } catch { return null; } })
    .filter((u) => u && ours(u));
  if (!wanted.length) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const done = await Promise.allSettled(wanted.map((u) => keep(cache, u)));
    event.source?.postMessage({ type: 'kept', files: done.filter((d) => d.status === 'fulfilled').length, of: wanted.length });
  })());
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request.url);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request.url, response.clone());
  return response;
}

async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(keyOf(url), response.clone());
    return response;
  } catch (offline) {
    const hit = await cache.match(keyOf(url));
    if (hit) return hit;
    throw offline;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || !ours(url) || url.pathname.endsWith('/sw.js')) return;
  event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request) : networkFirst(request, url));
});
