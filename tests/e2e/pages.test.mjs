// A page per scenario: the loader (www/loader.js) starts the module that holds the scenario the URL names, and a
// visitor downloads that module only. The front door and the workshop plan load the module with every scenario.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop, newPage, drawn } from './harness.mjs';
import { pageFor, holdInput, comparePage, startsWithRest, filesOf, drawsLater, switchOnLater } from '../../www/loader.js';

let env;
before(async () => { env = await start(); });
after(async () => { await stop(env); });

/** The map the site build wrote into index.html. */
async function siteMap() {
  const html = await readFile(join(process.env.FAULTLINE_SITE, 'index.html'), 'utf8');
  const m = html.match(/<meta name="faultline-pages" content='([^']*)'/);
  assert.ok(m, 'index.html has no faultline-pages map');
  const text = m[1].replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return JSON.parse(text);
}

/** The scenarios that have a page of their own: each page's but the one with every scenario and the compare views'. */
const scenariosOf = (map) => Object.keys(map.pages).filter((name) => name !== 'all' && !name.includes('+'));

test('pages: the page carries its map short, each page by the hash that names its files', async () => {
  const map = await siteMap();
  assert.deepEqual(Object.keys(map).sort(), ['compare', 'first', 'pages']);
  for (const [name, hash] of Object.entries(map.pages)) {
    assert.match(hash, /^[0-9a-f]{16}$/, `${name}: every page is split, named by its hash`);
    assert.deepEqual(filesOf(map, name), {
      js: `./faultline-web-${hash}.js`, wasm: `./faultline-web-${hash}_bg.wasm`, rest: `./faultline-web-${hash}_rest.wasm`,
    });
  }
  assert.equal(filesOf(map, 'paxos'), undefined);
  assert.equal(filesOf(map, 'constructor'), undefined);
  // A page given by its files (a module that is not split) is taken as it is; a page that is a compare view or the
  // one with every scenario is not a scenario's.
  const whole = { js: './a.js', wasm: './a_bg.wasm' };
  const small = { first: 'a', compare: { a: 'a+b', b: 'a+b' }, pages: { all: '00', a: whole, 'a+b': '11' } };
  assert.deepEqual(filesOf(small, 'a'), whole);
  assert.deepEqual(['?scenario=a', '?scenario=b', '?scenario=a+b', '?scenario=all', '?speaker=1&scenario=a%2Bb',
    '?view=compare&scenario=b'].map((q) => pageFor(q, small)), ['a', 'all', 'all', 'all', 'all', 'a+b']);
});

test('pages: every scenario has a page whose files are in the site, and the URL picks it', async () => {
  const map = await siteMap();
  for (const id of scenariosOf(map)) {
    // A page of its own, named after it.
    for (const f of ['js', 'wasm', 'rest']) await stat(join(process.env.FAULTLINE_SITE, filesOf(map, id)[f]));
    assert.equal(pageFor(`?scenario=${id}&seed=3`, map), id);
    assert.equal(pageFor(`?speaker=1&scenario=${id}`, map), id);
  }
  // Partners that compare with each other: their compare view on the page that holds both; a scenario that compares
  // its fix off and on, on its own page.
  assert.deepEqual(map.compare, { saga: 'two-phase-commit+saga', 'two-phase-commit': 'two-phase-commit+saga' });
  for (const f of ['js', 'wasm', 'rest']) await stat(join(process.env.FAULTLINE_SITE, filesOf(map, 'two-phase-commit+saga')[f]));
  assert.equal(pageFor('?scenario=saga&seed=3&view=compare', map), 'two-phase-commit+saga');
  assert.equal(pageFor('?view=compare&scenario=two-phase-commit', map), 'two-phase-commit+saga');
  assert.equal(pageFor('?scenario=saga&view=single', map), 'saga');
  assert.equal(pageFor('?scenario=redis-lock&view=compare', map), 'redis-lock');
  assert.equal(pageFor('?scenario=constructor&view=compare', map), 'all');
  // The page of the compare view is kept offline with its scenarios' pages (and with no other).
  assert.deepEqual(comparePage('?scenario=saga&seed=4', map, 'saga'), filesOf(map, 'two-phase-commit+saga'));
  assert.deepEqual(comparePage('?scenario=two-phase-commit&view=single', map, 'two-phase-commit'), filesOf(map, 'two-phase-commit+saga'));
  assert.equal(comparePage('?scenario=saga&view=compare', map, 'two-phase-commit+saga'), undefined);
  assert.equal(comparePage('?scenario=raft', map, 'raft'), undefined);
  assert.equal(comparePage('', map, 'all'), undefined);
  // Links whose first run needs the rest of the module wait for it before it starts.
  assert.equal(startsWithRest('?scenario=redis-lock&view=compare', map, 'redis-lock'), true);
  assert.equal(startsWithRest('?speaker=1&scenario=raft', map, 'raft'), true);
  assert.equal(startsWithRest('?scenario=saga&view=compare', map, 'two-phase-commit+saga'), false, 'its profile opens it');
  assert.equal(startsWithRest('?scenario=raft&seed=4&chapter=2&step=9', map, 'raft'), false);
  assert.ok(scenariosOf(map).length >= 10);
  assert.equal(pageFor('', map), 'all', 'the front door shows every scenario');
  assert.equal(pageFor('?page=workshop', map), 'all');
  assert.equal(pageFor('?embed=1', map), map.first, 'no scenario named: the first one');
  assert.equal(pageFor('?scenario=paxos', map), 'all', 'an unknown name: the page that lists them all');
  assert.equal(pageFor('?scenario=__proto__', map), 'all');
  assert.equal(pageFor('?scenario=toString', map), 'all');
});

