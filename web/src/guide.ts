// Guidance for a first visit: a "start here" strip (load your data → tune → backtest) shown
// until the first model edit, the status line in plain words, and what the ranking's less
// obvious columns mean.
import { h } from './dom';

const DONE_KEY = 'pql.guide.done';

function remembered(): boolean {
  try {
    return window.localStorage.getItem(DONE_KEY) === '1';
  } catch {
    return false;
  }
}

export class StartStrip {
  readonly root: HTMLElement;

  constructor(actions: { load: () => void; tune: () => void; backtest: () => void }) {
    const step = (n: string, label: string, hint: string, go: () => void) => {
      const b = h('button', { type: 'button', class: 'guide-step', text: `${n} ${label}` });
      b.addEventListener('click', go);
      return h('li', null, b, h('span', { class: 'hint', text: hint }));
    };
    const close = h('button', {
      type: 'button',
      class: 'icon guide-close',
      'aria-label': 'Hide this guide',
      title: 'Hide this guide',
      text: '✕',
    });
    close.addEventListener('click', () => this.done());
    this.root = h(
      'section',
      { class: 'guide', 'data-testid': 'start-here', 'aria-label': 'Start here', hidden: remembered() },
      h('strong', { text: 'Start here' }),
      h(
        'ol',
        null,
        step(
          '1',
          'Load your data',
          'drop an events file (JSON Lines, JSON, CSV, an analytics export; .gz, .zip) anywhere, or keep the sample',
          actions.load,
        ),
        step(
          '2',
          'Tune the model',
          'move a weight, the half-life or the threshold on the left: the ranking follows',
          actions.tune,
        ),
        step('3', 'Backtest', 'see whether the PQLs are the ones who converted', actions.backtest),
      ),
      close,
    );
  }

  /** The first edit: the guide has done its job, here and on the next visit. */
  done(): void {
    if (this.root.hidden) return;
    this.root.hidden = true;
    try {
      window.localStorage.setItem(DONE_KEY, '1');
    } catch {
      /* the strip shows again next time */
    }
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "31 Oct 2026" (UTC, as the engine's as_of is). */
export function plainDate(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return 'no events yet';
  const d = new Date(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "700 accounts · 131 PQLs · as of 31 Oct 2026". */
export function statusLine(entities: number, entity: string, pqls: number, asOf: string | null | undefined): string {
  const noun = entity === 'user' ? (entities === 1 ? 'user' : 'users') : entities === 1 ? 'account' : 'accounts';
  return `${entities.toLocaleString('en-US')} ${noun} · ${pqls.toLocaleString('en-US')} PQL${pqls === 1 ? '' : 's'} · as of ${plainDate(asOf)}`;
}

/** What the ranking's columns mean, for their tooltips. */
export const COLUMN_HELP: Record<string, string> = {
  grade:
    "Grade = fit letter × engagement digit (the model's grade bands, best first): A1 fits your ideal customer best and is the most engaged; none when a value reaches no band.",
  activation:
    'Activation = activation steps completed / all steps; green once the required number is done (the account reached first value).',
  velocity:
    'Velocity = (this week − last week) / max(|last week|, 1): weighted events of age 0–6 days against 7–13 days, no decay or cap. Above 0: speeding up.',
  engagement: "Engagement (0–100) = decayed, capped, weighted event points, saturating at the model's saturation.",
  fit: 'Fit (0–100) = the points of matched fit rules out of all positive points.',
};
