// End-to-end tests of the ranking list as a window of engine.view (issues #15 and #17): leads
// only by default (customers hidden, one toggle, a badge), segment chips with counts that
// filter, PQL since as a sortable column, and a filtered list that is the CLI's ranking
// filtered the same way. Run after `make native sample web`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TIMEOUT,
  assertSameRanking,
  cli as cliScore,
  domRows,
  open as openPage,
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

const open = (hash = '') => openPage(env, hash);
const cli = (model) => cliScore(env, model);

// Waits for the answer to a view change (scroll, filter, sort: the same ranking, other rows).
async function viewChanged(page, action) {
  const before = await page.getAttribute('[data-testid="ranking"]', 'data-view-revision');
  await action();
  await page.waitForFunction(
    (v) => {
      const r = document.querySelector('[data-testid="ranking"]');
      return r.dataset.viewRevision !== v && r.dataset.busy === 'false';
    },
    before,
    { timeout: TIMEOUT },
  );
}

const rowData = (page) =>
  page.$$eval('[data-testid="ranking-row"]', (rows) =>
    rows.map((r) => ({
      id: r.dataset.id,
      rank: Number(r.dataset.rank),
      converted: r.dataset.converted === 'true',
      days: r.dataset.daysQualified,
      badge: !!r.querySelector('[data-testid="customer-badge"]'),
    })),
  );

test('customers are hidden by default, shown with a badge by the toggle', { timeout: TIMEOUT * 2 }, async () => {
  const { context, page } = await open();
  const want = cli(sampleModel());
  assert.ok(want.customers > 50, `the sample has customers (${want.customers})`);
  let rows = await rowData(page);
  assert.ok(
    rows.every((r) => !r.converted && !r.badge),
    'no customer in the default list',
  );
  assertSameRanking(await domRows(page), want, 'leads only');
  assert.match(await page.textContent('.footer'), new RegExp(`${want.customers} customers hidden`));
  await viewChanged(page, () => page.check('[data-testid="show-customers"]'));
  rows = await rowData(page);
  assert.ok(
    rows.some((r) => r.converted),
    'customers listed',
  );
  assert.ok(
    rows.every((r) => r.converted === r.badge),
    'each customer badged, no lead badged',
  );
  assertSameRanking(await domRows(page), want, 'with customers', { customers: true });
  await context.close();
});

test('PQL since sorts the list; segment chips count and filter', { timeout: TIMEOUT * 3 }, async () => {
  const model = sampleModel();
  model.segments = {
    big_teams: { metric: 'active_users', op: '>=', value: 5 },
    evaluating: { metric: 'count.pricing_page_viewed', op: '>=', value: 1, window_days: 30 },
  };
  const hash = `#model=${Buffer.from(JSON.stringify(model)).toString('base64url')}`;
  const { context, page } = await open(hash);
  const want = cli(model);
  // Sort by Since twice: newest PQLs first (fewest days), then longest qualified first.
  const since = page.locator('.row.head .c-since button');
  await viewChanged(page, () => since.click());
  let rows = await rowData(page);
  const days = rows.filter((r) => r.days !== '').map((r) => Number(r.days));
  assert.ok(days.length >= 10, 'PQLs first');
  assert.deepEqual(
    days,
    [...days].sort((a, b) => a - b),
    'newest PQLs first',
  );
  await viewChanged(page, () => since.click());
  rows = await rowData(page);
  const longest = rows.filter((r) => r.days !== '').map((r) => Number(r.days));
  assert.deepEqual(
    longest,
    [...longest].sort((a, b) => b - a),
    'longest qualified first',
  );
  const maxDays = Math.max(...want.results.filter((r) => r.qualified).map((r) => r.days_qualified));
  assert.equal(longest[0], maxDays, "the CLI's longest streak");

  // Segment chips: the CLI's per-segment counts; a chip shows that segment's PQLs only.
  const chips = await page.$$eval('[data-testid="segment-chip"]', (cs) =>
    cs.map((c) => ({ name: c.dataset.segment, text: c.textContent })),
  );
  for (const [name, n] of Object.entries(want.segments)) {
    const chip = chips.find((c) => c.name === name);
    assert.ok(chip, `a chip for ${name}`);
    assert.ok(chip.text.includes(String(n)), `${name}: ${chip.text} shows ${n}`);
  }
  await viewChanged(page, () => page.click('.row.head .c-rank button')); // back to rank order
  await viewChanged(page, () => page.click('[data-testid="segment-chip"][data-segment="evaluating"]'));
  const inSegment = want.results.filter((r) => r.segments.includes('evaluating')).map((r) => r.id);
  assert.ok(inSegment.length > 0);
  const shown = (await rowData(page)).map((r) => r.id);
  assert.ok(shown.length > 0);
  assert.deepEqual(shown, inSegment.slice(0, shown.length), "the segment's PQLs, in rank order");
  assert.match(await page.textContent('.footer'), new RegExp(`${inSegment.length} of`));
  await context.close();
});

test(
  'a model edit keeps the filter and re-ranks the filtered list as the CLI does',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page } = await open();
    await viewChanged(page, () => page.check('#filter-pql'));
    const rev = await revision(page);
    await page.fill('[data-testid="threshold"]', '55');
    await page.dispatchEvent('[data-testid="threshold"]', 'change');
    await settled(page, rev);
    const model = JSON.parse(await page.inputValue('[data-testid="model-json"]'));
    const want = cli(model);
    const pqls = want.results.filter((r) => r.qualified);
    const rows = await rowData(page);
    assert.equal(rows.length, Math.min(pqls.length, rows.length));
    assert.deepEqual(
      rows.map((r) => r.id),
      pqls.slice(0, rows.length).map((r) => r.id),
    );
    assert.match(await page.textContent('.footer'), new RegExp(`${pqls.length} of`));
    await context.close();
  },
);
