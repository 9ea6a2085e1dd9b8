#!/usr/bin/env node
// Writes the pql sample data set: events.jsonl, accounts.jsonl, users.jsonl and model.json.
// Deterministic: the same arguments give the same bytes (no clock, no Math.random).
//
//   node examples/sample/generate.mjs --out DIR [--seed N] [--accounts N] [--days N]
//        [--events N] [--segment] [--end ISO]
import { closeSync, copyFileSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mix32, hashSeed } from './prng.mjs';
import { DAY, makeAccount, makeLoneUser, simulateDay } from './world.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULTS = { seed: 42, accounts: 700, days: 120, end: '2026-10-31T23:59:59Z' };
// Measured at the defaults (120 days): events per account, used to turn --events into accounts.
const EVENTS_PER_ACCOUNT_DAY = 2.08;
// Share of events sent twice with the same id (client retries), for the de-duplication path.
const RESEND_RATE = 0.002;

const USAGE = `usage: node examples/sample/generate.mjs --out DIR [options]
  --seed N       PRNG seed (default ${DEFAULTS.seed})
  --accounts N   number of accounts (default ${DEFAULTS.accounts})
  --days N       days of history ending at --end (default ${DEFAULTS.days})
  --events N     approximate number of events; sets the number of accounts
                 (with --accounts too, scales each account's activity instead)
  --segment      write Segment track/page/identify/group calls instead of flat rows
  --end ISO      last moment of the history (default ${DEFAULTS.end})`;

function parseArgs(argv) {
  const o = { segment: false };
  const num = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--out':
        o.out = val();
        break;
      case '--seed':
        o.seed = num(a, val(), 0);
        break;
      case '--accounts':
        o.accounts = num(a, val(), 1);
        break;
      case '--days':
        o.days = num(a, val(), 1);
        break;
      case '--events':
        o.events = num(a, val(), 1);
        break;
      case '--end':
        o.end = val();
        break;
      case '--segment':
        o.segment = true;
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  if (!o.out) fail('--out DIR is required');
  return o;
}

function fail(msg) {
  console.error(`generate: ${msg}\n${USAGE}`);
  process.exit(2);
}

// Buffers text and writes it in ~1 MiB blocks, so memory stays flat at any size.
class BufferedFile {
  constructor(path) {
    this.fd = openSync(path, 'w');
    this.parts = [];
    this.size = 0;
  }
  write(s) {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) this.flush();
  }
  flush() {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off, buf.length - off);
    this.parts = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

const PAGE_NAMES = {
  '/home': 'Home',
  '/reports': 'Reports',
  '/dashboards': 'Dashboards',
  '/projects': 'Projects',
  '/explore': 'Explore',
  '/data-sources': 'Data sources',
  '/settings': 'Settings',
};

function domainOf(a) {
  return a.id ? `${a.name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example` : 'mail.example';
}

// Account traits without the keys the CRM doesn't know.
function knownTraits(t) {
  const o = {};
  for (const k of Object.keys(t)) if (t[k] !== undefined) o[k] = t[k];
  return o;
}