test('pages: the loader holds input until the rest has come, then dispatches a copy of each, in order, once', () => {
  const target = new EventTarget();
  const got = [];
  let asked = 0;
  // The loader installs it before the app adds its listeners.
  const release = holdInput(target, () => { asked += 1; });
  for (const kind of ['click', 'keydown', 'message', 'resize']) {
    target.addEventListener(kind, (e) => got.push([e.type, e.detail ?? null]));
  }
  const click = new CustomEvent('click', { cancelable: true, detail: 2 });
  target.dispatchEvent(click);
  target.dispatchEvent(new CustomEvent('keydown', { cancelable: true, detail: 'End' }));
  target.dispatchEvent(new CustomEvent('resize', { detail: 'not held' }));
  // Held: not seen; a click's default action cancelled (its copy does it), a key's kept (typing still types).
  assert.deepEqual(got, [['resize', 'not held']]);
  assert.equal(click.defaultPrevented, true);
  assert.ok(asked >= 1, 'held input asks for the rest at once');
  release();
  assert.deepEqual(got, [['resize', 'not held'], ['click', 2], ['keydown', 'End']]);
  release();
  target.dispatchEvent(new CustomEvent('message', { detail: 'after' }));
  assert.deepEqual(got.slice(3), [['message', 'after']], 'once released, input goes straight through, nothing twice');
});

