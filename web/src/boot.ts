// The page's entry: starts the scoring worker (and with it the engine's download and compile)
// and the sample's download, then loads the page itself (main.ts, ~250 kB, its own chunk), so
// the engine starts compiling while that bundle is still being fetched and parsed. main.ts
// picks both up; this file is a few hundred bytes.
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pql-engine' });

const fetchBytes = (path: string): Promise<ArrayBuffer | null> =>
  fetch(new URL(path, location.href).href, { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.arrayBuffer() : null))
    .catch(() => null);

/** What boot.ts started, for main.ts. */
export interface Boot {
  worker: Worker;
  // Messages that arrived before main.ts listened (the worker's `ready`, most likely).
  early: MessageEvent[];
  sample: { events: Promise<ArrayBuffer | null>; accounts: Promise<ArrayBuffer | null> };
}

const early: MessageEvent[] = [];
worker.onmessage = (ev) => { early.push(ev); };
(window as unknown as { __pqlBoot: Boot }).__pqlBoot = {
  worker,
  early,
  sample: { events: fetchBytes('sample/events.csv'), accounts: fetchBytes('sample/accounts.jsonl') },
};

void import('./main');
