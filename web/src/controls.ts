// Model controls: every setting of the model as a form control, applied on input. Controls
// show the engine's canonical model (every default filled in) and write only what the user
// touches into the user's model, so the model JSON stays as small as it was. The choices a
// picker offers (ops, metrics, decay shapes, entity kinds) come from the engine's schema().
import type { CanonicalModel, Decay, EntityKind, Schema, ValueKind } from '@pql/engine';
import { DecayChart, PALETTE } from './charts';
import { field, h, nextId } from './dom';
import { FitValueMemory } from './fitvalues';
import { inUseLabel, referencesTo, renameNamed, type NamedKind } from './renames';
import type { Catalog } from './protocol';
import {
  DAY_MS,
  clone,
  fmt,
  fmtInt,
  getPath,
  isObject,
  jsonOf,
  parseScalar,
  scalarText,
  setPath,
  type Json,
  type JsonObject,
} from './util';
import {
  activeSection,
  groupedRule,
  personasSection,
  segmentsSection,
  signalsSection,
  windowInput,
  windowable,
} from './v2editors';

export interface ControlsHost {
  model(): JsonObject; // the user's model (sparse)
  normalized(): CanonicalModel | null; // the engine's model with every default (null until the engine is ready)
  schema(): Schema | null; // what the engine accepts (null until it is ready)
  catalog(): Catalog;
  dataRange(): { first: number | null; last: number | null };
  // Applies fn to a copy of the user's model. `rebuild`: the controls' structure changes.
  change(fn: (m: JsonObject) => void, rebuild: boolean): void;
}

// How a picker words the engine's names (a name not listed here shows as it is).
const DECAY_LABELS: Partial<Record<Decay, string>> = {
  exponential: 'exponential (half-life)',
  linear: 'linear to the window end',
};
const ENTITY_LABELS: Partial<Record<EntityKind, string>> = { account: 'accounts', user: 'users' };
// What a trait op takes as its value; a comparison op on a trait leaf means its trait op.
function traitValueKind(schema: Schema, op: string): ValueKind {
  const trait = schema.comparison_ops.find((c) => c.op === op)?.trait_op ?? op;
  return schema.trait_ops.find((o) => o.op === trait)?.value ?? 'scalar';
}

export const TIER_COLORS = [
  PALETTE.vermillion,
  PALETTE.orange,
  PALETTE.blue,
  PALETTE.green,
  PALETTE.purple,
  PALETTE.sky,
  PALETTE.yellow,
  PALETTE.grey,
];

function numberOr(text: string): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

export class ModelControls {
  readonly root: HTMLElement;
  private decayEl = h('div', {
    class: 'chart decay-chart',
    role: 'img',
    'aria-label': 'Decay curve: weight of an event by its age in days',
  });
  private decay = new DecayChart(this.decayEl);
  private fitMemory = new FitValueMemory();
  private sections = new Map<string, { sig: string; schema: Schema; el: HTMLElement }>();

  constructor(private host: ControlsHost) {
    this.root = h('div', { class: 'controls' });
    // A control the user moved now shows a value its section was not built with: that
    // section is rebuilt at the next render (an undo may bring the old value back).
    const touched = (ev: Event) => {
      const el = (ev.target as Element | null)?.closest('.controls > *');
      for (const part of this.sections.values()) if (part.el === el) part.sig = '';
    };
    this.root.addEventListener('input', touched, true);
    this.root.addEventListener('change', touched, true);
  }

  /** Shows every control from the canonical model, keeping keyboard focus in place. */
  render(): void {
    const N = this.host.normalized();
    const schema = this.host.schema();
    if (!N || !schema) return;
    const active = document.activeElement as HTMLElement | null;
    const key = active && this.root.contains(active) ? active.dataset.key : undefined;
    const scroll = this.root.closest('.sidebar')?.scrollTop;
    // Keyed by section: a section is rebuilt only when what it shows (and what its handlers
    // captured) changed, so adding a step does not rebuild the events table.
    const cat = this.host.catalog();
    // Where each signal, persona and limit is named: their ✕ is disabled while in use, so their
    // sections are rebuilt when a rule, step or limit starts or stops naming them.
    const NJ = jsonOf(N);
    const uses = (kind: NamedKind, names: string[]) => names.map((n) => referencesTo(NJ, kind, n));
    const parts: [string, unknown, () => HTMLElement][] = [
      ['time', [N.as_of, N.entity, this.host.dataRange()], () => this.timeSection(N, schema)],
      ['score', [N.weights, N.pql.min_score, N.pql.require_activation], () => this.scoreSection(N)],
      ['rule', [N.pql.rule, N.limits, N.signals, N.personas, cat], () => this.ruleSection(N, schema)],
      ['activation', [N.activation, cat.events], () => this.activationSection(N)],
      ['engagement', [N.engagement, N.window_days, N.active_days, cat.events], () => this.engagementSection(N, schema)],
      ['fit', [N.fit, cat.traits], () => this.fitSection(N, schema)],
      ['tiers', N.tiers, () => this.tiersSection(N)],
      ['limits', [N.limits, cat.events, uses('limit', Object.keys(N.limits))], () => this.limitsSection(N)],
      // SPEC §7 editors (v2editors.ts).
      [
        'signals',
        [N.signals, N.engagement.events, cat.events, cat.properties, uses('signal', Object.keys(N.signals ?? {}))],
        () => signalsSection(N, schema, this.host),
      ],
      ['active', [N.active, N.signals, cat.events], () => activeSection(N, this.host)],
      [
        'personas',
        [N.personas, cat.traits, uses('persona', Object.keys(N.personas ?? {}))],
        () => personasSection(N, schema, this.host),
      ],
      [
        'segments',
        [N.segments, N.limits, N.signals, N.personas, cat],
        () => segmentsSection(N, schema, this.host, this.metricNames(N, schema)),
      ],
    ];
    const els = parts.map(([name, deps, build]) => {
      const sig = JSON.stringify(deps);
      const kept = this.sections.get(name);
      if (kept && kept.sig === sig && kept.schema === schema && this.root.contains(kept.el)) return kept.el;
      const el = build();
      const open = kept?.el instanceof HTMLDetailsElement ? kept.el.open : true;
      if (el instanceof HTMLDetailsElement) el.open = open;
      this.sections.set(name, { sig, schema, el });
      return el;
    });
    if (els.some((el, i) => this.root.children[i] !== el) || this.root.children.length !== els.length)
      this.root.replaceChildren(...els);
    requestAnimationFrame(() => this.showDecay());
    if (key) this.root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus({ preventScroll: true });
    const sidebar = this.root.closest('.sidebar');
    if (sidebar && scroll !== undefined) sidebar.scrollTop = scroll;
  }

