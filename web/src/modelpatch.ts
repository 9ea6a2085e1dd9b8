// Which model changes the engine can take as a patch (engine.setModelValue: one numeric
// setting, no re-read of the whole model) rather than a new model (engine.setModel).
import type { Json } from './util';

export type PatchPath = (string | number)[];

// The settings the engine's patch path takes (core/include/pql/model_patch.hpp).
function patchable(p: PatchPath): boolean {
  const s = p.map((k) => (typeof k === 'number' ? '#' : k)).join('/');
  if (
    [
      'window_days',
      'active_days',
      'engagement/half_life_days',
      'engagement/saturation',
      'engagement/default_weight',
      'weights/activation',
      'weights/engagement',
      'weights/fit',
      'pql/min_score',
      'activation/required',
      'activation/steps/#/min_count',
      'activation/steps/#/min_users',
      'activation/steps/#/weight',
      'fit/rules/#/points',
    ].includes(s)
  )
    return true;
  if (
    p.length === 4 &&
    p[0] === 'engagement' &&
    p[1] === 'events' &&
    typeof p[2] === 'string' &&
    p[2] !== '' &&
    (p[3] === 'weight' || p[3] === 'cap' || p[3] === 'half_life_days')
  )
    return true;
  return p.length === 3 && p[0] === 'limits' && typeof p[1] === 'string' && p[1] !== '' && p[2] === 'limit';
}

/**
 * The one numeric leaf that differs between two models (JSON values), when that is the only
 * difference and the engine can patch it; otherwise null. A key that appears (a default made
 * explicit) counts as a change of that leaf; a key that disappears does not patch.
 */
export function numericPatch(before: Json, after: Json): { path: PatchPath; value: number } | null {
  let found: { path: PatchPath; value: number } | null = null;
  let other = false;
  const walk = (a: Json | undefined, b: Json | undefined, path: PatchPath): void => {
    if (other || a === b) return;
    if (typeof b === 'number' && (typeof a === 'number' || a === undefined)) {
      if (found) other = true;
      else found = { path, value: b };
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        other = true;
        return;
      }
      for (let i = 0; i < a.length && !other; i++) walk(a[i], b[i], [...path, i]);
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const ao = a as Record<string, Json>,
        bo = b as Record<string, Json>;
      for (const k of Object.keys(ao))
        if (!(k in bo)) {
          other = true;
          return;
        }
      for (const k of Object.keys(bo)) {
        walk(ao[k], bo[k], [...path, k]);
        if (other) return;
      }
      return;
    }
    other = true; // a string, boolean, null or a change of type
  };
  walk(before, after, []);
  if (other || !found) return null;
  return patchable((found as { path: PatchPath }).path) ? found : null;
}
