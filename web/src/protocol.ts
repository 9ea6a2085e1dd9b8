// Messages between the page and the scoring worker.

// The engine's own result types (build/wasm/pkg/index.d.ts): the page adds only what it derives.
import type {
  Backtest,
  CanonicalModel,
  Comparison,
  EntityScore,
  Explanation,
  Funnel,
  FunnelFigures,
  GroupOutcome,
  LoadReport,
  Mover,
  RowError,
  Schema,
  ScoreCsvOptions,
  ScoreRun,
  SqlDialect,
  StepExplanation,
  Suggestions,
  View,
  ViewOptions,
  ViewPopulation,
  ViewRow,
  ViewSort,
} from '@pql/engine';
export type {
  Backtest,
  CanonicalModel,
  Comparison,
  EntityScore,
  Explanation,
  Funnel,
  FunnelFigures,
  GroupOutcome,
  LoadReport,
  Mover,
  RowError,
  Schema,
  ScoreCsvOptions,
  ScoreRun,
  SqlDialect,
  StepExplanation,
  Suggestions,
  View,
  ViewOptions,
  ViewPopulation,
  ViewRow,
  ViewSort,
};
// The import step (importer.ts): the options a load is made with, a preview's first text.
import type { ImportOptions, DryRun } from './importer';
import type { HeadText } from './workerimport';
export type { ImportOptions, DryRun, HeadText };
/** One of the latest signups with its activation steps (the Lifecycle tab's checklist). */
export interface LatestSignup {
  id: string;
  first_seen: string;
  steps: StepExplanation[];
}
export type Signal = Backtest['signals'][number];

export type Kind = 'events' | 'accounts' | 'users';

export interface EventInfo {
  name: string;
  count: number;
}
export interface TraitInfo {
  name: string;
  kind: string;
  values: string[];
}
/** An event property key (dotted path) with the event types that carry it and example values. */
export interface PropertyInfo {
  name: string;
  events: number;
  eventTypes: string[];
  values: string[];
}
// The engine's catalog() in the shape the pickers use: events by volume, traits by name with
// their kind (string / number / boolean / mixed) and example values.
export interface Catalog {
  events: EventInfo[];
  traits: TraitInfo[];
  /** Event properties (the signal editor's pickers); absent before the first catalog. */
  properties?: PropertyInfo[];
  first: number | null; // epoch ms of the earliest loaded event
  last: number | null;
}

export interface ModelError {
  code: string;
  path: string;
  message: string;
}

export interface HistoryPoint {
  as_of: string;
  t: number;
  score: number | null;
  qualified: boolean | null;
}

// ---- backtest, suggestions, compare (the engine's JSON, SPEC §5 and docs/model.md) ----

export interface SqlOptions {
  dialect: SqlDialect;
  events_table: string;
  accounts_table: string;
  users_table: string;
}

/**
 * What the page wants computed for a model that scored: only the parts of the visible tab.
 * The worker skips a part whose inputs (and the loaded data) have not changed since it last
 * computed it.
 */
export interface AnalysisRequest {
  model: string;
  horizon: number;
  capacity: number;
  backtest: boolean;
  suggest: boolean;
  compareA: string | null; // the pinned model A (compare mode), B = `model`
  sql: SqlOptions | null;
  /** The Lifecycle tab's cohort grouping, or null when the tab is hidden. */
  funnel?: 'week' | 'month' | null;
}

export type AnalysisPart =
  | { part: 'backtest'; ok: true; backtest: Backtest; ms: number }
  | { part: 'suggest'; ok: true; suggest: Suggestions; ms: number }
  | { part: 'compare'; ok: true; compare: Comparison; ms: number }
  | { part: 'sql'; ok: true; sql: string; ms: number }
  | { part: 'funnel'; ok: true; funnel: Funnel; latest: LatestSignup[]; ms: number }
  | { part: 'backtest' | 'suggest' | 'compare' | 'sql' | 'funnel'; ok: false; error: ModelError };

