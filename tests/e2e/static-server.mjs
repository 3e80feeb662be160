// A static file server for the built site: the browser tests serve it from a sub-path (as a docs site would), and
// `cargo xtask serve` serves it at the root (`node tests/e2e/static-server.mjs DIR PORT`). Files only, under DIR;
// `.wasm` as application/wasm so that the browser compiles it while it downloads.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

/** Serve `dir` under `subPath` (which starts and ends with `/`) on `port` (0: any); resolves to the server. */
export async function serveSite(dir, subPath = '/', port = 0, host = '127.0.0.1') {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(subPath)) { res.writeHead(404).end('not under the sub-path'); return; }
    let rel = normalize(path.slice(subPath.length)).replace(/^(\.\.[/\\])+/, '');
    if (rel === '' || rel === '.') rel = 'index.html';
    try {
      const body = await readFile(join(dir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch { res.writeHead(404).end('not found'); }
  });
  await new Promise((ok) => server.listen(port, host, ok));
  return server;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [dir, port = '8080'] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node static-server.mjs DIR [PORT]');
    process.exit(2);
  }
  await serveSite(dir, '/', Number(port));
  console.log(`serving ${dir} at http://127.0.0.1:${port}/ (Ctrl+C to stop)`);
}