  /** Draws the decay curve of the model in force (the engine's answer to the last edit). */
  showDecay(): void {
    const N = this.host.normalized();
    if (N) this.decay.update(N.engagement.decay, N.engagement.half_life_days, N.window_days);
  }

  private set(path: string[], value: Json | undefined, rebuild = false): void {
    this.host.change((m) => setPath(m, path, value), rebuild);
  }

  // The array at path in the user's model, copied from the canonical model when absent.
  private arrayIn(m: JsonObject, path: ['activation', 'steps'] | ['fit', 'rules'] | ['tiers']): JsonObject[] {
    let arr = getPath(m, path);
    if (!Array.isArray(arr)) {
      const N = this.host.normalized();
      const from = !N ? [] : path[0] === 'activation' ? N.activation.steps : path[0] === 'fit' ? N.fit.rules : N.tiers;
      arr = from.map(jsonOf);
      setPath(m, path, arr as Json);
    }
    return arr as JsonObject[];
  }

  // ---- generic inputs ----

  private num(
    key: string,
    value: unknown,
    onValue: (n: number | null) => void,
    opts: {
      min?: number;
      max?: number;
      step?: number | 'any';
      placeholder?: string;
      label?: string;
      width?: string;
    } = {},
  ): HTMLInputElement {
    const input = h('input', {
      type: 'number',
      class: `num${opts.width ? ` w-${opts.width}` : ''}`,
      'data-key': key,
      step: String(opts.step ?? 'any'),
      min: opts.min,
      max: opts.max,
      placeholder: opts.placeholder,
      'aria-label': opts.label,
      value: typeof value === 'number' ? String(value) : '',
    });
    input.addEventListener('input', () => {
      const n = numberOr(input.value);
      if (input.value.trim() !== '' && n === null) return;
      onValue(n);
    });
    return input;
  }

  private slider(
    key: string,
    label: string,
    value: number,
    opts: { min: number; max: number; step: number; unit?: string; testid?: string; hint?: string },
    onValue: (n: number) => void,
  ): HTMLElement {
    const id = nextId('s');
    const range = h('input', {
      type: 'range',
      id,
      min: opts.min,
      max: opts.max,
      step: opts.step,
      value: String(value),
      'data-key': `${key}#range`,
      'data-testid': opts.testid,
    });
    const box = h('input', {
      type: 'number',
      class: 'num w-s',
      min: opts.min,
      step: 'any',
      value: String(value),
      'aria-label': `${label} (exact value)`,
      'data-key': `${key}#num`,
    });
    const apply = (n: number, from: HTMLInputElement) => {
      if (from !== range) range.value = String(n);
      if (from !== box) box.value = String(n);
      onValue(n);
    };
    range.addEventListener('input', () => apply(Number(range.value), range));
    range.addEventListener('change', () => apply(Number(range.value), range));
    box.addEventListener('input', () => {
      const n = numberOr(box.value);
      if (n !== null) apply(n, box);
    });
    return h(
      'div',
      { class: 'field slider' },
      h('label', { for: id, text: label }),
      h('div', { class: 'sliderrow' }, range, box, opts.unit ? h('span', { class: 'unit', text: opts.unit }) : null),
      opts.hint ? h('span', { class: 'hint', text: opts.hint }) : null,
    );
  }

  private select(
    key: string,
    options: { value: string; label?: string }[],
    value: string,
    onValue: (v: string) => void,
    label?: string,
  ): HTMLSelectElement {
    const sel = h(
      'select',
      { 'data-key': key, 'aria-label': label },
      ...options.map((o) => h('option', { value: o.value, text: o.label ?? o.value })),
    );
    sel.value = value;
    sel.addEventListener('change', () => onValue(sel.value));
    return sel;
  }

  private iconButton(
    key: string,
    text: string,
    label: string,
    onClick: () => void,
    disabled = false,
  ): HTMLButtonElement {
    const b = h('button', {
      type: 'button',
      class: 'icon',
      'data-key': key,
      'aria-label': label,
      title: label,
      text,
      disabled,
    });
    b.addEventListener('click', onClick);
    return b;
  }

