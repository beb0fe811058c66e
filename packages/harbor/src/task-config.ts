/**
 * The parts of a Harbor `task.toml` (Harbor v0.22, `src/harbor/models/task/config.py`, schema 1.0–1.4) that
 * hud-ts reads, after parsing: camelCase, seconds as numbers, defaults applied. Keys hud-ts does not know are
 * kept out of these shapes (and never an error); features it cannot honour are reported as findings.
 */

/** `[environment.healthcheck]`: a command that must pass before the agent starts. */
export interface HarborHealthcheck {
  command: string;
  /** Seconds between attempts (default 5). */
  intervalSec: number;
  /** Seconds one attempt may take (default 30). */
  timeoutSec: number;
  /** Seconds during which failures do not count against `retries` (default 0). */
  startPeriodSec: number;
  /** Seconds between attempts during the start period (default 5). */
  startIntervalSec: number;
  /** Failures tolerated after the start period (default 3). */
  retries: number;
}

/** `[environment]` (also the shape of `[verifier.environment]`). */
export interface HarborEnvironmentConfig {
  /** Prebuilt image; the Dockerfile is then optional. */
  dockerImage: string | null;
  /** Seconds (default 600). */
  buildTimeoutSec: number;
  os: 'linux' | 'windows';
  cpus: number | null;
  memoryMb: number | null;
  storageMb: number | null;
  gpus: number | null;
  /** `public` (default), `no-network` (also from the deprecated `allow_internet = false`), `allowlist`. */
  networkMode: 'public' | 'no-network' | 'allowlist';
  allowedHosts: string[];
  /** Variables set in the container (reach its ENTRYPOINT); values may hold `${VAR}` / `${VAR:-default}`. */
  env: Record<string, string>;
  /** Overrides the image's WORKDIR. */
  workdir: string | null;
  healthcheck: HarborHealthcheck | null;
}

/** `[verifier]` (also a step's `[steps.verifier]`). */
export interface HarborVerifierConfig {
  /** Seconds (default 600). */
  timeoutSec: number;
  env: Record<string, string>;
  /** Container user for `test.sh`; null = the image's default (usually root). */
  user: string | null;
  /** `separate` when `environment_mode = "separate"` or `[verifier.environment]` is present. */
  mode: 'shared' | 'separate';
  /** The separate verifier's environment, built from `tests/Dockerfile`. */
  environment: HarborEnvironmentConfig | null;
}

/** `[agent]` (also a step's `[steps.agent]`). */
export interface HarborAgentConfig {
  /** Seconds; null = no time limit (Harbor's default). */
  timeoutSec: number | null;
  /** Container user agent commands run as; null = the image's default. */
  user: string | null;
}

/** One `artifacts` entry: a path collected from the agent's container after the agent ran. */
export interface HarborArtifact {
  /** A path in the agent's container (may hold `$VAR`s, expanded by the container's shell). */
  source: string;
  /** Where it lands in the verifier's container (default: `source`). */
  destination: string | null;
  exclude: string[];
}

/** One `[[steps]]` entry, with its files under `steps/<name>/`. */
export interface HarborStep {
  name: string;
  /** `[steps.agent]`, each key not set there taken from the task's `[agent]`. */
  agent: HarborAgentConfig;
  /**
   * `[steps.verifier]` resolved against the task's `[verifier]`: the mode, the separate verifier's
   * environment, `env` (the step's table replaces the task's), `user` and `timeout_sec` each come from the
   * step when it sets them, else from the task, else Harbor's defaults.
   */
  verifier: HarborVerifierConfig;
  /** Stop the remaining steps when this step's reward is below it. */
  minReward: number | null;
  healthcheck: HarborHealthcheck | null;
  artifacts: HarborArtifact[];
}

/** A parsed `task.toml`. */
export interface HarborTaskConfig {
  /** `schema_version` (or its alias `version`), default `"1.4"`. */
  schemaVersion: string;
  /** `[task].name` (`org/name`), when the table is present. */
  name: string | null;
  description: string;
  keywords: string[];
  /** `[metadata]`, verbatim. */
  metadata: Record<string, unknown>;
  source: string | null;
  artifacts: HarborArtifact[];
  /** `mean` (default for multi-step) or `final`. */
  multiStepRewardStrategy: 'mean' | 'final';
  environment: HarborEnvironmentConfig;
  verifier: HarborVerifierConfig;
  agent: HarborAgentConfig;
  /** `[solution].env`: variables for the oracle's `solve.sh`. */
  solutionEnv: Record<string, string>;
  /** Empty for a single-step task. */
  steps: HarborStep[];
}

/** A problem found while loading a Harbor task: a feature hud-ts does not run, or invalid input. */
export interface HarborFinding {
  /** Stable code, e.g. `harbor.unsupported.mcp_stdio` (hud-python's codes where it has one). */
  code: string;
  /** `unsupported`: the task is skipped rather than mis-run; `invalid`: it cannot be read. */
  kind: 'unsupported' | 'invalid';
  /** The task directory. */
  task: string;
  message: string;
}

/** One Harbor task directory, loaded. */
export interface HarborTask {
  /** Absolute path of the task directory. */
  dir: string;
  /**
   * The task's slug: the directory's name, or `<dataset>/<name>` for a task of a dataset inside a folder of
   * datasets (see `loadHarborSource`).
   */
  slug: string;
  config: HarborTaskConfig;
  /** `instruction.md` (single-step) or the first step's. */
  instruction: string;
  /**
   * Multi-step: each step's `steps/<name>/instruction.md`, in `config.steps` order (empty for a single-step
   * task), read once by `readHarborTask`; the trial prompts with these.
   */
  stepInstructions: string[];
}
