import type { Migration } from '../migrate.js';

/**
 * The SQLite schema, one migration per step, applied in order and never edited once released (add a new
 * one instead). Kept in step with `postgres.ts`: the same tables, columns and indexes.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'keys, telemetry, jobs, tasksets, registry, models',
    sql: `
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams (id),
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE TABLE device_codes (
  device_code_hash TEXT PRIMARY KEY,
  user_code TEXT NOT NULL,
  client_name TEXT,
  client_version TEXT,
  status TEXT NOT NULL,
  interval_s INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_polled_at TEXT,
  team_id TEXT,
  approved_by_key_id TEXT,
  decided_at TEXT
);
CREATE UNIQUE INDEX device_codes_pending_user_code ON device_codes (user_code) WHERE status = 'pending';
CREATE TABLE jobs (
  team_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT,
  group_size INTEGER NOT NULL DEFAULT 1,
  taskset_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  cancel_requested_at TEXT,
  PRIMARY KEY (team_id, id)
);
CREATE INDEX jobs_recent ON jobs (team_id, created_at, id);
CREATE TABLE traces (
  team_id TEXT NOT NULL,
  id TEXT NOT NULL,
  job_id TEXT,
  group_id TEXT,
  task_slug TEXT,
  model TEXT,
  status TEXT NOT NULL,
  reward REAL,
  error TEXT,
  evaluation_result TEXT,
  stop_reason TEXT,
  metadata TEXT,
  span_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  updated_at TEXT NOT NULL,
  cancel_requested_at TEXT,
  PRIMARY KEY (team_id, id)
);
CREATE INDEX traces_by_job ON traces (team_id, job_id, created_at);
CREATE TABLE spans (
  team_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  name TEXT NOT NULL,
  start_time TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (team_id, trace_id, span_id)
);
CREATE INDEX spans_in_order ON spans (team_id, trace_id, sort_key);
CREATE TABLE environments (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  latest_version TEXT,
  image TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (team_id, name)
);
CREATE TABLE tasksets (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (team_id, name)
);
CREATE TABLE taskset_versions (
  taskset_id TEXT NOT NULL REFERENCES tasksets (id),
  version INTEGER NOT NULL,
  created_count INTEGER NOT NULL,
  updated_count INTEGER NOT NULL,
  unchanged_count INTEGER NOT NULL,
  key_id TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (taskset_id, version)
);
CREATE TABLE tasks (
  taskset_id TEXT NOT NULL REFERENCES tasksets (id),
  slug TEXT NOT NULL,
  position INTEGER NOT NULL,
  env_name TEXT NOT NULL,
  task_id TEXT NOT NULL,
  content TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (taskset_id, slug)
);
CREATE TABLE task_versions (
  taskset_id TEXT NOT NULL,
  slug TEXT NOT NULL,
  version INTEGER NOT NULL,
  change TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (taskset_id, slug, version)
);
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  owner_team_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  display_name TEXT,
  model_name TEXT,
  provider TEXT,
  sdk_agent_type TEXT,
  is_trainable INTEGER NOT NULL,
  forked_from TEXT,
  base_checkpoint_id TEXT,
  head_checkpoint_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (owner_team_id, name)
);
CREATE TABLE checkpoints (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models (id),
  name TEXT,
  checkpoint_name TEXT,
  prev_model_checkpoint_id TEXT,
  created_at TEXT NOT NULL,
  num_traces INTEGER,
  num_datums INTEGER,
  num_tokens INTEGER,
  mean_reward REAL,
  learning_rate REAL,
  loss_fn TEXT,
  metrics TEXT
);
CREATE INDEX checkpoints_by_model ON checkpoints (model_id, created_at);
`,
  },
  {
    id: 2,
    name: 'environment builds',
    sql: `
CREATE TABLE builds (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  key_id TEXT,
  status TEXT NOT NULL,
  upload_token_hash TEXT,
  upload_expires_at TEXT,
  context_bytes INTEGER,
  environment_id TEXT,
  name TEXT,
  version TEXT,
  image TEXT,
  no_cache INTEGER NOT NULL DEFAULT 0,
  build_args TEXT,
  environment_variables TEXT,
  secret_ids TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  triggered_at TEXT,
  finished_at TEXT,
  UNIQUE (environment_id, version)
);
CREATE INDEX builds_by_environment ON builds (environment_id, created_at);
CREATE INDEX builds_by_status ON builds (status);
`,
  },
  {
    id: 3,
    name: 'llm usage',
    sql: `
CREATE TABLE llm_usage (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  trace_id TEXT,
  job_id TEXT,
  model TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  provider TEXT NOT NULL,
  api TEXT NOT NULL,
  streamed INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  cost_usd REAL,
  created_at TEXT NOT NULL
);
CREATE INDEX llm_usage_by_trace ON llm_usage (team_id, trace_id);
CREATE INDEX llm_usage_by_job ON llm_usage (team_id, job_id);
`,
  },
  {
    id: 4,
    name: 'provider keys',
    sql: `
CREATE TABLE provider_keys (
  team_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  encrypted_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  base_url TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (team_id, provider)
);
`,
  },
  {
    id: 5,
    name: 'rollout queue',
    sql: `
CREATE TABLE rollout_queue (
  team_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  env_name TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  queued_at TEXT NOT NULL,
  position INTEGER NOT NULL,
  lease_id TEXT,
  lease_owner TEXT,
  lease_worker_name TEXT,
  lease_key_id TEXT,
  lease_expires_at TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (team_id, trace_id)
);
CREATE UNIQUE INDEX rollout_queue_lease ON rollout_queue (lease_id);
CREATE INDEX rollout_queue_claim ON rollout_queue (status, team_id, job_id, queued_at, position);
CREATE INDEX rollout_queue_expiry ON rollout_queue (status, lease_expires_at);
ALTER TABLE jobs ADD COLUMN max_concurrent INTEGER;
`,
  },
  {
    id: 6,
    name: 'key limits and budgets',
    sql: `
ALTER TABLE api_keys ADD COLUMN requests_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN tokens_per_minute INTEGER;
ALTER TABLE api_keys ADD COLUMN budget_usd REAL;
ALTER TABLE api_keys ADD COLUMN budget_tokens REAL;
CREATE INDEX llm_usage_by_key ON llm_usage (key_id);
`,
  },
  {
    id: 7,
    name: 'qa agents, qa results and taskset qa columns',
    sql: `
CREATE TABLE qa_agents (
  team_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  rubric TEXT NOT NULL,
  categories TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (team_id, id)
);
CREATE TABLE qa_results (
  team_id TEXT NOT NULL,
  id TEXT NOT NULL,
  qa_agent_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  job_id TEXT,
  status TEXT NOT NULL,
  verdict TEXT,
  category TEXT,
  confidence REAL,
  evidence TEXT,
  explanation TEXT,
  model TEXT,
  lease_expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (team_id, id)
);
CREATE UNIQUE INDEX qa_results_subject ON qa_results (team_id, qa_agent_id, trace_id);
CREATE INDEX qa_results_by_trace ON qa_results (team_id, trace_id);
CREATE INDEX qa_results_by_job ON qa_results (team_id, job_id);
CREATE INDEX qa_results_claim ON qa_results (status, team_id, created_at);
CREATE TABLE taskset_qa_columns (
  team_id TEXT NOT NULL,
  taskset_id TEXT NOT NULL,
  qa_agent_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (team_id, taskset_id, qa_agent_id)
);
`,
  },
  {
    id: 8,
    name: 'viewer: job agent and size, reported usage, trace logs and debug events',
    sql: `
ALTER TABLE jobs ADD COLUMN agent TEXT;
ALTER TABLE jobs ADD COLUMN model TEXT;
ALTER TABLE jobs ADD COLUMN total_count INTEGER;
ALTER TABLE traces ADD COLUMN input_tokens INTEGER;
ALTER TABLE traces ADD COLUMN output_tokens INTEGER;
ALTER TABLE traces ADD COLUMN cached_tokens INTEGER;
ALTER TABLE traces ADD COLUMN cost_usd REAL;
CREATE TABLE trace_lines (
  team_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  line_id TEXT NOT NULL,
  sort_key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (team_id, trace_id, kind, line_id)
);
CREATE INDEX trace_lines_in_order ON trace_lines (team_id, trace_id, kind, sort_key);
`,
  },
];
