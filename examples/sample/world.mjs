// The story behind the sample data: "Lumen", a fictional B2B analytics product with a free tier
// (3 projects). Each account gets a hidden intent (its "kind") that drives how its users behave
// day by day; the scoring model only ever sees the events and the firmographic traits.
// See examples/README.md for the narrative and what each kind is meant to test.
import { Rng, hashSeed } from './prng.mjs';

export const DAY = 86_400_000;
export const FREE_PROJECT_LIMIT = 3;

// ---------- firmographics -------------------------------------------------------------------

// Canonical value -> the spellings a CRM export really contains (case, synonyms, stray spaces).
const INDUSTRY = {
  software: ['Software', 'software', 'SaaS', 'saas', 'SOFTWARE', 'Software '],
  fintech: ['Fintech', 'fintech', 'FinTech'],
  ecommerce: ['E-commerce', 'e-commerce', 'Ecommerce', 'eCommerce'],
  healthcare: ['Healthcare', 'healthcare', 'Health Care'],
  education: ['Education', 'education', 'EdTech'],
  media: ['Media', 'media', 'Publishing'],
  manufacturing: ['Manufacturing', 'manufacturing'],
  agency: ['Agency', 'Marketing agency', 'agency'],
  nonprofit: ['Nonprofit', 'non-profit', 'NGO'],
};
const INDUSTRY_MIX = {
  software: 30,
  fintech: 10,
  ecommerce: 12,
  healthcare: 8,
  education: 9,
  media: 8,
  manufacturing: 7,
  agency: 11,
  nonprofit: 5,
};
const GOOD_INDUSTRY = new Set(['software', 'fintech', 'ecommerce']);

const COUNTRY = {
  US: ['US', 'us', 'USA', 'United States'],
  GB: ['GB', 'UK', 'United Kingdom', 'gb'],
  DE: ['DE', 'Germany', 'de'],
  CA: ['CA', 'Canada'],
  AU: ['AU', 'Australia'],
  NL: ['NL', 'Netherlands'],
  FR: ['FR', 'France', 'fr'],
  IN: ['IN', 'India', 'in'],
  BR: ['BR', 'Brazil'],
  ES: ['ES', 'Spain'],
  PL: ['PL', 'Poland'],
  SG: ['SG', 'Singapore'],
  JP: ['JP', 'Japan'],
};
const COUNTRY_MIX = { US: 34, GB: 10, DE: 8, CA: 5, AU: 4, NL: 3, FR: 6, IN: 10, BR: 7, ES: 4, PL: 3, SG: 2, JP: 4 };
const GOOD_COUNTRY = new Set(['US', 'GB', 'DE', 'CA', 'AU', 'NL']);
// Rough working hours (UTC) of each country, so sessions land at plausible times of day.
const HOUR_CENTER = {
  US: 18,
  CA: 18,
  BR: 15,
  GB: 12,
  DE: 11,
  NL: 11,
  FR: 11,
  ES: 11,
  PL: 11,
  IN: 8,
  SG: 5,
  JP: 4,
  AU: 2,
};

const PLAN = {
  free: ['free', 'Free', 'FREE'],
  education: ['education', 'Education', 'edu'],
  nonprofit: ['nonprofit', 'Nonprofit'],
};

const NAME_A = [
  'Acme',
  'Blue',
  'Cobalt',
  'Delta',
  'Ember',
  'Fjord',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Kestrel',
  'Lattice',
  'Maple',
  'Nimbus',
  'Orbit',
  'Pioneer',
  'Quartz',
  'Redwood',
  'Summit',
  'Tidal',
  'Umber',
  'Vertex',
  'Willow',
  'Zephyr',
  'Atlas',
  'Beacon',
  'Cedar',
  'Drift',
  'Echo',
  'Falcon',
  'Golden',
  'Helix',
  'Indigo',
  'Lumen',
  'Meridian',
  'Northwind',
  'Oak',
  'Prism',
];
const NAME_B = [
  'Labs',
  'Analytics',
  'Systems',
  'Foods',
  'Health',
  'Logistics',
  'Studio',
  'Works',
  'Bank',
  'Retail',
  'Robotics',
  'Media',
  'Learning',
  'Energy',
  'Cloud',
  'Capital',
  'Goods',
  'Partners',
  'Software',
  'Collective',
  'Supply',
  'Travel',
];
const NAME_C = ['', '', '', ' Inc', ' Inc.', ' GmbH', ' Ltd', ' LLC', ' SA', ' BV', ' Co'];

