// Types of pql-engine: the pql lead-scoring core compiled to WebAssembly.
// Every result is a plain object or typed array; field names follow the engine's JSON
// (snake_case), method names are camelCase. The contract is pql's SPEC.md.

/** Input text: a string, or UTF-8 bytes (copied straight into the engine, no decoding). */
export type Text = string | Uint8Array | ArrayBufferView | ArrayBuffer;

/** `auto` detects JSON Lines, a JSON array or CSV from the content. */
export type Format = 'auto' | 'jsonl' | 'json' | 'csv';

export interface LoadOptions {
  /** Default `auto`. */
  format?: Format;
  /** The first bad row fails the whole load (nothing of this text is kept): a PqlError `bad_row`. Default false. */
  strict?: boolean;
  /**
   * The line number of the text's first line, when it is a later piece of a file loaded in parts
   * (JSON Lines, CSV): errors then name lines of the whole file. Default 1.
   */
  firstLine?: number;
  /**
   * The group key naming the account in Mixpanel (`properties[account_key]`), Amplitude
   * (`groups[account_key]`) and PostHog (`properties.$groups[account_key]`) exports (SPEC §6.2).
   * Without it, Amplitude and PostHog files with exactly one group type use that one.
   */
  account_key?: string;
  /**
   * The file's own column (CSV) or key (JSON) for each field (SPEC §6.2), e.g.
   * `{ timestamp: 'Time', user_id: 'User ID', event: 'Event Name', account_id: 'Company' }`.
   * Events: timestamp, user_id, event, account_id, id; accounts: account_id, name; users:
   * user_id. A name the file does not have is a PqlError naming it.
   */
  columns?: ColumnMapping;
  /** Numeric timestamps of flat rows and CSV: epoch `ms` (default) or `s`. */
  time_unit?: TimeUnit;
}

export type TimeUnit = 'ms' | 's';
export type ColumnMapping = Partial<Record<'timestamp' | 'user_id' | 'event' | 'account_id' | 'id' | 'name', string>>;

/**
 * A file to load in pieces: a Blob (a File from an `<input type=file>`), a ReadableStream (a
 * fetch Response's `body`), an async iterable of bytes (a Node stream), or the text itself.
 */
export type Source = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Text;

/** How far a load from a Source got. */
export interface LoadProgress {
  /** Bytes of the source loaded into the engine so far (never decreases). */
  done: number;
  /** The source's size in bytes, when known (a Blob, bytes, text); for a stream, null until the end. */
  total: number | null;
}

export interface LoadFromOptions {
  /** Default `auto` (detected from the first bytes). */
  format?: Format;
  /**
   * The first bad row fails the whole load: a PqlError `bad_row`, and nothing of this source is
   * kept. A strict load (and a JSON array) is read whole, then loaded in one go.
   */
  strict?: boolean;
  /** Called before the first piece, after each piece and at the end. */
  onProgress?: (progress: LoadProgress) => void;
  /** About how many bytes each piece holds (default 4 MiB). */
  pieceBytes?: number;
  /** Drop what is loaded of this kind first (clearEvents / clearAccounts / clearOutcomes). Default false: append. */
  replace?: boolean;
  /**
   * The group key naming the account in Mixpanel (`properties[account_key]`), Amplitude
   * (`groups[account_key]`) and PostHog (`properties.$groups[account_key]`) exports (SPEC §6.2).
   * Without it, Amplitude and PostHog files with exactly one group type use that one.
   */
  account_key?: string;
  /**
   * The file's own column (CSV) or key (JSON) for each field (SPEC §6.2), e.g.
   * `{ timestamp: 'Time', user_id: 'User ID', event: 'Event Name', account_id: 'Company' }`.
   * Events: timestamp, user_id, event, account_id, id; accounts: account_id, name; users:
   * user_id. A name the file does not have is a PqlError naming it.
   */
  columns?: ColumnMapping;
  /** Numeric timestamps of flat rows and CSV: epoch `ms` (default) or `s`. */
  time_unit?: TimeUnit;
}

export interface RowError {
  /** 1-based line (JSON Lines, CSV) or element index (JSON array). */
  line: number;
  /** One line naming the field, e.g. `timestamp: not a date`. */
  message: string;
}

/** What one load did: `read = loaded + skipped + duplicates`. */
export interface LoadReport {
  read: number;
  loaded: number;
  skipped: number;
  /** Events whose `id` / `messageId` was already loaded (the first copy wins). */
  duplicates: number;
  /** The first 100 bad rows. */
  errors: RowError[];
  /**
   * What the load says once instead of per row (v2): events left without an account and why,
   * a field no record has ("no timestamp key; found ts, user, action").
   */
  notes?: string[];
  /** The record shapes met (v2): flat, segment, segment_batch, mixpanel, amplitude, posthog. */
  shapes?: Record<string, number>;
}

/** The diagnostics of a scoring run: every event load since the last `clear()`. */
export interface Diagnostics extends LoadReport {
  /** Events scored at account level whose account could not be resolved. */
  unassigned: number;
}

