// The model page's SPEC §7 editors, the call-ready Why card and the CRM export, end to end:
// a signal added in the editor re-ranks as the CLI ranks the same model; the Why card shows the
// engine's reasons for the selected account (the CLI's explanation); the CRM export is byte for
// byte `pql score --format csv --csv crm --trait ...`. Run after `make native sample web`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SAMPLE,
  SHOTS,
  SITE,
  TIMEOUT,
  assertSameRanking,
  domRows,
  modelFile,
  open,
  pql,
  revision,
  sampleModel,
  settled,
  showTab,
  start,
} from './helpers.mjs';
import { assertSameBytes } from '../lib/compare.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

const modelOf = async (page) => JSON.parse(await page.inputValue('[data-testid="model-json"]'));
// The data the page's sample loads (events.csv keeps the property columns detail, rows, duration_ms and on): the CLI
// must read the same events for property conditions to match the same way.
const pageData = () => ['--events', join(SITE, 'sample/events.csv'), '--accounts', join(SAMPLE, 'accounts.jsonl')];
const cli = (env, model) =>
  JSON.parse(pql(['score', ...pageData(), '--model', modelFile(env, model), '--format', 'json']));

test('a signal added in the editor re-ranks like the CLI; undo takes it back', { timeout: TIMEOUT * 3 }, async () => {
  const { context, page, errors } = await open(env);
  const editor = page.locator('[data-testid="signals-editor"]');
  await editor.scrollIntoViewIfNeeded();
  const before0 = await domRows(page);
  let rev = await revision(page);
  await editor.locator('[data-key="signal.add"]').click();
  await settled(page, rev);
  let model = await modelOf(page);
  const [name] = Object.keys(model.signals ?? {});
  assert.ok(name, 'the model has the new signal');
  const sig = model.signals[name];
  assert.ok(
    sig.event !== '*' && sig.where.length === 1,
    `a signal on an event with a property condition: ${JSON.stringify(sig)}`,
  );
  // The condition offers the event's properties from the data.
  const offered = await editor.locator('datalist option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(offered.includes(sig.where[0].property), `the property picker offers ${sig.where[0].property}: ${offered}`);
  // A weight makes it count: the ranking changes, and matches the CLI on the same model.
  rev = await revision(page);
  await editor.locator('[data-key="signal.0.weight"]').fill('40');
  await settled(page, rev);
  model = await modelOf(page);
  assert.equal(model.engagement.events[name].weight, 40);
  const after0 = await domRows(page);
  assert.notDeepEqual(
    after0.slice(0, 25).map((r) => r.score),
    before0.slice(0, 25).map((r) => r.score),
    'the scores changed',
  );
  assertSameRanking(after0, cli(env, model), 'with the signal');
  // A rename takes its weight along (web/src/renames.ts): the same ranking under the new name.
  rev = await revision(page);
  const nameIn = editor.locator('[data-key="signal.0.name"]');
  await nameIn.fill('renamed_signal');
  await nameIn.dispatchEvent('change');
  await settled(page, rev);
  model = await modelOf(page);
  assert.deepEqual(Object.keys(model.signals), ['renamed_signal']);
  assert.equal(model.engagement.events.renamed_signal?.weight, 40, 'the weight followed the rename');
  assert.equal(model.engagement.events[name], undefined);
  assert.deepEqual(await domRows(page), after0, 'a rename changes no score');
  // Each edit is one undo step: three undos remove the rename, the weight and the signal.
  for (let i = 0; i < 3; i++) {
    rev = await revision(page);
    await page.click('[data-testid="undo"]');
    await settled(page, rev);
  }
  assert.equal((await modelOf(page)).signals, undefined, 'undo removed the signal');
  assertSameRanking(await domRows(page), cli(env, sampleModel()), 'after undo');
  assert.deepEqual(errors, []);
  await context.close();
});

test(
  "persona, segment, active-events and window editors (the sample's nested rule too) write the model keys",
  { timeout: TIMEOUT * 3 },
  async () => {
    const { context, page, errors } = await open(env);
    let rev = await revision(page);
    await page.click('[data-testid="personas-editor"] [data-key="persona.add"]');
    await settled(page, rev);
    rev = await revision(page);
    await page.click('[data-testid="segments-editor"] [data-key="segment.add"]');
    await settled(page, rev);
    rev = await revision(page);
    await page.uncheck('[data-testid="active-events"] [data-key="active#every"]');
    await settled(page, rev);
    // The sample's PQL rule (all of [active_users, any of [limit, count, count]]) is edited in
    // place: a window on the pricing-page count.
    rev = await revision(page);
    await page.fill('[data-key="rule.1.1.window"]', '7');
    await settled(page, rev);
    // A segment's count condition takes a window, its limit condition offers none (the engine
    // would reject it).
    assert.equal(await page.locator('[data-testid="segments-editor"] [data-key="segment.0.0.window"]').count(), 0);
    rev = await revision(page);
    await page.click('[data-testid="segments-editor"] [data-key="segment.0.add"]');
    await settled(page, rev);
    rev = await revision(page);
    await page.fill('[data-testid="segments-editor"] [data-key="segment.0.1.window"]', '7');
    await settled(page, rev);
    const model = await modelOf(page);
    assert.equal(Object.keys(model.personas).length, 1);
    assert.equal(Object.keys(model.segments).length, 1);
    assert.ok(
      Array.isArray(model.active.events) && model.active.events.length > 0 && !model.active.events.includes('login'),
      JSON.stringify(model.active),
    );
    const [seg] = Object.values(model.segments);
    assert.equal(seg.all[1].window_days, 7);
    assert.deepEqual(model.pql.rule.all[1].any[1], {
      metric: 'count.pricing_page_viewed',
      op: '>=',
      value: 1,
      window_days: 7,
    });
    // The sample's limit is named by its rule (and now the segment): its ✕ is disabled and says
    // where (web/src/renames.ts, referencesTo); the new persona is named by nothing yet.
    const limitX = page.locator('[data-key="limit.0.remove"]');
    assert.equal(await limitX.isDisabled(), true, 'a limit in use cannot be removed');
    assert.match(
      await limitX.getAttribute('title'),
      /^Limit projects is used by pql\.rule\.all\[1\]\.any\[0\]\.metric, segments\./,
    );
    assert.equal(await page.locator('[data-key="persona.0.remove"]').isDisabled(), false);
    // The CLI validates and scores the model the page wrote, to the same ranking.
    const file = modelFile(env, model);
    assert.match(pql(['validate', '--model', file]), /valid/);
    assertSameRanking(await domRows(page), cli(env, model), 'v2 keys');
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test(
  "the Why card gives the engine's reasons, people and recent events; tables sit behind Details",
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page, errors } = await open(env);
    const model = await modelOf(page);
    // The first PQL of the ranking.
    const row = page.locator('[data-testid="ranking-row"]').first();
    const id = await row.getAttribute('data-id');
    await row.click();
    await showTab(page, 'explain');
    await page.waitForSelector('[data-testid="why-card"] [data-testid="why-reasons"]', { timeout: TIMEOUT });
    const ex = JSON.parse(
      pql(['explain', ...pageData(), '--model', modelFile(env, model), '--id', id, '--format', 'json']),
    );
    assert.ok(ex.reasons.length >= 1 && ex.reasons.length <= 3, `reasons: ${ex.reasons}`);
    const shown = await page.$$eval('[data-testid="why-reasons"] li', (li) => li.map((x) => x.textContent));
    assert.deepEqual(shown, ex.reasons);
    const people = await page.$$eval('[data-testid="why-people"] li b', (b) => b.map((x) => x.textContent));
    assert.deepEqual(
      people,
      ex.people.slice(0, people.length).map((p) => p.user),
    );
    assert.ok(people.length >= 1);
    assert.equal(await page.locator('[data-testid="why-recent"] li').count(), ex.recent_events.length);
    assert.match(
      await page.textContent('[data-testid="why-customer"]'),
      ex.converted ? /customer since/ : /not a customer/,
    );
    if (ex.qualified) assert.match(await page.textContent('[data-testid="why-pql-since"]'), /PQL since/);
    // The card comes first; the tables are behind a closed Details toggle.
    const order = await page.$eval('.explain-body', (b) => [...b.children].map((c) => c.dataset.testid ?? c.tagName));
    assert.equal(order[0], 'why-card');
    assert.equal(await page.$eval('[data-testid="why-details"]', (d) => d.tagName === 'DETAILS' && !d.open), true);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'why-card.png') });
    // Call-ready: the card is a fraction of the ~2,250 px the four tables took.
    const card = await page.$eval('[data-testid="why-card"]', (c) => c.getBoundingClientRect().height);
    assert.ok(card < 800, `the card is short (${card} px)`);
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test(
  'a persona from the editor on a loaded users file: matches on the Why card, as the CLI explains',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page, errors } = await open(env);
    let rev = await revision(page);
    await page.setInputFiles('[data-testid="users-file"]', join(SAMPLE, 'users.jsonl'));
    await settled(page, rev);
    // The editor starts a persona from the data's title-like trait: title contains vp.
    rev = await revision(page);
    await page.click('[data-testid="personas-editor"] [data-key="persona.add"]');
    await settled(page, rev);
    const model = await modelOf(page);
    assert.deepEqual(Object.values(model.personas)[0], [{ trait: 'title', op: 'contains', value: 'vp' }]);
    const name = Object.keys(model.personas)[0];
    // An account with a VP: the card's reasons say so and the VP carries the persona chip.
    const args = [...pageData(), '--users', join(SAMPLE, 'users.jsonl'), '--model', modelFile(env, model)];
    const run = JSON.parse(pql(['score', ...args, '--format', 'json']));
    const shownIds = (await domRows(page)).slice(0, 15).map((r) => r.id);
    const withVp = run.results
      .filter((r) => shownIds.includes(r.id))
      .map((r) => JSON.parse(pql(['explain', ...args, '--id', r.id, '--format', 'json'])))
      .find((ex) => ex.people.slice(0, 4).some((p) => p.personas.includes(name)));
    assert.ok(withVp, 'an account in view has a VP among its top people');
    await page.click(`[data-testid="ranking-row"][data-id="${withVp.id}"]`);
    await showTab(page, 'explain');
    await page.waitForSelector('[data-testid="why-people"]', { timeout: TIMEOUT });
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-testid="why-people"] .chip.persona')].some((c) => c.textContent === n),
      name,
      { timeout: TIMEOUT },
    );
    assert.deepEqual(
      await page.$$eval('[data-testid="why-reasons"] li', (li) => li.map((x) => x.textContent)),
      withVp.reasons,
    );
    assert.ok(
      withVp.reasons.some((r) => r.includes(`the ${name} persona`)),
      `reasons: ${withVp.reasons}`,
    );
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test('CRM export is byte for byte `pql score --format csv --csv crm`', { timeout: TIMEOUT * 2 }, async () => {
  const { context, page } = await open(env);
  // Accounts with CRM keys (domain, record id) and a name that needs quoting.
  const accounts = [
    {
      account_id: 'a1',
      name: 'Acme, Inc',
      traits: { domain: 'acme.test', hubspot_id: 501, employees: 120, industry: 'software' },
    },
    {
      account_id: 'a2',
      name: '=cmd',
      traits: { domain: 'two.test', hubspot_id: 502, employees: 8, industry: 'fintech' },
    },
    {
      account_id: 'a3',
      name: 'Three',
      traits: { domain: 'three.test', salesforce_id: '0015g00000XyZab', industry: 'retail' },
    },
  ];
  const events = [];
  accounts.forEach((a, i) => {
    for (let k = 0; k < 4 + i * 5; k++) {
      events.push({
        timestamp: Date.UTC(2026, 9, 1 + k),
        user_id: `u${i}-${k % 3}`,
        account_id: a.account_id,
        event: ['report_created', 'project_created', 'dashboard_shared', 'login'][k % 4],
      });
    }
  });
  const eventsText = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const accountsText = accounts.map((a) => JSON.stringify(a)).join('\n') + '\n';
  let rev = await revision(page);
  await page.setInputFiles('[data-testid="events-file"]', {
    name: 'crm-events.jsonl',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(eventsText),
  });
  await settled(page, rev);
  rev = await revision(page);
  await page.setInputFiles('[data-testid="accounts-file"]', {
    name: 'crm-accounts.jsonl',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(accountsText),
  });
  await settled(page, rev);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-crm"]')]);
  const csv = readFileSync(await download.path(), 'utf8');
  const eventsFile = join(env.tmp, 'crm-events.jsonl');
  const accountsFile = join(env.tmp, 'crm-accounts.jsonl');
  writeFileSync(eventsFile, eventsText);
  writeFileSync(accountsFile, accountsText);
  // The default trait columns: the sample model's fit traits that the data has.
  const native = pql([
    'score',
    '--events',
    eventsFile,
    '--accounts',
    accountsFile,
    '--model',
    modelFile(env, sampleModel()),
    '--format',
    'csv',
    '--csv',
    'crm',
    '--trait',
    'employees,industry',
  ]);
  assertSameBytes(native, csv, 'CRM export', { actualName: 'page' });
  const header = csv.split('\r\n')[0].split(',');
  assert.deepEqual(header.slice(0, 7), [
    'id',
    'name',
    'domain',
    'employees',
    'hubspot_id',
    'industry',
    'salesforce_id',
  ]);
  assert.ok(
    csv.includes(',501,') && csv.includes('0015g00000XyZab') && csv.includes('"Acme, Inc"') && csv.includes(",'=cmd,"),
  );
  for (const line of csv.split('\r\n').slice(1, -1)) assert.match(line, /,\d+\.\d,/, 'scores with one decimal');
  await context.close();
});
