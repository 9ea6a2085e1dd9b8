-- pql model compiled to SQL (snowflake): one row per user, in rank order. Tables: docs/sql.md
WITH
params AS (  -- as_of = the latest event (epoch ms), and its UTC day
  SELECT as_of_ms, CAST((as_of_ms - MOD(as_of_ms, 86400000)) / 86400000 AS BIGINT) AS as_of_day
  FROM (SELECT COALESCE(MAX(timestamp_ms), 0) AS as_of_ms FROM events) latest
),
scored_events AS (  -- events at or before as_of, with their entity and age in whole UTC days
  SELECT e.user_id AS entity_id, e.user_id AS user_id, e.event AS event, e.timestamp_ms AS ts,
         p.as_of_day - CAST((e.timestamp_ms - MOD(e.timestamp_ms, 86400000)) / 86400000 AS BIGINT) AS age
  FROM events e CROSS JOIN params p
  WHERE e.timestamp_ms <= p.as_of_ms AND e.user_id IS NOT NULL AND e.user_id <> ''
),
type_stats AS (  -- per entity and event type: counts (all time, in the window, days 0-6 and 7-13), decayed count
  SELECT entity_id, event,
    COUNT(*) AS total,
    SUM(CASE WHEN age < 90 THEN 1 ELSE 0 END) AS in_window,
    SUM(CASE WHEN age < 7 THEN 1 ELSE 0 END) AS recent,
    SUM(CASE WHEN age >= 7 AND age < 14 THEN 1 ELSE 0 END) AS previous,
    SUM(CASE WHEN age < 90 THEN 1e0 ELSE 0e0 END) AS decayed,
    MIN(ts) AS first_ts, MAX(ts) AS last_ts
  FROM scored_events
  GROUP BY entity_id, event
),
type_points AS (  -- each event type's weight, and its decayed count capped
  SELECT t.*,
    CASE event WHEN 'export_csv' THEN 1e0 ELSE 0e0 END AS weight,
    decayed AS capped
  FROM type_stats t
),
entities AS (  -- per entity: engagement points E, velocity parts (no decay, no cap), activity, rule metrics
  SELECT entity_id,
    SUM(weight * capped) AS engagement_points,
    SUM(weight * recent) AS recent_points,
    SUM(weight * previous) AS previous_points,
    SUM(in_window) AS events,
    MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts
  FROM type_points
  GROUP BY entity_id
),
entity_users AS (  -- per entity and user: first event, age of the latest event
  SELECT entity_id, user_id, MIN(ts) AS first_ts, MIN(age) AS min_age
  FROM scored_events
  WHERE user_id IS NOT NULL
  GROUP BY entity_id, user_id
),
audience AS (  -- users in the window, active users
  SELECT entity_id,
    SUM(CASE WHEN min_age < 90 THEN 1 ELSE 0 END) AS users,
    SUM(CASE WHEN min_age < 30 THEN 1 ELSE 0 END) AS active_users
  FROM entity_users
  GROUP BY entity_id
),
trait_values AS (  -- users: name, and each trait's type tag and value text
  -- t1 = "title", t2 = "seniority"
  SELECT user_id AS entity_id, name AS name,
    SUBSTR(title, 1, 2) AS t1_type, SUBSTR(title, 3) AS t1_value,
    SUBSTR(seniority, 1, 2) AS t2_type, SUBSTR(seniority, 3) AS t2_value
  FROM users
),
traits AS (  -- strings lower-cased (ASCII) for eq/in/contains; numbers, and strings that are JSON numbers, as finite doubles
  SELECT entity_id, name, t1_type, t1_text, t1_bool,
    CASE WHEN ABS(t1_double) <= 1.7976931348623157e+308 THEN t1_double END AS t1_num, t2_type, t2_text, t2_bool,
    CASE WHEN ABS(t2_double) <= 1.7976931348623157e+308 THEN t2_double END AS t2_num
  FROM (
    SELECT entity_id, name,
      t1_type,
      CASE WHEN t1_type = 's:' THEN TRANSLATE(t1_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t1_text,
      CASE WHEN t1_type = 'b:' AND t1_value = 'true' THEN TRUE WHEN t1_type = 'b:' AND t1_value = 'false' THEN FALSE END AS t1_bool,
      CASE WHEN t1_type IN ('s:', 'n:') AND REGEXP_LIKE(t1_value, '-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?') THEN TRY_TO_DOUBLE(t1_value) END AS t1_double,
      t2_type,
      CASE WHEN t2_type = 's:' THEN TRANSLATE(t2_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t2_text,
      CASE WHEN t2_type = 'b:' AND t2_value = 'true' THEN TRUE WHEN t2_type = 'b:' AND t2_value = 'false' THEN FALSE END AS t2_bool,
      CASE WHEN t2_type IN ('s:', 'n:') AND REGEXP_LIKE(t2_value, '-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?') THEN TRY_TO_DOUBLE(t2_value) END AS t2_double
    FROM trait_values) typed
),
scores AS (  -- activation, engagement and fit per entity
  SELECT e.entity_id, tr.name AS name, e.first_ts, e.last_ts, e.engagement_points, e.events,
    COALESCE(a.users, 0) AS users, COALESCE(a.active_users, 0) AS active_users,
    0 AS steps_completed,
    (e.recent_points - e.previous_points) / GREATEST(ABS(e.previous_points), 1e0) AS velocity,
    p.as_of_day - CAST((e.last_ts - MOD(e.last_ts, 86400000)) / 86400000 AS BIGINT) AS days_since_last_seen,
    CASE WHEN e.engagement_points <= 0 THEN 0e0 ELSE 100e0 * e.engagement_points / (e.engagement_points + 1e0) END AS engagement,
    100e0 AS activation,
    TRUE AS activated,
    e.first_ts AS activated_at,
    GREATEST(0e0, LEAST(100e0, 100e0 * (CASE WHEN COALESCE(POSITION('vp', t1_text) > 0, FALSE) THEN 50e0 ELSE 0e0 END
      + CASE WHEN COALESCE(t2_text = 'exec', FALSE) THEN 50e0 ELSE 0e0 END) / 100e0)) AS fit, tr.t1_type, tr.t1_text, tr.t1_bool, tr.t1_num, tr.t2_type, tr.t2_text, tr.t2_bool, tr.t2_num
  FROM entities e
  CROSS JOIN params p
  LEFT JOIN audience a ON a.entity_id = e.entity_id
  LEFT JOIN traits tr ON tr.entity_id = e.entity_id
),
scored AS (  -- score = weighted mean of the three components
  SELECT s.*, (30e0 * s.activation + 50e0 * s.engagement + 20e0 * s.fit) / 100e0 AS score
  FROM scores s
),
graded AS (  -- PQL flag, tier and grade
  SELECT s.*,
    (score >= 40e0) AS qualified,
    CASE WHEN score >= 80e0 THEN 'Hot' WHEN score >= 50e0 THEN 'Warm' WHEN score >= 0e0 THEN 'Cold' END AS tier,
    NULLIF(CASE WHEN fit >= 70e0 THEN 'A' WHEN fit >= 40e0 THEN 'B' WHEN fit >= 0e0 THEN 'C' END
      || CASE WHEN engagement >= 60e0 THEN '1' WHEN engagement >= 30e0 THEN '2' WHEN engagement >= 0e0 THEN '3' END, '') AS grade
  FROM scored s
)
SELECT
  ROW_NUMBER() OVER (ORDER BY score DESC, entity_id) AS rank,
  entity_id AS id, name, score, activation, engagement, fit, engagement_points,
  CAST(steps_completed AS BIGINT) AS steps_completed, activated, TO_VARCHAR(TO_TIMESTAMP_NTZ(activated_at, 3), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS activated_at,
  qualified, tier, grade,
  CAST(active_users AS BIGINT) AS active_users, CAST(users AS BIGINT) AS users, CAST(events AS BIGINT) AS events,
  velocity, CAST(days_since_last_seen AS BIGINT) AS days_since_last_seen,
  TO_VARCHAR(TO_TIMESTAMP_NTZ(first_ts, 3), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS first_seen, TO_VARCHAR(TO_TIMESTAMP_NTZ(last_ts, 3), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS last_seen
FROM graded
ORDER BY rank
