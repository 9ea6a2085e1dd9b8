// A fit rule's value when its operator changes: converted where the meaning carries over
// (gte 50 → between [50, 50] → in [50]), and each operator's own last value remembered per rule,
// so that `between [20, 5000]` → `gt` → `between` gives back [20, 5000].
import type { Json } from './util';

type Value = Json | undefined;

const NUMERIC = new Set(['lt', 'lte', 'gt', 'gte']);
const LIST = new Set(['in', 'not_in']);
const NONE = new Set(['exists', 'missing']);

function firstNumber(v: Value): number | null {
  const xs = Array.isArray(v) ? v : [v];
  for (const x of xs) {
    if (typeof x === 'number' && Number.isFinite(x)) return x;
    if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  }
  return null;
}

function numbers(v: Value): number[] {
  const xs = Array.isArray(v) ? v : [v];
  return xs.map((x) => firstNumber(x as Value)).filter((x): x is number => x !== null);
}

/** The value of a rule whose operator goes from `from` (with `value`) to `to`, without memory. */
export function convertFitValue(from: string, to: string, value: Value): Value {
  if (NONE.has(to)) return undefined;
  if (to === 'between') {
    if (from === 'between' && Array.isArray(value) && value.length === 2) return value;
    const ns = numbers(value);
    if (ns.length >= 2) return [Math.min(...ns), Math.max(...ns)];
    if (ns.length === 1) return from === 'lt' || from === 'lte' ? [0, ns[0]] : [ns[0], Math.max(ns[0], ns[0] * 10 || 100)];
    return [0, 100];
  }
  if (NUMERIC.has(to)) {
    if (from === 'between' && Array.isArray(value)) {
      const [lo, hi] = numbers(value);
      return (to === 'lt' || to === 'lte' ? hi ?? lo : lo) ?? 0;
    }
    return firstNumber(value) ?? 0;
  }
  if (LIST.has(to)) {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }
  // eq, ne, contains: one scalar.
  const one = Array.isArray(value) ? value[0] : value;
  if (one === undefined || one === null || typeof one === 'object') return '';
  return to === 'contains' ? String(one) : one;
}

/** Per-rule memory of each operator's last value (the rule's trait and position name it). */
export class FitValueMemory {
  private byRule = new Map<string, Map<string, Json>>();

  /** The new value for a rule switching from `from` (value `value`) to `to`. */
  switchOp(ruleKey: string, from: string, to: string, value: Value): Value {
    let mem = this.byRule.get(ruleKey);
    if (!mem) this.byRule.set(ruleKey, (mem = new Map()));
    if (value !== undefined) mem.set(from, structuredClone(value));
    const kept = mem.get(to);
    if (NONE.has(to)) return undefined;
    return kept !== undefined ? structuredClone(kept) : convertFitValue(from, to, value);
  }
}