function renderEmployees(rng, n) {
  const r = rng.next();
  if (r < 0.04) return undefined; // unknown to the CRM
  if (r < 0.08) {
    // an enrichment vendor's band instead of a number
    const bands = [
      [1, 10],
      [11, 50],
      [51, 200],
      [201, 500],
      [501, 1000],
      [1001, 5000],
      [5001, 10000],
    ];
    const b = bands.find(([, hi]) => n <= hi) || [10001, 50000];
    return `${b[0]}-${b[1]}`;
  }
  if (r < 0.3) return String(n); // numeric string, as a CSV import leaves it
  return n;
}

// ---------- kinds (hidden intent) ------------------------------------------------------------

// Per-session expected counts of each action, before the kind/phase multipliers.
const BASE_RATES = {
  query_run: 0.8,
  report_created: 0.3,
  dashboard_created: 0.07,
  dashboard_shared: 0.04,
  comment_added: 0.12,
  alert_configured: 0.03,
  export_completed: 0.1,
  help_doc_viewed: 0.15,
  project_created: 0.02,
  pricing_page_viewed: 0.008,
  sso_settings_viewed: 0.001,
  error_shown: 0.1,
  export_failed: 0.015,
};
const ACTIONS = Object.keys(BASE_RATES);

// Multipliers by "kind/phase"; a missing entry means 1. `pricing`/`sso` given as `=x` are
// absolute per-session rates (buying intent doesn't scale with general activity).
const MIX = {
  'tourist/on': {
    query_run: 0.8,
    report_created: 0.5,
    dashboard_created: 0.3,
    dashboard_shared: 0.1,
    error_shown: 2,
    export_failed: 2,
  },
  'casual/on': {
    query_run: 0.7,
    report_created: 0.6,
    dashboard_shared: 0.5,
    comment_added: 0.5,
    pricing_page_viewed: 1.5,
  },
  'power/on': {
    query_run: 2.5,
    report_created: 2.2,
    dashboard_created: 1.5,
    dashboard_shared: 0.6,
    comment_added: 0.5,
    alert_configured: 1.5,
    export_completed: 2,
    project_created: 2.5,
    pricing_page_viewed: 2.5,
    sso_settings_viewed: 0,
  },
  'dormant/on': {
    query_run: 1.6,
    report_created: 1.5,
    dashboard_created: 1.2,
    dashboard_shared: 0.8,
    project_created: 1.5,
    error_shown: 2.5,
    export_failed: 4,
    pricing_page_viewed: 1.5,
  },
  'evaluator/on': {},
  'evaluator/signal': {
    query_run: 1.2,
    report_created: 1.2,
    dashboard_shared: 1.5,
    project_created: 6,
    pricing_page_viewed: '=0.2',
    sso_settings_viewed: '=0.05',
  },
  'buyer/on': {
    query_run: 1.2,
    report_created: 1.2,
    dashboard_created: 1.2,
    dashboard_shared: 2,
    comment_added: 1.8,
    project_created: 2,
  },
  'buyer/signal': {
    query_run: 1.5,
    report_created: 1.5,
    dashboard_created: 1.5,
    dashboard_shared: 3.5,
    comment_added: 2.5,
    alert_configured: 2,
    project_created: 12,
    pricing_page_viewed: '=0.28',
    sso_settings_viewed: '=0.1',
  },
  'buyer/paid': {
    query_run: 1.4,
    report_created: 1.4,
    dashboard_created: 1.4,
    dashboard_shared: 3,
    comment_added: 2.5,
    alert_configured: 2,
    project_created: 5,
    pricing_page_viewed: 0.5,
  },
};
// Chance per session that someone invites a teammate (while the team is below its size).
const INVITE = {
  'tourist/on': 0.03,
  'casual/on': 0.06,
  'power/on': 0.04,
  'dormant/on': 0.1,
  'evaluator/on': 0.08,
  'evaluator/signal': 0.2,
  'buyer/on': 0.12,
  'buyer/signal': 0.3,
  'buyer/paid': 0.2,
};

