// Browser test of the layouts a docs author and a learner on a phone see: every scenario in an 800×500 embed
// (the main view takes most of the frame) and on a 390-pixel phone (the main view spans the screen once scrolled
// to); neither page scrolls sideways. Screenshots of each go to the screenshots folder. (Presenter mode at
// 1280×720 and 1920×1080 is checked by presenter.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, stop, newPage, drawn, SHOTS, scenarioIds } from './harness.mjs';

let env;
let SCENARIOS;
before(async () => { env = await start(); SCENARIOS = await scenarioIds(env); });
after(async () => { await stop(env); });


/** The share of the viewport the stage (the scenario's main views) covers, and how far the page scrolls sideways. */
const measure = () => {
  const st = document.querySelector('.stage').getBoundingClientRect();
  // The playback controls stick to the top of the screen: what they cover is not seen.
  const c = document.querySelector('.controls')?.getBoundingClientRect();
  const covered = c && c.top <= 1 ? c.bottom : 0;
  const h = Math.max(0, Math.min(st.bottom, innerHeight) - Math.max(st.top, covered));
  const w = Math.max(0, Math.min(st.right, innerWidth) - Math.max(st.left, 0));
  return { share: (w * h) / (innerWidth * innerHeight), width: st.width / innerWidth,
    sideways: document.documentElement.scrollWidth - innerWidth };
};

