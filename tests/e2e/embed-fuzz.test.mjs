// The embedding API takes arbitrary JS values from the host page. 2,000 of them — drawn from a fixed seed, so a
// failure replays — go to an embedded frame: numbers of every kind, strings, nulls, arrays, nested objects, known
// command types with fields of the wrong type or out of range. The frame must not throw, must answer each bad
// command with an `error` event, and must still obey a good command afterwards. (The Rust side's parser of the
// same messages has its own property test with 10,000 cases: crates/web/src/props.rs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, newPage } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

test('embed fuzz: 2,000 arbitrary messages, no page error, every bad command answered, still obedient', async () => {
  const { page, errors } = await newPage(env);
  // A host page of another origin, allowed by the frame's `origin=*`.
  await page.setContent(`<iframe id="f" src="${env.base}?scenario=redis-lock&embed=1&origin=*" width="900" height="500"></iframe>`);
  const frame = await (await page.$('#f')).contentFrame();
  await frame.waitForSelector('#sequence');
  const result = await page.evaluate(async () => {
    const target = document.getElementById('f').contentWindow;
    let x = 0x9e3779b9;
    const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    const TYPES = ['play', 'pause', 'toggle', 'reset', 'step', 'seek', 'set', 'fault', 'chapter', 'dance', '', '__proto__'];
    const any = (depth = 0) => {
      const r = rnd();
      if (r < 0.1) return null;
      if (r < 0.15) return undefined;
      if (r < 0.3) return pick([0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 63), 1e308, -0, 4294967296]);
      if (r < 0.45) return pick(['', 'x', '<b>x</b>', 'crash:2', 'pause:0:800000@30000', 'fencing', 'true', '9'.repeat(400), '\u0000', '😀']);
      if (r < 0.55) return rnd() < 0.5;
      if (r < 0.7 && depth < 3) return Array.from({ length: Math.floor(rnd() * 4) }, () => any(depth + 1));
      if (depth < 3) {
        const o = {};
        for (const k of ['type', 'by', 'step', 'key', 'value', 'fault', 'index', 'faultline'].filter(() => rnd() < 0.5)) o[k] = any(depth + 1);
        return o;
      }
      return 7;
    };
    const events = [];
    addEventListener('message', (e) => { if (e.data?.faultline === 1) events.push(e.data); });
    let commands = 0;
    for (let i = 0; i < 2000; i++) {
      let m = any();
      // Half of them look like ours: a command type and the marker, with arbitrary fields.
      if (rnd() < 0.5) {
        m = Object.assign(typeof m === 'object' && m && !Array.isArray(m) ? m : {}, { faultline: 1, type: pick(TYPES) });
        commands++;
      }
      target.postMessage(m, '*');
    }
    await new Promise((ok) => setTimeout(ok, 1500));
    const errorsSeen = events.filter((e) => e.type === 'error').length;
    // A `play` among the fuzz may have left it playing: pause, then seek.
    target.postMessage({ faultline: 1, type: 'pause' }, '*');
    target.postMessage({ faultline: 1, type: 'seek', step: 5 }, '*');
    await new Promise((ok) => setTimeout(ok, 500));
    return { commands, errorsSeen, stepped: events.some((e) => e.type === 'step' && e.step === 5) };
  });
  assert.ok(result.commands > 900, JSON.stringify(result));
  assert.ok(result.errorsSeen > 100, `bad commands are answered with errors: ${JSON.stringify(result)}`);
  assert.ok(result.stepped, 'a good command still works afterwards');
  assert.match(await frame.textContent('#step-counter'), /step 5 \//);
  assert.deepEqual(errors, []);
  await page.close();
});
