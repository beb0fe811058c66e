import { startFakeProvider } from '@hud/testing';

// The scripted QA judge of the `hud qa` tests: a fake Anthropic upstream that judges a letter-count job's
// traces for `false-positive`, flagging the strawberry run and passing the others.

/** The explanation the judge gives for the run it flags. */
export const FLAGGED_EXPLANATION = 'A bare number with no counting shown.';

/**
 * Starts the judge: a trace mentioning "strawberry" is `flagged` (`lucky-guess`, confidence 0.9), any other
 * `passed`; each verdict cites step 3 (the agent's answer) as its evidence. Dispose it with `await using`.
 */
export function startStrawberryJudge(): ReturnType<typeof startFakeProvider> {
  return startFakeProvider({
    handler: (body) => {
      const trace = (body as { messages: { content: string }[] }).messages[0]?.content ?? '';
      const flag = trace.includes('strawberry');
      return {
        text: JSON.stringify({
          verdict: flag ? 'flagged' : 'passed',
          category: flag ? 'lucky-guess' : null,
          confidence: 0.9,
          evidence: [{ step: 3, note: 'the bare answer' }],
          explanation: flag ? FLAGGED_EXPLANATION : 'Earned.',
        }),
      };
    },
  });
}

/** The CLI's environment for `hud qa`: no platform key, HOME at `home`, the claude judge pointed at `url`. */
export function judgeEnv(home: string, url: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    HUD_API_KEY: '',
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: url,
  };
}