  private section(title: string, ...children: (HTMLElement | null)[]): HTMLElement {
    return h(
      'details',
      { class: 'section', open: true },
      h('summary', null, h('h2', { text: title })),
      h('div', { class: 'sectionbody' }, ...children),
    );
  }

  private eventOptions(current: string[], withAny: boolean): { value: string; label?: string }[] {
    const cat = this.host.catalog();
    const names = new Set(cat.events.map((e) => e.name));
    const opts: { value: string; label?: string }[] = withAny ? [{ value: '*', label: '* (any event)' }] : [];
    for (const c of current) if (c && c !== '*' && !names.has(c)) opts.push({ value: c, label: `${c} (not in data)` });
    for (const e of cat.events) opts.push({ value: e.name, label: `${e.name} (${fmtInt(e.count)})` });
    return opts;
  }

  // ---- sections ----

  private timeSection(N: CanonicalModel, schema: Schema): HTMLElement {
    const asOf = N.as_of;
    const { first, last } = this.host.dataRange();
    const latest = h('input', {
      type: 'checkbox',
      'data-key': 'as_of#latest',
      checked: asOf === null,
      id: nextId('c'),
    });
    const date = h('input', {
      type: 'date',
      'data-key': 'as_of#date',
      value: asOf ? asOf.slice(0, 10) : last !== null ? new Date(last).toISOString().slice(0, 10) : '',
      disabled: asOf === null,
    });
    const dayMin = first !== null ? Math.floor(first / DAY_MS) : 0;
    const dayMax = last !== null ? Math.floor(last / DAY_MS) : 0;
    const cur = asOf ? Math.floor(Date.parse(asOf) / DAY_MS) : dayMax;
    const rangeId = nextId('s');
    const range = h('input', {
      type: 'range',
      id: rangeId,
      min: dayMin,
      max: Math.max(dayMin, dayMax),
      step: 1,
      value: String(cur),
      'data-key': 'as_of#range',
      disabled: first === null,
    });
    const endOfDay = (day: number) => new Date(day * DAY_MS + DAY_MS - 1).toISOString();
    latest.addEventListener('change', () => {
      this.set(['as_of'], latest.checked ? undefined : endOfDay(Number(range.value)), true);
    });
    date.addEventListener('change', () => {
      const t = Date.parse(date.value);
      if (!Number.isNaN(t)) this.set(['as_of'], endOfDay(Math.floor(t / DAY_MS)));
    });
    range.addEventListener('input', () => {
      const day = Number(range.value);
      date.value = new Date(day * DAY_MS).toISOString().slice(0, 10);
      if (latest.checked) {
        latest.checked = false;
        date.disabled = false;
      }
      this.set(['as_of'], endOfDay(day));
    });
    const entity = this.select(
      'entity',
      schema.entities.map((e) => ({ value: e, label: ENTITY_LABELS[e] })),
      N.entity,
      (v) => this.set(['entity'], v, true),
    );
    return this.section(
      'Time travel and entity',
      h('label', { class: 'check' }, latest, 'As of the latest event'),
      field('As of date (end of day, UTC)', date),
      h('div', { class: 'field slider' }, h('label', { for: rangeId, text: 'Scrub through time' }), range),
      field('Rank', entity),
    );
  }

  private scoreSection(N: CanonicalModel): HTMLElement {
    const { weights: w, pql } = N;
    const req = h('input', { type: 'checkbox', 'data-key': 'pql.require_activation', checked: pql.require_activation });
    req.addEventListener('change', () => this.set(['pql', 'require_activation'], req.checked));
    return this.section(
      'Score and PQL',
      h('p', { class: 'hint', text: 'score = (wₐ·activation + wₑ·engagement + w_f·fit) / (wₐ + wₑ + w_f)' }),
      this.slider('weights.activation', 'Activation weight', w.activation, { min: 0, max: 100, step: 1 }, (n) =>
        this.set(['weights', 'activation'], n),
      ),
      this.slider('weights.engagement', 'Engagement weight', w.engagement, { min: 0, max: 100, step: 1 }, (n) =>
        this.set(['weights', 'engagement'], n),
      ),
      this.slider('weights.fit', 'Fit weight', w.fit, { min: 0, max: 100, step: 1 }, (n) =>
        this.set(['weights', 'fit'], n),
      ),
      this.slider(
        'pql.min_score',
        'PQL threshold (min score)',
        pql.min_score,
        { min: 0, max: 100, step: 0.5, testid: 'threshold' },
        (n) => this.set(['pql', 'min_score'], n),
      ),
      h('label', { class: 'check' }, req, 'A PQL must be activated'),
    );
  }

