import { Environment, mcpTool } from '@hud/environment';
import { z } from 'zod';

/**
 * One capability service of each kind the server opens itself, for serve-token-ports.test.ts:
 * env.mcp() (streamable HTTP), env.screen() (Xvfb + x11vnc) and env.browser() (Chromium). The test
 * passes TOKEN_PORTS_CAPABILITIES (comma-separated: mcp, screen, browser) to leave out what the machine
 * cannot run.
 */
const wanted = new Set((process.env.TOKEN_PORTS_CAPABILITIES ?? 'mcp').split(','));

export const env = new Environment({ name: 'token-ports', version: '0.1.0' });

if (wanted.has('mcp')) {
  env.mcp([
    mcpTool({
      name: 'echo',
      description: 'Return the text it is given.',
      inputSchema: { text: z.string() },
      handler: ({ text }) => text,
    }),
  ]);
}
if (wanted.has('screen')) env.screen({ width: 320, height: 200 });
if (wanted.has('browser')) env.browser();

env.template({ id: 'noop', description: 'Says hello.' }, async function* () {
  yield 'Say anything.';
  yield 1;
});
