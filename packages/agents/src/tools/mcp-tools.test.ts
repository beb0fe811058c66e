import { describe, expect, it } from 'vitest';
import { mcpToolOutput } from './mcp-tools.js';

// The tools over a served MCP capability (through HudClient and the tunnel) are tested in
// packages/e2e/src/agents-tools/mcp-tools.test.ts.

describe('MCP tools for agents', () => {
  it('maps a bare result and keeps isError (unit)', () => {
    expect(mcpToolOutput({ content: [], isError: true })).toEqual({ content: [], isError: true });
    expect(mcpToolOutput({ content: [{ type: 'text', text: 'x' }], isError: false })).toEqual({
      content: [{ type: 'text', text: 'x' }],
    });
  });
});
