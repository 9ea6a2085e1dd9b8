// Messages between the page and the scoring worker.

export interface RowError { line: number; message: string }
export interface LoadReport {
  read: number; loaded: number; skipped: number; duplicates: number; errors: RowError[];
}

export interface ScoreRow {
  rank: number; id: string; name: string | null; score: number;
  activation: number; engagement: number; fit: number; engagement_points: number;
  steps_completed: number; activated: boolean; activated_at: string | null;
  qualified: boolean; tier: string | null; grade: string | null;
  active_users: number; users: number; events: number; velocity: number;
  days_since_last_seen: number; first_seen: string | null; last_seen: string | null;
}

export interface ScoreRun {
  as_of: string | null;
  entities: number;
  qualified: number;
  diagnostics: {
    read: number; loaded: number; skipped: number; duplicates: number; unassigned: number;
    errors: RowError[];
  };
  results: ScoreRow[];
}

export type Kind = 'events' | 'accounts';

export interface EventInfo { name: string; count: number }
export interface TraitInfo { name: string; kind: string; values: string[] }
export interface Catalog {
  events: EventInfo[];
  traits: TraitInfo[];
  first: number | null;   // epoch ms of the earliest event seen in the sources
  last: number | null;
}

export interface ModelError { code: string; path: string; message: string }

export interface HistoryPoint { as_of: string; t: number; score: number | null; qualified: boolean | null }

export type ToWorker =
  | { type: 'load'; id: number; kind: Kind; name: string; bytes?: ArrayBuffer; url?: string; append: boolean }
  | { type: 'score'; seq: number; model: string; select: string | null }
  | { type: 'explain'; seq: number; model: string; id: string }
  | { type: 'catalog' }
  | { type: 'history'; seq: number; model: string; id: string; asOf: string; points: number; stepDays: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'progress'; id: number; phase: string; done: number; total: number }
  | { type: 'loaded'; id: number; kind: Kind; name: string; ok: boolean; error?: string;
      report: LoadReport; totals: { events: LoadReport; accounts: LoadReport; files: string[] } }
  | { type: 'catalog'; catalog: Catalog }
  | { type: 'scored'; seq: number; ok: true; run: ScoreRun; normalized: unknown; explain: unknown;
      explainId: string | null; explainError: string | null; engineMs: number; waitMs: number }
  | { type: 'scored'; seq: number; ok: false; error: ModelError }
  | { type: 'explained'; seq: number; id: string; explain: unknown; error: string | null }
  | { type: 'history'; seq: number; id: string; points: HistoryPoint[]; done: boolean };
