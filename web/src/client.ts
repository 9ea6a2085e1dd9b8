// The page's side of the scoring worker. Scoring requests are coalesced: at most one is in
// flight, and while it runs only the newest model waits behind it (stale ones are dropped).
// Analysis requests (backtest, suggestions, compare, SQL) are coalesced the same way and are
// sent only while no scoring request is in flight or waiting: the ranking always goes first.
import type {
  AnalysisPart,
  AnalysisRequest,
  CanonicalModel,
  Catalog,
  DryRun,
  Explanation,
  FromWorker,
  HeadText,
  HistoryPoint,
  ImportOptions,
  Kind,
  LoadReport,
  ModelError,
  ModelUpdate,
  Schema,
  ScoreCsvOptions,
  Suggestions,
  ToWorker,
  View,
  ViewOptions,
} from './protocol';

export interface ScoreOk {
  ok: true;
  seq: number;
  run: View;
  normalized: CanonicalModel;
  explain: Explanation | null;
  explainId: string | null;
  explainError: string | null;
  engineMs: number;
  waitMs: number;
  sentAt: number;
  inputAt: number;
  tag: string;
  update: ModelUpdate;
  /** The worker's whole time on it, and the answer's time in transit to this thread. */
  workerMs: number;
  transitMs: number;
}
export interface ScoreFail {
  ok: false;
  seq: number;
  error: ModelError;
  tag: string;
}
export type ScoreResult = ScoreOk | ScoreFail;

/** One file's load: its own report, and every file the engine now holds rows of. */
export interface LoadResult {
  ok: boolean;
  error?: string;
  kind: Kind;
  name: string;
  report: LoadReport;
  files: Record<Kind, string[]>;
  /** A failed load whose previous data was put back. */
  restored?: boolean;
  /** Files of another kind dropped by this load (the sample's accounts). */
  dropped?: string[];
}

interface Pending {
  model: string;
  select: string | null;
  inputAt: number;
  tag: string;
}
// What a scoring request answers for, strongest first: a structural edit rebuilds the controls,
// a value edit keeps them, a view change (scroll, filter, sort) re-reads the window only.
const TAG_RANK: Record<string, number> = { rebuild: 3, fallback: 3, keep: 2, '': 2, view: 1 };

export interface OutcomesResult {
  ok: boolean;
  error?: string;
  name: string;
  report: LoadReport;
  files: string[];
}
export type AnalysisResult = AnalysisPart & { req: AnalysisRequest; sentAt: number };

export class EngineClient {
  private worker: Worker;
  private seq = 0;
  private inflight: (Pending & { seq: number; sentAt: number }) | null = null;
  private pending: Pending | null = null;
  private loads = new Map<
    number,
    { resolve: (r: LoadResult) => void; progress?: (phase: string, done: number, total: number) => void }
  >();
  private historySeq = 0;
  private explainSeq = 0;
  private analysisInflight: { seq: number; req: AnalysisRequest; sentAt: number } | null = null;
  private analysisPending: AnalysisRequest | null = null;
  private outcomeLoads = new Map<number, (r: OutcomesResult) => void>();
  private csvExports = new Map<number, (r: { ok: boolean; text: string; error: string | null }) => void>();
  // The import step's requests (preview, dry run, suggest for a start model), by id.
  private importReplies = new Map<number, (msg: FromWorker) => void>();
  private viewRequests = new Map<number, (r: { ok: boolean; view: View | null; error: string | null }) => void>();
  private lastModel: string | null = null;
  /** The window, filters and sort the ranking shows; sent with every scoring request. */
  view: ViewOptions = { offset: 0, limit: 100 };

  onReady: (schema: Schema) => void = () => {};
  onFatal: (message: string) => void = () => {};
  onScored: (r: ScoreResult) => void = () => {};
  onCatalog: (c: Catalog) => void = () => {};
  onHistory: (id: string, points: HistoryPoint[], done: boolean) => void = () => {};
  onExplained: (id: string, explain: Explanation | null, error: string | null) => void = () => {};
  onBusy: (busy: boolean) => void = () => {};
  onAnalysis: (r: AnalysisResult) => void = () => {};
  /** An analysis request finished (`aborted`: a ranking came first; a newer request follows). */
  onAnalyzed: (req: AnalysisRequest, aborted: boolean) => void = () => {};

  /** `worker`: started by boot.ts; `early`: the messages it sent before this listened. */
  constructor(started: { worker: Worker; early: MessageEvent[] }) {
    this.worker = started.worker;
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => this.onFatal(`The scoring worker failed: ${ev.message || 'unknown error'}`);
    // Replayed once the page has set its handlers (main.ts constructs, then assigns them).
    if (started.early.length) {
      const early = started.early.splice(0);
      queueMicrotask(() => {
        for (const ev of early) this.receive(ev.data as FromWorker);
      });
    }
  }

