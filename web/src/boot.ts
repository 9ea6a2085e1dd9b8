// The page's entry: starts the scoring worker (and with it the engine's download and compile)
// and the sample's download, then loads the page itself (main.ts, ~250 kB, its own chunk), so
// the engine starts compiling while that bundle is still being fetched and parsed. main.ts
// imports what was started from here (the same module instance: it is evaluated once).

// The sample's events as CSV (scripts/build-web.sh writes it from events.jsonl): half the bytes,
// and the engine reads CSV faster, so the page is ready sooner.
export const SAMPLE = { events: 'sample/events.csv', accounts: 'sample/accounts.jsonl', model: 'sample/model.json' };

const fetchBytes = (path: string): Promise<ArrayBuffer | null> =>
  fetch(new URL(path, location.href).href, { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.arrayBuffer() : null))
    .catch(() => null);

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pql-engine' });
// Messages that arrive before main.ts listens (the worker's `ready`, most likely).
const early: MessageEvent[] = [];
worker.onmessage = (ev) => {
  early.push(ev);
};

/** What boot.ts started, for main.ts. */
export const boot = {
  worker,
  early,
  sample: { events: fetchBytes(SAMPLE.events), accounts: fetchBytes(SAMPLE.accounts) },
};

void import('./main');