export type ToWorker =
  // A file (a File: the worker streams it), bytes the page already has, or a URL to fetch.
  // `options`: the import step's (columns, time_unit, account_key); `sample`: the page's sample
  // data (a user's events file replacing it drops the sample's accounts; `url` refetches it).
  | {
      type: 'load';
      id: number;
      kind: Kind;
      name: string;
      file?: Blob;
      bytes?: ArrayBuffer;
      url?: string;
      append: boolean;
      options?: ImportOptions;
      sample?: boolean;
    }
  // The import step: the start of a file's text, and a dry run of rows in a scratch engine.
  | { type: 'preview'; id: number; file: Blob }
  | { type: 'dryRun'; id: number; kind: Kind; text: string; options: ImportOptions }
  // suggest() under `model` (Start a model from this data).
  | { type: 'suggestFor'; id: number; model: string; horizon: number }
  // An outcomes file replaces the previous one; null removes it.
  | { type: 'outcomes'; id: number; name: string; file: Blob | null }
  // Scores `model` (unchanged: only the window moves) and answers with the view the ranking
  // shows: its rows in view and the population figures (engine.view), never every row.
  | { type: 'score'; seq: number; model: string; select: string | null; view: ViewOptions }
  // The view under the model the engine holds, for an export of the list as shown.
  | { type: 'view'; seq: number; model: string; view: ViewOptions }
  | { type: 'explain'; seq: number; model: string; id: string }
  | { type: 'catalog' }
  | { type: 'history'; seq: number; model: string; id: string; asOf: string; points: number; stepDays: number }
  | { type: 'analyze'; seq: number; req: AnalysisRequest }
  // The engine's own JSON text of a whole scoring run (what `pql score --format json` prints):
  // used by the end-to-end determinism test, which drives a worker of its own.
  | { type: 'scoreJson'; seq: number; model: string }
  // The ranking as the engine's CSV (Export CSV).
  | { type: 'scoreCsv'; seq: number; model: string; options?: ScoreCsvOptions };

export type FromWorker =
  // The engine started; its schema (ops, metrics, decays, the default model) feeds the controls.
  | { type: 'ready'; schema: Schema }
  | { type: 'fatal'; message: string }
  | { type: 'progress'; id: number; phase: string; done: number; total: number }
  // `report`: this file's; `files`: the files the engine holds rows of, by kind.
  // `restored`: the load failed and the data before it was put back; `dropped`: files of another
  // kind dropped with it (the sample's accounts when a user's events replace the sample's).
  | {
      type: 'loaded';
      id: number;
      kind: Kind;
      name: string;
      ok: boolean;
      error?: string;
      report: LoadReport;
      files: Record<Kind, string[]>;
      restored?: boolean;
      dropped?: string[];
    }
  | { type: 'preview'; id: number; ok: boolean; head: HeadText | null; error: string | null }
  | { type: 'dryRun'; id: number; result: DryRun }
  | { type: 'suggestFor'; id: number; ok: boolean; suggest: Suggestions | null; error: string | null }
  | { type: 'catalog'; catalog: Catalog }
  | {
      type: 'scored';
      seq: number;
      ok: true;
      run: View;
      normalized: CanonicalModel;
      explain: Explanation | null;
      explainId: string | null;
      explainError: string | null;
      engineMs: number;
      waitMs: number;
      /** The worker's whole time on the request, and when it posted the answer (timeOrigin + now). */
      workerMs: number;
      postedAt: number;
      /** How the engine took the model: unchanged, one numeric setting patched, or set whole. */
      update: ModelUpdate;
    }
  | { type: 'scored'; seq: number; ok: false; error: ModelError }
  | { type: 'explained'; seq: number; id: string; explain: Explanation | null; error: string | null }
  | { type: 'history'; seq: number; id: string; points: HistoryPoint[]; done: boolean }
  | {
      type: 'outcomesLoaded';
      id: number;
      name: string;
      ok: boolean;
      error?: string;
      report: LoadReport;
      files: string[];
    }
  | ({ type: 'analysis'; seq: number } & AnalysisPart)
  | { type: 'analyzed'; seq: number; aborted: boolean }
  | { type: 'scoreJson'; seq: number; ok: boolean; text: string; error: string | null }
  | { type: 'viewed'; seq: number; ok: boolean; view: View | null; error: string | null }
  | { type: 'scoreCsv'; seq: number; ok: boolean; text: string; error: string | null };

/** How the worker gave a model to the engine: `same` (already set), `patch` (setModelValue), `model` (setModel). */
export type ModelUpdate = 'same' | 'patch' | 'model';