// Resolves the per-session rates once per kind/phase (and per quiet/small-team variant).
const rateCache = new Map();
function ratesFor(key, quiet, small) {
  const ck = `${key}|${quiet}|${small}`;
  let r = rateCache.get(ck);
  if (r) return r;
  const mix = MIX[key] || {};
  r = {};
  for (const a of ACTIONS) {
    const m = mix[a];
    if (typeof m === 'string') r[a] = Number(m.slice(1));
    else r[a] = BASE_RATES[a] * (m === undefined ? 1 : m);
  }
  // Quiet buyers decide with little browsing: their intent barely shows in the product.
  if (quiet) {
    r.pricing_page_viewed *= 0.3;
    r.sso_settings_viewed *= 0.3;
    r.project_created *= 0.4;
  }
  // Small companies have no SSO requirement.
  if (small) r.sso_settings_viewed *= 0.05;
  rateCache.set(ck, r);
  return r;
}

// ---------- accounts and users ---------------------------------------------------------------

export function makeAccount(index, seed, days, scale = 1) {
  const rng = new Rng(hashSeed(seed, 1, index));
  const num = index + 1;
  const id = `acct-${String(num).padStart(5, '0')}`;
  const name = `${rng.pick(NAME_A)} ${rng.pick(NAME_B)}${rng.pick(NAME_C)}`;

  const employees = Math.max(1, Math.min(50000, Math.round(rng.logNormal(45, 1.7))));
  const industry = rng.weighted(INDUSTRY_MIX);
  const country = rng.weighted(COUNTRY_MIX);
  let plan = 'free';
  if (industry === 'education' && rng.chance(0.8)) plan = 'education';
  if (industry === 'nonprofit' && rng.chance(0.5)) plan = 'nonprofit';

  // How well the account matches the ideal customer; it drives the chance of being a buyer.
  const fitness =
    (employees >= 20 && employees <= 5000 ? 0.35 : employees < 5 ? 0 : 0.1) +
    (GOOD_INDUSTRY.has(industry) ? 0.25 : 0) +
    (GOOD_COUNTRY.has(country) ? 0.2 : 0) +
    (plan === 'free' ? 0.2 : 0);

  let kind;
  if (plan !== 'free') {
    // Students and charities love the free tier and can't (or won't) pay for it.
    kind = rng.weighted({ power: 35, casual: 30, tourist: 25, dormant: 10 });
  } else {
    kind = rng.weighted({
      buyer: 0.04 + 0.55 * fitness * fitness,
      evaluator: 0.07,
      power: 0.1 * (1.3 - fitness),
      dormant: 0.14,
      casual: 0.3,
      tourist: 0.3,
    });
  }

  const a = {
    index,
    id,
    name,
    rng,
    kind,
    fitness,
    employees,
    canon: { industry, country, plan },
    traits: {
      employees: renderEmployees(rng, employees),
      industry: rng.pick(INDUSTRY[industry]),
      country: rng.pick(COUNTRY[country]),
      plan: rng.pick(PLAN[plan]),
    },
    signupDay: rng.int(0, days - 1),
    quiet: false,
    small: employees < 50,
    scale,
    users: [],
    pending: [],
    team: 1,
    projects: 0,
    sources: 0,
    converted: false,
    userSeq: 0,
  };
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, Math.round(x)));
  switch (kind) {
    case 'tourist':
      a.lifeR = rng.int(0, 5);
      a.team = 1 + (rng.chance(0.5) ? 1 : 0);
      break;
    case 'casual':
      a.tau = rng.uniform(40, 200);
      a.team = 1 + rng.poisson(3);
      break;
    case 'power':
      a.team = 1 + rng.poisson(1.6);
      break;
    case 'dormant':
      a.churnR = rng.int(8, 45);
      a.team = 2 + rng.poisson(2.5);
      break;
    case 'evaluator':
      a.signalR = clamp(rng.logNormal(14, 0.6), 3, 60);
      a.stopR = a.signalR + rng.int(7, 30);
      a.team = 2 + rng.poisson(3);
      break;
    case 'buyer':
      // Signals start after a first taste of value; the purchase follows days to weeks later.
      a.signalR = clamp(rng.logNormal(14, 0.6), 3, 60);
      a.convertR = a.signalR + clamp(rng.logNormal(12, 0.55), 3, 45);
      a.quiet = rng.chance(0.25);
      a.team = 3 + rng.poisson(1.5 + 1.2 * Math.log10(employees + 1));
      break;
  }
  a.team = Math.min(a.team, 40);
  addUser(a, a.signupDay, 'direct', true);
  return a;
}