  // Every metric a rule can read: the schema's plain metrics, and its forms (`count.<event>`,
  // `limit.<name>`, `trait.<name>`, ...) filled with what the data and the model hold.
  private metricNames(N: CanonicalModel, schema: Schema): string[] {
    const cat = this.host.catalog();
    // A form whose argument the page cannot list is offered as its prefix, to be completed by hand.
    const events = [...Object.keys(N.signals ?? {}), ...cat.events.map((e) => e.name)];
    // sum.<event or signal>.<property>: each property with the event types that carry it (a
    // signal with its event's properties), numeric-looking examples first, at most 200.
    const props = cat.properties ?? [];
    const numeric = (p: { values: string[] }) => p.values.some((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    const sums = [
      ...props.filter(numeric).flatMap((p) => p.eventTypes.map((t) => `${t}.${p.name}`)),
      ...Object.entries(N.signals ?? {}).flatMap(([name, sig]) =>
        props
          .filter((p) => numeric(p) && (sig.event === '*' || p.eventTypes.includes(sig.event)))
          .map((p) => `${name}.${p.name}`),
      ),
    ].slice(0, 200);
    const fill: Record<string, string[]> = {
      event: events,
      limit: Object.keys(N.limits),
      trait: cat.traits.map((t) => t.name),
      persona: Object.keys(N.personas ?? {}),
      'event.property': sums.length ? sums : [''],
    };
    return schema.metrics.flatMap((m) =>
      'prefix' in m ? (fill[m.argument] ?? ['']).map((x) => `${m.prefix}${x}`) : [m.metric],
    );
  }

  private ruleSection(N: CanonicalModel, schema: Schema): HTMLElement {
    const rule: unknown = N.pql.rule;
    const listId = nextId('metrics');
    const datalist = h(
      'datalist',
      { id: listId },
      ...this.metricNames(N, schema).map((m) => h('option', { value: m })),
    );
    const isLeaf = (x: unknown) => isObject(x) && typeof x.metric === 'string';
    let mode: 'none' | 'all' | 'any' | 'nested' = 'none';
    let leaves: JsonObject[] = [];
    if (isObject(rule)) {
      if (isLeaf(rule)) {
        mode = 'all';
        leaves = [jsonOf(rule)];
      } else if (Array.isArray(rule.all) && rule.all.every(isLeaf) && Object.keys(rule).length === 1) {
        mode = 'all';
        leaves = rule.all as JsonObject[];
      } else if (Array.isArray(rule.any) && rule.any.every(isLeaf) && Object.keys(rule).length === 1) {
        mode = 'any';
        leaves = rule.any as JsonObject[];
      } else mode = 'nested';
    }
    const write = (m: JsonObject, md: string, ls: JsonObject[]) => {
      setPath(m, ['pql', 'rule'], md === 'none' ? undefined : { [md]: ls });
    };
    const modeSel = this.select(
      'pql.rule#mode',
      [
        { value: 'none', label: 'no extra rule' },
        { value: 'all', label: 'all of these hold' },
        { value: 'any', label: 'any of these holds' },
        ...(mode === 'nested' ? [{ value: 'nested', label: 'nested rule (below)' }] : []),
      ],
      mode,
      (v) => {
        this.host.change((m) => {
          const ls: JsonObject[] = leaves.length
            ? clone(leaves)
            : [{ metric: 'active_users', op: schema.comparison_ops[0].op, value: 2 }];
          if (v === 'nested') return;
          write(m, v, ls);
        }, true);
      },
      'PQL rule',
    );
    const body: HTMLElement[] = [field('A PQL also needs', modeSel)];
    // One level of groups (the sample's all of [a, any of [b, c]]) is edited here, windows included.
    const grouped =
      mode === 'nested'
        ? groupedRule(schema, 'rule', rule, listId, (r) =>
            this.host.change((m) => setPath(m, ['pql', 'rule'], r), true),
          )
        : null;
    if (grouped) {
      body.push(grouped);
    } else if (mode === 'nested') {
      body.push(
        h('pre', { class: 'rulejson', text: JSON.stringify(rule, null, 1) }),
        h('p', {
          class: 'hint',
          text: 'This rule nests all/any/not: edit it in the model JSON, or pick a simple rule above to replace it.',
        }),
      );
    } else if (mode !== 'none') {
      const list = h('ul', { class: 'editlist' });
      leaves.forEach((leaf, i) => {
        const metric = String(leaf.metric ?? '');
        const isTrait = metric.startsWith('trait.');
        const cmp = schema.comparison_ops.map((o) => o.op);
        const ops: string[] = isTrait ? [...cmp, ...schema.trait_ops.map((o) => o.op)] : cmp;
        const upd = (patch: (l: JsonObject) => void, rebuild = false) =>
          this.host.change((m) => {
            const ls = clone(leaves);
            patch(ls[i]);
            write(m, mode, ls);
          }, rebuild);
        const metricIn = h('input', {
          type: 'text',
          list: listId,
          value: metric,
          'data-key': `rule.${i}.metric`,
          'aria-label': `Condition ${i + 1} metric`,
          class: 'w-l',
        });
        metricIn.addEventListener('change', () =>
          upd((l) => {
            l.metric = metricIn.value.trim();
          }, true),
        );
        const opSel = this.select(
          `rule.${i}.op`,
          ops.map((o) => ({ value: o })),
          String(leaf.op),
          (v) =>
            upd((l) => {
              l.op = v;
            }, true),
          `Condition ${i + 1} operator`,
        );
        const valIn = h('input', {
          type: 'text',
          class: 'w-s',
          value: Array.isArray(leaf.value) ? leaf.value.map(scalarText).join(', ') : scalarText(leaf.value),
          'data-key': `rule.${i}.value`,
          'aria-label': `Condition ${i + 1} value`,
        });
        valIn.addEventListener('input', () =>
          upd((l) => {
            const kind = isTrait ? traitValueKind(schema, String(l.op)) : 'number';
            if (kind === 'scalars' || kind === 'range')
              l.value = valIn.value.split(',').map((s) => parseScalar(s.trim()));
            else if (kind === 'none') delete l.value;
            else
              l.value =
                kind === 'number'
                  ? (numberOr(valIn.value) ?? parseScalar(valIn.value))
                  : kind === 'text'
                    ? valIn.value
                    : parseScalar(valIn.value);
          }),
        );
        // A leaf's own window (SPEC §7.2), e.g. "10+ meetings in the last 7 days" next to a 90-day window.
        const win = !windowable(metric)
          ? null
          : windowInput(`rule.${i}.window`, leaf.window_days, `Condition ${i + 1} window in days`, (n) =>
              upd((l) => {
                if (n === null) delete l.window_days;
                else l.window_days = n;
              }),
            );
        list.append(
          h(
            'li',
            { class: 'rulerow' },
            metricIn,
            opSel,
            valIn,
            win,
            this.iconButton(`rule.${i}.remove`, '✕', `Remove condition ${i + 1}`, () =>
              this.host.change((m) => {
                const ls = clone(leaves);
                ls.splice(i, 1);
                write(m, ls.length ? mode : 'none', ls);
              }, true),
            ),
          ),
        );
      });
      const add = h('button', { type: 'button', class: 'add', 'data-key': 'rule.add', text: '+ condition' });
      add.addEventListener('click', () =>
        this.host.change(
          (m) => write(m, mode, [...clone(leaves), { metric: 'score', op: schema.comparison_ops[0].op, value: 50 }]),
          true,
        ),
      );
      body.push(list, add);
    }
    body.push(datalist);
    return this.section('PQL rule', ...body);
  }

  private activationSection(N: CanonicalModel): HTMLElement {
    const steps = N.activation.steps;
    const required = getPath(this.host.model(), ['activation', 'required']);
    const list = h('ol', { class: 'editlist steps' });
    const edit = (i: number, fn: (s: JsonObject) => void, rebuild = false) =>
      this.host.change((m) => {
        fn(this.arrayIn(m, ['activation', 'steps'])[i]);
      }, rebuild);
    steps.forEach((s, i) => {
      const nameIn = h('input', {
        type: 'text',
        value: s.name,
        'data-key': `step.${i}.name`,
        'aria-label': `Step ${i + 1} name`,
        class: 'w-l',
      });
      nameIn.addEventListener('input', () =>
        edit(i, (x) => {
          x.name = nameIn.value;
        }),
      );
      const ev = this.select(
        `step.${i}.event`,
        this.eventOptions([s.event], true),
        s.event,
        (v) =>
          edit(i, (x) => {
            x.event = v;
          }),
        `Step ${i + 1} event`,
      );
      const move = (d: number) =>
        this.host.change((m) => {
          const arr = this.arrayIn(m, ['activation', 'steps']);
          const [x] = arr.splice(i, 1);
          arr.splice(i + d, 0, x);
        }, true);
      list.append(
        h(
          'li',
          { class: 'step' },
          h(
            'div',
            { class: 'steprow' },
            h('span', { class: 'stepno', text: `${i + 1}.` }),
            nameIn,
            this.iconButton(`step.${i}.up`, '↑', `Move step ${i + 1} up`, () => move(-1), i === 0),
            this.iconButton(`step.${i}.down`, '↓', `Move step ${i + 1} down`, () => move(1), i === steps.length - 1),
            this.iconButton(`step.${i}.remove`, '✕', `Remove step ${i + 1}`, () =>
              this.host.change((m) => {
                const arr = this.arrayIn(m, ['activation', 'steps']);
                arr.splice(i, 1);
                const r = getPath(m, ['activation', 'required']);
                if (typeof r === 'number' && r > arr.length) setPath(m, ['activation', 'required'], arr.length);
              }, true),
            ),
          ),
          h(
            'div',
            { class: 'steprow sub' },
            h('label', { class: 'inline' }, 'event ', ev),
            h(
              'label',
              { class: 'inline' },
              '≥ ',
              this.num(
                `step.${i}.min_count`,
                s.min_count,
                (n) =>
                  edit(i, (x) => {
                    if (n === null) delete x.min_count;
                    else x.min_count = n;
                  }),
                { min: 1, step: 1, label: `Step ${i + 1} minimum count`, width: 'xs' },
              ),
              ' times',
            ),
            h(
              'label',
              { class: 'inline' },
              'by ≥ ',
              this.num(
                `step.${i}.min_users`,
                s.min_users,
                (n) =>
                  edit(i, (x) => {
                    if (n === null) delete x.min_users;
                    else x.min_users = n;
                  }),
                { min: 0, step: 1, label: `Step ${i + 1} minimum users`, width: 'xs' },
              ),
              ' users',
            ),
            h(
              'label',
              { class: 'inline' },
              'weight ',
              this.num(
                `step.${i}.weight`,
                s.weight,
                (n) =>
                  edit(i, (x) => {
                    if (n === null) delete x.weight;
                    else x.weight = n;
                  }),
                { min: 0, label: `Step ${i + 1} weight`, width: 'xs' },
              ),
            ),
          ),
        ),
      );
    });
    const add = h('button', { type: 'button', class: 'add', 'data-key': 'step.add', text: '+ step' });
    add.addEventListener('click', () =>
      this.host.change((m) => {
        const arr = this.arrayIn(m, ['activation', 'steps']);
        const ev = this.host.catalog().events[0]?.name ?? '*';
        arr.push({ name: `Step ${arr.length + 1}`, event: ev });
      }, true),
    );
    const reqIn = this.num(
      'activation.required',
      typeof required === 'number' ? required : null,
      (n) => this.set(['activation', 'required'], n === null ? undefined : n),
      {
        min: 0,
        max: steps.length,
        step: 1,
        placeholder: `all (${steps.length})`,
        label: 'Steps required to be activated',
        width: 's',
      },
    );
    return this.section(
      'Activation',
      steps.length ? list : h('p', { class: 'hint', text: 'No steps: activation is 100 for everyone.' }),
      add,
      field('Steps required to count as activated', reqIn, 'Empty = all steps.'),
    );
  }

  private engagementSection(N: CanonicalModel, schema: Schema): HTMLElement {
    const E = N.engagement;
    const hl = E.half_life_days;
    const decaySel = this.select(
      'engagement.decay',
      schema.decay.map((d) => ({ value: d, label: DECAY_LABELS[d] })),
      E.decay,
      (v) => this.set(['engagement', 'decay'], v, true),
    );
    decaySel.dataset.testid = 'decay';
    return this.section(
      'Engagement',
      field('Decay', decaySel),
      this.slider(
        'engagement.half_life_days',
        'Half-life',
        hl,
        {
          min: 0.5,
          max: 180,
          step: 0.5,
          unit: 'days',
          testid: 'half-life',
          hint:
            E.decay === 'exponential'
              ? 'An event loses half its weight every half-life.'
              : 'Used only by exponential decay.',
        },
        (n) => this.set(['engagement', 'half_life_days'], n),
      ),
      this.decayEl,
      this.slider('window_days', 'Window', N.window_days, { min: 1, max: 365, step: 1, unit: 'days' }, (n) =>
        this.set(['window_days'], n),
      ),
      this.slider(
        'active_days',
        'Active users: seen within',
        N.active_days,
        { min: 1, max: 365, step: 1, unit: 'days' },
        (n) => this.set(['active_days'], n),
      ),
      this.slider(
        'engagement.saturation',
        'Saturation (points for engagement 50)',
        E.saturation,
        { min: 1, max: 2000, step: 1, unit: 'pts' },
        (n) => this.set(['engagement', 'saturation'], n),
      ),
      field(
        'Default weight (event types not listed)',
        this.num(
          'engagement.default_weight',
          E.default_weight,
          (n) => this.set(['engagement', 'default_weight'], n === null ? undefined : n),
          { width: 's' },
        ),
      ),
      this.eventsTable(E, hl),
    );
  }

  private eventsTable(E: CanonicalModel['engagement'], hl: number): HTMLElement {
    const cat = this.host.catalog();
    const modelEvents = E.events;
    const volume = new Map(cat.events.map((e) => [e.name, e.count]));
    const names = [...new Set([...cat.events.map((e) => e.name), ...Object.keys(modelEvents)])].sort(
      (a, b) => (volume.get(b) ?? -1) - (volume.get(a) ?? -1) || (a < b ? -1 : 1),
    );
    const def = E.default_weight;
    const rows = names.map((name) => {
      const cfg = modelEvents[name] ?? {}; // an event type of the data the model does not list
      const path = (k: string) => ['engagement', 'events', name, k];
      return h(
        'tr',
        null,
        h('th', { scope: 'row', class: 'evname', title: name, text: name }),
        h('td', { class: 'vol', text: volume.has(name) ? fmtInt(volume.get(name)) : '–' }),
        h(
          'td',
          null,
          this.num(`ev.${name}.weight`, cfg.weight, (n) => this.set(path('weight'), n === null ? undefined : n), {
            placeholder: String(def),
            label: `${name} weight`,
            width: 'xs',
          }),
        ),
        h(
          'td',
          null,
          this.num(`ev.${name}.cap`, cfg.cap, (n) => this.set(path('cap'), n === null ? undefined : n), {
            min: 0,
            placeholder: '∞',
            label: `${name} cap`,
            width: 'xs',
          }),
        ),
        h(
          'td',
          null,
          this.num(
            `ev.${name}.hl`,
            cfg.half_life_days,
            (n) => this.set(path('half_life_days'), n === null ? undefined : n),
            { min: 0, placeholder: fmt(hl, hl % 1 ? 1 : 0), label: `${name} half-life in days`, width: 'xs' },
          ),
        ),
      );
    });
    return h(
      'div',
      { class: 'events-table' },
      h('h3', { text: 'Event types: weight, cap, half-life' }),
      h('p', {
        class: 'hint',
        text: 'Volume = all loaded events of the type. Empty = the default. Negative weights are negative signals.',
      }),
      h(
        'div',
        { class: 'scrollx tablewrap' },
        h(
          'table',
          { class: 'mini edit' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ...['event', 'volume', 'weight', 'cap', 'half-life'].map((t) => h('th', { scope: 'col', text: t })),
            ),
          ),
          h('tbody', null, ...rows),
        ),
      ),
    );
  }

  private fitSection(N: CanonicalModel, schema: Schema): HTMLElement {
    const rules = N.fit.rules;
    const cat = this.host.catalog();
    const traitsId = nextId('traits');
    const datalist = h(
      'datalist',
      { id: traitsId },
      ...cat.traits.map((t) => h('option', { value: t.name, label: `${t.kind}: ${t.values.slice(0, 4).join(', ')}` })),
    );
    const edit = (i: number, fn: (r: JsonObject) => void, rebuild = false) =>
      this.host.change((m) => fn(this.arrayIn(m, ['fit', 'rules'])[i]), rebuild);
    const list = h('ul', { class: 'editlist' });
    rules.forEach((r, i) => {
      const op = r.op;
      const trait = h('input', {
        type: 'text',
        list: traitsId,
        value: r.trait,
        class: 'w-m',
        'data-key': `fit.${i}.trait`,
        'aria-label': `Fit rule ${i + 1} trait`,
      });
      trait.addEventListener('change', () =>
        edit(
          i,
          (x) => {
            x.trait = trait.value.trim();
          },
          true,
        ),
      );
      // The value's editor follows what the op takes (the schema's value kind); the value is
      // converted where it can be and each op's last value remembered per rule (fitvalues.ts).
      const kind = traitValueKind(schema, op);
      const opSel = this.select(
        `fit.${i}.op`,
        schema.trait_ops.map((o) => ({ value: o.op })),
        op,
        (v) =>
          edit(
            i,
            (x) => {
              const from = String(x.op ?? op);
              const value = this.fitMemory.switchOp(
                `${i}:${String(x.trait ?? '')}`,
                from,
                traitValueKind(schema, from),
                v,
                traitValueKind(schema, v),
                x.value,
              );
              x.op = v;
              if (value === undefined) delete x.value;
              else x.value = value;
            },
            true,
          ),
        `Fit rule ${i + 1} operator`,
      );
      let valueEl: HTMLElement;
      const traitInfo = cat.traits.find((t) => t.name === r.trait);
      if (kind === 'none') valueEl = h('span', { class: 'hint', text: '—' });
      else if (kind === 'range') {
        const v = Array.isArray(r.value) ? r.value : [0, 0];
        const lo = this.num(
          `fit.${i}.lo`,
          v[0],
          (n) =>
            edit(i, (x) => {
              const a = Array.isArray(x.value) ? [...x.value] : [0, 0];
              a[0] = n ?? 0;
              x.value = a;
            }),
          { label: `Fit rule ${i + 1} from`, width: 'xs' },
        );
        const hi = this.num(
          `fit.${i}.hi`,
          v[1],
          (n) =>
            edit(i, (x) => {
              const a = Array.isArray(x.value) ? [...x.value] : [0, 0];
              a[1] = n ?? 0;
              x.value = a;
            }),
          { label: `Fit rule ${i + 1} to`, width: 'xs' },
        );
        valueEl = h('span', { class: 'between' }, lo, '–', hi);
      } else {
        const listId = nextId('vals');
        const isList = kind === 'scalars';
        const input = h('input', {
          type: 'text',
          class: 'w-m',
          list: traitInfo ? listId : undefined,
          'data-key': `fit.${i}.value`,
          value: Array.isArray(r.value) ? r.value.map(scalarText).join(', ') : scalarText(r.value),
          placeholder: isList ? 'a, b, c' : 'value',
          'aria-label': `Fit rule ${i + 1} value${isList ? 's (comma-separated)' : ''}`,
        });
        input.addEventListener('input', () =>
          edit(i, (x) => {
            x.value = isList
              ? input.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s !== '')
                  .map(parseScalar)
              : kind === 'text'
                ? input.value
                : parseScalar(input.value);
          }),
        );
        valueEl = h(
          'span',
          null,
          input,
          traitInfo ? h('datalist', { id: listId }, ...traitInfo.values.map((v) => h('option', { value: v }))) : null,
        );
      }
      const pts = this.num(
        `fit.${i}.points`,
        r.points,
        (n) =>
          edit(i, (x) => {
            x.points = n ?? 0;
          }),
        { label: `Fit rule ${i + 1} points`, width: 'xs' },
      );
      list.append(
        h(
          'li',
          { class: 'rulerow fit' },
          trait,
          opSel,
          valueEl,
          h('label', { class: 'inline' }, pts, ' pts'),
          this.iconButton(`fit.${i}.remove`, '✕', `Remove fit rule ${i + 1}`, () =>
            this.host.change((m) => {
              this.arrayIn(m, ['fit', 'rules']).splice(i, 1);
            }, true),
          ),
        ),
      );
    });
    const add = h('button', { type: 'button', class: 'add', 'data-key': 'fit.add', text: '+ fit rule' });
    add.addEventListener('click', () =>
      this.host.change((m) => {
        const t = cat.traits[0];
        // A new rule: the data's first trait with the first op that takes no value; without
        // traits in the data, a numeric test to fill in.
        const none = schema.trait_ops.find((o) => o.value === 'none') ?? schema.trait_ops[0];
        const num = schema.trait_ops.find((o) => o.value === 'number') ?? schema.trait_ops[0];
        this.arrayIn(m, ['fit', 'rules']).push(
          t ? { trait: t.name, op: none.op, points: 10 } : { trait: 'employees', op: num.op, value: 50, points: 10 },
        );
      }, true),
    );
    return this.section(
      'Fit rules',
      rules.length ? list : h('p', { class: 'hint', text: 'No rules: fit is 100 for everyone.' }),
      add,
      datalist,
      h('p', {
        class: 'hint',
        text: `fit = matched points / all positive points. ${cat.traits.length} traits in the data.`,
      }),
    );
  }