test('pages: a scenario downloads its own module only; the picker leaves for another page', async () => {
  const map = await siteMap();
  const { page, errors } = await newPage(env);
  const wasm = [];
  const navigations = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop());
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url());
  });
  await page.goto(env.base + '?scenario=raft&presenter=1');
  await page.locator('#ring').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.page), 'raft');
  // Its module's first part, and (once that has come) the rest of it: nothing of another page.
  const raft = filesOf(map, 'raft');
  assert.deepEqual(wasm.filter((w) => w !== raft.rest.replace('./', '')), [raft.wasm.replace('./', '')]);
  // Every scenario is offered, whichever page holds it.
  const offered = await page.$$eval('#scenario-select option', (os) => os.map((o) => o.value));
  assert.deepEqual([...offered].sort(), scenariosOf(map).sort());
  await page.selectOption('#scenario-select', 'saga');
  await page.waitForFunction(() => document.documentElement.dataset.page === 'saga');
  await page.locator('#sequence').waitFor();
  // The page the picker opened (the app then lands on the first beat of a chapter and writes its settings into the
  // URL, sooner or later: the address bar is no place to look).
  assert.match(navigations.at(-1), /\?scenario=saga&presenter=1$/, 'a fresh run of the new scenario, still presenting');
  assert.deepEqual(wasm.filter((w) => w.endsWith('_bg.wasm')).slice(1), [filesOf(map, 'saga').wasm.replace('./', '')]);
  // Compare (the key, as the button) opens the saga beside two-phase commit, on the page that holds both.
  const leaving = navigations.length;
  await page.keyboard.press('c');
  await page.waitForFunction(() => document.documentElement.dataset.page === 'two-phase-commit+saga');
  await page.locator('#sequence-compare').waitFor();
  assert.match(navigations.at(-1), /\?scenario=saga&seed=\d+.*&view=compare&presenter=1/);
  assert.equal(navigations.length, leaving + 1);
  // Within a page, the picker switches in place.
  await page.selectOption('#scenario-select', 'two-phase-commit');
  await page.waitForFunction(() => /scenario=two-phase-commit/.test(location.search));
  assert.equal(await page.evaluate(() => document.documentElement.dataset.page), 'two-phase-commit+saga');
  assert.equal(navigations.length, leaving + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('pages: the front door loads the module with every scenario, and its links open their own pages', async () => {
  const map = await siteMap();
  const { page, errors } = await newPage(env);
  await page.goto(env.base);
  await page.locator('#cards').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.page), 'all');
  await page.locator('#card-redlock h2 a').click();
  await page.waitForFunction(() => document.documentElement.dataset.page === 'redlock');
  await page.locator('#sequence').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('pages: a module that cannot load is a message on the page, not a blank one', async () => {
  const { page } = await newPage(env);
  await page.route('**/*.wasm', (r) => r.abort());
  await page.goto(env.base + '?scenario=raft');
  await page.locator('.load-error').waitFor();
  assert.match(await page.textContent('.load-error'), /^Faultline could not start: its WebAssembly module did not load \(.*\)\. Reload the page; if it happens again, the site is missing faultline-web-\w+_bg\.wasm\.$/);
  await page.close();
});

/** Requests for the rest of a page's module (`_rest.wasm`) answered by `answer(resourceType)`: true lets it through;
 *  each once `wait(resourceType)` has resolved. */
async function routeRest(page, answer, wait = () => undefined) {
  // (The page is opened with service workers blocked: requests the offline worker made would not pass the route.)
  const seen = [];
  await page.route(/_rest\.wasm$/, async (route) => {
    const kind = route.request().resourceType();
    seen.push(kind);
    await wait(kind);
    return answer(kind) ? route.continue() : route.abort();
  });
  return seen;
}

const NO_WORKER = { serviceWorkers: 'block' };

/** Requests for the rest of a page's module, with the background download held until `arrive()`; a synchronous
 *  load is answered at once. `seen` lists their kinds. */
async function delayRest(page) {
  let arrive;
  const arrived = new Promise((resolve) => { arrive = resolve; });
  const seen = await routeRest(page, () => true, (kind) => (kind === 'fetch' ? arrived : undefined));
  return { seen, arrive };
}

test('pages: every stylesheet the page links applies (the build minifies them and gives each its own integrity value)', async () => {
  const { page, errors } = await newPage(env);
  await page.goto(env.base + '?scenario=redis-lock');
  await page.locator('#sequence').waitFor();
  // www/later.css is switched on once the page has started (the test below).
  await page.waitForFunction(() => [...document.querySelectorAll('link[rel=stylesheet]')].every((l) => !l.disabled && l.sheet));
  const sheets = await page.evaluate(() => [...document.querySelectorAll('link[rel=stylesheet]')]
    .map((l) => ({ href: l.getAttribute('href'), integrity: l.integrity, rules: l.sheet ? l.sheet.cssRules.length : 0 })));
  assert.ok(sheets.length >= 3, JSON.stringify(sheets));
  for (const s of sheets) assert.ok(s.rules > 0, `${s.href} (integrity ${s.integrity}) did not apply`);
  // The diagram's stylesheet makes its svg a block (an svg is inline without it).
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('svg.seq')).display), 'block');
  assert.deepEqual(errors, []);
  await page.close();
});

