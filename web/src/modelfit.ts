// How the model fits newly loaded data, and a model started from that data (issue #14 item 5):
// "9 of 11 weighted events and 3 of 4 activation steps are not in this data", then *Start a
// model from this data*: activation steps and event weights from the engine's suggest() when
// the data has conversions, else from the event list (catalog). Pure functions with type-only
// imports (tests/web runs them in Node).
import type { CanonicalModel, Suggestions } from '@pql/engine';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export interface EventCount {
  name: string;
  count: number;
}

export interface ModelFit {
  weighted: number; // event types with a non-zero weight in the model
  weightedMissing: string[];
  steps: number; // activation steps on a named event (not `*`)
  stepsMissing: string[];
  conversionMissing: string | null; // the model's conversion_event when the data has none of it
  line: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The model's weighted events and steps that the data does not have (signals count by their event). */
export function modelFit(model: CanonicalModel, raw: JsonObject, events: EventCount[]): ModelFit {
  const have = new Set(events.map((e) => e.name));
  const signals = isObj(raw.signals) ? raw.signals : {};
  const present = (name: string) => {
    if (name === '*' || have.has(name)) return true;
    const s = signals[name];
    if (isObj(s) && typeof s.event === 'string') return s.event === '*' || have.has(s.event);
    return false;
  };
  const weightedNames = Object.entries(model.engagement.events)
    .filter(([, v]) => (v.weight ?? model.engagement.default_weight) !== 0)
    .map(([k]) => k);
  const weightedMissing = weightedNames.filter((n) => !present(n));
  const named = model.activation.steps.filter((s) => s.event !== '*');
  const stepsMissing = named.filter((s) => !present(s.event)).map((s) => s.name || s.event);
  const conv = model.conversion_event;
  const conversionMissing = conv && !present(conv) ? conv : null;
  const parts: string[] = [];
  if (weightedMissing.length)
    parts.push(`${weightedMissing.length} of ${plural(weightedNames.length, 'weighted event')}`);
  if (stepsMissing.length) parts.push(`${stepsMissing.length} of ${plural(named.length, 'activation step')}`);
  let line = parts.length
    ? `${parts.join(' and ')} ${weightedMissing.length + stepsMissing.length === 1 ? 'is' : 'are'} not in this data`
    : `Every weighted event and activation step of the model is in this data`;
  if (conversionMissing) line += `; no ${conversionMissing} events (the conversion event)`;
  return {
    weighted: weightedNames.length,
    weightedMissing,
    steps: named.length,
    stepsMissing,
    conversionMissing,
    line: line + '.',
  };
}

// Event names that usually mean a conversion (a paid plan), for the start model's conversion_event.
const CONVERSION =
  /subscri|upgrad|purchas|\bpaid\b|payment|convert|checkout|order.?(placed|completed)|plan.?(started|changed)|became.?customer|deal.?won/i;

/** The model's conversion event when the data has it, else the first event whose name reads as one. */
export function guessConversion(current: string | null, events: EventCount[]): string | null {
  if (current && events.some((e) => e.name === current)) return current;
  return events.find((e) => CONVERSION.test(e.name))?.name ?? null;
}

export interface StartModel {
  model: JsonObject;
  summary: string;
}

/**
 * The current model with its data-specific parts rebuilt from the data: engagement weights and
 * activation steps (suggest() when given, else by the catalog: rarer events weigh more, the three
 * most common events are the steps), the conversion event, and without the rule leaves, limits
 * and fit rules that name events or traits the data does not have. Weights, tiers, grades, decay
 * and the threshold stay as they were.
 */
export function startModel(
  current: JsonObject,
  events: EventCount[],
  traits: string[],
  conversion: string | null,
  suggestions: Suggestions | null,
): StartModel {
  const m = JSON.parse(JSON.stringify(current)) as JsonObject;
  const have = new Set(events.map((e) => e.name));
  const scored = events.filter((e) => e.name !== conversion && e.count > 0);
  const eng = isObj(m.engagement) ? m.engagement : (m.engagement = {});
  const weights: Record<string, Json> = {};
  let how: string;
  const suggested = suggestions ? (suggestions.weights.non_negative?.weights ?? suggestions.weights.weights) : null;
  if (suggestions && suggested && Object.values(suggested).some((w) => w !== 0)) {
    for (const [ev, w] of Object.entries(suggested)) {
      if (ev === conversion || !have.has(ev)) continue;
      const r = Math.round(w * 10) / 10;
      if (r !== 0) weights[ev] = { weight: r };
    }
    const auc = suggestions.weights.holdout_auc;
    how = `weights and steps from suggest() (${suggestions.conversions} conversions${auc !== null ? `, holdout AUC ${auc.toFixed(2)}` : ''})`;
  } else {
    // By rarity: the most common event weighs 1, the rarest 10 (log scale).
    const max = Math.max(1, ...scored.map((e) => e.count));
    const min = Math.max(1, Math.min(max, ...scored.map((e) => e.count)));
    const span = Math.log(max / min) || 1;
    for (const e of scored)
      weights[e.name] = { weight: Math.max(1, Math.round(1 + (9 * Math.log(max / e.count)) / span)) };
    how = conversion
      ? 'weights by rarity (suggest() found nothing to learn from)'
      : 'weights by rarity (no conversion event to learn from)';
  }
  eng.events = weights;
  eng.default_weight = 0;
  // Activation: suggest()'s steps by lift, else the most common events.
  const act = isObj(m.activation) ? m.activation : (m.activation = {});
  let steps: { event: string; min_count: number }[] =
    suggestions?.activation_steps
      .filter((s) => s.event !== conversion && have.has(s.event) && (s.lift ?? 0) > 1)
      .slice(0, 3)
      .map((s) => ({ event: s.event, min_count: Math.max(1, s.min_count) })) ?? [];
  if (!steps.length)
    steps = scored
      .slice()
      .sort((a, b) => b.count - a.count)
      .slice(0, 3)
      .map((e) => ({ event: e.name, min_count: 1 }));
  act.steps = steps.map((s) => ({
    name: s.min_count > 1 ? `${s.event} ×${s.min_count}` : `Did ${s.event}`,
    event: s.event,
    ...(s.min_count > 1 ? { min_count: s.min_count } : {}),
  }));
  act.required = Math.min(2, steps.length);
  if (conversion) m.conversion_event = conversion;
  else delete m.conversion_event;
  // Limits, the PQL rule and fit rules that name what is not in the data.
  const dropped: string[] = [];
  if (isObj(m.limits)) {
    for (const [k, v] of Object.entries(m.limits))
      if (isObj(v) && typeof v.event === 'string' && !have.has(v.event)) {
        delete m.limits[k];
        dropped.push(`limit ${k}`);
      }
  }
  const limits = isObj(m.limits) ? m.limits : {};
  const pql = isObj(m.pql) ? m.pql : null;
  if (pql && pql.rule !== undefined && pql.rule !== null && !ruleFits(pql.rule, have, limits)) {
    pql.rule = null;
    dropped.push('the PQL rule');
  }
  const traitSet = new Set(traits);
  const fit = isObj(m.fit) ? m.fit : null;
  if (fit && Array.isArray(fit.rules)) {
    const before = fit.rules.length;
    fit.rules = fit.rules.filter((r) => isObj(r) && typeof r.trait === 'string' && traitSet.has(r.trait));
    if (fit.rules.length < before) dropped.push(plural(before - fit.rules.length, 'fit rule'));
  }
  if (isObj(m.signals)) {
    for (const [k, v] of Object.entries(m.signals))
      if (isObj(v) && typeof v.event === 'string' && v.event !== '*' && !have.has(v.event)) {
        delete m.signals[k];
        dropped.push(`signal ${k}`);
      }
  }
  const summary =
    `Started a model from this data: ${plural(Object.keys(weights).length, 'weighted event')}, ` +
    `${plural(steps.length, 'activation step')}, ${how}${conversion ? `, conversion ${conversion}` : ''}` +
    `${dropped.length ? `; dropped ${dropped.join(', ')} (not in the data)` : ''}.`;
  return { model: m, summary };
}

// Every event a rule reads (count.X, users.X, sum.X.p, limit.L's event) is in the data.
function ruleFits(rule: Json, have: Set<string>, limits: JsonObject): boolean {
  if (Array.isArray(rule)) return rule.every((r) => ruleFits(r, have, limits));
  if (!isObj(rule)) return true;
  if (Array.isArray(rule.all)) return ruleFits(rule.all, have, limits);
  if (Array.isArray(rule.any)) return ruleFits(rule.any, have, limits);
  if (rule.not !== undefined) return ruleFits(rule.not, have, limits);
  const metric = typeof rule.metric === 'string' ? rule.metric : '';
  const m = /^(count|users|sum)\.([^.]+)/.exec(metric);
  if (m) return have.has(m[2]);
  const l = /^limit\.(.+)$/.exec(metric);
  if (l) return l[1] in limits;
  return true;
}

function isObj(v: unknown): v is JsonObject {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
