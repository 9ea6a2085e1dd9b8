// End-to-end tests of issue #17 (live in the page): the three layouts (1440, 1024 and 390 wide:
// no sideways scrolling, a virtualised list, a row click shows the Why panel in view, a
// screenshot each), undo/redo over model edits, a fit operator round trip that loses nothing,
// Reset that asks first, named versions, a slider drag that ends on the last value's ranking,
// and the patch path giving the CLI's ranking. Run after `make native sample web`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  SHOTS,
  TIMEOUT,
  assertSameRanking,
  cli as cliScore,
  domRows,
  revision,
  sampleModel,
  settled,
  start,
} from './helpers.mjs';

let env;

before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

const cli = (model) => cliScore(env, model);

async function openAt(width, height) {
  const context = await env.browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${env.origin}/`);
  await settled(page, '0');
  return { context, page, errors };
}

const modelText = (page) => page.inputValue('[data-testid="model-json"]');
const modelNow = async (page) => JSON.parse(await modelText(page));

// Sets a control's value and fires its event, as a user's input does.
async function fire(page, selector, value, kind = 'input') {
  await page.evaluate(
    ([s, v, k]) => {
      const el = document.querySelector(s);
      el.value = String(v);
      el.dispatchEvent(new Event(k, { bubbles: true }));
    },
    [selector, value, kind],
  );
}

for (const [width, height] of [
  [1440, 900],
  [1024, 700],
  [390, 844],
]) {
  test(
    `${width}×${height}: no sideways scroll, a virtualised list, a row click shows Why in view`,
    { timeout: TIMEOUT * 2 },
    async (t) => {
      const { context, page, errors } = await openAt(width, height);
      const rows = await page.$$eval('[data-testid="ranking-row"]', (r) => r.length);
      assert.ok(rows >= 25 && rows < 100, `virtualised: ${rows} ranking rows in the DOM (of 700)`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `no horizontal scroll (${overflow} px too wide)`);
      const row = page.locator('[data-testid="ranking-row"]').nth(3);
      const id = await row.getAttribute('data-id');
      await row.click();
      await page.waitForFunction((i) => document.querySelector('#tabpanel-explain')?.textContent?.includes(i), id, {
        timeout: TIMEOUT,
      });
      await page.waitForTimeout(250); // the drawer's slide
      // The Why panel is on screen: its top part is inside the viewport and is what is drawn there.
      const seen = await page.evaluate(() => {
        const panel = document.querySelector('#tabpanel-explain');
        const r = panel.getBoundingClientRect();
        const x = Math.min(window.innerWidth - 2, Math.max(1, r.left + Math.min(40, r.width / 2)));
        const y = Math.min(window.innerHeight - 2, Math.max(1, r.top + 20));
        const hit = document.elementFromPoint(x, y);
        return {
          top: r.top,
          bottom: r.bottom,
          left: r.left,
          right: r.right,
          hit: !!hit && panel.closest('#explain').contains(hit),
        };
      });
      assert.ok(
        seen.top < height && seen.bottom > 0 && seen.left < width && seen.right > 0,
        `the Why panel is in view: ${JSON.stringify(seen)}`,
      );
      assert.ok(seen.hit, `the Why panel is not covered: ${JSON.stringify(seen)}`);
      const overflowAfter = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflowAfter <= 0, `no horizontal scroll with the panel open (${overflowAfter} px)`);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `live-${width}.png`) });
      assert.deepEqual(errors, []);
      t.diagnostic(`${rows} DOM rows; screenshot build/screenshots/live-${width}.png`);
      await context.close();
    },
  );
}

test(
  'undo and redo: Ctrl+Z, Ctrl+Shift+Z and the buttons, a drag being one step',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page, errors } = await openAt(1440, 900);
    const original = await modelNow(page);
    assert.equal(await page.isDisabled('[data-testid="undo"]'), true, 'nothing to undo on open');
    // A drag of the threshold: several inputs, one undo step.
    let rev = await revision(page);
    for (const v of [61, 62, 63, 64]) await fire(page, '[data-testid="threshold"]', v);
    await settled(page, rev);
    assert.equal((await modelNow(page)).pql.min_score, 64);
    rev = await revision(page);
    await fire(page, '[data-testid="half-life"]', 9);
    await settled(page, rev);
    // Ctrl+Z: the half-life goes back; again: the threshold goes back to the original.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    rev = await revision(page);
    await page.keyboard.press('Control+z');
    await settled(page, rev);
    assert.equal((await modelNow(page)).engagement.half_life_days, original.engagement.half_life_days);
    assert.equal(
      await page.inputValue('[data-testid="half-life"]'),
      String(original.engagement.half_life_days),
      'the slider shows the undone value',
    );
    rev = await revision(page);
    await page.click('[data-testid="undo"]');
    await settled(page, rev);
    assert.deepEqual(await modelNow(page), original, 'two undos give the model the page opened with');
    assertSameRanking(await domRows(page), cli(original), 'after undo');
    // Redo twice: Ctrl+Shift+Z and the button.
    rev = await revision(page);
    await page.keyboard.press('Control+Shift+z');
    await settled(page, rev);
    assert.equal((await modelNow(page)).pql.min_score, 64);
    rev = await revision(page);
    await page.click('[data-testid="redo"]');
    await settled(page, rev);
    const redone = await modelNow(page);
    assert.equal(redone.engagement.half_life_days, 9);
    assert.equal(await page.isDisabled('[data-testid="redo"]'), true, 'nothing left to redo');
    assertSameRanking(await domRows(page), cli(redone), 'after redo');
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test(
  'a fit operator round trip keeps the values: between [20, 5000] → gt → between',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page, errors } = await openAt(1440, 900);
    const rule0 = (await modelNow(page)).fit.rules[0];
    assert.deepEqual([rule0.op, rule0.value], ['between', [20, 5000]], "the sample's first fit rule");
    let rev = await revision(page);
    await fire(page, '[data-key="fit.0.op"]', 'gt', 'change');
    await settled(page, rev);
    assert.deepEqual((await modelNow(page)).fit.rules[0].value, 20, 'gt takes the low end');
    rev = await revision(page);
    await fire(page, '[data-key="fit.0.op"]', 'in', 'change');
    await settled(page, rev);
    assert.deepEqual((await modelNow(page)).fit.rules[0].value, [20], 'in takes the value as a list');
    rev = await revision(page);
    await fire(page, '[data-key="fit.0.op"]', 'between', 'change');
    await settled(page, rev);
    const back = await modelNow(page);
    assert.deepEqual(back.fit.rules[0], rule0, 'between gives back [20, 5000]');
    assert.equal(await page.inputValue('[data-key="fit.0.lo"]'), '20');
    assert.equal(await page.inputValue('[data-key="fit.0.hi"]'), '5000');
    assertSameRanking(await domRows(page), cli(back), 'after the round trip');
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test('Reset asks first; named versions are kept in the browser', { timeout: TIMEOUT * 2 }, async () => {
  const { context, page, errors } = await openAt(1440, 900);
  const original = await modelNow(page);
  let rev = await revision(page);
  await fire(page, '[data-testid="threshold"]', 70);
  await settled(page, rev);
  // Reset, dismissed: nothing changes.
  page.once('dialog', (d) => d.dismiss());
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await page.waitForTimeout(200);
  assert.equal((await modelNow(page)).pql.min_score, 70, 'a dismissed Reset keeps the model');
  // Save as a version, reset (accepted), then load the version back.
  page.once('dialog', (d) => d.accept('threshold 70'));
  await page.click('[data-testid="save-version"]');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="versions"] option')].some((o) => o.value === 'threshold 70'),
  );
  rev = await revision(page);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await settled(page, rev);
  assert.deepEqual(await modelNow(page), original, 'an accepted Reset gives the sample model');
  rev = await revision(page);
  await page.selectOption('[data-testid="versions"]', 'threshold 70');
  await settled(page, rev);
  assert.equal((await modelNow(page)).pql.min_score, 70, 'the saved version comes back');
  // Kept across a reload (localStorage of this origin).
  await page.reload();
  await settled(page, '0');
  const names = await page.$$eval('[data-testid="versions"] option', (os) => os.map((o) => o.value));
  assert.ok(names.includes('threshold 70'), `the version survives a reload: ${names}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test(
  "a drag of 20 inputs 16 ms apart ends on the ranking of the last value, the CLI's",
  { timeout: TIMEOUT * 2 },
  async (t) => {
    const { context, page, errors } = await openAt(1440, 900);
    const r = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const el = document.querySelector('[data-testid="half-life"]');
          const t0 = performance.now();
          let last = 0;
          for (let i = 0; i < 20; i++) {
            setTimeout(() => {
              el.value = String(6 + i * 0.5);
              el.dispatchEvent(new Event('input', { bubbles: true }));
              if (i === 19) {
                last = performance.now();
                resolve({ deliveredMs: last - t0 });
              }
            }, 16 * i);
          }
        }),
    );
    await page.waitForFunction(
      () => {
        const rk = document.querySelector('[data-testid="ranking"]');
        return (
          rk.dataset.busy === 'false' &&
          JSON.parse(document.querySelector('[data-testid="model-json"]').value).engagement.half_life_days === 15.5
        );
      },
      null,
      { timeout: TIMEOUT },
    );
    await page.waitForFunction(() => document.querySelector('[data-testid="ranking"]').dataset.busy === 'false');
    const model = await modelNow(page);
    assert.equal(model.engagement.half_life_days, 15.5);
    assertSameRanking(await domRows(page), cli(model), 'after the drag');
    // Each step of the drag went through the patch path in the worker (one numeric setting).
    assert.equal(await page.getAttribute('[data-testid="ranking"]', 'data-model-update'), 'patch');
    assert.deepEqual(errors, []);
    t.diagnostic(`20 inputs delivered in ${r.deliveredMs.toFixed(0)} ms (shared CPU: not asserted)`);
    await context.close();
  },
);

test(
  'the start-here strip shows until the first edit; the status bar is in plain words',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page, errors } = await openAt(1440, 900);
    assert.equal(await page.isVisible('[data-testid="start-here"]'), true);
    const status = await page.textContent('.engine-status');
    const run = cli(sampleModel());
    assert.match(
      status,
      new RegExp(`^${run.entities} accounts · ${run.qualified} PQLs · as of \\d{1,2} [A-Z][a-z]{2} \\d{4}`),
      status,
    );
    const rev = await revision(page);
    await fire(page, '[data-testid="threshold"]', 55);
    await settled(page, rev);
    assert.equal(await page.isVisible('[data-testid="start-here"]'), false, 'hidden after the first edit');
    const grade = await page.getAttribute('.row.head .c-grade button', 'title');
    assert.match(grade, /fit letter × engagement digit/);
    assert.deepEqual(errors, []);
    await context.close();
  },
);