test('pages: the rules of presenter mode, the speaker window and the front door come once a scenario has started; a link that draws them has them in its first frame', async () => {
  // Read as the page reads `presenter` (the last one; 1, true, on or yes); the front door and the workshop plan are
  // the page with every scenario.
  assert.ok(drawsLater('?scenario=raft&presenter=1', 'raft') && drawsLater('?presenter=0&presenter=+On', 'redis-lock'));
  assert.ok(drawsLater('?speaker=1&scenario=raft', 'raft') && drawsLater('', 'all') && drawsLater('?page=workshop', 'all'));
  assert.ok(!drawsLater('?scenario=raft', 'raft') && !drawsLater('?scenario=raft&presenter=1&presenter=no', 'raft'));
  assert.ok(!drawsLater('?scenario=raft&embed=1', 'raft'));
  // Switched on, each stylesheet counts once it has come; one a browser fetched though it was disabled fires no
  // second load, and counts at once.
  const fake = (loaded) => {
    const on = {};
    return { disabled: true, sheet: loaded ? {} : null, on, addEventListener: (kind, f) => { on[kind] = f; } };
  };
  const [fetched, coming] = [fake(true), fake(false)];
  let done = false;
  const both = switchOnLater({ querySelectorAll: () => [fetched, coming] }).then(() => { done = true; });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(!fetched.disabled && !coming.disabled && !done, 'both switched on, one still coming');
  coming.on.load();
  await Promise.race([both, new Promise((_, no) => setTimeout(() => no(new Error('switchOnLater never resolved')), 2000))]);
  // The built page holds the stylesheet switched off, so that a browser does not fetch it with the page.
  const html = await readFile(join(process.env.FAULTLINE_SITE, 'index.html'), 'utf8');
  const later = html.match(/<link rel="stylesheet" disabled href="\.\/(later-[0-9a-f]+\.css)" integrity="sha384-/)?.[1];
  assert.ok(later, 'index.html holds www/later.css switched off, with its integrity value');
  const map = await siteMap();
  const { page, errors } = await newPage(env, { width: 1280, height: 720 }, NO_WORKER);
  await page.goto(env.base + '?scenario=redis-lock&step=3');
  await drawn(page);
  await page.waitForFunction((name) => performance.getEntriesByType('resource').some((r) => r.name.endsWith(name)), later);
  const { css, wasm } = await page.evaluate((names) => {
    const entry = (name) => performance.getEntriesByType('resource').find((r) => r.name.endsWith(name));
    return JSON.parse(JSON.stringify({ css: entry(names[0]), wasm: entry(names[1]) }));
  }, [later, filesOf(map, 'redis-lock').wasm.replace('./', '')]);
  assert.ok(css.startTime >= wasm.responseEnd,
    `the stylesheet was asked for at ${css.startTime} ms, before the module's first part had come (${wasm.responseEnd} ms)`);
  // Presenter mode (p) then has its layout: a column as high as the screen.
  await page.keyboard.press('p');
  await page.locator('.app.presenter').waitFor();
  assert.deepEqual(await page.evaluate(() => {
    const s = getComputedStyle(document.querySelector('.app.presenter'));
    return [s.display, s.height];
  }), ['flex', '720px']);
  assert.deepEqual(errors, []);
  await page.close();
  // A link that draws them: styled as it is first drawn (the style read as the element enters the page), even when
  // the stylesheet comes after the module (held back here).
  for (const [query, selector, property, value] of [['?scenario=raft&presenter=1', '.app.presenter', 'display', 'flex'],
    ['?speaker=1&scenario=redis-lock', '.speaker', 'max-width', '900px'], ['', '.door', 'max-width', '1400px'],
    ['?page=workshop', '.door', 'max-width', '1400px']]) {
    const linked = await newPage(env, undefined, NO_WORKER);
    await linked.page.route(`**/${later}`, (route) => new Promise((go) => setTimeout(go, 600)).then(() => route.continue()));
    await linked.page.addInitScript(([sel, prop]) => {
      new MutationObserver((_, observer) => {
        const el = document.querySelector(sel);
        if (!el) return;
        window.firstStyle = getComputedStyle(el).getPropertyValue(prop);
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    }, [selector, property]);
    await linked.page.goto(env.base + query);
    await linked.page.waitForFunction(() => window.firstStyle !== undefined);
    assert.equal(await linked.page.evaluate(() => window.firstStyle), value, `${query}: ${selector}'s ${property} as it was drawn`);
    assert.deepEqual(linked.errors, []);
    await linked.page.close();
  }
});

test('pages: the first load fetches the first part of its module; the rest comes once the first part has come', async () => {
  const map = await siteMap();
  const { page, errors } = await newPage(env, undefined, NO_WORKER);
  const seen = await routeRest(page, () => true);
  await page.goto(env.base + '?scenario=redis-lock');
  await page.locator('#sequence').waitFor();
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('_rest.wasm')));
  const files = filesOf(map, 'redis-lock');
  const { first, rest } = await page.evaluate((names) => {
    const entry = (name) => performance.getEntriesByType('resource').find((r) => r.name.endsWith(name));
    return JSON.parse(JSON.stringify({ first: entry(names[0]), rest: entry(names[1]) }));
  }, [files.wasm.replace('./', ''), files.rest.replace('./', '')]);
  assert.ok(first && rest, JSON.stringify({ first, rest }));
  // The two never share the network: the rest is asked for once the first part's last byte has come.
  assert.ok(rest.startTime >= first.responseEnd,
    `the rest was asked for at ${rest.startTime} ms, before the first part had come (${first.responseEnd} ms)`);
  assert.deepEqual(seen, ['fetch'], 'fetched in the background, once');
  // Stepping and a compare run with it, and nothing loads it again.
  await page.keyboard.press('End');
  await page.locator('#compare-toggle, button:has-text("Compare")').first().click();
  await page.waitForFunction(() => /view=compare/.test(location.search));
  assert.deepEqual(seen, ['fetch']);
  assert.deepEqual(errors, []);
  await page.close();

  // Links as they are shared (another seed, a chapter, a step; an embed; an older link with a parameter the page
  // no longer knows) start on the first part alone: the profile's visits cover what their first run needs. For every
  // scenario, links to steps of seeds the profile does not visit (some past the end of their run).
  const steps = scenariosOf(map).flatMap((id) => [`?scenario=${id}&seed=2&step=40`, `?scenario=${id}&seed=1000&step=20`]);
  for (const query of ['?scenario=redis-lock&seed=11&chapter=3', '?scenario=raft&seed=5&chapter=2', '?scenario=saga&seed=3&embed=1',
    '?scenario=etcd-lease&seed=4&zoom=2', '?scenario=two-phase-commit&chapter=11', ...steps]) {
    const shared = await newPage(env, undefined, NO_WORKER);
    const kinds = await routeRest(shared.page, () => true);
    await shared.page.goto(env.base + query);
    await shared.page.locator('#sequence, #ring').first().waitFor();
    await shared.page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('_rest.wasm')));
    assert.deepEqual(kinds, ['fetch'], `${query} loaded the rest synchronously as it started`);
    assert.deepEqual(shared.errors, []);
    await shared.page.close();
  }
  // A compare view of a fix off and on, and a speaker window, need the rest as they start: they wait for it, fetched
  // in the background, and load nothing synchronously.
  for (const [query, drawn] of [['?scenario=redis-lock&seed=3&view=compare', '#sequence-compare'],
    ['?speaker=1&scenario=redis-lock', '#speaker-where']]) {
    const linked = await newPage(env, undefined, NO_WORKER);
    const kinds = await routeRest(linked.page, () => true);
    await linked.page.goto(env.base + query);
    await linked.page.locator(drawn).waitFor();
    assert.deepEqual(kinds, ['fetch'], `${query} loaded the rest synchronously as it started`);
    assert.deepEqual(linked.errors, []);
    await linked.page.close();
  }
});

