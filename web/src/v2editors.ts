// Editors of the model's SPEC §7 keys: signals (an event type with property conditions, the
// data's properties offered), the active-events set, personas (user-trait conditions) and
// segments (named rules). Each edit is a normal model edit through the controls' host, so the
// edit history undoes it. The sections show the engine's canonical model and write the whole key
// back into the user's model (these keys have no defaults to keep sparse).
import type { CanonicalModel, Schema, ValueKind } from '@pql/engine';
import { h, nextId } from './dom';
import { inUseLabel, referencesTo, renameKey, renameNamed } from './renames';
import type { Catalog } from './protocol';
import { clone, fmtInt, isObject, jsonOf, parseScalar, scalarText, type Json, type JsonObject } from './util';

export interface V2Host {
  catalog(): Catalog;
  change(fn: (m: JsonObject) => void, rebuild: boolean): void;
}

type Cond = JsonObject; // {property|trait, op, value?}
type SignalJson = { event: string; where: Cond[] };

function valueKind(schema: Schema, op: string): ValueKind {
  return schema.trait_ops.find((o) => o.op === op)?.value ?? 'scalar';
}
// The text the user typed, as the op's value (undefined: the op takes none).
function valueOf(kind: ValueKind, text: string): Json | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'scalars' || kind === 'range')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseScalar);
  if (kind === 'text') return text;
  if (kind === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : parseScalar(text);
  }
  return parseScalar(text);
}
function valueText(v: unknown): string {
  return Array.isArray(v) ? v.map(scalarText).join(', ') : scalarText(v);
}

function button(key: string, text: string, label: string, onClick: () => void, cls = 'icon'): HTMLButtonElement {
  const b = h('button', { type: 'button', class: cls, 'data-key': key, 'aria-label': label, title: label, text });
  b.addEventListener('click', onClick);
  return b;
}
// ✕ for a signal or persona; disabled, saying where, while rules, steps or limits name it.
function removeButton(key: string, kind: string, name: string, used: string[], onClick: () => void) {
  if (!used.length) return button(key, '✕', `Remove ${kind} ${name}`, onClick);
  const b = button(key, '✕', inUseLabel(`${kind[0].toUpperCase()}${kind.slice(1)} ${name}`, used), onClick);
  b.disabled = true;
  return b;
}
function select(
  key: string,
  options: { value: string; label?: string }[],
  value: string,
  onValue: (v: string) => void,
  label: string,
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
function section(title: string, testid: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h(
    'details',
    { class: 'section', open: true, 'data-testid': testid },
    h('summary', null, h('h2', { text: title })),
    h('div', { class: 'sectionbody' }, ...children),
  );
}
// A fresh name: base1, base2, ... not in `taken`.
function freshName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  let n = 1;
  while (used.has(`${base}${n}`)) n++;
  return `${base}${n}`;
}

/**
 * A list of conditions ({<keyName>, op, value}): key picker with a datalist, op, value.
 * `write` gets the new list.
 */