/** One ranked entity (an account, or a user with `entity: "user"`). Timestamps are ISO 8601 UTC with milliseconds. */
export interface EntityScore {
  /** 1-based, by score descending, ties by id ascending. */
  rank: number;
  id: string;
  name: string | null;
  /** 0–100: the weighted mean of activation, engagement and fit. */
  score: number;
  activation: number;
  engagement: number;
  fit: number;
  /** E, the weighted sum of decayed (and capped) event counts before saturation. */
  engagement_points: number;
  steps_completed: number;
  activated: boolean;
  activated_at: string | null;
  /** A product-qualified lead under the model's `pql` definition. */
  qualified: boolean;
  tier: string | null;
  /** Fit letter × engagement digit, e.g. `A1`; null when either reaches no band. */
  grade: string | null;
  active_users: number;
  users: number;
  /** Events in the window. */
  events: number;
  velocity: number;
  days_since_last_seen: number;
  first_seen: string;
  last_seen: string;
  // v2 additions (SPEC §7.5-§7.7), after the v1 fields:
  /** A customer: converted at or before as_of (never qualified unless `pql.include_customers`). */
  converted: boolean;
  converted_at: string | null;
  /** The model's segments whose rule holds, for a qualified entity (`[]` otherwise). */
  segments: string[];
  /** When the current qualified streak began (null when not qualified). */
  qualified_at: string | null;
  first_qualified_at: string | null;
  days_qualified: number | null;
}

/** SPEC §4's machine output: the same JSON as `pql score --format json`. */
export interface ScoreRun {
  as_of: string;
  /** Entities ranked (all of them, whatever the page). */
  entities: number;
  /** Qualified entities (all of them, whatever the page). */
  qualified: number;
  /** Customers among them (SPEC §7.5). */
  customers: number;
  /** Qualified entities per segment, by the model's segment names (SPEC §7.6). */
  segments: Record<string, number>;
  diagnostics: Diagnostics;
  /** The requested page of the ranking. */
  results: EntityScore[];
}

export interface ScoreOptions {
  /** First rank to return, 0-based. Default 0. */
  offset?: number;
  /** How many results at most. Default: all. */
  limit?: number;
}

/** The columns `view()` sorts by (ties by rank); `tier` sorts as `score`. */
export type ViewSort =
  | 'rank'
  | 'entity'
  | 'score'
  | 'tier'
  | 'grade'
  | 'pql'
  | 'activation'
  | 'engagement'
  | 'fit'
  | 'active_users'
  | 'last_seen'
  | 'qualified_at';

/** What `view()` shows: a window of the filtered, sorted ranking. */
export interface ViewOptions {
  /** First row of the filtered, sorted list, 0-based. Default 0. */
  offset?: number;
  /** Rows at most. Default 50. */
  limit?: number;
  /** Include customers (converted at or before as_of). Default false: a list of leads. */
  customers?: boolean;
  /** Qualified entities only. */
  qualified_only?: boolean;
  /** A tier's name; `""`: entities below every tier. */
  tier?: string | null;
  /** A grade such as `A1`; `""`: entities without a grade. */
  grade?: string | null;
  /** A segment's name: the qualified entities in it. */
  segment?: string | null;
  /** A substring of the id or name (ASCII letters case-folded). */
  query?: string;
  /** Default `rank`. `qualified_at` puts the longest-qualified first (unqualified last). */
  sort?: ViewSort;
  /** Reverse the sort (ties stay in rank order). */
  descending?: boolean;
  /** An id whose position in the filtered, sorted list is returned as `selected`. */
  select?: string | null;
}

/** One of `view()`'s rows: a ranked entity with its rank before the last change. */
export interface ViewRow extends EntityScore {
  /** The rank before the last change of model, as_of or data that moved a rank; null: none. */
  previous_rank: number | null;
}

/** The population a view's charts draw (customers left out unless `customers: true`). */
export interface ViewPopulation {
  entities: number;
  qualified: number;
  /** Customers left out of this population. */
  customers_hidden: number;
  /** 20 bins of 5 score points (the last holds 95–100). */
  histogram: { from: number; entities: number; qualified: number }[];
  /** Entities per grade, fit band major, in the model's band order. */
  grades: Record<string, number>;
  no_grade: number;
  /** Entities per tier, highest first. */
  tiers: Record<string, number>;
  no_tier: number;
  /** Qualified entities per segment. */
  segments: Record<string, number>;
}

/** `view()`'s result: `score()`'s head, the population, and the window of rows. */
export interface View extends Omit<ScoreRun, 'results'> {
  population: ViewPopulation;
  /** Rows after the filters (the list's length). */
  shown: number;
  offset: number;
  /** The `select` id's position in the list, or null. */
  selected: number | null;
  results: ViewRow[];
}

/** A trait value (accounts file, Segment `group` / `identify` traits). */
export type TraitValue = string | number | boolean;

