// Renaming a signal, persona or plan limit in the model editor: every key that names it follows,
// so that a rename never changes what the model computes. Without this a rule leaf
// `count.<old signal>` silently counted an event type of that name (usually none: 0), and a
// `persona.<old>` or `limit.<old>` leaf made the model invalid.
//
// Where each kind is named (docs/model.md):
// - signal: `engagement.events.<name>`, `active.events[]`, `activation.steps[].event`,
//   `limits.*.event`, and rule leaves `count.<name>`, `users.<name>`, `sum.<name>.<property>`;
// - persona: `fit.rules[].persona` and rule leaves `persona.<name>`;
// - limit: rule leaves `limit.<name>`.
// Rules are `pql.rule` and every `segments.<name>`. The function changes only references: the
// definition itself (`signals.<name>`, `personas.<name>`, `limits.<name>`) is the editor's to
// rename, keeping its position.
import type { Json, JsonObject } from './util';

export type NamedKind = 'signal' | 'persona' | 'limit';

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of `o` with key `from` renamed to `to`, keeping its position (model order matters for segments). */
export function renameKey(o: JsonObject, from: string, to: string): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) out[k === from ? to : k] = v;
  return out;
}

// The rule-leaf metric that names `from`, renamed to `to`; null when it does not name it.
function renamedMetric(metric: string, kind: NamedKind, from: string, to: string): string | null {
  const prefixes = kind === 'signal' ? ['count.', 'users.'] : kind === 'persona' ? ['persona.'] : ['limit.'];
  for (const p of prefixes) if (metric === p + from) return p + to;
  // sum.<signal>.<property>: a signal's name (which may hold dots) and a dot start the rest.
  const sum = `sum.${from}.`;
  if (kind === 'signal' && metric.startsWith(sum)) return `sum.${to}.${metric.slice(sum.length)}`;
  return null;
}

function renameInRule(node: Json, kind: NamedKind, from: string, to: string, at: string, changed: string[]): void {
  if (!isObj(node)) return;
  for (const key of ['all', 'any'] as const) {
    const kids = node[key];
    if (Array.isArray(kids)) kids.forEach((k, i) => renameInRule(k, kind, from, to, `${at}.${key}[${i}]`, changed));
  }
  if (node.not !== undefined) renameInRule(node.not, kind, from, to, `${at}.not`, changed);
  if (typeof node.metric === 'string') {
    const next = renamedMetric(node.metric, kind, from, to);
    if (next !== null) {
      node.metric = next;
      changed.push(`${at}.metric`);
    }
  }
}

/**
 * Points every reference to the `kind` named `from` at `to`, in place. Returns the JSON paths it
 * changed (for the editor's status line and the tests).
 */
export function renameReferences(model: JsonObject, kind: NamedKind, from: string, to: string): string[] {
  const changed: string[] = [];
  if (from === to) return changed;
  // Each member (of an array or an object of objects) whose `field` is `from`.
  const renameField = (items: Json | undefined, field: string, at: string) => {
    if (!Array.isArray(items) && !isObj(items)) return;
    for (const [k, x] of Object.entries(items))
      if (isObj(x) && x[field] === from) {
        x[field] = to;
        changed.push(Array.isArray(items) ? `${at}[${k}].${field}` : `${at}.${k}.${field}`);
      }
  };
  const pql = model.pql;
  if (isObj(pql) && pql.rule !== undefined) renameInRule(pql.rule, kind, from, to, 'pql.rule', changed);
  if (isObj(model.segments))
    for (const [name, rule] of Object.entries(model.segments))
      renameInRule(rule, kind, from, to, `segments.${name}`, changed);
  if (kind === 'signal') {
    const eng = model.engagement;
    if (isObj(eng) && isObj(eng.events) && from in eng.events) {
      eng.events = renameKey(eng.events, from, to);
      changed.push(`engagement.events.${to}`);
    }
    const act = model.active;
    if (isObj(act) && Array.isArray(act.events))
      act.events = act.events.map((e, i) => {
        if (e !== from) return e;
        changed.push(`active.events[${i}]`);
        return to;
      });
    renameField(isObj(model.activation) ? model.activation.steps : undefined, 'event', 'activation.steps');
    renameField(model.limits, 'event', 'limits');
  }
  if (kind === 'persona') renameField(isObj(model.fit) ? model.fit.rules : undefined, 'persona', 'fit.rules');
  return changed;
}

/** The model's definitions of `kind` (`signals`, `personas` or `limits`) with `from` renamed to `to`, in place, keeping its position. */
export function renameDefinition(model: JsonObject, kind: NamedKind, from: string, to: string): boolean {
  const key = kind === 'signal' ? 'signals' : kind === 'persona' ? 'personas' : 'limits';
  const defs = model[key];
  if (!isObj(defs) || !(from in defs) || (to in defs && to !== from)) return false;
  model[key] = renameKey(defs, from, to);
  return true;
}

/** A rename in one step: the definition and every reference. False (nothing changed) when `to` is taken or empty. */
export function renameNamed(model: JsonObject, kind: NamedKind, from: string, to: string): boolean {
  if (!to || from === to || !renameDefinition(model, kind, from, to)) return false;
  renameReferences(model, kind, from, to);
  return true;
}

/**
 * What would be left naming `name` if it were removed (rule leaves, steps, limits, fit rules),
 * as JSON paths: the editors keep a signal, persona or limit that is in use from being removed
 * until those are changed. A signal's own weight and its place in the active set go with it.
 */
export function referencesTo(model: JsonObject, kind: NamedKind, name: string): string[] {
  const copy = JSON.parse(JSON.stringify(model)) as JsonObject;
  return renameReferences(copy, kind, name, '\u0000').filter(
    (p) => !p.startsWith('engagement.events.') && !p.startsWith('active.events['),
  );
}

/** The remove button's label for a thing in use: where it is used. */
export function inUseLabel(what: string, used: string[]): string {
  const shown = used.slice(0, 3).join(', ') + (used.length > 3 ? `, and ${used.length - 3} more` : '');
  return `${what} is used by ${shown}: change those first`;
}