function conditionList(
  schema: Schema,
  prefix: string,
  keyName: 'property' | 'trait',
  conds: Cond[],
  keys: { name: string; hint: string; values: string[] }[],
  write: (next: Cond[], rebuild: boolean) => void,
): HTMLElement {
  const listId = nextId('keys');
  const list = h('ul', { class: 'editlist conds' });
  conds.forEach((c, i) => {
    const upd = (fn: (x: Cond) => void, rebuild = false) => {
      const next = clone(conds);
      fn(next[i]);
      write(next, rebuild);
    };
    const keyIn = h('input', {
      type: 'text',
      class: 'w-m',
      list: listId,
      value: String(c[keyName] ?? ''),
      'data-key': `${prefix}.${i}.${keyName}`,
      'aria-label': `Condition ${i + 1} ${keyName}`,
    });
    keyIn.addEventListener('change', () =>
      upd((x) => {
        x[keyName] = keyIn.value.trim();
      }, true),
    );
    const op = String(c.op ?? 'eq');
    const opSel = select(
      `${prefix}.${i}.op`,
      schema.trait_ops.map((o) => ({ value: o.op })),
      op,
      (v) =>
        upd((x) => {
          x.op = v;
          const kind = valueKind(schema, v);
          if (kind === 'none') delete x.value;
          else if ((kind === 'scalars' || kind === 'range') && !Array.isArray(x.value))
            x.value = x.value === undefined ? [] : [x.value];
          else if (kind !== 'scalars' && kind !== 'range' && Array.isArray(x.value)) x.value = x.value[0] ?? '';
        }, true),
      `Condition ${i + 1} operator`,
    );
    const kind = valueKind(schema, op);
    const info = keys.find((k) => k.name === c[keyName]);
    const valId = nextId('vals');
    const valIn =
      kind === 'none'
        ? h('span', { class: 'hint', text: '—' })
        : h('input', {
            type: 'text',
            class: 'w-s',
            value: valueText(c.value),
            list: info ? valId : undefined,
            'data-key': `${prefix}.${i}.value`,
            'aria-label': `Condition ${i + 1} value`,
            placeholder: kind === 'scalars' || kind === 'range' ? 'a, b' : 'value',
          });
    if (valIn instanceof HTMLInputElement)
      valIn.addEventListener('input', () =>
        upd((x) => {
          const v = valueOf(kind, valIn.value);
          if (v === undefined) delete x.value;
          else x.value = v;
        }),
      );
    list.append(
      h(
        'li',
        { class: 'rulerow' },
        keyIn,
        opSel,
        valIn,
        info ? h('datalist', { id: valId }, ...info.values.map((v) => h('option', { value: v }))) : null,
        button(`${prefix}.${i}.remove`, '✕', `Remove condition ${i + 1}`, () => {
          const next = clone(conds);
          next.splice(i, 1);
          write(next, true);
        }),
      ),
    );
  });
  const add = button(
    `${prefix}.add`,
    '+ condition',
    'Add a condition',
    () => {
      const k = keys[0];
      write([...clone(conds), { [keyName]: k?.name ?? keyName, op: 'exists' }], true);
    },
    'add',
  );
  return h(
    'div',
    { class: 'condlist' },
    list,
    add,
    h('datalist', { id: listId }, ...keys.map((k) => h('option', { value: k.name, label: k.hint }))),
  );
}

// ---- signals ----