/** One event type's contribution to engagement. */
export interface EventBreakdown {
  event: string;
  /** Events in the window. */
  count: number;
  /** Σ decay(age) over them. */
  decayed: number;
  /** `decayed`, capped at `cap`. */
  capped: number;
  cap: number | null;
  weight: number;
  /** weight × capped. */
  points: number;
  /** The half-life used (null unless the decay is exponential). */
  half_life_days: number | null;
  /** Distinct users in the window. */
  users: number;
  /** Events up to as_of, window or not. */
  all_time: number;
}

export interface StepExplanation {
  name: string;
  event: string;
  met: boolean;
  count: number;
  min_count: number;
  users: number;
  min_users: number;
  weight: number;
}

export interface FitRuleExplanation {
  trait: string;
  op: FitOp;
  value?: TraitValue | TraitValue[];
  points: number;
  matched: boolean;
  /** The entity's trait value, or null when it lacks the trait. */
  actual: TraitValue | null;
}

export interface LimitExplanation {
  name: string;
  event: string;
  count: number;
  limit: number;
  /** count / limit. */
  usage: number;
}

/** The PQL rule with each node's outcome: leaves carry `actual`, every node `result`. */
export type RuleEvaluation =
  | { all: RuleEvaluation[]; result: boolean }
  | { any: RuleEvaluation[]; result: boolean }
  | { not: RuleEvaluation; result: boolean }
  | {
      metric: string;
      op: CompareOp | FitOp;
      value?: number | TraitValue | TraitValue[];
      actual: number | TraitValue | null;
      result: boolean;
    };

/**
 * The explanation of one entity (SPEC §4): its ranking fields plus the per-event-type
 * breakdown, each activation step, each fit rule, every metric and the rule's evaluation.
 */
export interface Explanation extends EntityScore {
  as_of: string;
  weights: { activation: number; engagement: number; fit: number };
  events_breakdown: EventBreakdown[];
  steps: StepExplanation[];
  /** Steps needed to be activated. */
  required: number;
  fit_rules: FitRuleExplanation[];
  traits: Record<string, TraitValue>;
  limits: LimitExplanation[];
  /** Every metric a rule can read: `score`, `count.<event>`, `limit.<name>`, `trait.<name>`, ... */
  metrics: Record<string, number | TraitValue | null>;
  /** null when the model has no `pql.rule`. */
  rule: RuleEvaluation | null;
  qualification: {
    min_score: number;
    score_ok: boolean;
    require_activation: boolean;
    /** False for a customer while the model does not include customers (SPEC §7.5). */
    customer_ok: boolean;
    activated: boolean;
    /** null when the model has no rule. */
    rule_ok: boolean | null;
    /** Paths of the leaves that failed, e.g. `pql.rule.all[0]`. */
    failed_leaves: string[];
    qualified: boolean;
  };
  /** SPEC §7.4: per model persona, the ids of the entity's users who match it. */
  personas: Record<string, string[]>;
  /** SPEC §7.5: why the entity is (not) a customer. */
  customer: {
    converted: boolean;
    converted_at: string | null;
    conversion_event: string | null;
    include_customers: boolean;
  };
  /** SPEC §7.6: each model segment's rule traced; `listed` = holds and the entity is qualified. */
  segments_breakdown: { name: string; holds: boolean; listed: boolean; rule: RuleEvaluation }[];
  /** The entity's users, most engagement points first (at most 20; docs/model.md "people"). */
  people: Person[];
  /** The last ten key events at or before as_of, newest first (docs/model.md). */
  recent_events: RecentEvent[];
  /** Up to three plain-language reasons, strongest first (the CRM CSV's reason_1..3). */
  reasons: string[];
}

/** One user of an explained entity (Explanation.people). */
export interface Person {
  user: string;
  /** The user's share of the entity's engagement points (each type's points split by its decayed events). */
  points: number;
  /** Events in the window. */
  events: number;
  last_seen: string | null;
  /** The model personas the user matches. */
  personas: string[];
  /** User traits at as_of. */
  traits: Record<string, TraitValue>;
  /** Up to three event types in the window, most points first, then most events. */
  top_actions: { event: string; count: number; points: number }[];
}

/** A key event: its type carries weight, or is an activation step's or a plan limit's event. */
export interface RecentEvent {
  event: string;
  at: string;
  user: string;
  /** The model signals the event matches. */
  signals: string[];
}

/** Trait tests of fit rules (and of `trait.<name>` leaves in a PQL rule). */
export type FitOp =
  'eq' | 'ne' | 'in' | 'not_in' | 'lt' | 'lte' | 'gt' | 'gte' | 'between' | 'contains' | 'exists' | 'missing';

/** Comparisons of a PQL rule leaf. A `trait.<name>` leaf also takes the FitOps. */
export type CompareOp = '>=' | '>' | '<=' | '<' | '==' | '!=';

/** How an event's weight fades with its age. */
export type Decay = 'exponential' | 'linear' | 'none';

