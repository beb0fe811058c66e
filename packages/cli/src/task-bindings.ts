import type { HudClient, JsonObject, TasksStartResult } from '@hud/protocol';

/** One binding as `hud task start --bindings` prints it. */
export interface ShownBinding {
  name: string;
  protocol: string;
  /** Where to connect from this machine: a loopback forwarder through the control channel. */
  url: string;
  /** The URL the environment published (reachable only from where the environment runs, e.g. its container). */
  published: string;
  params: JsonObject;
  /** The start frame's per-episode data for this binding (spec §2.5), if any. */
  episode: JsonObject | undefined;
}

/**
 * The session's capability bindings (`hello.bindings`), each routed through a loopback forwarder of
 * `client` (spec §2.7: bytes travel over `tunnel.open` streams of the control channel), so a shell, MCP
 * or CDP endpoint inside a container is reachable from this machine while the client stays connected.
 */
export function shownBindings(client: HudClient, frame: TasksStartResult): ShownBinding[] {
  return (client.manifest?.bindings ?? []).map((binding) => ({
    name: binding.name,
    protocol: binding.protocol,
    url: client.binding(binding.name).url,
    published: binding.url,
    params: binding.params ?? {},
    episode: frame.bindings?.[binding.name],
  }));
}

/** `name<TAB>protocol<TAB>url[<TAB>{"params":…,"episode":…}]`: one line per binding, for eyes and scripts. */
export function bindingLine(binding: ShownBinding): string {
  const extra: JsonObject = {};
  if (Object.keys(binding.params).length > 0) extra.params = binding.params;
  if (binding.episode !== undefined) extra.episode = binding.episode;
  const tail = Object.keys(extra).length > 0 ? `\t${JSON.stringify(extra)}` : '';
  return `${binding.name}\t${binding.protocol}\t${binding.url}${tail}`;
}

/**
 * `hud task start --bindings`: prints the session's bindings on stdout (see {@link bindingLine}) and keeps
 * the connection — and so the forwarders — open until SIGINT/SIGTERM or until the environment goes away.
 * The connection then closes without `bye`, so the task stays parked for `hud task grade` (spec §2.4).
 * Forwarders live in this process: the URLs stop working once it exits.
 */
export async function holdBindings(
  client: HudClient,
  frame: TasksStartResult,
  task: string,
): Promise<void> {
  const bindings = shownBindings(client, frame);
  for (const binding of bindings) console.log(bindingLine(binding));
  process.stderr.write(
    bindings.length === 0
      ? 'the environment publishes no capability bindings\n'
      : `forwarding ${bindings.length} binding${bindings.length === 1 ? '' : 's'} to this machine until Ctrl-C (published: ${bindings.map((binding) => binding.published).join(', ')})\n`,
  );
  if (bindings.length === 0) return;
  client.startHeartbeat(); // the session stays claimed while it is being driven by hand
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      client.signal.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    client.signal.addEventListener('abort', done, { once: true });
  });
  process.stderr.write(
    client.signal.aborted
      ? 'the environment closed the connection\n'
      : `stopped forwarding; the task stays parked: grade it with hud task grade ${task} --answer …\n`,
  );
}