export function signalsSection(N: CanonicalModel, schema: Schema, host: V2Host): HTMLElement {
  const cat = host.catalog();
  const signals = (N.signals ?? {}) as unknown as Record<string, SignalJson>;
  const names = Object.keys(signals);
  const props = cat.properties ?? [];
  const rewrite = (fn: (s: Record<string, SignalJson>, m: JsonObject) => Record<string, SignalJson> | void) =>
    host.change((m) => {
      let cur = clone(isObject(m.signals) ? (m.signals as unknown as Record<string, SignalJson>) : signals);
      cur = fn(cur, m) ?? cur;
      if (Object.keys(cur).length) m.signals = cur as unknown as Json;
      else delete m.signals;
    }, true);
  // The active-events set names signals too: a removal follows there.
  const removeActive = (m: JsonObject, name: string) => {
    const act = isObject(m.active) ? (m.active as JsonObject) : null;
    if (!act || !Array.isArray(act.events)) return;
    const next = (act.events as Json[]).filter((x) => x !== name);
    if (next.length) act.events = next;
    else delete m.active;
  };

  const events = (m: JsonObject): JsonObject => {
    if (!isObject(m.engagement)) m.engagement = {};
    const e = m.engagement as JsonObject;
    if (!isObject(e.events)) e.events = {};
    return e.events as JsonObject;
  };
  const list = h('ul', { class: 'editlist v2-signals' });
  names.forEach((name, i) => {
    const sig = signals[name];
    const nameIn = h('input', {
      type: 'text',
      class: 'w-m',
      value: name,
      'data-key': `signal.${i}.name`,
      'aria-label': `Signal ${i + 1} name`,
    });
    nameIn.addEventListener('change', () => {
      const to = nameIn.value.trim();
      if (!to || to === name || to in signals) {
        nameIn.value = name;
        return;
      }
      // Its engagement setting, steps, limits, active set and rule leaves follow it (renames.ts).
      host.change((m) => {
        if (!isObject(m.signals)) m.signals = clone(signals) as unknown as Json;
        renameNamed(m, 'signal', name, to);
      }, true);
    });
    const eventOpts = [
      { value: '*', label: '* (any event)' },
      ...cat.events.map((e) => ({ value: e.name, label: `${e.name} (${fmtInt(e.count)})` })),
    ];
    if (sig.event !== '*' && !cat.events.some((e) => e.name === sig.event))
      eventOpts.push({ value: sig.event, label: `${sig.event} (not in data)` });
    const ev = select(
      `signal.${i}.event`,
      eventOpts,
      sig.event,
      (v) =>
        rewrite((cur) => {
          cur[name].event = v;
        }),
      `Signal ${name} event`,
    );
    const keys = props
      .filter((p) => sig.event === '*' || p.eventTypes.includes(sig.event))
      .map((p) => ({
        name: p.name,
        hint: `${fmtInt(p.events)} events: ${p.values.slice(0, 4).join(', ')}`,
        values: p.values,
      }));
    const weight = N.engagement.events[name]?.weight;
    const wIn = h('input', {
      type: 'number',
      class: 'num w-xs',
      step: 'any',
      value: weight === undefined ? '' : String(weight),
      placeholder: '0',
      'data-key': `signal.${i}.weight`,
      'aria-label': `Signal ${name} engagement weight`,
    });
    wIn.addEventListener('input', () => {
      const n = wIn.value.trim() === '' ? null : Number(wIn.value);
      if (n !== null && !Number.isFinite(n)) return;
      host.change((m) => {
        const e = events(m);
        const cfg = isObject(e[name]) ? (e[name] as JsonObject) : {};
        if (n === null) delete cfg.weight;
        else cfg.weight = n;
        if (Object.keys(cfg).length) e[name] = cfg;
        else delete e[name];
      }, false);
    });
    list.append(
      h(
        'li',
        { class: 'v2-item' },
        h(
          'div',
          { class: 'rulerow' },
          nameIn,
          h('label', { class: 'inline' }, '= ', ev),
          h('label', { class: 'inline' }, 'weight ', wIn),
          removeButton(`signal.${i}.remove`, 'signal', name, referencesTo(jsonOf(N), 'signal', name), () =>
            rewrite((cur, m) => {
              delete cur[name];
              const e = events(m);
              delete e[name];
              removeActive(m, name);
            }),
          ),
        ),
        h('p', {
          class: 'hint',
          text: keys.length
            ? 'where every condition holds (properties of this event in the data offered):'
            : 'where (no property of this event in the data):',
        }),
        conditionList(schema, `signal.${i}.where`, 'property', sig.where as Cond[], keys, (next) =>
          rewrite((cur) => {
            cur[name].where = next;
          }),
        ),
      ),
    );
  });
  const add = button(
    'signal.add',
    '+ signal',
    'Add a signal',
    () =>
      rewrite((cur) => {
        // Start from an event the data has properties for, with its first property.
        const p = props.find((x) => x.eventTypes.length > 0);
        const event = p?.eventTypes[0] ?? cat.events[0]?.name ?? '*';
        cur[freshName('signal', Object.keys(cur))] = { event, where: p ? [{ property: p.name, op: 'exists' }] : [] };
      }),
    'add',
  );
  return section(
    'Signals (events with conditions)',
    'signals-editor',
    names.length
      ? list
      : h('p', {
          class: 'hint',
          text: 'No signals. A signal counts the events of a type whose properties meet conditions ("meeting_held with external_participants > 0"); use its name wherever an event type goes (weights, steps, count.<signal> in rules).',
        }),
    add,
    h('p', {
      class: 'hint',
      text: 'A signal adds to engagement only with a weight. Rule metrics: count.<signal>, users.<signal>, sum.<signal>.<property>.',
    }),
  );
}

// ---- what counts as active ----