function addUser(a, joinDay, method, champion = false) {
  const rng = a.rng;
  a.users.push({
    id: `u_${String(a.index + 1).padStart(5, '0')}_${++a.userSeq}`,
    joinDay,
    method,
    champion,
    seen: false,
    sessions: 0,
    steps: 0,
    mult: champion ? 1.3 : Math.max(0.1, Math.min(2, rng.logNormal(0.6, 0.5))),
    hour: HOUR_CENTER[a.canon.country] + rng.normal(0, 1.5),
    title: champion
      ? rng.pick(['Head of Data', 'Analyst', 'CTO', 'Founder', 'Product Manager'])
      : rng.pick(['Analyst', 'Engineer', 'Marketing Manager', 'Designer', 'Sales Ops', 'Finance']),
  });
}

// Users with no account: personal sign-ups that never joined a workspace.
export function makeLoneUser(index, seed, days) {
  const rng = new Rng(hashSeed(seed, 2, index));
  const signupDay = rng.int(0, days - 1);
  return {
    rng,
    id: null,
    kind: 'lone',
    signupDay,
    scale: 1,
    lifeR: rng.int(1, 30),
    users: [
      {
        id: `u_solo_${String(index + 1).padStart(4, '0')}`,
        joinDay: signupDay,
        method: 'direct',
        champion: true,
        seen: false,
        sessions: 0,
        steps: 0,
        mult: 1,
        hour: rng.uniform(2, 20),
        title: 'Student',
      },
    ],
    pending: [],
    team: 1,
    projects: 0,
    sources: 0,
    converted: false,
  };
}

// ---------- daily behaviour ------------------------------------------------------------------

// Phase key and a user's base chance of being active, `r` days after sign-up.
function phaseOf(a, r) {
  switch (a.kind) {
    case 'tourist':
      return r <= a.lifeR ? ['tourist/on', 0.7] : ['tourist/on', 0.004];
    case 'casual':
      return ['casual/on', Math.max(0.04, 0.22 * Math.exp(-r / a.tau))];
    case 'power':
      return ['power/on', 0.5];
    case 'dormant':
      return r < a.churnR ? ['dormant/on', 0.45] : ['dormant/on', 0.008];
    case 'evaluator':
      if (r < a.signalR) return ['evaluator/on', 0.3];
      return r < a.stopR ? ['evaluator/signal', 0.5] : ['evaluator/on', 0.01];
    case 'buyer':
      if (r < a.signalR) return ['buyer/on', 0.33];
      return r < a.convertR ? ['buyer/signal', 0.5] : ['buyer/paid', 0.45];
    default:
      return r <= a.lifeR ? ['casual/on', 0.3] : ['casual/on', 0.01]; // lone users
  }
}

