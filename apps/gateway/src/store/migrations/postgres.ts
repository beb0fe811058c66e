import type { Migration } from '../migrate.js';

/**
 * The PostgreSQL schema, one migration per step, applied in order and never edited once released (add a new
 * one instead). Kept in step with `sqlite.ts`: the same tables, columns and indexes. Every TEXT column
 * compares bytes (`COLLATE "C"`, as SQLite's BINARY): ids, ISO times and span sort keys must order the
 * same in both databases whatever locale the cluster was initialised with.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'keys, telemetry, jobs, tasksets, registry, models',
    sql: `
CREATE TABLE teams (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE api_keys (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL REFERENCES teams (id),
  name TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  key_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  prefix TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  revoked_at TEXT COLLATE "C"
);
CREATE TABLE device_codes (
  device_code_hash TEXT COLLATE "C" PRIMARY KEY,
  user_code TEXT COLLATE "C" NOT NULL,
  client_name TEXT COLLATE "C",
  client_version TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL,
  interval_s INTEGER NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL,
  last_polled_at TEXT COLLATE "C",
  team_id TEXT COLLATE "C",
  approved_by_key_id TEXT COLLATE "C",
  decided_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX device_codes_pending_user_code ON device_codes (user_code) WHERE status = 'pending';
CREATE TABLE jobs (
  team_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C",
  group_size INTEGER NOT NULL DEFAULT 1,
  taskset_id TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  cancel_requested_at TEXT COLLATE "C",
  PRIMARY KEY (team_id, id)
);
CREATE INDEX jobs_recent ON jobs (team_id, created_at, id);
CREATE TABLE traces (
  team_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  job_id TEXT COLLATE "C",
  group_id TEXT COLLATE "C",
  task_slug TEXT COLLATE "C",
  model TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL,
  reward DOUBLE PRECISION,
  error TEXT COLLATE "C",
  evaluation_result TEXT COLLATE "C",
  stop_reason TEXT COLLATE "C",
  metadata TEXT COLLATE "C",
  span_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT COLLATE "C" NOT NULL,
  started_at TEXT COLLATE "C",
  ended_at TEXT COLLATE "C",
  updated_at TEXT COLLATE "C" NOT NULL,
  cancel_requested_at TEXT COLLATE "C",
  PRIMARY KEY (team_id, id)
);
CREATE INDEX traces_by_job ON traces (team_id, job_id, created_at);
CREATE TABLE spans (
  team_id TEXT COLLATE "C" NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  span_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  start_time TEXT COLLATE "C" NOT NULL,
  sort_key TEXT COLLATE "C" NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  received_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, trace_id, span_id)
);
CREATE INDEX spans_in_order ON spans (team_id, trace_id, sort_key);
CREATE TABLE environments (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  latest_version TEXT COLLATE "C",
  image TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (team_id, name)
);
CREATE TABLE tasksets (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (team_id, name)
);
CREATE TABLE taskset_versions (
  taskset_id TEXT COLLATE "C" NOT NULL REFERENCES tasksets (id),
  version INTEGER NOT NULL,
  created_count INTEGER NOT NULL,
  updated_count INTEGER NOT NULL,
  unchanged_count INTEGER NOT NULL,
  key_id TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (taskset_id, version)
);
CREATE TABLE tasks (
  taskset_id TEXT COLLATE "C" NOT NULL REFERENCES tasksets (id),
  slug TEXT COLLATE "C" NOT NULL,
  position INTEGER NOT NULL,
  env_name TEXT COLLATE "C" NOT NULL,
  task_id TEXT COLLATE "C" NOT NULL,
  content TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (taskset_id, slug)
);
CREATE TABLE task_versions (
  taskset_id TEXT COLLATE "C" NOT NULL,
  slug TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  change TEXT COLLATE "C" NOT NULL,
  content TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (taskset_id, slug, version)
);
CREATE TABLE models (
  id TEXT COLLATE "C" PRIMARY KEY,
  owner_team_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  name TEXT COLLATE "C" NOT NULL,
  display_name TEXT COLLATE "C",
  model_name TEXT COLLATE "C",
  provider TEXT COLLATE "C",
  sdk_agent_type TEXT COLLATE "C",
  is_trainable INTEGER NOT NULL,
  forked_from TEXT COLLATE "C",
  base_checkpoint_id TEXT COLLATE "C",
  head_checkpoint_id TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (owner_team_id, name)
);
CREATE TABLE checkpoints (
  id TEXT COLLATE "C" PRIMARY KEY,
  model_id TEXT COLLATE "C" NOT NULL REFERENCES models (id),
  name TEXT COLLATE "C",
  checkpoint_name TEXT COLLATE "C",
  prev_model_checkpoint_id TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  num_traces INTEGER,
  num_datums INTEGER,
  num_tokens INTEGER,
  mean_reward DOUBLE PRECISION,
  learning_rate DOUBLE PRECISION,
  loss_fn TEXT COLLATE "C",
  metrics TEXT COLLATE "C"
);
CREATE INDEX checkpoints_by_model ON checkpoints (model_id, created_at);
`,
  },
  {
    id: 2,
    name: 'environment builds',
    sql: `
CREATE TABLE builds (
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  key_id TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL,
  upload_token_hash TEXT COLLATE "C",
  upload_expires_at TEXT COLLATE "C",
  context_bytes INTEGER,
  environment_id TEXT COLLATE "C",
  name TEXT COLLATE "C",
  version TEXT COLLATE "C",
  image TEXT COLLATE "C",
  no_cache INTEGER NOT NULL DEFAULT 0,
  build_args TEXT COLLATE "C",
  environment_variables TEXT COLLATE "C",
  secret_ids TEXT COLLATE "C",
  error TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  triggered_at TEXT COLLATE "C",
  finished_at TEXT COLLATE "C",
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
  id TEXT COLLATE "C" PRIMARY KEY,
  team_id TEXT COLLATE "C" NOT NULL,
  key_id TEXT COLLATE "C" NOT NULL,
  trace_id TEXT COLLATE "C",
  job_id TEXT COLLATE "C",
  model TEXT COLLATE "C" NOT NULL,
  upstream_model TEXT COLLATE "C" NOT NULL,
  provider TEXT COLLATE "C" NOT NULL,
  api TEXT COLLATE "C" NOT NULL,
  streamed INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  cost_usd DOUBLE PRECISION,
  created_at TEXT COLLATE "C" NOT NULL
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
  team_id TEXT COLLATE "C" NOT NULL,
  provider TEXT COLLATE "C" NOT NULL,
  encrypted_key TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT COLLATE "C" NOT NULL,
  base_url TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, provider)
);
`,
  },
  {
    id: 5,
    name: 'rollout queue',
    sql: `
CREATE TABLE rollout_queue (
  team_id TEXT COLLATE "C" NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  job_id TEXT COLLATE "C" NOT NULL,
  env_name TEXT COLLATE "C" NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  queued_at TEXT COLLATE "C" NOT NULL,
  position INTEGER NOT NULL,
  lease_id TEXT COLLATE "C",
  lease_owner TEXT COLLATE "C",
  lease_worker_name TEXT COLLATE "C",
  lease_key_id TEXT COLLATE "C",
  lease_expires_at TEXT COLLATE "C",
  last_error TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
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
ALTER TABLE api_keys ADD COLUMN budget_usd DOUBLE PRECISION;
ALTER TABLE api_keys ADD COLUMN budget_tokens DOUBLE PRECISION;
CREATE INDEX llm_usage_by_key ON llm_usage (key_id);
`,
  },
  {
    id: 7,
    name: 'qa agents, qa results and taskset qa columns',
    sql: `
CREATE TABLE qa_agents (
  team_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  description TEXT COLLATE "C" NOT NULL,
  rubric TEXT COLLATE "C" NOT NULL,
  categories TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, id)
);
CREATE TABLE qa_results (
  team_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  qa_agent_id TEXT COLLATE "C" NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  job_id TEXT COLLATE "C",
  status TEXT COLLATE "C" NOT NULL,
  verdict TEXT COLLATE "C",
  category TEXT COLLATE "C",
  confidence DOUBLE PRECISION,
  evidence TEXT COLLATE "C",
  explanation TEXT COLLATE "C",
  model TEXT COLLATE "C",
  lease_expires_at TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, id)
);
CREATE UNIQUE INDEX qa_results_subject ON qa_results (team_id, qa_agent_id, trace_id);
CREATE INDEX qa_results_by_trace ON qa_results (team_id, trace_id);
CREATE INDEX qa_results_by_job ON qa_results (team_id, job_id);
CREATE INDEX qa_results_claim ON qa_results (status, team_id, created_at);
CREATE TABLE taskset_qa_columns (
  team_id TEXT COLLATE "C" NOT NULL,
  taskset_id TEXT COLLATE "C" NOT NULL,
  qa_agent_id TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, taskset_id, qa_agent_id)
);
`,
  },
  {
    id: 8,
    name: 'viewer: job agent and size, reported usage, trace logs and debug events',
    sql: `
ALTER TABLE jobs ADD COLUMN agent TEXT COLLATE "C";
ALTER TABLE jobs ADD COLUMN model TEXT COLLATE "C";
ALTER TABLE jobs ADD COLUMN total_count INTEGER;
ALTER TABLE traces ADD COLUMN input_tokens INTEGER;
ALTER TABLE traces ADD COLUMN output_tokens INTEGER;
ALTER TABLE traces ADD COLUMN cached_tokens INTEGER;
ALTER TABLE traces ADD COLUMN cost_usd DOUBLE PRECISION;
CREATE TABLE trace_lines (
  team_id TEXT COLLATE "C" NOT NULL,
  trace_id TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  line_id TEXT COLLATE "C" NOT NULL,
  sort_key TEXT COLLATE "C" NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (team_id, trace_id, kind, line_id)
);
CREATE INDEX trace_lines_in_order ON trace_lines (team_id, trace_id, kind, sort_key);
`,
  },
];