export function activeSection(N: CanonicalModel, host: V2Host): HTMLElement {
  const cat = host.catalog();
  const set = N.active?.events ?? null;
  const names = [...new Set([...cat.events.map((e) => e.name), ...Object.keys(N.signals ?? {}), ...(set ?? [])])];
  const every = h('input', { type: 'checkbox', checked: set === null, 'data-key': 'active#every', id: nextId('c') });
  const write = (next: string[] | null) =>
    host.change((m) => {
      if (next === null) delete m.active;
      else m.active = { events: next };
    }, true);
  every.addEventListener('change', () => {
    // Unticking "every event" starts from every event but the usual noise (logins, page views).
    write(every.checked ? null : names.filter((n) => !/login|page_?view|pageview|session/i.test(n)));
  });
  const boxes = h(
    'div',
    { class: 'checkgrid', role: 'group', 'aria-label': 'Active events' },
    ...names.map((n, i) => {
      const on = set === null || set.includes(n);
      const box = h('input', {
        type: 'checkbox',
        checked: on,
        disabled: set === null,
        'data-key': `active.${i}`,
        'data-event': n,
      });
      box.addEventListener('change', () => {
        const cur = set ?? names;
        write(box.checked ? [...cur.filter((x) => x !== n), n] : cur.filter((x) => x !== n));
      });
      return h('label', { class: 'check' }, box, n);
    }),
  );
  return h(
    'details',
    { class: 'section', open: true, 'data-testid': 'active-events' },
    h('summary', null, h('h2', { text: 'What counts as active' })),
    h(
      'div',
      { class: 'sectionbody' },
      h('label', { class: 'check' }, every, 'Every event makes a user active (default)'),
      set === null ? null : boxes,
      h('p', {
        class: 'hint',
        text: 'active_users, days_since_last_seen and active_days count only these events (SPEC §7.3).',
      }),
    ),
  );
}

// ---- personas ----

export function personasSection(N: CanonicalModel, schema: Schema, host: V2Host): HTMLElement {
  const cat = host.catalog();
  const personas = (N.personas ?? {}) as unknown as Record<string, Cond[]>;
  const names = Object.keys(personas);
  const keys = cat.traits.map((t) => ({
    name: t.name,
    hint: `${t.kind}: ${t.values.slice(0, 4).join(', ')}`,
    values: t.values,
  }));
  const rewrite = (fn: (p: Record<string, Cond[]>) => Record<string, Cond[]> | void) =>
    host.change((m) => {
      let cur = clone(isObject(m.personas) ? (m.personas as unknown as Record<string, Cond[]>) : personas);
      cur = fn(cur) ?? cur;
      if (Object.keys(cur).length) m.personas = cur as unknown as Json;
      else delete m.personas;
    }, true);
  const list = h('ul', { class: 'editlist v2-personas' });
  names.forEach((name, i) => {
    const nameIn = h('input', {
      type: 'text',
      class: 'w-m',
      value: name,
      'data-key': `persona.${i}.name`,
      'aria-label': `Persona ${i + 1} name`,
    });
    nameIn.addEventListener('change', () => {
      const to = nameIn.value.trim();
      if (!to || to === name || to in personas) {
        nameIn.value = name;
        return;
      }
      // Fit rules and rule leaves naming it follow it (renames.ts).
      host.change((m) => {
        if (!isObject(m.personas)) m.personas = clone(personas) as unknown as Json;
        renameNamed(m, 'persona', name, to);
      }, true);
    });
    list.append(
      h(
        'li',
        { class: 'v2-item' },
        h(
          'div',
          { class: 'rulerow' },
          nameIn,
          h('span', { class: 'hint', text: `persona.${name} = users who match` }),
          removeButton(`persona.${i}.remove`, 'persona', name, referencesTo(jsonOf(N), 'persona', name), () =>
            rewrite((cur) => {
              delete cur[name];
            }),
          ),
        ),
        conditionList(schema, `persona.${i}.cond`, 'trait', personas[name], keys, (next) =>
          rewrite((cur) => {
            cur[name] = next;
          }),
        ),
      ),
    );
  });
  const add = button(
    'persona.add',
    '+ persona',
    'Add a persona',
    () =>
      rewrite((cur) => {
        const title = cat.traits.find((t) => /title|role|job/i.test(t.name));
        cur[freshName('persona', Object.keys(cur))] = [
          title
            ? { trait: title.name, op: 'contains', value: 'vp' }
            : { trait: cat.traits[0]?.name ?? 'title', op: 'exists' },
        ];
      }),
    'add',
  );
  return section(
    'Personas (who in the account)',
    'personas-editor',
    names.length
      ? list
      : h('p', {
          class: 'hint',
          text: 'No personas. A persona names the users whose traits match ("title contains vp"); persona.<name> counts them, in rules and fit rules.',
        }),
    add,
  );
}