/** Who is ranked: accounts (the default) or single users. */
export type EntityKind = 'account' | 'user';

/** One event type's setting; an absent key uses the engagement-level default. */
export interface EventSetting {
  weight?: number;
  cap?: number;
  half_life_days?: number;
}

export interface FitRule {
  trait: string;
  op: FitOp;
  /** Absent for `exists` / `missing`; an array for `in`, `not_in`, `between`. */
  value?: TraitValue | TraitValue[];
  points: number;
}

export interface Tier {
  name: string;
  min_score: number;
}

/** A grade band: its label and the lowest component value (0–100) that earns it. */
export type GradeBand = [label: string, threshold: number];

export interface Limit {
  event: string;
  limit: number;
}

/**
 * A scoring model as the engine takes it (SPEC §2): every key is optional, and an absent key
 * takes its default. `model()` returns the CanonicalModel: the same keys, all present.
 */
export interface Model {
  entity?: EntityKind;
  /** ISO 8601 text (or null: the latest event). */
  as_of?: string | null;
  window_days?: number;
  active_days?: number;
  engagement?: {
    decay?: Decay;
    half_life_days?: number;
    saturation?: number;
    default_weight?: number;
    events?: Record<string, EventSetting>;
  };
  activation?: {
    steps?: Array<{ name?: string; event: string; min_count?: number; min_users?: number; weight?: number }>;
    required?: number;
  };
  fit?: { rules?: FitRule[] };
  limits?: Record<string, Limit>;
  weights?: { activation?: number; engagement?: number; fit?: number };
  pql?: { min_score?: number; require_activation?: boolean; rule?: Rule | null };
  tiers?: Tier[];
  grades?: { fit?: GradeBand[]; engagement?: GradeBand[] };
  conversion_event?: string | null;
}

/** An activation step with every default filled in (`name` defaults to the event). */
export interface CanonicalStep {
  name: string;
  event: string;
  min_count: number;
  min_users: number;
  weight: number;
}

/**
 * The model the engine holds, as `model()` returns it: every key present with its default
 * filled in (`as_of`, `pql.rule` and `conversion_event` are null when unset). Tiers are
 * sorted by `min_score`, highest first. Passing it back to `setModel` gives the same model.
 */
export interface CanonicalModel {
  entity: EntityKind;
  as_of: string | null;
  window_days: number;
  active_days: number;
  engagement: {
    decay: Decay;
    half_life_days: number;
    saturation: number;
    default_weight: number;
    /** Only the keys the model set per event (others use the defaults above). */
    events: Record<string, EventSetting>;
  };
  activation: { steps: CanonicalStep[]; required: number };
  fit: { rules: FitRule[] };
  limits: Record<string, Limit>;
  weights: { activation: number; engagement: number; fit: number };
  pql: { min_score: number; require_activation: boolean; rule: Rule | null };
  tiers: Tier[];
  grades: { fit: GradeBand[]; engagement: GradeBand[] };
  conversion_event: string | null;
  /** SPEC §7 keys, present only when the model uses them. */
  signals?: Record<string, SignalDef>;
  active?: { events: string[] };
  personas?: Record<string, PersonaCondition[]>;
  segments?: Record<string, Rule>;
}

/** SPEC §7.1: a property condition of a signal (fit ops on the event property's value). */
export interface PropertyCondition {
  property: string;
  op: FitOp;
  value?: TraitValue | TraitValue[];
}
/** SPEC §7.1: the events of type `event` (or `*`) whose properties satisfy every condition. */
export interface SignalDef {
  event: string;
  where: PropertyCondition[];
}
/** SPEC §7.4: a user-trait condition of a persona. */
export interface PersonaCondition {
  trait: string;
  op: FitOp;
  value?: TraitValue | TraitValue[];
}

/** A leaf of a PQL rule: a metric (see Explanation.metrics) compared with a value. */
export type RuleLeaf =
  /** `window_days` (SPEC §7.2): this leaf's counts over the last N days instead of the model window. */
  | { metric: string; op: CompareOp; value: number; window_days?: number }
  /** `trait.<name>` leaves: a comparison or a fit test (`value` absent for exists / missing). */
  | { metric: `trait.${string}`; op: CompareOp | FitOp; value?: TraitValue | TraitValue[] };

/** A PQL rule: `all` / `any` / `not` over leaves. */
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | RuleLeaf;

/** A point in time: ISO 8601 text (`2024-05-01`, `2024-05-01T12:00:00Z`), a Date or epoch ms. */
export type AsOf = string | Date | number;

export interface MemoryUsage {
  /** Bytes malloc'd and not yet freed in the module's heap (shared by its engines). */
  heapUsed: number;
  /** Bytes of WebAssembly memory (it grows, never shrinks). */
  heapSize: number;
}

/**
 * Error codes: `invalid_model` (with `path`), `bad_row` (strict loads, with `line`),
 * `not_found` (explain), `invalid_argument`, `out_of_memory`, `io` (loading the module),
 * `deleted` (the engine was deleted), `internal` (a bug: the module stopped; create a new engine).
 */
