// The page's whole program: load files into a pql engine, re-rank live as the model is edited.
import { createEngine } from '../../build/wasm/pkg/index.js';

const engine = await createEngine();
const $ = (id) => document.getElementById(id);
const bytes = async (input) => input.files[0] && new Uint8Array(await input.files[0].arrayBuffer());
const cell = (text, cls = '') =>
  Object.assign(document.createElement('td'), { textContent: text ?? '–', className: cls });
const show = (text, error = false) =>
  Object.assign($('status'), { textContent: text, className: error ? 'error' : '' });
let load = null; // the events load report; files are loaded once, the model re-scores live

async function loadFiles() {
  const events = await bytes($('events'));
  if (!events) return;
  engine.clear();
  const accounts = await bytes($('accounts'));
  if (accounts) engine.loadAccounts(accounts);
  load = engine.loadEvents(events);
  rank();
}

function rank() {
  if (!load) return;
  try {
    engine.setModel($('model').value.trim() || '{}');
    const run = engine.score({ limit: 50 });
    show(
      `${run.entities} accounts, ${run.qualified} PQLs, as of ${run.as_of}; ${load.loaded} events loaded, ` +
        `${load.skipped} rows skipped` +
        (load.errors[0] ? ` (line ${load.errors[0].line}: ${load.errors[0].message})` : ''),
    );
    $('rows').replaceChildren(
      ...run.results.map((r) => {
        const tr = document.createElement('tr');
        tr.append(
          cell(r.rank, 'num'),
          cell(r.name ? `${r.name} (${r.id})` : r.id),
          cell(r.score.toFixed(1), 'num'),
          cell(r.tier),
          cell(r.grade),
          cell(r.qualified ? '✔' : ''),
          cell(r.last_seen.slice(0, 10)),
        );
        return tr;
      }),
    );
  } catch (e) {
    show(e.message, true); // a PqlError names the model's JSON path
  }
}
for (const id of ['events', 'accounts'])
  $(id).addEventListener('change', () => loadFiles().catch((e) => show(e.message, true)));
$('model').addEventListener('input', rank);
