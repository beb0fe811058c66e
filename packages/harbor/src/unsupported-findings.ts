import type { HarborFinding, HarborTaskConfig } from './task-config.js';
import type {
  RawAgent,
  RawEnvironment,
  RawStepVerifier,
  RawTaskToml,
  RawVerifier,
} from './task-toml-schema.js';

/**
 * Everything in a parsed `task.toml` that hud-ts would silently mis-run, as `unsupported` findings (codes
 * `harbor.unsupported.mcp_stdio`, `.mcp_servers`, `.skills_dir`, `.os_windows`, `.network_allowlist`,
 * `.phase_network`, `.gpu`, `.verifier_collect`, `.artifact_service`); such a task is reported and skipped.
 * @param raw the file as parsed.
 * @param config its mapping (for the resolved network modes).
 * @param task the task directory: each finding's `task`.
 */
export function unsupportedFindings(
  raw: RawTaskToml,
  config: HarborTaskConfig,
  task: string,
): HarborFinding[] {
  const findings: HarborFinding[] = [];
  const add = (code: string, message: string) =>
    findings.push({ code: `harbor.unsupported.${code}`, kind: 'unsupported', task, message });

  for (const server of raw.environment.mcp_servers) {
    if (server.transport === 'stdio') {
      add(
        'mcp_stdio',
        `[[environment.mcp_servers]] "${server.name}" uses the stdio transport: hud-ts does not start MCP servers for a task, nor give them to agents`,
      );
    } else {
      add(
        'mcp_servers',
        `[[environment.mcp_servers]] "${server.name}" (${server.transport}): hud-ts agents are not given task MCP servers, so a task that relies on one would be mis-run`,
      );
    }
  }
  if (raw.environment.skills_dir !== undefined) {
    add(
      'skills_dir',
      `[environment].skills_dir = "${raw.environment.skills_dir}": hud-ts agents have no skills directory to copy it into`,
    );
  }

  const environments: [string, RawEnvironment][] = [['[environment]', raw.environment]];
  if (raw.verifier.environment) {
    environments.push(['[verifier.environment]', raw.verifier.environment]);
  }
  for (const step of raw.steps) {
    if (step.verifier.environment) {
      environments.push([
        `[steps.verifier.environment] of step "${step.name}"`,
        step.verifier.environment,
      ]);
    }
  }
  for (const [table, environment] of environments) {
    if (environment.os === 'windows') {
      add('os_windows', `${table}.os = "windows": the hud-ts runtimes run Linux containers only`);
    }
    if (environment.network_mode === 'allowlist' || environment.allowed_hosts.length > 0) {
      add(
        'network_allowlist',
        `${table} asks for a network allowlist (${hostList(environment.allowed_hosts)}): hud-ts can give a container the public network or none, not named hosts`,
      );
    }
    if ((environment.gpus ?? 0) > 0) {
      add('gpu', `${table}.gpus = ${environment.gpus}: the hud-ts Harbor runner requests no GPUs`);
    }
    if (environment.gpu_types !== undefined) {
      add(
        'gpu',
        `${table}.gpu_types = [${environment.gpu_types.join(', ')}]: the hud-ts Harbor runner cannot choose GPU models`,
      );
    }
    if (environment.tpu !== undefined) {
      add('gpu', `${table}.tpu: the hud-ts Harbor runner provides no TPUs`);
    }
  }

  // A phase override changes the network of a running container between agent and verifier, which
  // the hud-ts runtimes cannot do; an override equal to the container's own mode changes nothing.
  const agentBaseline = config.environment.networkMode;
  const verifierBaseline = (config.verifier.environment ?? config.environment).networkMode;
  type Phase = [string, RawAgent | RawVerifier | RawStepVerifier, string];
  const phases: Phase[] = [
    ['[agent]', raw.agent, agentBaseline],
    ['[verifier]', raw.verifier, verifierBaseline],
    ...raw.steps.flatMap((step, index): Phase[] => [
      [`[steps.agent] of step "${step.name}"`, step.agent, agentBaseline],
      [
        `[steps.verifier] of step "${step.name}"`,
        step.verifier,
        // A step's verifier runs where its resolved mode puts it.
        (config.steps[index]?.verifier.environment ?? config.environment).networkMode,
      ],
    ]),
  ];
  for (const [table, phase, baseline] of phases) {
    if (phase.network_mode === 'allowlist' || phase.allowed_hosts.length > 0) {
      add(
        'network_allowlist',
        `${table} asks for a network allowlist (${hostList(phase.allowed_hosts)}): hud-ts can give a container the public network or none, not named hosts`,
      );
    } else if (phase.network_mode !== undefined && phase.network_mode !== baseline) {
      add(
        'phase_network',
        `${table}.network_mode = "${phase.network_mode}" differs from the container's "${baseline}": hud-ts cannot switch a container's network between phases`,
      );
    }
  }

  const verifiers: [string, RawVerifier | RawStepVerifier][] = [
    ['[[verifier.collect]]', raw.verifier],
    ...raw.steps.map((step): [string, RawStepVerifier] => [
      `[[steps.verifier.collect]] of step "${step.name}"`,
      step.verifier,
    ]),
  ];
  for (const [table, verifier] of verifiers) {
    if (verifier.collect.length > 0) {
      add(
        'verifier_collect',
        `${table} (${verifier.collect.length} hook(s)): hud-ts does not run collect hooks before teardown, so the verifier would miss what they snapshot`,
      );
    }
  }

  for (const entry of [...raw.artifacts, ...raw.steps.flatMap((step) => step.artifacts)]) {
    if (typeof entry !== 'string' && entry.service !== undefined && entry.service !== 'main') {
      add(
        'artifact_service',
        `artifact "${entry.source}" comes from service "${entry.service}": hud-ts runs the main container only, no compose services`,
      );
    }
  }
  return findings;
}

function hostList(hosts: readonly string[]): string {
  return hosts.length > 0 ? hosts.join(', ') : 'no hosts';
}
