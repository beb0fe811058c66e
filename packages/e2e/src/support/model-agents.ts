import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HudRun, runHud } from './run-hud.js';

// Helpers for `hud eval … claude` against the fake provider: a clean environment (no real keys, a scratch
// HOME so ~/.hud/.env cannot leak in), and Anthropic request readers.

const PROVIDER_SETTINGS =
  /^(ANTHROPIC|OPENAI|GEMINI|GOOGLE|OPENAI_COMPATIBLE)_|^HUD_(API_KEY|GATEWAY_URL|API_URL)$/;

const scratches: string[] = [];

/** A fresh directory under the OS temp dir, removed by {@link removeModelScratch}. */
export function modelScratch(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `hud-${label}-`));
  scratches.push(dir);
  return dir;
}

/** Removes every {@link modelScratch} directory. */
export function removeModelScratch(): void {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** This process's environment without provider keys or URLs, with HOME in a scratch dir, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!PROVIDER_SETTINGS.test(key)) env[key] = value;
  }
  return { ...env, HOME: modelScratch('home'), ...extra };
}

/** `hud <args>` with `ANTHROPIC_API_KEY=test ANTHROPIC_BASE_URL=<fake>` and nothing else of the user's. */
export function runClaude(
  fakeUrl: string,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<HudRun> {
  return runHud(args, {
    cwd: modelScratch('cwd'),
    timeoutMs: options.timeoutMs ?? 50_000,
    env: cleanEnv({ ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: fakeUrl, ...options.env }),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Anthropic request bodies are arbitrary JSON
export type MessagesBody = any;

/** The text of the first user message of a Messages request (the task prompt). */
export function promptOf(body: MessagesBody): string {
  const content = body?.messages?.[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? [])
    .filter((block: MessagesBody) => block.type === 'text')
    .map((block: MessagesBody) => block.text)
    .join('\n');
}

/** How many assistant turns the request's history holds (= the step the model is on). */
export function turnOf(body: MessagesBody): number {
  return (body?.messages ?? []).filter((message: MessagesBody) => message.role === 'assistant')
    .length;
}

/** The `tool_result` blocks of the request's last message. */
export function lastToolResults(body: MessagesBody): MessagesBody[] {
  const content = body?.messages?.at(-1)?.content;
  return Array.isArray(content) ? content.filter((block) => block.type === 'tool_result') : [];
}

/** The joined text of a `tool_result` block. */
export function resultText(block: MessagesBody): string {
  if (typeof block?.content === 'string') return block.content;
  return (block?.content ?? [])
    .filter((part: MessagesBody) => part.type === 'text')
    .map((part: MessagesBody) => part.text)
    .join('\n');
}