  private tiersSection(N: CanonicalModel): HTMLElement {
    const tiers = N.tiers;
    const list = h('ul', { class: 'editlist' });
    const edit = (i: number, fn: (t: JsonObject) => void, rebuild = false) =>
      this.host.change((m) => fn(this.arrayIn(m, ['tiers'])[i]), rebuild);
    const order = tiers.map((t, i) => ({ t, i })).sort((a, b) => b.t.min_score - a.t.min_score);
    order.forEach(({ t, i }, k) => {
      const sw = h('span', { class: 'swatch' });
      sw.style.background = TIER_COLORS[k % TIER_COLORS.length];
      const name = h('input', {
        type: 'text',
        class: 'w-m',
        value: t.name,
        'data-key': `tier.${i}.name`,
        'aria-label': `Tier ${k + 1} name`,
      });
      name.addEventListener('change', () =>
        edit(
          i,
          (x) => {
            x.name = name.value;
          },
          true,
        ),
      );
      list.append(
        h(
          'li',
          { class: 'rulerow' },
          sw,
          name,
          h(
            'label',
            { class: 'inline' },
            'from ',
            this.num(
              `tier.${i}.min`,
              t.min_score,
              (n) =>
                edit(i, (x) => {
                  x.min_score = n ?? 0;
                }),
              { min: 0, max: 100, label: `Tier ${k + 1} minimum score`, width: 'xs' },
            ),
          ),
          this.iconButton(`tier.${i}.remove`, '✕', `Remove tier ${t.name}`, () =>
            this.host.change((m) => {
              this.arrayIn(m, ['tiers']).splice(i, 1);
            }, true),
          ),
        ),
      );
    });
    const add = h('button', { type: 'button', class: 'add', 'data-key': 'tier.add', text: '+ tier' });
    add.addEventListener('click', () =>
      this.host.change((m) => {
        this.arrayIn(m, ['tiers']).push({ name: `Tier ${tiers.length + 1}`, min_score: 0 });
      }, true),
    );
    return this.section(
      'Tiers',
      list,
      add,
      h('p', {
        class: 'hint',
        text: 'An entity gets the highest tier its score reaches (colours are colour-blind safe).',
      }),
    );
  }