  get busy(): boolean {
    return this.inflight !== null || this.pending !== null;
  }

  private send(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  score(model: string, select: string | null, tag = '', inputAt = performance.now()): void {
    // Keep the time of the first input that this run answers, to measure input → ranking.
    const firstInput = this.pending ? Math.min(this.pending.inputAt, inputAt) : inputAt;
    // A structural change waiting behind a value change still needs its controls rebuilt.
    const before = this.pending?.tag ?? 'view';
    const merged = (TAG_RANK[before] ?? 2) > (TAG_RANK[tag] ?? 2) ? before : tag;
    this.pending = { model, select, inputAt: firstInput, tag: merged };
    this.lastModel = model;
    if (tag !== 'view') this.onBusy(true);
    this.flush();
  }

  /**
   * The ranking's window, filters or sort changed: the list is re-read under the model last
   * asked for (a waiting model edit takes the new view with it).
   */
  setView(view: ViewOptions, inputAt = performance.now()): void {
    this.view = view;
    if (this.pending) return;
    if (this.lastModel === null) return;
    this.score(this.lastModel, null, 'view', inputAt);
  }

  /** The list as the engine would show it with `view` (e.g. every row, for an export). */
  viewOnce(model: string, view: ViewOptions): Promise<{ ok: boolean; view: View | null; error: string | null }> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.viewRequests.set(seq, resolve);
      this.send({ type: 'view', seq, model, view });
    });
  }

  private flush(): void {
    if (this.inflight || !this.pending) return;
    const p = this.pending;
    this.pending = null;
    this.seq += 1;
    this.inflight = { ...p, seq: this.seq, sentAt: performance.now() };
    this.send({ type: 'score', seq: this.seq, model: p.model, select: p.select, view: this.view });
  }

  /** Asks for the analysis of `req` (replacing any request not yet sent). */
  analyze(req: AnalysisRequest): void {
    this.analysisPending = req;
    this.flushAnalysis();
  }

  get analysisBusy(): boolean {
    return this.analysisInflight !== null || this.analysisPending !== null;
  }

  private flushAnalysis(): void {
    if (this.analysisInflight || !this.analysisPending || this.inflight || this.pending) return;
    const req = this.analysisPending;
    this.analysisPending = null;
    this.seq += 1;
    this.analysisInflight = { seq: this.seq, req, sentAt: performance.now() };
    this.send({ type: 'analyze', seq: this.seq, req });
  }

  /** Loads an outcomes file (replacing the previous one); null removes it. */
  loadOutcomes(name: string, file: Blob | null): Promise<OutcomesResult> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.outcomeLoads.set(id, resolve);
      this.send({ type: 'outcomes', id, name, file });
    });
  }

  /** Loads a file (a File is streamed by the worker, not copied), bytes or a URL. */
  load(
    kind: Kind,
    name: string,
    source: { file?: Blob; bytes?: ArrayBuffer; url?: string },
    append: boolean,
    progress?: (phase: string, done: number, total: number) => void,
    extra: { options?: ImportOptions; sample?: boolean } = {},
  ): Promise<LoadResult> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.loads.set(id, { resolve, progress });
      this.send(
        { type: 'load', id, kind, name, file: source.file, bytes: source.bytes, url: source.url, append, ...extra },
        source.bytes ? [source.bytes] : [],
      );
    });
  }

  private ask<T>(msg: ToWorker & { id: number }, take: (m: FromWorker) => T): Promise<T> {
    return new Promise((resolve) => {
      this.importReplies.set(msg.id, (m) => resolve(take(m)));
      this.send(msg);
    });
  }

  /** The start of a file's text (decompressed), for the import step. */
  preview(file: Blob): Promise<{ head: HeadText | null; error: string | null }> {
    return this.ask({ type: 'preview', id: ++this.seq, file }, (m) =>
      m.type === 'preview' ? { head: m.head, error: m.error } : { head: null, error: 'no answer' },
    );
  }

  /** Loads `text` into a scratch engine with `options`: what a load would make of those rows. */
  dryRun(kind: Kind, text: string, options: ImportOptions): Promise<DryRun> {
    return this.ask({ type: 'dryRun', id: ++this.seq, kind, text, options }, (m) =>
      m.type === 'dryRun' ? m.result : { report: null, error: 'no answer', code: 'internal' },
    );
  }

  /** suggest() under `model` (which the page's next request replaces again). */
  suggestFor(model: string, horizon: number): Promise<{ suggest: Suggestions | null; error: string | null }> {
    return this.ask({ type: 'suggestFor', id: ++this.seq, model, horizon }, (m) =>
      m.type === 'suggestFor' ? { suggest: m.suggest, error: m.error } : { suggest: null, error: 'no answer' },
    );
  }

  /**
   * The whole ranking under `model` as the engine's CSV (what `pql score --format csv` writes);
   * `options` as engine.scoreCsv takes them (`{preset: 'crm', traits}`: `--csv crm --trait`).
   */
  scoreCsv(model: string, options?: ScoreCsvOptions): Promise<{ ok: boolean; text: string; error: string | null }> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.csvExports.set(seq, resolve);
      this.send({ type: 'scoreCsv', seq, model, ...(options ? { options } : {}) });
    });
  }

  requestCatalog(): void {
    this.send({ type: 'catalog' });
  }

  explain(model: string, id: string): void {
    this.explainSeq = ++this.seq;
    this.send({ type: 'explain', seq: this.explainSeq, model, id });
  }

  history(model: string, id: string, asOf: string, points: number, stepDays: number): void {
    this.historySeq = ++this.seq;
    this.send({ type: 'history', seq: this.historySeq, model, id, asOf, points, stepDays });
  }

  private receive(msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        this.onReady(msg.schema);
        break;
      case 'fatal':
        this.onFatal(msg.message);
        break;
      case 'progress':
        this.loads.get(msg.id)?.progress?.(msg.phase, msg.done, msg.total);
        break;
      case 'loaded': {
        const l = this.loads.get(msg.id);
        this.loads.delete(msg.id);
        l?.resolve({
          ok: msg.ok,
          error: msg.error,
          kind: msg.kind,
          name: msg.name,
          report: msg.report,
          files: msg.files,
          restored: msg.restored,
          dropped: msg.dropped,
        });
        break;
      }
      case 'preview':
      case 'dryRun':
      case 'suggestFor': {
        const reply = this.importReplies.get(msg.id);
        this.importReplies.delete(msg.id);
        reply?.(msg);
        break;
      }
      case 'catalog':
        this.onCatalog(msg.catalog);
        break;
      case 'scored': {
        const f = this.inflight;
        this.inflight = null;
        const tag = f?.tag ?? '';
        // Answers arrive in order, one at a time: each is the newest ranking computed so far
        // (while a slider moves, intermediate models that were never sent are simply skipped).
        this.flush();
        if (msg.ok) {
          this.onScored({
            ok: true,
            seq: msg.seq,
            run: msg.run,
            normalized: msg.normalized,
            explain: msg.explain,
            explainId: msg.explainId,
            explainError: msg.explainError,
            engineMs: msg.engineMs,
            waitMs: msg.waitMs,
            tag,
            update: msg.update,
            workerMs: msg.workerMs,
            transitMs: performance.timeOrigin + performance.now() - msg.postedAt,
            sentAt: f?.sentAt ?? 0,
            inputAt: f?.inputAt ?? 0,
          });
        } else {
          this.onScored({ ok: false, seq: msg.seq, error: msg.error, tag });
        }
        if (!this.busy) this.onBusy(false);
        this.flushAnalysis();
        break;
      }
      case 'outcomesLoaded': {
        const done = this.outcomeLoads.get(msg.id);
        this.outcomeLoads.delete(msg.id);
        done?.({ ok: msg.ok, error: msg.error, name: msg.name, report: msg.report, files: msg.files });
        break;
      }
      case 'analysis': {
        const f = this.analysisInflight;
        if (!f || f.seq !== msg.seq) break;
        const { type: _t, seq: _s, ...part } = msg;
        this.onAnalysis({ ...(part as AnalysisPart), req: f.req, sentAt: f.sentAt });
        break;
      }
      case 'analyzed': {
        const f = this.analysisInflight;
        if (!f || f.seq !== msg.seq) break;
        this.analysisInflight = null;
        // An aborted request is not sent again: it gave way to a ranking, after which the
        // page asks for the analysis of the newest model.
        this.onAnalyzed(f.req, msg.aborted);
        this.flushAnalysis();
        break;
      }
      case 'scoreJson':
        break;
      case 'viewed': {
        const done = this.viewRequests.get(msg.seq);
        this.viewRequests.delete(msg.seq);
        done?.({ ok: msg.ok, view: msg.view, error: msg.error });
        break;
      }
      case 'scoreCsv': {
        const done = this.csvExports.get(msg.seq);
        this.csvExports.delete(msg.seq);
        done?.({ ok: msg.ok, text: msg.text, error: msg.error });
        break;
      }
      case 'explained':
        if (msg.seq === this.explainSeq) this.onExplained(msg.id, msg.explain, msg.error);
        break;
      case 'history':
        if (msg.seq === this.historySeq) this.onHistory(msg.id, msg.points, msg.done);
        break;
    }
  }
}
