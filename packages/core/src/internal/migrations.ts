/**
 * Versioned schema of the corpus file. A migration is never edited once released: add a new one.
 * Record ids are unique per table, enforced by the ingest path (CorpusStore.ingest) rather than by a
 * PRIMARY KEY index, which made bulk appends of large files ~15% slower.
 * Column names of the record tables are the records' field names (the id field becomes `id`), which the
 * ingest path relies on.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

const provenance = "extra JSON, source_file VARCHAR, source_line INTEGER"

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "records, imports and stage runs",
    sql: `
      CREATE TABLE knowledge_points (
        seq BIGINT NOT NULL, id VARCHAR NOT NULL, discipline VARCHAR NOT NULL, subject VARCHAR NOT NULL,
        course VARCHAR NOT NULL, lecture VARCHAR NOT NULL, knowledge_point VARCHAR NOT NULL, description VARCHAR,
        reviewed BOOLEAN NOT NULL DEFAULT true, ${provenance});
      CREATE TABLE seed_examples (
        seq BIGINT NOT NULL, id VARCHAR NOT NULL, skill VARCHAR NOT NULL, discipline VARCHAR NOT NULL,
        subject VARCHAR, knowledge_point_id VARCHAR, video_description VARCHAR, question VARCHAR NOT NULL,
        options JSON, problem_type VARCHAR NOT NULL, answer VARCHAR NOT NULL, rationale VARCHAR NOT NULL, ${provenance});
      CREATE TABLE videos (
        seq BIGINT NOT NULL, id VARCHAR NOT NULL, source VARCHAR NOT NULL, source_id VARCHAR NOT NULL,
        url VARCHAR NOT NULL, license VARCHAR NOT NULL, duration DOUBLE NOT NULL, title VARCHAR NOT NULL,
        description VARCHAR, tags JSON, channel VARCHAR, knowledge_point_id VARCHAR, ${provenance});
      CREATE TABLE examples (
        seq BIGINT NOT NULL, id VARCHAR NOT NULL, question VARCHAR NOT NULL, options JSON,
        problem_type VARCHAR NOT NULL, solution VARCHAR NOT NULL, think VARCHAR, video_path VARCHAR NOT NULL,
        skill VARCHAR, discipline VARCHAR, subject VARCHAR, knowledge_point_id VARCHAR, video_id VARCHAR,
        generator_model VARCHAR, split VARCHAR, ${provenance});
      CREATE TABLE imports (
        seq BIGINT NOT NULL, kind VARCHAR NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        records BIGINT NOT NULL, replaced BIGINT NOT NULL, imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
      CREATE TABLE stage_runs (
        seq BIGINT NOT NULL, stage VARCHAR NOT NULL, params JSON NOT NULL, items BIGINT NOT NULL,
        finished_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
    `
  },
  {
    version: 2,
    name: "statistics views",
    sql: `
      CREATE VIEW stats_examples_by AS
        SELECT 'discipline' AS dimension, coalesce(discipline, '(none)') AS value, count(*)::BIGINT AS examples FROM examples GROUP BY ALL
        UNION ALL SELECT 'subject', coalesce(subject, '(none)'), count(*) FROM examples GROUP BY ALL
        UNION ALL SELECT 'skill', coalesce(skill, '(none)'), count(*) FROM examples GROUP BY ALL
        UNION ALL SELECT 'problem_type', problem_type, count(*) FROM examples GROUP BY ALL
        UNION ALL SELECT 'split', coalesce(split, '(unsplit)'), count(*) FROM examples GROUP BY ALL
        UNION ALL SELECT 'generator_model', coalesce(generator_model, '(none)'), count(*) FROM examples GROUP BY ALL;
      CREATE VIEW stats_totals AS
        SELECT (SELECT count(*) FROM knowledge_points)::BIGINT AS knowledge_points,
               (SELECT count(*) FROM seed_examples)::BIGINT AS seed_examples,
               (SELECT count(*) FROM videos)::BIGINT AS videos,
               (SELECT count(*) FROM examples)::BIGINT AS examples,
               (SELECT count(*) FROM examples WHERE think IS NOT NULL AND trim(think) <> '')::BIGINT AS examples_with_rationale;
      CREATE VIEW stats_video_durations AS
        WITH bins(lo, hi, label) AS (VALUES (0, 60, '< 1 min'), (60, 180, '1-3 min'), (180, 300, '3-5 min'),
          (300, 600, '5-10 min'), (600, 1200, '10-20 min'), (1200, 1e300, '>= 20 min'))
        SELECT label AS bucket, count(v.id)::BIGINT AS videos, lo AS from_seconds
        FROM bins LEFT JOIN videos v ON v.duration >= lo AND v.duration < hi GROUP BY label, lo ORDER BY lo;
      CREATE VIEW stats_video_summary AS
        SELECT count(*)::BIGINT AS videos, avg(duration) AS mean_seconds, median(duration) AS median_seconds,
               min(duration) AS min_seconds, max(duration) AS max_seconds, sum(duration) / 3600 AS total_hours
        FROM videos;
      CREATE VIEW stats_knowledge_coverage AS
        SELECT k.discipline, count(*)::BIGINT AS knowledge_points,
               count(*) FILTER (WHERE e.n > 0)::BIGINT AS with_examples,
               count(*) FILTER (WHERE v.n > 0)::BIGINT AS with_videos,
               count(*) FILTER (WHERE s.n > 0)::BIGINT AS with_seeds
        FROM knowledge_points k
        LEFT JOIN (SELECT knowledge_point_id, count(*) AS n FROM examples GROUP BY ALL) e ON e.knowledge_point_id = k.id
        LEFT JOIN (SELECT knowledge_point_id, count(*) AS n FROM videos GROUP BY ALL) v ON v.knowledge_point_id = k.id
        LEFT JOIN (SELECT knowledge_point_id, count(*) AS n FROM seed_examples GROUP BY ALL) s ON s.knowledge_point_id = k.id
        GROUP BY k.discipline ORDER BY k.discipline;
    `
  },
  {
    version: 3,
    name: "model calls",
    sql: `
      CREATE TABLE model_calls (
        called_at TIMESTAMP NOT NULL DEFAULT current_timestamp, stage VARCHAR, model_id VARCHAR NOT NULL,
        provider VARCHAR NOT NULL, model VARCHAR NOT NULL, cache_key VARCHAR, status VARCHAR NOT NULL,
        cached BOOLEAN NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
        cost_usd DOUBLE NOT NULL, latency_ms DOUBLE NOT NULL, error VARCHAR);
      CREATE VIEW model_usage AS
        SELECT coalesce(stage, '(none)') AS stage, model_id, count(*)::BIGINT AS calls,
               count(*) FILTER (WHERE cached)::BIGINT AS cache_hits,
               count(*) FILTER (WHERE status <> 'ok')::BIGINT AS failures,
               sum(input_tokens)::BIGINT AS input_tokens, sum(output_tokens)::BIGINT AS output_tokens,
               sum(cost_usd) AS cost_usd, avg(latency_ms) FILTER (WHERE NOT cached) AS mean_latency_ms
        FROM model_calls GROUP BY ALL ORDER BY stage, model_id;
    `
  },
  {
    version: 4,
    name: "video downloads and fingerprints",
    sql: `
      ALTER TABLE videos ADD COLUMN download_state VARCHAR DEFAULT 'pending';
      ALTER TABLE videos ADD COLUMN local_path VARCHAR;
      ALTER TABLE videos ADD COLUMN download_error VARCHAR;
      CREATE TABLE video_fingerprints (
        video_id VARCHAR NOT NULL, spec VARCHAR NOT NULL, frame INTEGER NOT NULL, seconds DOUBLE NOT NULL, phash VARCHAR NOT NULL);
    `
  },
  {
    version: 5,
    name: "pipeline: stage items, verdicts, scenarios",
    sql: `
      CREATE TABLE stage_items (
        stage VARCHAR NOT NULL, item_id VARCHAR NOT NULL, input_hash VARCHAR NOT NULL, status VARCHAR NOT NULL,
        finished_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
      CREATE TABLE verdicts (
        item_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, model_id VARCHAR, decision VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, evidence JSON, input_hash VARCHAR NOT NULL,
        decided_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
      CREATE TABLE scenarios (
        id VARCHAR NOT NULL, knowledge_point_id VARCHAR NOT NULL, position INTEGER NOT NULL, text VARCHAR NOT NULL,
        model_id VARCHAR NOT NULL, prompt VARCHAR NOT NULL, input_hash VARCHAR NOT NULL);
      CREATE VIEW stage_funnel AS
        SELECT stage, count(*)::BIGINT AS items,
               count(*) FILTER (WHERE decision = 'keep')::BIGINT AS kept,
               count(*) FILTER (WHERE decision = 'drop')::BIGINT AS dropped,
               count(*) FILTER (WHERE decision = 'error')::BIGINT AS errors
        FROM verdicts GROUP BY stage ORDER BY stage;
    `
  },
  {
    version: 6,
    name: "pipeline: candidate videos of scenarios",
    sql: `
      CREATE TABLE scenario_videos (scenario_id VARCHAR NOT NULL, video_id VARCHAR NOT NULL, source VARCHAR NOT NULL, rank INTEGER NOT NULL, input_hash VARCHAR NOT NULL);
    `
  },
  {
    version: 7,
    name: "pipeline: generated examples, funnel in the order stages first decided",
    sql: `
      CREATE TABLE generated_examples (
        id VARCHAR NOT NULL, video_id VARCHAR NOT NULL, knowledge_point_id VARCHAR NOT NULL, skill VARCHAR NOT NULL,
        discipline VARCHAR NOT NULL, subject VARCHAR, problem_type VARCHAR NOT NULL, question VARCHAR NOT NULL, options JSON,
        answer VARCHAR NOT NULL, rationale VARCHAR NOT NULL, video_path VARCHAR NOT NULL, generator_model VARCHAR NOT NULL,
        prompt VARCHAR NOT NULL, input_hash VARCHAR NOT NULL);
      CREATE OR REPLACE VIEW stage_funnel AS
        SELECT stage, count(*)::BIGINT AS items,
               count(*) FILTER (WHERE decision = 'keep')::BIGINT AS kept,
               count(*) FILTER (WHERE decision = 'drop')::BIGINT AS dropped,
               count(*) FILTER (WHERE decision = 'error')::BIGINT AS errors,
               min(decided_at) AS first_decided_at
        FROM verdicts GROUP BY stage ORDER BY first_decided_at, stage;
    `
  },
  {
    version: 8,
    name: "pipeline: drop reasons, cost per released example, mix of what was released",
    sql: `
      CREATE VIEW stage_drop_reasons AS
        SELECT stage, decision, reason, count(*)::BIGINT AS items,
               row_number() OVER (PARTITION BY stage ORDER BY count(*) DESC, reason) AS rank
        FROM verdicts WHERE decision <> 'keep' GROUP BY stage, decision, reason;
      CREATE VIEW stage_spend AS
        SELECT f.stage, f.items, f.kept, coalesce(u.calls, 0)::BIGINT AS model_calls, coalesce(u.cost, 0) AS cost_usd,
               CASE WHEN f.kept > 0 THEN coalesce(u.cost, 0) / f.kept END AS cost_per_kept_usd
        FROM stage_funnel f LEFT JOIN (SELECT stage, sum(calls) AS calls, sum(cost_usd) AS cost FROM model_usage GROUP BY stage) u ON u.stage = f.stage;
      CREATE VIEW pipeline_cost AS
        SELECT (SELECT count(*) FROM examples WHERE source_file = 'pipeline')::BIGINT AS released_examples,
               (SELECT coalesce(sum(cost_usd), 0) FROM model_calls) AS cost_usd,
               (SELECT coalesce(sum(cost_usd), 0) FROM model_calls) / nullif((SELECT count(*) FROM examples WHERE source_file = 'pipeline'), 0) AS cost_per_example_usd;
      CREATE VIEW pipeline_mix AS
        SELECT discipline, skill, problem_type, split, count(*)::BIGINT AS examples
        FROM examples WHERE source_file = 'pipeline' GROUP BY ALL ORDER BY ALL;
    `
  },
  {
    version: 9,
    name: "evaluation: one row per (run, task) with its scores, breakdowns and what makes it reproducible",
    sql: `
      CREATE TABLE eval_results (
        run_id VARCHAR NOT NULL, task VARCHAR NOT NULL, benchmark VARCHAR NOT NULL, task_group VARCHAR NOT NULL,
        model VARCHAR NOT NULL, mode VARCHAR NOT NULL, source VARCHAR NOT NULL,
        score DOUBLE, samples BIGINT NOT NULL, scored BIGINT NOT NULL, skipped BIGINT NOT NULL, errors BIGINT NOT NULL,
        metrics JSON NOT NULL, breakdowns JSON NOT NULL, record JSON NOT NULL, output_dir VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (run_id, task));
      CREATE VIEW eval_latest AS
        SELECT * EXCLUDE (rank) FROM (
          SELECT *, row_number() OVER (PARTITION BY model, task, mode ORDER BY created_at DESC, run_id DESC) AS rank FROM eval_results
        ) WHERE rank = 1;
    `
  },
  {
    version: 10,
    name: "faults: attempts that left an item pending (and pool reroutes), pending items per stage, call ids of the ledger",
    sql: `
      CREATE TABLE attempts (
        attempted_at TIMESTAMP NOT NULL DEFAULT current_timestamp, stage VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
        input_hash VARCHAR NOT NULL, model_id VARCHAR, kind VARCHAR NOT NULL, reason VARCHAR NOT NULL);
      ALTER TABLE model_calls ADD COLUMN call_id VARCHAR;
      CREATE VIEW stage_pending AS
        SELECT a.stage, count(DISTINCT a.item_id)::BIGINT AS pending
        FROM attempts a
        WHERE a.kind = 'transient' AND NOT EXISTS (
          SELECT 1 FROM stage_items s WHERE s.stage = a.stage AND s.item_id = a.item_id AND s.input_hash = a.input_hash)
        GROUP BY a.stage;
    `
  },
  {
    version: 11,
    name: "human review: a seeded queue of model outputs per step (what the model produced, as it was when drawn), reviewers' marks (every mark kept; the latest per reviewer counts), and which reviewer has which item",
    sql: `
      CREATE TABLE review_queue (
        step VARCHAR NOT NULL, item_id VARCHAR NOT NULL, model_id VARCHAR NOT NULL, discipline VARCHAR NOT NULL, skill VARCHAR NOT NULL,
        sample_seed INTEGER NOT NULL, queued_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        output JSON NOT NULL,
        PRIMARY KEY (step, item_id));
      CREATE TABLE review_marks (
        mark_id VARCHAR NOT NULL PRIMARY KEY, step VARCHAR NOT NULL, item_id VARCHAR NOT NULL, reviewer VARCHAR NOT NULL,
        correct BOOLEAN NOT NULL, category VARCHAR, note VARCHAR, marked_at TIMESTAMP NOT NULL);
      CREATE TABLE review_assignments (
        step VARCHAR NOT NULL, item_id VARCHAR NOT NULL, reviewer VARCHAR NOT NULL, assigned_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (step, item_id, reviewer));
    `
  }
]