test('pages: a key and a ticked box before the rest has come are held, then done once it has, once each', async () => {
  const { page, errors } = await newPage(env, undefined, NO_WORKER);
  const { seen, arrive } = await delayRest(page);
  await page.goto(env.base + '?scenario=redis-lock&fencing=false');
  await page.locator('#sequence').waitFor();
  await page.waitForFunction(() => /^step 0 /.test(document.querySelector('#step-counter')?.textContent ?? ''));
  const counter = () => page.textContent('#step-counter');
  const before = await counter();
  await page.keyboard.press('End');
  await page.locator('#param-fencing').click();
  await page.waitForTimeout(300);
  // Nothing of it has happened yet: the box is not ticked twice (once by the browser, once by its copy).
  assert.equal(await counter(), before, 'the key was handled before the rest came');
  assert.equal(await page.locator('#param-fencing').isChecked(), false);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.rest), undefined);
  arrive();
  // The key took the run to its end, and the box re-ran the scenario with fencing (at its end too).
  await page.waitForFunction(() => /fencing=true/.test(location.search));
  assert.equal(await page.locator('#param-fencing').isChecked(), true);
  assert.match(await counter(), /^step (\d+) \/ \1 /);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.rest), 'here');
  assert.deepEqual(seen, ['fetch'], 'the rest came once, in the background');
  assert.deepEqual(errors, []);
  await page.close();
});