export type ErrorCode =
  | 'invalid_model'
  | 'bad_row'
  | 'not_found'
  | 'invalid_argument'
  | 'out_of_memory'
  | 'io'
  | 'deleted'
  | 'internal'
  /** A CSV header without a required column, or a mapped column the file lacks (SPEC §6.2). */
  | 'missing_column'
  | 'unknown_column'
  /** A corrupt or truncated gzip or zip: a strict load's failure, or a zip that cannot be read (SPEC §6.1). */
  | 'bad_archive';

export class PqlError extends Error {
  readonly name: 'PqlError';
  readonly code: ErrorCode | string;
  /** With the location: `engagement.events.x.weight: must be a number`, `line 17: timestamp: not a date`. */
  readonly message: string;
  /** The message without its location. */
  readonly detail: string;
  /** The model's JSON path (`invalid_model`). */
  readonly path?: string;
  /** The 1-based line or array index (`bad_row`). */
  readonly line?: number;
}

/** What the loaded data holds: for pickers in a UI. */
export interface Catalog {
  /** Every event type with its number of loaded events, by name. */
  events: { event: string; count: number }[];
  /** Every trait seen (accounts file, Segment group and identify calls) with up to 20 example values. */
  traits: { trait: string; examples: (string | number | boolean)[] }[];
  /** Every event property key (dotted paths for nested objects), the events that have it, up to 10 examples (v2). */
  properties: {
    property: string;
    events: number;
    examples: (string | number | boolean)[];
    /** The event types that carry it, by name. */ event_types: string[];
  }[];
  first_event: string | null;
  last_event: string | null;
  events_loaded: number;
  accounts: number;
  users: number;
}

/** A group's conversions: SPEC §5. Ratios with a zero denominator are null. */
export interface GroupOutcome {
  count: number;
  conversions: number;
  rate: number | null;
  lift: number | null;
}

export interface BacktestOptions {
  /** Days after as_of in which a conversion counts (default 30). */
  horizon_days?: number;
  /** The point in time (ISO text or epoch ms); default: the model's as_of, else the latest event minus the horizon. */
  as_of?: AsOf | null;
  /** An outcomes file (`account_id`, `converted_at`) to load first; appended to earlier ones. */
  outcomes?: Text;
}

/** One tenth of the backtest population in rank order (decile 1 = the top scores). */
export interface CalibrationDecile {
  decile: number;
  count: number;
  conversions: number;
  rate: number | null;
  lift: number | null;
  /** The lowest and highest score in the decile. */
  min_score: number;
  max_score: number;
}

/** SPEC §5's machine output, with §7.9's additions and the calibration deciles. */
export interface Backtest {
  as_of: string;
  horizon_days: number;
  population: number;
  conversions: number;
  base_rate: number | null;
  tiers: ({ name: string } & GroupOutcome)[];
  pql: {
    qualified: GroupOutcome;
    not_qualified: GroupOutcome;
    precision: number | null;
    recall: number | null;
    fpr: number | null;
    /** Qualified entities that did not convert in the horizon / qualified (§7.9). */
    false_positive_share: number | null;
  };
  /** The ids of those PQLs that did not convert, in rank order (the first 100). */
  lost_pqls: string[];
  precision_at: Record<'10' | '25' | '50' | '100', { precision: number | null; recall: number | null }>;
  auc: number | null;
  sweep: { min_score: number; qualified: number; precision: number | null; recall: number | null }[];
  /** The population in rank order cut into ten groups of (nearly) equal size (fewer when it is smaller than ten). */
  calibration: CalibrationDecile[];
  signals: {
    event: string;
    did: number;
    did_conversions: number;
    did_rate: number | null;
    not_rate: number | null;
    lift: number | null;
    coverage: number | null;
  }[];
}

export interface SuggestOptions {
  horizon_days?: number;
  as_of?: AsOf | null;
  /** Leads sales can take per week (default 20). */
  capacity_per_week?: number;
}