const PAGES = ['/home', '/reports', '/dashboards', '/projects', '/explore', '/data-sources', '/settings'];
const SOURCES = ['postgres', 'snowflake', 'bigquery', 'mysql', 'csv_upload', 'google_sheets', 'stripe', 'hubspot'];
const CHARTS = ['line', 'bar', 'table', 'funnel', 'cohort', 'pie'];
const ERRORS = ['QUERY_TIMEOUT', 'SOURCE_AUTH_EXPIRED', 'RATE_LIMITED', 'INTERNAL'];
const ARTICLES = ['getting-started', 'connect-postgres', 'share-dashboards', 'sql-tips', 'alerts'];

// Simulates one calendar day of account `a` (relative day r = d - signupDay) into `out`.
// Each pushed record: {ts, a, u, ev, props, seg?} where seg marks a Segment group/identify call.
export function simulateDay(a, d, dayStart, out) {
  if (d < a.signupDay) return;
  const rng = a.rng,
    r = d - a.signupDay;
  const [key, base] = phaseOf(a, r);
  const weekend = (Math.floor(dayStart / DAY) + 4) % 7 >= 5; // 1970-01-01 was a Thursday
  const dayFactor = weekend ? 0.3 : 1;

  // Accepted invitations and domain sign-ups whose day has come.
  for (let i = a.pending.length - 1; i >= 0; i--) {
    if (a.pending[i].day <= d) {
      addUser(a, d, a.pending[i].method);
      a.pending.splice(i, 1);
    }
  }
  if (a.id && base > 0.05 && a.users.length + a.pending.length < a.team && rng.chance(0.035)) {
    addUser(a, d, 'domain');
  }

  const convertToday = a.kind === 'buyer' && !a.converted && r === a.convertR;
  for (const u of a.users) {
    if (u.joinDay > d) continue;
    const first = !u.seen;
    let active = first || rng.chance(Math.min(0.95, base * u.mult * dayFactor));
    if (convertToday && u.champion) active = true;
    if (!active) continue;
    let sessions = first ? 1 : 1 + rng.poisson(0.25 * base);
    if (a.scale !== 1) {
      // --events with --accounts: more or fewer sessions, same story
      const x = sessions * a.scale;
      sessions = Math.max(first ? 1 : 0, Math.floor(x) + (rng.chance(x - Math.floor(x)) ? 1 : 0));
    }
    for (let s = 0; s < sessions; s++) {
      session(a, u, d, dayStart, key, out, convertToday && u.champion && s === sessions - 1);
    }
  }
}