test('pages: moving over, tabbing through, scrolling and typing into a page before its rest has come loads nothing synchronously', async () => {
  // Every kind of input the module listens for is held until the rest has come (www/loader.js): one the loader did
  // not hold would run code of the rest at once, and load it synchronously.
  for (const query of ['?scenario=redis-lock', '?scenario=raft&presenter=1', '?scenario=thundering-herd&embed=1']) {
    const { page, errors } = await newPage(env, undefined, NO_WORKER);
    const { seen, arrive } = await delayRest(page);
    await page.goto(env.base + query);
    await page.locator('#sequence, #ring').first().waitFor();
    for (let x = 0; x < 1200; x += 60) await page.mouse.move(x, (x * 7) % 800);
    for (const b of await page.locator('button:visible').all()) await b.hover().catch(() => {});
    for (let i = 0; i < 30; i++) await page.keyboard.press('Tab');
    await page.mouse.wheel(0, 300);
    await page.evaluate(() => document.querySelector('.scroller')?.scrollBy(40, 0));
    const knob = page.locator('input[type=number]:visible').first();
    if (await knob.count()) await knob.fill('7');
    await page.waitForTimeout(200);
    arrive();
    // The loader marks the page once the rest has come and the held input has gone on; what that input ran later
    // (a render, a timer) has 200 ms more to load anything.
    await page.waitForFunction(() => document.documentElement.dataset.rest === 'here');
    await page.waitForTimeout(200);
    // (A focused search button starts the search workers, which fetch the rest for themselves.)
    assert.equal(seen[0], 'fetch');
    const sync = seen.filter((kind) => kind !== 'fetch');
    assert.deepEqual(sync, [], `${query}: input before the rest came loaded it synchronously`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('pages: what needs the rest before it arrived loads it there and then; if it cannot, the page says so', async () => {
  // The background fetch fails: the compare view, whose code the first load did not run, loads the rest itself.
  const { page, errors } = await newPage(env, undefined, NO_WORKER);
  const seen = await routeRest(page, (kind) => kind !== 'fetch');
  await page.goto(env.base + '?scenario=redis-lock');
  await page.locator('#sequence').waitFor();
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('_rest.wasm')));
  await page.locator('button:has-text("Compare")').first().click();
  await page.waitForFunction(() => /view=compare/.test(location.search));
  await page.getByText('fencing = true (same seed').waitFor();
  assert.deepEqual(seen, ['fetch', 'xhr']);
  assert.deepEqual(errors.filter((e) => !e.includes('net::ERR_FAILED')), []);
  await page.close();

  // It cannot be loaded at all: the page says what happened and what to do.
  const broken = await newPage(env, undefined, NO_WORKER);
  await routeRest(broken.page, () => false);
  await broken.page.goto(env.base + '?scenario=redis-lock');
  await broken.page.locator('#sequence').waitFor();
  await broken.page.locator('button:has-text("Compare")').first().click();
  const alert = broken.page.locator('.load-error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /^Faultline stopped: the rest of this page's module \(faultline-web-[0-9a-f]{16}_rest\.wasm\) did not load\. Reload the page\.$/);
  await broken.page.close();
});
