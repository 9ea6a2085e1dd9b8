-- pql model compiled to SQL (bigquery): one row per account, in rank order. Tables: docs/sql.md
WITH
params AS (  -- as_of = the latest event (epoch ms), and its UTC day
  SELECT as_of_ms, DIV(as_of_ms, 86400000) AS as_of_day
  FROM (SELECT COALESCE(MAX(`timestamp_ms`), 0) AS as_of_ms FROM `my-project`.`analytics`.`pql_events`) latest
),
scored_events AS (  -- events at or before as_of, with their entity and age in whole UTC days
  SELECT e.`account_id` AS entity_id, e.`user_id` AS user_id, e.`event` AS event, e.`timestamp_ms` AS ts,
         p.as_of_day - DIV(e.`timestamp_ms`, 86400000) AS age
  FROM `my-project`.`analytics`.`pql_events` e CROSS JOIN params p
  WHERE e.`timestamp_ms` <= p.as_of_ms AND e.`account_id` IS NOT NULL AND e.`account_id` <> ''
),
type_stats AS (  -- per entity and event type: counts (all time, in the window, days 0-6 and 7-13), decayed count
  SELECT entity_id, event,
    COUNT(*) AS total,
    SUM(CASE WHEN age < 90 THEN 1 ELSE 0 END) AS in_window,
    SUM(CASE WHEN age < 7 THEN 1 ELSE 0 END) AS recent,
    SUM(CASE WHEN age >= 7 AND age < 14 THEN 1 ELSE 0 END) AS previous,
    SUM(CASE WHEN age < 90 THEN POWER(2e0, -CAST(age AS FLOAT64) / CASE event WHEN 'pricing_page_viewed' THEN 7e0 WHEN 'sso_settings_viewed' THEN 7e0 ELSE 14e0 END) ELSE 0e0 END) AS decayed,
    MIN(ts) AS first_ts, MAX(ts) AS last_ts
  FROM scored_events
  GROUP BY entity_id, event
),
type_points AS (  -- each event type's weight, and its decayed count capped
  SELECT t.*,
    CASE event WHEN 'comment_added' THEN 2e0 WHEN 'dashboard_shared' THEN 6e0 WHEN 'data_source_connected' THEN 4e0 WHEN 'error_shown' THEN (-1e0) WHEN 'export_failed' THEN (-3e0) WHEN 'pricing_page_viewed' THEN 12e0 WHEN 'project_created' THEN 5e0 WHEN 'report_created' THEN 2e0 WHEN 'sso_settings_viewed' THEN 15e0 WHEN 'teammate_invited' THEN 8e0 WHEN 'upgrade_prompt_shown' THEN 10e0 ELSE 0e0 END AS weight,
    CASE event WHEN 'comment_added' THEN LEAST(decayed, 10e0) WHEN 'dashboard_shared' THEN LEAST(decayed, 6e0) WHEN 'data_source_connected' THEN LEAST(decayed, 3e0) WHEN 'error_shown' THEN LEAST(decayed, 10e0) WHEN 'export_failed' THEN LEAST(decayed, 5e0) WHEN 'pricing_page_viewed' THEN LEAST(decayed, 3e0) WHEN 'project_created' THEN LEAST(decayed, 4e0) WHEN 'report_created' THEN LEAST(decayed, 20e0) WHEN 'sso_settings_viewed' THEN LEAST(decayed, 2e0) WHEN 'teammate_invited' THEN LEAST(decayed, 5e0) WHEN 'upgrade_prompt_shown' THEN LEAST(decayed, 3e0) ELSE decayed END AS capped
  FROM type_stats t
),
entities AS (  -- per entity: engagement points E, velocity parts (no decay, no cap), activity, rule metrics
  -- count_1 = "pricing_page_viewed", count_2 = "sso_settings_viewed"
  -- limit_1 = "projects"
  SELECT entity_id,
    SUM(weight * capped) AS engagement_points,
    SUM(weight * recent) AS recent_points,
    SUM(weight * previous) AS previous_points,
    SUM(in_window) AS events,
    MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts,
    MIN(CASE WHEN event = 'subscription_started' THEN first_ts END) AS converted_at,
    SUM(CASE WHEN event = 'pricing_page_viewed' THEN in_window ELSE 0 END) AS count_1,
    SUM(CASE WHEN event = 'sso_settings_viewed' THEN in_window ELSE 0 END) AS count_2,
    SUM(CASE WHEN event = 'project_created' THEN total ELSE 0 END) AS limit_1
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
    SUM(CASE WHEN min_age < 14 THEN 1 ELSE 0 END) AS active_users
  FROM entity_users
  GROUP BY entity_id
),
event_ranks AS (  -- the n-th event of each step's type, for min_count
  SELECT entity_id, event, ts, ROW_NUMBER() OVER (PARTITION BY entity_id, event ORDER BY ts) AS nth
  FROM scored_events
  WHERE event IN ('report_created')
),
any_user_ranks AS (  -- the n-th distinct user (by first event), for min_users of "*" steps
  SELECT entity_id, first_ts, ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY first_ts) AS nth
  FROM entity_users
),
step_marks AS (  -- when each step threshold was reached (k numbers the threshold)
  SELECT entity_id, 1 AS k, first_ts AS ts FROM type_stats WHERE event = 'data_source_connected'
  UNION ALL SELECT entity_id, 2 AS k, ts FROM event_ranks WHERE event = 'report_created' AND nth = 3
  UNION ALL SELECT entity_id, 3 AS k, first_ts AS ts FROM type_stats WHERE event = 'dashboard_shared'
  UNION ALL SELECT entity_id, 4 AS k, first_ts AS ts FROM any_user_ranks WHERE nth = 3
),
step_times AS (  -- one row per entity, one column per threshold
  SELECT entity_id,
    MIN(CASE WHEN k = 1 THEN ts END) AS mark_1,
    MIN(CASE WHEN k = 2 THEN ts END) AS mark_2,
    MIN(CASE WHEN k = 3 THEN ts END) AS mark_3,
    MIN(CASE WHEN k = 4 THEN ts END) AS mark_4
  FROM step_marks
  GROUP BY entity_id
),
steps AS (  -- when each activation step was met (NULL: not met)
  -- step_1 = "Connected a data source", step_2 = "Built 3 reports", step_3 = "Shared a dashboard", step_4 = "Team of 3"
  SELECT e.entity_id,
    CASE WHEN t.mark_1 IS NOT NULL THEN GREATEST(t.mark_1, e.first_ts) END AS step_1,
    CASE WHEN t.mark_2 IS NOT NULL THEN GREATEST(t.mark_2, e.first_ts) END AS step_2,
    CASE WHEN t.mark_3 IS NOT NULL THEN GREATEST(t.mark_3, e.first_ts) END AS step_3,
    CASE WHEN t.mark_4 IS NOT NULL THEN GREATEST(t.mark_4, e.first_ts) END AS step_4
  FROM entities e LEFT JOIN step_times t ON t.entity_id = e.entity_id
),
step_done AS (  -- met steps, one row each
  SELECT entity_id, step_1 AS done FROM steps WHERE step_1 IS NOT NULL
  UNION ALL SELECT entity_id, step_2 AS done FROM steps WHERE step_2 IS NOT NULL
  UNION ALL SELECT entity_id, step_3 AS done FROM steps WHERE step_3 IS NOT NULL
  UNION ALL SELECT entity_id, step_4 AS done FROM steps WHERE step_4 IS NOT NULL
),
activation_times AS (  -- activated_at: when the required-th step was met
  SELECT entity_id, done AS activated_at
  FROM (SELECT entity_id, done, ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY done) AS nth FROM step_done) ranked_steps
  WHERE nth = 3
),
trait_values AS (  -- accounts: name, and each trait's type tag and value text
  -- t1 = "employees", t2 = "industry", t3 = "country", t4 = "plan"
  SELECT `account_id` AS entity_id, `name` AS name,
    SUBSTR(`employee_count`, 1, 2) AS t1_type, SUBSTR(`employee_count`, 3) AS t1_value,
    SUBSTR(`industry`, 1, 2) AS t2_type, SUBSTR(`industry`, 3) AS t2_value,
    SUBSTR(`country`, 1, 2) AS t3_type, SUBSTR(`country`, 3) AS t3_value,
    SUBSTR(`plan`, 1, 2) AS t4_type, SUBSTR(`plan`, 3) AS t4_value
  FROM `my-project`.`analytics`.`pql_accounts`
),
traits AS (  -- strings lower-cased (ASCII) for eq/in/contains; numbers, and strings that are JSON numbers, as finite doubles
  SELECT entity_id, name, t1_type, t1_text, t1_bool,
    CASE WHEN ABS(t1_double) <= 1.7976931348623157e+308 THEN t1_double END AS t1_num, t2_type, t2_text, t2_bool,
    CASE WHEN ABS(t2_double) <= 1.7976931348623157e+308 THEN t2_double END AS t2_num, t3_type, t3_text, t3_bool,
    CASE WHEN ABS(t3_double) <= 1.7976931348623157e+308 THEN t3_double END AS t3_num, t4_type, t4_text, t4_bool,
    CASE WHEN ABS(t4_double) <= 1.7976931348623157e+308 THEN t4_double END AS t4_num
  FROM (
    SELECT entity_id, name,
      t1_type,
      CASE WHEN t1_type = 's:' THEN TRANSLATE(t1_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t1_text,
      CASE WHEN t1_type = 'b:' AND t1_value = 'true' THEN TRUE WHEN t1_type = 'b:' AND t1_value = 'false' THEN FALSE END AS t1_bool,
      CASE WHEN t1_type IN ('s:', 'n:') AND REGEXP_CONTAINS(t1_value, '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?$') THEN SAFE_CAST(t1_value AS FLOAT64) END AS t1_double,
      t2_type,
      CASE WHEN t2_type = 's:' THEN TRANSLATE(t2_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t2_text,
      CASE WHEN t2_type = 'b:' AND t2_value = 'true' THEN TRUE WHEN t2_type = 'b:' AND t2_value = 'false' THEN FALSE END AS t2_bool,
      CASE WHEN t2_type IN ('s:', 'n:') AND REGEXP_CONTAINS(t2_value, '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?$') THEN SAFE_CAST(t2_value AS FLOAT64) END AS t2_double,
      t3_type,
      CASE WHEN t3_type = 's:' THEN TRANSLATE(t3_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t3_text,
      CASE WHEN t3_type = 'b:' AND t3_value = 'true' THEN TRUE WHEN t3_type = 'b:' AND t3_value = 'false' THEN FALSE END AS t3_bool,
      CASE WHEN t3_type IN ('s:', 'n:') AND REGEXP_CONTAINS(t3_value, '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?$') THEN SAFE_CAST(t3_value AS FLOAT64) END AS t3_double,
      t4_type,
      CASE WHEN t4_type = 's:' THEN TRANSLATE(t4_value, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS t4_text,
      CASE WHEN t4_type = 'b:' AND t4_value = 'true' THEN TRUE WHEN t4_type = 'b:' AND t4_value = 'false' THEN FALSE END AS t4_bool,
      CASE WHEN t4_type IN ('s:', 'n:') AND REGEXP_CONTAINS(t4_value, '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?$') THEN SAFE_CAST(t4_value AS FLOAT64) END AS t4_double
    FROM trait_values) typed
),
scores AS (  -- activation, engagement and fit per entity
  SELECT e.entity_id, tr.name AS name, e.first_ts, e.last_ts, e.engagement_points, e.events,
    COALESCE(a.users, 0) AS users, COALESCE(a.active_users, 0) AS active_users,
    CASE WHEN s.step_1 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_2 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_3 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_4 IS NOT NULL THEN 1 ELSE 0 END AS steps_completed,
    (e.recent_points - e.previous_points) / GREATEST(ABS(e.previous_points), 1e0) AS velocity,
    p.as_of_day - DIV(e.last_ts, 86400000) AS days_since_last_seen,
    CASE WHEN e.engagement_points <= 0 THEN 0e0 ELSE 100e0 * e.engagement_points / (e.engagement_points + 60e0) END AS engagement,
    100e0 * (CASE WHEN s.step_1 IS NOT NULL THEN 1e0 ELSE 0e0 END + CASE WHEN s.step_2 IS NOT NULL THEN 1e0 ELSE 0e0 END + CASE WHEN s.step_3 IS NOT NULL THEN 1e0 ELSE 0e0 END + CASE WHEN s.step_4 IS NOT NULL THEN 1e0 ELSE 0e0 END) / 4e0 AS activation,
    (CASE WHEN s.step_1 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_2 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_3 IS NOT NULL THEN 1 ELSE 0 END + CASE WHEN s.step_4 IS NOT NULL THEN 1 ELSE 0 END) >= 3 AS activated,
    act.activated_at AS activated_at,
    GREATEST(0e0, LEAST(100e0, 100e0 * (CASE WHEN COALESCE((t1_num >= 20e0 AND t1_num <= 5000e0), FALSE) THEN 35e0 ELSE 0e0 END
      + CASE WHEN COALESCE((t2_text = 'software' OR t2_text = 'saas' OR t2_text = 'fintech' OR t2_text = 'e-commerce' OR t2_text = 'ecommerce'), FALSE) THEN 25e0 ELSE 0e0 END
      + CASE WHEN COALESCE((t3_text = 'us' OR t3_text = 'usa' OR t3_text = 'united states' OR t3_text = 'gb' OR t3_text = 'uk' OR t3_text = 'united kingdom' OR t3_text = 'ca' OR t3_text = 'canada' OR t3_text = 'de' OR t3_text = 'germany' OR t3_text = 'au' OR t3_text = 'australia' OR t3_text = 'nl' OR t3_text = 'netherlands'), FALSE) THEN 20e0 ELSE 0e0 END
      + CASE WHEN COALESCE((t4_text = 'education' OR t4_text = 'edu' OR t4_text = 'nonprofit'), FALSE) THEN (-50e0) ELSE 0e0 END
      + CASE WHEN COALESCE(t1_num < 5e0, FALSE) THEN (-20e0) ELSE 0e0 END) / 80e0)) AS fit, e.converted_at, e.count_1, e.count_2, e.limit_1, tr.t1_type, tr.t1_text, tr.t1_bool, tr.t1_num, tr.t2_type, tr.t2_text, tr.t2_bool, tr.t2_num, tr.t3_type, tr.t3_text, tr.t3_bool, tr.t3_num, tr.t4_type, tr.t4_text, tr.t4_bool, tr.t4_num
  FROM entities e
  CROSS JOIN params p
  LEFT JOIN audience a ON a.entity_id = e.entity_id
  LEFT JOIN steps s ON s.entity_id = e.entity_id
  LEFT JOIN activation_times act ON act.entity_id = e.entity_id
  LEFT JOIN traits tr ON tr.entity_id = e.entity_id
),
scored AS (  -- score = weighted mean of the three components
  SELECT s.*, (20e0 * s.activation + 55e0 * s.engagement + 25e0 * s.fit) / 100e0 AS score
  FROM scores s
),
graded AS (  -- PQL flag, tier and grade
  SELECT s.*,
    (score >= 60e0 AND activated AND converted_at IS NULL
      AND ((active_users >= 2e0) AND ((CAST(limit_1 AS FLOAT64) / 3e0 >= 1e0) OR (count_1 >= 1e0) OR (count_2 >= 1e0)))) AS qualified,
    CASE WHEN score >= 70e0 THEN 'Hot' WHEN score >= 45e0 THEN 'Warm' WHEN score >= 0e0 THEN 'Cold' END AS tier,
    NULLIF(CASE WHEN fit >= 70e0 THEN 'A' WHEN fit >= 40e0 THEN 'B' WHEN fit >= 0e0 THEN 'C' END
      || CASE WHEN engagement >= 60e0 THEN '1' WHEN engagement >= 30e0 THEN '2' WHEN engagement >= 0e0 THEN '3' END, '') AS grade
  FROM scored s
)
SELECT
  ROW_NUMBER() OVER (ORDER BY score DESC, entity_id) AS rank,
  entity_id AS id, name, score, activation, engagement, fit, engagement_points,
  CAST(steps_completed AS INT64) AS steps_completed, activated, FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP_MILLIS(activated_at), 'UTC') AS activated_at,
  qualified, tier, grade,
  CAST(active_users AS INT64) AS active_users, CAST(users AS INT64) AS users, CAST(events AS INT64) AS events,
  velocity, CAST(days_since_last_seen AS INT64) AS days_since_last_seen,
  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP_MILLIS(first_ts), 'UTC') AS first_seen, FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP_MILLIS(last_ts), 'UTC') AS last_seen
FROM graded
ORDER BY rank