function session(a, u, d, dayStart, key, out, converting) {
  const rng = a.rng;
  const rates = ratesFor(key, a.quiet, a.small);
  const acts = []; // [event, props] in the order they happen
  // A user's first session starts with the sign-up (and, in Segment terms, identify/group calls).
  const calls = [];
  if (!u.seen) {
    u.seen = true;
    calls.push({ ts: 0, a, u, ev: 'identify', seg: true });
    if (a.id) calls.push({ ts: 0, a, u, ev: 'group', seg: true });
    acts.push(['signed_up', { method: u.method }]);
  } else if (rng.chance(0.8)) {
    acts.push(['login', { method: rng.chance(0.7) ? 'password' : 'google' }]);
  }
  u.sessions++;
  // The five-step onboarding checklist, ticked off over a user's first sessions.
  if (u.sessions <= 3) {
    for (let i = rng.poisson(1.5); i > 0 && u.steps < 5; i--)
      acts.push(['onboarding_step_completed', { step: ++u.steps }]);
  }
  if (u.champion && a.sources === 0 && rng.chance(a.kind === 'tourist' ? 0.35 : 0.8)) {
    a.sources++;
    acts.push(['data_source_connected', { source: rng.pick(SOURCES) }]);
  }

  const body = [];
  for (const act of ACTIONS) {
    let rate = rates[act];
    if (act === 'project_created' && a.projects === 0) rate = Math.max(rate, 0.5);
    if (act === 'comment_added' && a.users.length < 2) rate *= 0.1;
    const n = rng.poisson(rate);
    for (let i = 0; i < n; i++) body.push(act);
  }
  if (a.sources > 0 && rng.chance(key === 'buyer/signal' ? 0.06 : 0.015)) body.push('data_source_connected');
  const inviteChance = INVITE[key] || 0;
  if (a.id && a.users.length + a.pending.length < a.team && rng.chance(inviteChance)) body.push('teammate_invited');
  // Random order of what gets done in the session.
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = body[i];
    body[i] = body[j];
    body[j] = t;
  }

  for (let i = 0, pv = 1 + rng.poisson(1); i < pv; i++) acts.push(['page_viewed', { path: rng.pick(PAGES) }]);
  for (const act of body) {
    if (rng.chance(0.3)) acts.push(['page_viewed', { path: rng.pick(PAGES) }]);
    acts.push(actionEvent(a, u, d, act));
  }
  if (converting) {
    acts.push(['pricing_page_viewed', { path: '/pricing', referrer: 'nav' }]);
    const seats = a.users.length;
    const plan = seats > 8 || a.employees > 500 ? 'Business' : 'Team';
    const billing = rng.chance(0.4) ? 'annual' : 'monthly';
    acts.push([
      'subscription_started',
      { plan, seats, billing, mrr: seats * (plan === 'Business' ? 40 : 15) * (billing === 'annual' ? 0.8 : 1) },
    ]);
    a.converted = true;
  }

  // Lay the session out in time: a start near the user's working hours, then seconds apart.
  const hour = Math.max(0, Math.min(22.5, u.hour + rng.normal(0, 2.5)));
  let ts = dayStart + Math.floor(hour * 3_600_000) + rng.int(0, 59_999);
  const lastMs = dayStart + DAY - 1;
  for (const c of calls) {
    c.ts = ts;
    out.push(c);
  } // same moment as the sign-up, just before it
  for (const [ev, props] of acts) {
    out.push({ ts, a, u, ev, props });
    ts = Math.min(lastMs, ts + rng.int(4_000, 150_000));
  }
}

function actionEvent(a, u, d, act) {
  const rng = a.rng;
  switch (act) {
    case 'query_run':
      return [act, { rows: rng.int(1, 50000), duration_ms: rng.int(40, 9000) }];
    case 'report_created':
      return [act, { chart: rng.pick(CHARTS) }];
    case 'dashboard_created':
      return [act, { widgets: rng.int(1, 12) }];
    case 'dashboard_shared':
      return [act, { via: rng.pick(['link', 'email', 'slack']) }];
    case 'comment_added':
      return [act, { on: rng.chance(0.6) ? 'report' : 'dashboard' }];
    case 'alert_configured':
      return [act, { channel: rng.pick(['email', 'slack', 'webhook']) }];
    case 'export_completed':
      return [act, { format: rng.pick(['csv', 'xlsx', 'pdf']) }];
    case 'export_failed':
      return [act, { format: rng.pick(['csv', 'xlsx', 'pdf']), reason: 'timeout' }];
    case 'help_doc_viewed':
      return [act, { article: rng.pick(ARTICLES) }];
    case 'error_shown':
      return [act, { code: rng.pick(ERRORS) }];
    case 'pricing_page_viewed':
      return [act, { path: '/pricing', referrer: rng.pick(['nav', 'upgrade_prompt', 'email']) }];
    case 'sso_settings_viewed':
      return [act, { path: '/settings/security' }];
    case 'data_source_connected':
      a.sources++;
      return [act, { source: rng.pick(SOURCES) }];
    case 'teammate_invited': {
      // Most invitations are accepted within a few days; the invitee then shows up as a user.
      if (rng.chance(0.85)) a.pending.push({ day: d + rng.int(0, 3), method: 'invite' });
      return [act, { role: rng.pick(['editor', 'editor', 'viewer', 'admin']) }];
    }
    case 'project_created':
      if (!a.converted && a.projects >= FREE_PROJECT_LIMIT) {
        return ['upgrade_prompt_shown', { limit: 'projects', used: a.projects, allowed: FREE_PROJECT_LIMIT }];
      }
      a.projects++;
      return [act, { project_number: a.projects }];
    default:
      throw new Error(`unknown action ${act}`);
  }
}