// ---- segments ----

export function segmentsSection(N: CanonicalModel, schema: Schema, host: V2Host, metrics: string[]): HTMLElement {
  const segments = (N.segments ?? {}) as Record<string, JsonObject>;
  const names = Object.keys(segments);
  const listId = nextId('segmetrics');
  const rewrite = (fn: (s: Record<string, JsonObject>) => Record<string, JsonObject> | void) =>
    host.change((m) => {
      let cur = clone(isObject(m.segments) ? (m.segments as unknown as Record<string, JsonObject>) : segments);
      cur = fn(cur) ?? cur;
      if (Object.keys(cur).length) m.segments = cur as unknown as Json;
      else delete m.segments;
    }, true);
  const list = h('ul', { class: 'editlist v2-segments' });
  names.forEach((name, i) => {
    const rule = segments[name];
    const nameIn = h('input', {
      type: 'text',
      class: 'w-m',
      value: name,
      'data-key': `segment.${i}.name`,
      'aria-label': `Segment ${i + 1} name`,
    });
    nameIn.addEventListener('change', () => {
      const to = nameIn.value.trim();
      if (!to || to === name || to in segments) {
        nameIn.value = name;
        return;
      }
      rewrite((cur) => renameKey(cur as unknown as JsonObject, name, to) as unknown as Record<string, JsonObject>);
    });
    const simple = leavesOf(rule);
    const body = simple
      ? leafList(schema, `segment.${i}`, simple.mode, simple.leaves, listId, (mode, leaves) =>
          rewrite((cur) => {
            cur[name] = leaves.length === 1 && mode === 'all' ? leaves[0] : { [mode]: leaves };
          }),
        )
      : h('pre', { class: 'rulejson', text: JSON.stringify(rule, null, 1) });
    list.append(
      h(
        'li',
        { class: 'v2-item' },
        h(
          'div',
          { class: 'rulerow' },
          nameIn,
          button(`segment.${i}.remove`, '✕', `Remove segment ${name}`, () =>
            rewrite((cur) => {
              delete cur[name];
            }),
          ),
        ),
        body,
        simple ? null : h('p', { class: 'hint', text: 'A nested rule: edit it in the model JSON.' }),
      ),
    );
  });
  const add = button(
    'segment.add',
    '+ segment',
    'Add a segment',
    () =>
      rewrite((cur) => {
        const limit = Object.keys(N.limits)[0];
        cur[freshName('segment', Object.keys(cur))] = limit
          ? { metric: `limit.${limit}`, op: '>=', value: 1 }
          : { metric: 'active_users', op: '>=', value: 3 };
      }),
    'add',
  );
  return section(
    'Segments (named sub-sets of PQLs)',
    'segments-editor',
    names.length
      ? list
      : h('p', {
          class: 'hint',
          text: 'No segments. A segment is a rule; each PQL lists the segments it is in ("over the limit", "finance in North America").',
        }),
    add,
    h('datalist', { id: listId }, ...metrics.map((m) => h('option', { value: m }))),
  );
}

// A rule made of leaves under one all/any (or a single leaf), or null when it nests deeper.
function leavesOf(rule: unknown): { mode: 'all' | 'any'; leaves: JsonObject[] } | null {
  const isLeaf = (x: unknown) => isObject(x) && typeof x.metric === 'string';
  if (isLeaf(rule)) return { mode: 'all', leaves: [rule as JsonObject] };
  if (!isObject(rule) || Object.keys(rule).length !== 1) return null;
  for (const mode of ['all', 'any'] as const) {
    const xs = rule[mode];
    if (Array.isArray(xs) && xs.every(isLeaf)) return { mode, leaves: xs as JsonObject[] };
  }
  return null;
}