for (const [name, w, h, extra, least] of [['embed', 800, 500, '&embed=1&step=10', 0.6], ['phone', 390, 844, '', 0.35]]) {
  test(`${name} at ${w}×${h}: the main view's share, no sideways scroll`, async () => {
    const { page, errors } = await newPage(env, { width: w, height: h });
    for (const s of SCENARIOS) {
      await page.goto(env.base + `?scenario=${s}${extra}`);
      await page.waitForSelector('#sequence');
      // On a phone the learner scrolls down to the views; an embed shows them at once.
      if (name === 'phone') {
        await page.evaluate(() => {
          const top = document.querySelector('.stage').getBoundingClientRect().top + scrollY;
          scrollTo(0, top - document.querySelector('.controls').offsetHeight);
        });
      }
      await page.waitForTimeout(150);
      const m = await page.evaluate(measure);
      await page.screenshot({ path: join(SHOTS, `${name}-${s}.png`) });
      assert.ok(m.share >= least, `${s}: the main view covers ${(m.share * 100).toFixed(0)}% of the ${name}'s screen`);
      assert.ok(m.width >= 0.9, `${s}: the main view spans ${(m.width * 100).toFixed(0)}% of the width`);
      assert.equal(m.sideways, 0, `${s}: the page scrolls sideways by ${m.sideways}px`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

/** Pairs of the sequence diagram's labels (a note's, a span's, a pause's, a message's), or of a label and a violation's numbered
 *  cause, whose boxes overlap by more than a pixel. (Two causes a step apart may touch.) */
const overlappingLabels = () => {
  const boxes = [...document.querySelectorAll('#sequence .mark-label, #sequence .bar-label, #sequence .msg-label, #sequence .cause circle')]
    .map((t) => ({ text: t.parentNode.textContent, cause: t.tagName === 'circle', r: t.getBoundingClientRect() }));
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].cause && boxes[j].cause) continue;
      const [a, b] = [boxes[i].r, boxes[j].r];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      const name = (b) => (b.cause ? `cause ${b.text}` : `"${b.text}"`);
      if (w > 1 && h > 1) out.push(`${name(boxes[i])} and ${name(boxes[j])}`);
    }
  }
  return out;
};

/** Span labels cut off at the diagram's left edge: a span that began before the view and runs on in it has its label
 *  inside the view (crates/web's model/labels.rs, `bar_label_x`: the label stops 8 px in from the edge, and slides
 *  there while 40 px of the bar follow it, so 48 px of the bar in view, in the diagram's own pixels). */
const spanLabelsCutAtTheEdge = () => {
  const scroller = document.querySelector('#sequence').closest('.scroller');
  const view = scroller.getBoundingClientRect();
  // Presenter mode zooms the diagram: its own pixels are this many of the screen's.
  const zoom = view.width / scroller.clientWidth || 1;
  return [...document.querySelectorAll('#sequence .bar.span')].flatMap((g) => {
    const label = g.querySelector('.bar-label');
    const bar = g.querySelector('rect').getBoundingClientRect();
    if (!label || bar.left >= view.left || bar.right < view.left + 48 * zoom) return [];
    const left = label.getBoundingClientRect().left;
    return left < view.left - 1 ? [`"${label.textContent}" begins ${Math.round(view.left - left)} px left of the view`] : [];
  });
};

test("the sequence diagram's labels and a violation's numbered causes stay apart, at the end of every chapter", async () => {
  const { page, errors } = await newPage(env, { width: 1400, height: 1000 });
  for (const s of SCENARIOS) {
    await page.goto(env.base + `?scenario=${s}`);
    await page.waitForSelector('#sequence');
    const chapters = await page.$$eval('.chapter-nav ol button', (bs) => bs.length);
    // On a laptop, and on a 1080p projector (presenter mode zooms the diagram to fill the screen).
    for (const [mode, w, h] of [['', 1400, 1000], ['&presenter=1', 1920, 1080]]) {
      await page.setViewportSize({ width: w, height: h });
      for (let c = 0; c <= chapters; c++) {
        await page.goto(env.base + `?scenario=${s}` + (c ? `&chapter=${c}` : '') + mode);
        await drawn(page);
        await page.keyboard.press('End');
        await page.waitForTimeout(150);
        const pairs = await page.evaluate(overlappingLabels);
        assert.deepEqual(pairs, [], `${s}${c ? `, chapter ${c}` : ''}${mode}: labels drawn over each other`);
        const cut = await page.evaluate(spanLabelsCutAtTheEdge);
        assert.deepEqual(cut, [], `${s}${c ? `, chapter ${c}` : ''}${mode}: span labels cut at the view's edge`);
      }
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('on a projector the diagram scrolls to the step shown (the zoomed diagram is measured again)', async () => {
  const { page, errors } = await newPage(env, { width: 1920, height: 1080 });
  for (const s of SCENARIOS) {
    await page.goto(env.base + `?scenario=${s}&presenter=1`);
    await drawn(page);
    await page.keyboard.press('End');
    await page.waitForTimeout(300);
    const at = await page.evaluate(() => {
      const box = document.querySelector('.scroller').getBoundingClientRect();
      const now = document.querySelector('#sequence line.now').getBoundingClientRect();
      return { now: now.left, left: box.left, right: box.right };
    });
    assert.ok(at.now >= at.left && at.now <= at.right, `${s}: the step's line at ${at.now}px, outside the diagram's ${at.left}–${at.right}px`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("on a phone the chapters' row scrolls to the current chapter", async () => {
  const { page, errors } = await newPage(env, { width: 390, height: 844 });
  await page.goto(env.base + '?scenario=two-phase-commit&chapter=7');
  await page.waitForSelector('.chapter-nav ol button.current');
  await page.waitForTimeout(100);
  const seen = await page.evaluate(() => {
    const ol = document.querySelector('.chapter-nav ol').getBoundingClientRect();
    const b = document.querySelector('.chapter-nav ol button.current').getBoundingClientRect();
    return { scrolls: document.querySelector('.chapter-nav ol').scrollWidth > ol.width, left: b.left - ol.left, right: ol.right - b.left };
  });
  assert.ok(seen.scrolls, 'the row of chapters scrolls sideways on a phone');
  assert.ok(seen.left >= 0 && seen.right >= 40, `the current chapter's button starts ${seen.left}px into the row, ${seen.right}px from its end`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("charts sit side by side as their column allows, drawn sharp at the screen's pixel ratio, all on a projector's screen", async () => {
  const charts = (page) => page.evaluate(() => [...document.querySelectorAll('.stage .chart canvas')].map((c) => {
    const r = c.getBoundingClientRect();
    return { left: Math.round(r.left), top: Math.round(r.top), bottom: r.bottom, width: r.width, bitmap: c.width, dpr: devicePixelRatio };
  }));
  // A learner's wide screen, at a pixel ratio of 2: the Raft page's four charts in two columns, each bitmap twice
  // its width on screen.
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(env.base + '?scenario=raft&step=300');
  await page.waitForSelector('.chart canvas');
  await page.waitForFunction(() => [...document.querySelectorAll('.chart canvas')].every((c) => c.width === Math.round(c.getBoundingClientRect().width * devicePixelRatio)), null, { timeout: 5000 }).catch(() => {});
  const wide = await charts(page);
  assert.equal(wide.length, 4);
  assert.equal(new Set(wide.map((c) => c.left)).size, 2, `two columns: ${JSON.stringify(wide)}`);
  for (const c of wide) assert.equal(c.bitmap, Math.round(c.width * 2), `a bitmap at the pixel ratio: ${JSON.stringify(c)}`);
  // Each chart shows its axes' labels (the values left of the plot, the times under it), drawn once into a canvas of
  // their own and copied under the line at every step: there at step 300, and still after three steps.
  const inked = () => page.evaluate(() => [...document.querySelectorAll('.stage .chart canvas')].map((c) => {
    const ctx = c.getContext('2d');
    const count = (x, y, w, h) => ctx.getImageData(x, y, w, h).data.filter((v, i) => i % 4 === 3 && v > 0).length;
    const k = c.height / 90;
    return { values: count(0, 0, Math.floor(26 * k), c.height), times: count(0, c.height - Math.floor(14 * k), c.width, Math.floor(14 * k)) };
  }));
  const labelled = (drawn, when) => {
    for (const c of drawn) assert.ok(c.values > 20 && c.times > 20, `${when}: a chart without its labels: ${JSON.stringify(drawn)}`);
  };
  labelled(await inked(), 'at step 300');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /^step 303 /.test(document.querySelector('#step-counter').textContent));
  labelled(await inked(), 'after three steps');
  // Narrowed to a phone's width, the charts stack in one column and are drawn again at their new width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => [...document.querySelectorAll('.chart canvas')].every((c) => c.width === Math.round(c.getBoundingClientRect().width * devicePixelRatio)), null, { timeout: 5000 }).catch(() => {});
  const narrow = await charts(page);
  assert.equal(new Set(narrow.map((c) => c.left)).size, 1, `one column: ${JSON.stringify(narrow)}`);
  for (const c of narrow) assert.equal(c.bitmap, Math.round(c.width * 2), `redrawn at its new width: ${JSON.stringify(c)}`);
  await context.close();
  // A workshop on a projector: every one of the crowd's eight charts is on the screen, at 1280×720 as at 1920×1080.
  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    const { page, errors } = await newPage(env, { width: w, height: h });
    await page.goto(env.base + '?scenario=thundering-herd&chapter=2&presenter=1');
    await page.waitForSelector('.chart canvas');
    await page.waitForTimeout(150);
    const shown = await charts(page);
    assert.ok(shown.length >= 8, `${shown.length} charts`);
    const off = shown.filter((c) => c.bottom > h);
    assert.deepEqual(off, [], `charts below the screen at ${w}×${h}`);
    assert.deepEqual(errors, []);
    await page.close();
  }
});