function main() {
  const t0 = process.hrtime.bigint();
  const o = parseArgs(process.argv.slice(2));
  const seed = o.seed ?? DEFAULTS.seed;
  const days = o.days ?? DEFAULTS.days;
  const endMs = Date.parse(o.end ?? DEFAULTS.end);
  if (!Number.isFinite(endMs)) fail(`--end is not a date: ${o.end}`);

  let nAccounts = o.accounts ?? DEFAULTS.accounts;
  let scale = 1; // activity multiplier, only when both --accounts and --events are given
  if (o.events !== undefined) {
    const perAccount = EVENTS_PER_ACCOUNT_DAY * days;
    if (o.accounts === undefined) nAccounts = Math.max(1, Math.round(o.events / perAccount));
    else scale = o.events / (nAccounts * perAccount);
  }

  const accounts = [];
  for (let i = 0; i < nAccounts; i++) accounts.push(makeAccount(i, seed, days, scale));
  // A few per cent of users never join a workspace: their events have no account.
  const lone = [];
  const nLone = Math.max(2, Math.round(nAccounts * 0.08));
  for (let i = 0; i < nLone; i++) lone.push(makeLoneUser(i, seed, days));
  const actors = accounts.concat(lone);

  mkdirSync(o.out, { recursive: true });
  const events = new BufferedFile(join(o.out, 'events.jsonl'));
  const resendRng = hashSeed(seed, 3);
  const idSalt = hashSeed(seed, 4);
  let counter = 0,
    lines = 0,
    resends = 0;
  const users = new Set();

  // Day by day, so the file comes out in time order without holding it all in memory.
  const endDay = Math.floor(endMs / DAY);
  for (let d = 0; d < days; d++) {
    const dayStart = (endDay - days + 1 + d) * DAY;
    const out = [];
    for (const a of actors) simulateDay(a, d, dayStart, out);
    out.sort((x, y) => x.ts - y.ts); // stable: a session keeps its order on equal timestamps
    for (const e of out) {
      if (e.ts > endMs) continue; // --end in the middle of a day
      const line = o.segment ? segmentLine(e, counter, idSalt) : flatLine(e, counter, idSalt);
      if (line === null) continue;
      counter++;
      events.write(line);
      lines++;
      if (!e.seg) users.add(e.u.id);
      // A client retry: the very same record again (same id), a moment later in the file.
      if (!e.seg && mix32(resendRng ^ counter) / 4294967296 < RESEND_RATE) {
        events.write(line);
        lines++;
        resends++;
      }
    }
  }
  events.close();

  const acc = new BufferedFile(join(o.out, 'accounts.jsonl'));
  for (const a of accounts) {
    acc.write(`${JSON.stringify({ account_id: a.id, name: a.name, traits: knownTraits(a.traits) })}\n`);
  }
  acc.close();
  // The users file (SPEC §6.3): job titles for personas (§7.4). A larger account's first user is
  // a VP, derived from the account (no random draw, so the events stay byte for byte the same).
  const usersFile = new BufferedFile(join(o.out, 'users.jsonl'));
  for (const a of actors) {
    for (const u of a.users) {
      if (!users.has(u.id)) continue;
      const vp = a.id && u.champion && a.employees >= 200;
      const title = vp ? `VP of ${['Sales', 'Engineering', 'Data', 'Finance'][a.index % 4]}` : u.title;
      usersFile.write(`${JSON.stringify({ user_id: u.id, traits: { title, email: `${u.id}@${domainOf(a)}` } })}\n`);
    }
  }
  usersFile.close();
  copyFileSync(join(HERE, 'model.json'), join(o.out, 'model.json'));

  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `sample: ${lines} event lines (${resends} re-sends), ${accounts.length} accounts, ` +
      `${users.size} users, ${days} days, ${o.segment ? 'Segment' : 'flat'} -> ${o.out} in ${secs.toFixed(1)} s`,
  );
}

// Date#toISOString is the hot spot at benchmark sizes: format the date once per day instead.
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let isoDay = NaN,
  isoPrefix = '';
function iso(ms) {
  const day = Math.floor(ms / DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let r = ms - day * DAY;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return `${isoPrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
}
// Ids look random but never collide: mix32 is a bijection on the 32-bit counter.
const eventId = (n, salt) =>
  `evt_${mix32((n ^ salt) >>> 0)
    .toString(16)
    .padStart(8, '0')}`;

function flatLine(e, n, salt) {
  if (e.seg) return null;
  const acct = e.a.id ? `"account_id":"${e.a.id}",` : '';
  const props = e.props ? `,"properties":${JSON.stringify(e.props)}` : '';
  return `{"id":"${eventId(n, salt)}","timestamp":"${iso(e.ts)}",${acct}"user_id":"${e.u.id}","event":"${e.ev}"${props}}\n`;
}

function segmentLine(e, n, salt) {
  const head = `"messageId":"${eventId(n, salt)}","userId":"${e.u.id}","timestamp":"${iso(e.ts)}"`;
  const a = e.a,
    u = e.u;
  if (e.ev === 'identify') {
    const traits = { email: `${u.id}@${domainOf(a)}`, title: u.title, created_at: iso(e.ts) };
    return `{"type":"identify",${head},"traits":${JSON.stringify(traits)}}\n`;
  }
  if (e.ev === 'group') {
    const traits = { name: a.name, ...knownTraits(a.traits) };
    return `{"type":"group",${head},"groupId":"${a.id}","traits":${JSON.stringify(traits)}}\n`;
  }
  if (e.ev === 'page_viewed') {
    return `{"type":"page",${head},"name":"${PAGE_NAMES[e.props.path]}","properties":${JSON.stringify(e.props)}}\n`;
  }
  return `{"type":"track",${head},"event":"${e.ev}","properties":${JSON.stringify(e.props)}}\n`;
}

main();