/** One condition row: metric, op, value, window in days (when the metric takes one), remove. */
function leafRow(
  schema: Schema,
  key: string,
  leaf: JsonObject,
  n: number,
  metricsListId: string,
  upd: (fn: (l: JsonObject) => void) => void,
  remove: () => void,
): HTMLElement {
  const metric = String(leaf.metric ?? '');
  const isTrait = metric.startsWith('trait.');
  const ops = isTrait
    ? [...schema.comparison_ops.map((o) => o.op), ...schema.trait_ops.map((o) => o.op)]
    : schema.comparison_ops.map((o) => o.op);
  const metricIn = h('input', {
    type: 'text',
    class: 'w-l',
    list: metricsListId,
    value: metric,
    'data-key': `${key}.metric`,
    'aria-label': `Condition ${n} metric`,
  });
  metricIn.addEventListener('change', () =>
    upd((l) => {
      l.metric = metricIn.value.trim();
    }),
  );
  const opSel = select(
    `${key}.op`,
    ops.map((o) => ({ value: o })),
    String(leaf.op),
    (v) =>
      upd((l) => {
        l.op = v;
      }),
    `Condition ${n} operator`,
  );
  const valIn = h('input', {
    type: 'text',
    class: 'w-s',
    value: valueText(leaf.value),
    'data-key': `${key}.value`,
    'aria-label': `Condition ${n} value`,
  });
  valIn.addEventListener('input', () =>
    upd((l) => {
      const cmp = schema.comparison_ops.find((c) => c.op === l.op);
      const kind: ValueKind = isTrait ? valueKind(schema, cmp?.trait_op ?? String(l.op)) : 'number';
      const v = valueOf(kind, valIn.value);
      if (v === undefined) delete l.value;
      else l.value = v;
    }),
  );
  return h(
    'li',
    { class: 'rulerow' },
    metricIn,
    opSel,
    valIn,
    !windowable(metric)
      ? null
      : windowInput(`${key}.window`, leaf.window_days, `Condition ${n} window in days`, (w) =>
          upd((l) => {
            if (w === null) delete l.window_days;
            else l.window_days = w;
          }),
        ),
    button(`${key}.remove`, '✕', `Remove condition ${n}`, remove),
  );
}

/** Leaf rows (metric, op, value, window in days) under an all/any picker. */
export function leafList(
  schema: Schema,
  prefix: string,
  mode: 'all' | 'any',
  leaves: JsonObject[],
  metricsListId: string,
  write: (mode: 'all' | 'any', leaves: JsonObject[]) => void,
): HTMLElement {
  const modeSel = select(
    `${prefix}#mode`,
    [
      { value: 'all', label: 'all of these hold' },
      { value: 'any', label: 'any of these holds' },
    ],
    mode,
    (v) => write(v as 'all' | 'any', clone(leaves)),
    'Rule',
  );
  const list = h('ul', { class: 'editlist' });
  leaves.forEach((leaf, i) => {
    list.append(
      leafRow(
        schema,
        `${prefix}.${i}`,
        leaf,
        i + 1,
        metricsListId,
        (fn) => {
          const ls = clone(leaves);
          fn(ls[i]);
          write(mode, ls);
        },
        () => {
          const ls = clone(leaves);
          ls.splice(i, 1);
          write(mode, ls);
        },
      ),
    );
  });
  const add = button(
    `${prefix}.add`,
    '+ condition',
    'Add a condition',
    () => write(mode, [...clone(leaves), { metric: 'active_users', op: '>=', value: 2 }]),
    'add',
  );
  return h('div', { class: 'leaflist' }, modeSel, list, add);
}