/** Suggested activation steps, event weights (with their holdout AUC) and the capacity threshold. */
export interface Suggestions {
  as_of: string;
  horizon_days: number;
  population: number;
  conversions: number;
  activation_steps: {
    event: string;
    min_count: number;
    did: number;
    did_rate: number | null;
    not_rate: number | null;
    lift: number | null;
    coverage: number | null;
  }[];
  weights: {
    train_as_of: string;
    /** Suggested weight per event type (the largest is ±10). */
    weights: Record<string, number>;
    /** AUC of the logistic regression on the time-split holdout. */
    holdout_auc: number | null;
    /** Your model's AUC on the same holdout. */
    current_auc: number | null;
    /** Your model with the suggested weights. */
    suggested_model_auc: number | null;
    train_population: number;
    train_conversions: number;
    /** Why each negative weight is negative. */
    explanations: WeightExplanation[];
    /** The same fit with every weight kept >= 0 (null when there is nothing to train on). */
    non_negative: {
      weights: Record<string, number>;
      holdout_auc: number | null;
      suggested_model_auc: number | null;
    } | null;
  };
  capacity: {
    per_week: number;
    /** per_week × horizon / 7 (the v1 figure). */
    capacity: number;
    /** The suggested threshold; the model's own when limited_by is "definition". */
    min_score: number;
    /** PQLs at T at that threshold. */
    qualified: number;
    /** New PQLs a week at that threshold (qualified at T, not four weeks before, / 4). */
    per_week_at_threshold: number;
    precision: number | null;
    recall: number | null;
    weeks_measured: number;
    /** New PQLs a week the activation gate and rule let through at any score. */
    gates_allow_per_week: number;
    /** "definition": sales can take more than the gates let through; no threshold fixes that. */
    limited_by: 'capacity' | 'definition';
    note: string;
  };
  /** Which traits converters share, and the fit rules that follow. */
  fit: {
    traits: TraitLift[];
    /** Ready-to-use fit rules (model `fit.rules` entries) with the lift behind them. */
    rules: { trait: string; op: FitOp; value?: unknown; points: number; lift: number; count: number }[];
  };
}

export interface WeightExplanation {
  event: string;
  weight: number;
  /** The event's lift on its own at as_of (did_rate / base_rate). */
  lift: number | null;
  /** collinear: lifts on its own but moves with a stronger positive signal; negative_signal: converts less; weak: undetermined. */
  reason: 'collinear' | 'negative_signal' | 'weak';
  correlated_with: string | null;
  correlation: number | null;
  note: string;
}

/** Conversion by value (categorical) or by quartile band [lo, hi] (numeric); "(missing)", "(other)", "(not a number)" groups. */
export interface TraitLift {
  trait: string;
  kind: 'categorical' | 'numeric';
  coverage: number | null;
  values: {
    value: unknown;
    count: number;
    conversions: number;
    rate: number | null;
    lift: number | null;
    coverage: number | null;
  }[];
}

/** One entity's move between model A and model B. */
export interface Mover {
  id: string;
  name: string | null;
  score_a: number | null;
  score_b: number | null;
  delta: number;
  rank_a: number | null;
  rank_b: number | null;
  tier_a: string;
  tier_b: string;
  /** Each component's weighted contribution delta (they add up to `delta`). */
  components: { activation: number; engagement: number; fit: number };
  /** Engagement points per event type, before saturation. */
  events: { event: string; points_a: number; points_b: number; delta: number }[];
}

export interface Comparison {
  a: { as_of: string; entities: number; qualified: number };
  b: { as_of: string; entities: number; qualified: number };
  /** Tier names in display order, then "(no tier)" and "(not ranked)". */
  tiers: string[];
  migration: { from: string; to: string; count: number }[];
  moved: number;
  qualified_gained: number;
  qualified_lost: number;
  movers: { up: Mover[]; down: Mover[] };
  /** Both models backtested at the same as_of and horizon; null without conversions. */
  quality: CompareQuality | null;
}

export interface CompareOptions {
  /** Biggest movers listed each way (default 10). */
  movers?: number;
  /** Quality's horizon (default 30). */
  horizon_days?: number;
  /** Quality's point in time; default: A's as_of, else the latest event minus the horizon. */
  as_of?: AsOf | null;
}

export interface CompareQuality {
  as_of: string;
  horizon_days: number;
  population: number;
  conversions: number;
  qualified: { a: number; b: number };
  metrics: {
    metric:
      | 'auc'
      | 'precision_at_10'
      | 'precision_at_25'
      | 'precision_at_50'
      | 'pql_precision'
      | 'pql_recall'
      | 'pql_lift'
      | 'false_positive_share'
      | 'funnel_pql_rate';
    a: number | null;
    b: number | null;
    /** null for a volume figure (funnel_pql_rate), where more is not better. */
    higher_is_better: boolean | null;
    better: 'a' | 'b' | 'same' | null;
  }[];
  /** How many figures each model is better on. */
  better: { a: number; b: number };
}

export interface FunnelOptions {
  /** Signup cohorts by UTC week (Monday start, the default) or month of the first event. */
  cohort?: 'week' | 'month';
  /** ISO text or epoch ms; default: the model's as_of, else the latest event. */
  as_of?: AsOf | null;
}

/** One cohort's figures (SPEC §7.8); medians in days; conversion figures null without a conversion source. */
export interface FunnelFigures {
  entities: number;
  activated: number;
  activation_rate: number | null;
  median_days_to_activate: number | null;
  became_pql: number;
  pql_rate: number | null;
  median_days_to_pql: number | null;
  converted: number | null;
  conversion_rate: number | null;
  converted_after_pql: number | null;
  pql_to_customer_rate: number | null;
  median_days_pql_to_paid: number | null;
}

/** SPEC §7.8's machine output. */
export interface Funnel {
  as_of: string;
  cohort: 'week' | 'month';
  /** Oldest first; `cohort` is the Monday (YYYY-MM-DD) or the month (YYYY-MM). */
  cohorts: ({ cohort: string } & FunnelFigures)[];
  all: FunnelFigures;
}