  // ✕ for a limit; disabled, saying where, while rule leaves limit.<name> name it.
  private limitRemove(i: number, name: string, used: string[], onClick: () => void): HTMLButtonElement {
    const label = used.length ? inUseLabel(`Limit ${name}`, used) : `Remove limit ${name}`;
    return this.iconButton(`limit.${i}.remove`, '✕', label, onClick, used.length > 0);
  }

  private limitsSection(N: CanonicalModel): HTMLElement {
    const limits = jsonOf(N.limits);
    const names = Object.keys(limits);
    const list = h('ul', { class: 'editlist' });
    const rewrite = (fn: (l: JsonObject) => void) =>
      this.host.change((m) => {
        const cur = clone(isObject(getPath(m, ['limits'])) ? (getPath(m, ['limits']) as JsonObject) : limits);
        fn(cur);
        setPath(m, ['limits'], Object.keys(cur).length ? cur : undefined);
      }, true);
    names.forEach((name, i) => {
      const l = N.limits[name];
      const nameIn = h('input', {
        type: 'text',
        class: 'w-s',
        value: name,
        'data-key': `limit.${i}.name`,
        'aria-label': `Limit ${i + 1} name`,
      });
      // Rule leaves limit.<name> follow it (renames.ts); a name already taken is refused.
      nameIn.addEventListener('change', () => {
        const to = nameIn.value.trim();
        if (!to || to === name || to in limits) {
          nameIn.value = name;
          return;
        }
        this.host.change((m) => {
          if (!isObject(getPath(m, ['limits']))) setPath(m, ['limits'], clone(limits));
          renameNamed(m, 'limit', name, to);
        }, true);
      });
      const ev = this.select(
        `limit.${i}.event`,
        this.eventOptions([l.event], false),
        l.event,
        (v) =>
          rewrite((cur) => {
            (cur[name] as JsonObject).event = v;
          }),
        `Limit ${name} event`,
      );
      const lim = this.num(
        `limit.${i}.limit`,
        l.limit,
        (n) =>
          this.host.change((m) => {
            const cur = clone(isObject(getPath(m, ['limits'])) ? (getPath(m, ['limits']) as JsonObject) : limits);
            (cur[name] as JsonObject).limit = n ?? 1;
            setPath(m, ['limits'], cur);
          }, false),
        { min: 0, label: `Limit ${name} value`, width: 'xs' },
      );
      list.append(
        h(
          'li',
          { class: 'rulerow' },
          nameIn,
          ev,
          h('label', { class: 'inline' }, '/ ', lim),
          this.limitRemove(i, name, referencesTo(jsonOf(N), 'limit', name), () =>
            rewrite((cur) => {
              delete cur[name];
            }),
          ),
        ),
      );
    });
    const add = h('button', { type: 'button', class: 'add', 'data-key': 'limit.add', text: '+ limit' });
    add.addEventListener('click', () =>
      rewrite((cur) => {
        let n = 1;
        while (cur[`limit${n}`]) n++;
        cur[`limit${n}`] = { event: this.host.catalog().events[0]?.name ?? 'event', limit: 10 };
      }),
    );
    return this.section(
      'Plan limits (metrics limit.<name>)',
      list,
      add,
      h('p', { class: 'hint', text: 'limit.<name> = all-time count of the event / limit; use it in the PQL rule.' }),
    );
  }
}