const isLeafNode = (x: unknown): x is JsonObject => isObject(x) && typeof x.metric === 'string';
function groupOf(x: unknown): { mode: 'all' | 'any'; leaves: JsonObject[] } | null {
  if (!isObject(x) || Object.keys(x).length !== 1) return null;
  for (const mode of ['all', 'any'] as const)
    if (Array.isArray(x[mode]) && (x[mode] as unknown[]).every(isLeafNode))
      return { mode, leaves: x[mode] as JsonObject[] };
  return null;
}

/**
 * A rule one level deep, like the sample's `all of [leaf, any of [leaves]]`: its conditions and
 * groups, each editable (windows included), or null for a rule of another shape (not, deeper).
 */
export function groupedRule(
  schema: Schema,
  prefix: string,
  rule: unknown,
  metricsListId: string,
  write: (rule: JsonObject | undefined) => void,
): HTMLElement | null {
  const top =
    isObject(rule) && Object.keys(rule).length === 1
      ? Array.isArray(rule.all)
        ? 'all'
        : Array.isArray(rule.any)
          ? 'any'
          : null
      : null;
  if (!top) return null;
  const items = (rule as JsonObject)[top] as unknown[];
  if (!items.every((x) => isLeafNode(x) || groupOf(x))) return null;
  const put = (mode: string, next: JsonObject[]) => write(next.length ? { [mode]: next } : undefined);
  const modeSel = select(
    `${prefix}#top`,
    [
      { value: 'all', label: 'all of these hold' },
      { value: 'any', label: 'any of these holds' },
    ],
    top,
    (v) => put(v, clone(items) as JsonObject[]),
    'Rule',
  );
  const list = h('ul', { class: 'editlist' });
  items.forEach((item, i) => {
    const replace = (x: JsonObject | null) => {
      const next = clone(items) as JsonObject[];
      if (x) next[i] = x;
      else next.splice(i, 1);
      put(top, next);
    };
    if (isLeafNode(item)) {
      list.append(
        leafRow(
          schema,
          `${prefix}.${i}`,
          item,
          i + 1,
          metricsListId,
          (fn) => {
            const x = clone(item);
            fn(x);
            replace(x);
          },
          () => replace(null),
        ),
      );
      return;
    }
    const g = groupOf(item)!;
    list.append(
      h(
        'li',
        { class: 'rulegroup' },
        leafList(schema, `${prefix}.${i}`, g.mode, g.leaves, metricsListId, (mode, leaves) =>
          replace(leaves.length ? { [mode]: leaves } : null),
        ),
      ),
    );
  });
  const add = button(
    `${prefix}.add`,
    '+ condition',
    'Add a condition',
    () => put(top, [...(clone(items) as JsonObject[]), { metric: 'active_users', op: '>=', value: 2 }]),
    'add',
  );
  const addGroup = button(
    `${prefix}.addgroup`,
    '+ group',
    'Add a group of conditions (any of)',
    () => put(top, [...(clone(items) as JsonObject[]), { any: [{ metric: 'active_users', op: '>=', value: 2 }] }]),
    'add',
  );
  return h('div', { class: 'leaflist grouped' }, modeSel, list, add, addGroup);
}

/** The metrics a leaf window applies to (SPEC §7.2; the engine rejects it on others). */
export function windowable(metric: string): boolean {
  return /^(count|users|sum)\./.test(metric) || ['events', 'users', 'active_users', 'active_days'].includes(metric);
}

/** A leaf's own window (SPEC §7.2): "in the last N days"; empty = the model window. */
export function windowInput(
  key: string,
  value: unknown,
  label: string,
  onValue: (n: number | null) => void,
): HTMLElement {
  const input = h('input', {
    type: 'number',
    class: 'num w-xs',
    min: 1,
    step: 1,
    value: typeof value === 'number' ? String(value) : '',
    placeholder: 'window',
    'data-key': key,
    'aria-label': label,
    title: 'Count over the last N days instead of the model window (empty: the window)',
  });
  input.addEventListener('input', () => {
    const t = input.value.trim();
    if (t === '') {
      onValue(null);
      return;
    }
    const n = Number(t);
    if (Number.isInteger(n) && n >= 1) onValue(n);
  });
  return h('label', { class: 'inline' }, 'last ', input, ' d');
}