export type SqlDialect = 'duckdb' | 'postgres' | 'spark' | 'bigquery' | 'snowflake';

export interface SqlOptions {
  events_table?: string;
  accounts_table?: string;
  users_table?: string;
  /** ISO text or epoch ms; default: the model's as_of, else MAX(timestamp) in the events table. */
  as_of?: AsOf | null;
  /** Column names: timestamp_ms, account_id, user_id, event, name, trait.<name>. */
  columns?: Record<string, string>;
}

/** Options of `scoreCsv` (the CLI's `pql score --format csv` takes the same). */
export interface ScoreCsvOptions {
  /** First rank to write, 0-based. Default 0. */
  offset?: number;
  /** How many rows at most. Default: all. */
  limit?: number;
  /** Write the header row. Default true. */
  header?: boolean;
  /** Extra columns after SPEC §4's, one per trait, headed `trait.<name>` (the value at as_of). */
  traits?: string[];
  /**
   * `spec` (default): SPEC §4's result fields. `crm`: a HubSpot / Salesforce import file (the
   * CLI's `--csv crm`): id, name, the accounts (users) file's own columns, as_of, rank, scores
   * rounded to 0.1, tier, grade, qualified, qualified_at, days_qualified, converted,
   * converted_at, segments (`;`-separated), reason_1..3, active_users, last_seen, then traits.
   */
  preset?: 'spec' | 'crm';
}

/** What a fit op (or a trait leaf's op) takes as its `value`. */
export type ValueKind = 'none' | 'scalar' | 'scalars' | 'number' | 'range' | 'text';

/** A metric a PQL rule leaf can read: a plain name (`score`) or a form with an argument (`count.<event>`). */
export type MetricForm =
  | { metric: string; argument: null }
  /** `metric` is the form as written in docs (`count.<event>`); a leaf's metric is `prefix` + the argument. */
  | { metric: string; prefix: string; argument: string };

/**
 * What the engine accepts, from the same tables its model parser uses (`pql schema --format
 * json`): a UI builds its pickers and defaults from it instead of copying lists.
 */
export interface Schema {
  schema_version: number;
  /** Fit rule ops (and ops of `trait.<name>` leaves), with the value each takes. */
  trait_ops: { op: FitOp; value: ValueKind }[];
  /** Comparison ops of rule leaves; on a `trait.<name>` leaf each means its `trait_op`. */
  comparison_ops: { op: CompareOp; trait_op: FitOp }[];
  metrics: MetricForm[];
  decay: Decay[];
  entities: EntityKind[];
  input_formats: Format[];
  /** SPEC §4's per-entity fields, in order: the JSON rows' keys and the CSV's columns. */
  result_fields: (keyof EntityScore)[];
  /** The model with no key set: every default. */
  default_model: CanonicalModel;
}

