// A fit rule's value when its operator changes: converted where the meaning carries over
// (`gte 50` → `between [50, 500]`, `between` → `gt` its low end, a scalar → a one-item list), and each
// operator's own last value remembered per rule, so that `between [20, 5000]` → `gt` → `between`
// gives back [20, 5000].
import type { Json } from './util';

type Value = Json | undefined;

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

/** What an operator's value is (the engine's schema: `trait_ops[].value`). */
export type FitValueKind = 'none' | 'scalar' | 'scalars' | 'number' | 'range' | 'text';

const UPPER = new Set(['lt', 'lte']); // a bound from above: takes the high end of a range

/**
 * The value of a rule whose operator goes from `from` (its value of kind `fromKind`) to `to`
 * (taking `toKind`), without memory.
 */
export function convertFitValue(
  from: string,
  fromKind: FitValueKind,
  to: string,
  toKind: FitValueKind,
  value: Value,
): Value {
  switch (toKind) {
    case 'none':
      return undefined;
    case 'range': {
      if (fromKind === 'range' && Array.isArray(value) && value.length === 2) return value;
      const ns = numbers(value);
      if (ns.length >= 2) return [Math.min(...ns), Math.max(...ns)];
      if (ns.length === 1)
        return UPPER.has(from) ? [Math.min(0, ns[0]), ns[0]] : [ns[0], Math.max(ns[0], ns[0] * 10 || 100)];
      return [0, 100];
    }
    case 'number': {
      if (fromKind === 'range' && Array.isArray(value)) {
        const [lo, hi] = numbers(value);
        return (UPPER.has(to) ? (hi ?? lo) : lo) ?? 0;
      }
      return firstNumber(value) ?? 0;
    }
    case 'scalars':
      if (value === undefined) return [];
      return Array.isArray(value) ? value : [value];
    default: {
      // scalar, text: one value
      const one = Array.isArray(value) ? value[0] : value;
      if (one === undefined || one === null || typeof one === 'object') return '';
      return toKind === 'text' ? String(one) : one;
    }
  }
}

/** Per-rule memory of each operator's last value (the rule's trait and position name it). */
export class FitValueMemory {
  private byRule = new Map<string, Map<string, Json>>();

  /** The new value for a rule switching from `from` (value `value`) to `to`. */
  switchOp(
    ruleKey: string,
    from: string,
    fromKind: FitValueKind,
    to: string,
    toKind: FitValueKind,
    value: Value,
  ): Value {
    let mem = this.byRule.get(ruleKey);
    if (!mem) this.byRule.set(ruleKey, (mem = new Map()));
    if (value !== undefined) mem.set(from, structuredClone(value));
    if (toKind === 'none') return undefined;
    const kept = mem.get(to);
    return kept !== undefined ? structuredClone(kept) : convertFitValue(from, fromKind, to, toKind, value);
  }
}