export interface EngineOptions {
  /** Where to fetch `pql_core.wasm` from (e.g. a bundler's asset URL). Default: beside index.js. */
  wasmUrl?: string | URL;
  /** The module's bytes, when the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

/** A numeric model setting for `setModelValue`: error-path text, or its keys and array indices. */
export type ModelNumberPath = string | readonly (string | number)[];

/** One scoring engine: its own events, accounts and model. Not thread-safe; one per worker. */
export interface Engine {
  /** Appends events (JSON Lines, JSON array or CSV; flat rows or Segment calls). */
  loadEvents(text: Text, options?: LoadOptions): LoadReport;
  /** Appends or merges accounts (`account_id`, `name`, `traits`). */
  loadAccounts(text: Text, options?: LoadOptions): LoadReport;
  /**
   * User traits (SPEC §6.3): `{user_id, traits}` (JSON Lines, JSON array, CSV with every other
   * column a trait) or Mixpanel profiles `{$distinct_id, $properties}`; they override traits
   * from identify calls and vendor user properties.
   */
  loadUsers(text: Text, options?: LoadOptions): LoadReport;
  /** `loadUsers` from a file read piece by piece (see `loadEventsFrom`). */
  loadUsersFrom(source: Source, options?: LoadFromOptions): Promise<LoadReport>;
  /** Replaces the model; on error (PqlError `invalid_model`, with `path`) the previous one stays. */
  setModel(model: Model | string): void;
  /** The current model with every default filled in. */
  model(): CanonicalModel;
  /**
   * Sets the model's as_of (what `model().as_of` then shows): ISO 8601 text, a Date or epoch
   * milliseconds; null (or undefined) sets it to "the latest event". PqlError
   * `invalid_argument` for anything else. Cheaper than `setModel` with another as_of.
   */
  setAsOf(asOf: AsOf | null | undefined): void;
  /**
   * Changes one numeric setting of the current model in place (a slider's key), without
   * re-reading and re-validating the whole model: `"engagement.half_life_days"`,
   * `"engagement.events.report_created.weight"` (or `['engagement', 'events', name, 'weight']`),
   * `"activation.steps[1].min_count"`, `"activation.required"`, `"fit.rules[0].points"`,
   * `"weights.engagement"`, `"pql.min_score"`, `"window_days"`, `"active_days"`,
   * `"engagement.saturation"`, `"engagement.default_weight"`, `"limits.<name>.limit"`. The value
   * is checked by the same rules as `setModel`: PqlError `invalid_model` with `path`, the model
   * unchanged; `invalid_argument` for a path that is not one of these (use `setModel`).
   */
  setModelValue(path: ModelNumberPath, value: number): void;
  /** Scores every entity; returns SPEC §4's machine output with the requested page of results. */
  score(options?: ScoreOptions): ScoreRun;
  /** The same as `score`, as the engine's JSON text (byte for byte what `pql score --format json` prints). */
  scoreJson(options?: ScoreOptions): string;
  /** A window of the ranking, filtered and sorted, with the population's figures (the playground's list). */
  view(options?: ViewOptions): View;
  /** Why an entity scored as it did (PqlError `not_found` when it is not ranked). */
  explain(id: string | number): Explanation;
  /**
   * The ranking as CSV, byte for byte what `pql score --format csv` writes: SPEC §4's result
   * fields as columns, RFC 4180 quoting, and every text cell that a spreadsheet would run as a
   * formula (starting with `=`, `+`, `-`, `@`, TAB or CR) prefixed with `'`.
   */
  scoreCsv(options?: ScoreCsvOptions): string;
  /** Trait ops, comparison ops, metric forms, decay shapes, entity kinds, formats and the default model. */
  schema(): Schema;
  /** Every ranked entity's score, in rank order (for charts). */
  scores(): Float64Array;
  /** Drops loaded events, accounts and outcomes; keeps the model. */
  clear(): void;
  /** Drops the loaded events (and their diagnostics); accounts, outcomes and the model stay. */
  clearEvents(): void;
  /** Drops the loaded accounts and their traits; events, outcomes and the model stay. */
  clearAccounts(): void;
  /** Drops the loaded outcomes (conversions from files); the model's conversion_event still counts. */
  clearOutcomes(): void;
  /** Drops the user traits from users files (`loadUsers`); traits from events stay. */
  clearUsers(): void;
  /** Appends conversions (`account_id` or `user_id`, `converted_at`) for backtests. */
  loadOutcomes(text: Text, options?: LoadOptions): LoadReport;
  /**
   * Appends events from a file read piece by piece (JSON Lines and CSV are loaded as they
   * arrive, cut at row ends; a CSV's header is kept for every piece): the engine never holds
   * the whole text at once, `onProgress` reports each piece, and every error names its line in
   * the whole file. The report is that of the whole file. gzip (also multi-member) is inflated
   * as it streams; a zip's entries are loaded in name order (each may be gzip), their errors
   * prefixed by the entry's name. A corrupt or truncated archive is a bad row after the rows
   * read before it, which are kept. Do not call other methods of this engine until the promise
   * settles.
   */
  loadEventsFrom(source: Source, options?: LoadFromOptions): Promise<LoadReport>;
  /** `loadAccounts` from a file read piece by piece (see `loadEventsFrom`). */
  loadAccountsFrom(source: Source, options?: LoadFromOptions): Promise<LoadReport>;
  /** `loadOutcomes` from a file read piece by piece (see `loadEventsFrom`). */
  loadOutcomesFrom(source: Source, options?: LoadFromOptions): Promise<LoadReport>;
  /** Event types, traits and the time range of the loaded data. */
  catalog(): Catalog;
  /** SPEC §5: does the model find who converts? (PqlError `invalid_argument` without conversions.) */
  backtest(options?: BacktestOptions): Backtest;
  /** Suggested activation steps, weights and the min_score for a sales capacity. */
  suggest(options?: SuggestOptions): Suggestions;
  /** The current model (A) against model B on the same data: tier migration and movers. */
  compare(modelB: Model | string, options?: CompareOptions): Comparison;
  /** SPEC §7.8: the funnel by signup cohort. */
  funnel(options?: FunnelOptions): Funnel;
  /** The current model compiled to one SQL SELECT for a warehouse (docs/sql.md). */
  toSql(dialect?: SqlDialect, options?: SqlOptions): string;
  /** Heap figures of the WebAssembly module. */
  memoryUsage(): MemoryUsage;
  /**
   * Frees the engine's memory; idempotent. Any later call throws PqlError `deleted`.
   * Where the runtime has `Symbol.dispose`, `engine[Symbol.dispose]()` is the same, so
   * `using engine = await createEngine()` works (not typed here: it needs lib esnext).
   */
  delete(): void;
  readonly deleted: boolean;
}

/**
 * Loads the WebAssembly module (once per `wasmUrl` / `wasmBinary`; engines share it) and
 * returns a new, empty engine with the default model.
 */
export function createEngine(options?: EngineOptions): Promise<Engine>;
