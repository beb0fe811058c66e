import { type CdpClient, CdpError } from '@hud/protocol';
import {
  type AgentTool,
  errorOutput,
  type ToolOutput,
  type ToolProvider,
  type ToolRunOptions,
  textOutput,
} from './tool.js';

/** Options of {@link browserTools}. */
export interface BrowserToolsOptions {
  /** Longest page text `read_page` returns, characters (default 20 000); the rest is cut with a marker. */
  maxTextChars?: number;
  /** How long `navigate` waits for the page's load event, ms (default 30 000). */
  loadTimeoutMs?: number;
}

/** How long after a click or Enter a navigation must start to be waited for, ms. */
const NAVIGATION_START_WINDOW_MS = 150;
/** How long such a navigation may take to load, ms. */
const NAVIGATION_LOAD_TIMEOUT_MS = 10_000;

interface Evaluated<T> {
  result?: { value?: T };
  exceptionDetails?: { text?: string; exception?: { description?: string } };
}

/**
 * A small browser tool set over a CDP page (hud-ts addition: hud-python's built-in agents have no CDP
 * tools): `navigate`, `read_page`, `click`, `type` and `screenshot`. Elements are addressed by CSS selector;
 * clicks and typing go through CDP's input domain (real mouse and key events), so pages see what a user
 * would do. Failures the model can fix (no such element, a navigation error) resolve with `isError`.
 */
export function browserTools(cdp: CdpClient, options: BrowserToolsOptions = {}): AgentTool[] {
  const maxTextChars = options.maxTextChars ?? 20_000;
  const loadTimeoutMs = options.loadTimeoutMs ?? 30_000;

  const evaluate = async <T>(expression: string): Promise<T> => {
    const reply = await cdp.send<Evaluated<T>>('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (reply.exceptionDetails) {
      const details = reply.exceptionDetails;
      throw new PageError(details.exception?.description ?? details.text ?? 'script error');
    }
    return reply.result?.value as T;
  };

  const guarded =
    (action: (input: Record<string, unknown>, run: ToolRunOptions) => Promise<ToolOutput>) =>
    async (input: Record<string, unknown>, run: ToolRunOptions = {}): Promise<ToolOutput> => {
      run.signal?.throwIfAborted();
      try {
        return await action(input, run);
      } catch (error) {
        if (error instanceof PageError || CdpError.isInstance(error)) {
          return errorOutput(error.message);
        }
        throw error;
      }
    };

  /** Runs `action`, then waits for a navigation it started (a link, a form submit) to load. */
  const settling = async (action: () => Promise<void>, signal?: AbortSignal): Promise<void> => {
    let started = false;
    const mark = () => {
      started = true;
    };
    // frameRequestedNavigation arrives while the click or key is handled, before the input command
    // returns; frameStartedLoading covers navigations that skip it.
    const offs = ['Page.frameRequestedNavigation', 'Page.frameStartedLoading'].map((event) =>
      cdp.on(event, mark),
    );
    const loaded = cdp.waitForEvent('Page.loadEventFired', {
      timeoutMs: NAVIGATION_START_WINDOW_MS + NAVIGATION_LOAD_TIMEOUT_MS,
      signal,
    });
    loaded.catch(() => {});
    try {
      await action();
      await new Promise((resolve) => setTimeout(resolve, NAVIGATION_START_WINDOW_MS));
      if (started) await loaded.catch(() => {});
    } finally {
      for (const off of offs) off();
    }
  };

  const describePage = async () => {
    const { title, url } = await evaluate<{ title: string; url: string }>(
      '({ title: document.title, url: location.href })',
    );
    return `${url}${title ? ` — "${title}"` : ''}`;
  };

  const selectorOf = (input: Record<string, unknown>): string => {
    if (typeof input.selector !== 'string' || input.selector === '') {
      throw new PageError("'selector' must be a non-empty CSS selector");
    }
    return input.selector;
  };

  const navigate: AgentTool = {
    name: 'navigate',
    description:
      'Open a URL in the browser tab and wait for it to load. Returns the final URL and the page title.',
    inputSchema: {
      type: 'object',
      properties: {
        url: { type: 'string', description: 'absolute URL, e.g. https://example.com/' },
      },
      required: ['url'],
    },
    run: guarded(async (input, run) => {
      if (typeof input.url !== 'string' || input.url === '') {
        return errorOutput("'url' must be a non-empty string");
      }
      const loaded = cdp.waitForEvent('Page.loadEventFired', {
        timeoutMs: loadTimeoutMs,
        signal: run.signal,
      });
      loaded.catch(() => {});
      const reply = await cdp.send<{ loaderId?: string; errorText?: string }>('Page.navigate', {
        url: input.url,
      });
      if (reply.errorText) return errorOutput(`could not open ${input.url}: ${reply.errorText}`);
      let note = '';
      // No loaderId: a same-document navigation (e.g. a #fragment), which fires no load event.
      if (reply.loaderId !== undefined) {
        try {
          await loaded;
        } catch (error) {
          run.signal?.throwIfAborted();
          note = ` (still loading after ${loadTimeoutMs} ms: ${(error as Error).message})`;
        }
      }
      return textOutput(`Opened ${await describePage()}${note}`);
    }),
  };

  const readPage: AgentTool = {
    name: 'read_page',
    description: `Read the visible text of the current page (or of the element a CSS selector names), up to ${maxTextChars} characters.`,
    inputSchema: {
      type: 'object',
      properties: {
        selector: { type: 'string', description: 'optional CSS selector; default the whole page' },
      },
    },
    run: guarded(async (input) => {
      const selector = typeof input.selector === 'string' && input.selector ? input.selector : null;
      const text = await evaluate<string | null>(
        `(() => { const node = ${selector === null ? 'document.body' : `document.querySelector(${JSON.stringify(selector)})`}; return node ? (node.innerText ?? node.textContent ?? '') : null; })()`,
      );
      if (text === null) {
        return errorOutput(
          selector === null ? 'the page has no body yet' : `no element matches ${selector}`,
        );
      }
      const cut =
        text.length > maxTextChars
          ? `${text.slice(0, maxTextChars)}\n[truncated: ${text.length - maxTextChars} more characters]`
          : text;
      return textOutput(`${await describePage()}\n\n${cut}`);
    }),
  };

  /** Scrolls the element into view; returns its centre in CSS pixels of the viewport. */
  const centreOf = async (selector: string): Promise<{ x: number; y: number }> => {
    const box = await evaluate<{ x: number; y: number; width: number; height: number } | null>(
      `(() => { const node = document.querySelector(${JSON.stringify(selector)}); if (!node) return null; node.scrollIntoView({ block: 'center', inline: 'center' }); const r = node.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`,
    );
    if (box === null) throw new PageError(`no element matches ${selector}`);
    if (box.width === 0 || box.height === 0) {
      throw new PageError(`the element ${selector} is not visible (it has no size)`);
    }
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  };

  const click: AgentTool = {
    name: 'click',
    description:
      'Click the element a CSS selector names (a real mouse click at its centre, after scrolling it into view).',
    inputSchema: {
      type: 'object',
      properties: { selector: { type: 'string', description: 'CSS selector, e.g. button#submit' } },
      required: ['selector'],
    },
    run: guarded(async (input, run) => {
      const selector = selectorOf(input);
      const { x, y } = await centreOf(selector);
      await settling(async () => {
        await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
        for (const type of ['mousePressed', 'mouseReleased']) {
          await cdp.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
        }
      }, run.signal);
      return textOutput(`Clicked ${selector}; now on ${await describePage()}`);
    }),
  };

  const type: AgentTool = {
    name: 'type',
    description:
      'Type text into the input element a CSS selector names (it is focused first; existing text is kept unless clear is true). With submit true, presses Enter afterwards.',
    inputSchema: {
      type: 'object',
      properties: {
        selector: {
          type: 'string',
          description: 'CSS selector of an input, textarea or editable element',
        },
        text: { type: 'string' },
        clear: { type: 'boolean', description: 'replace the current value (default false)' },
        submit: { type: 'boolean', description: 'press Enter after typing (default false)' },
      },
      required: ['selector', 'text'],
    },
    run: guarded(async (input, run) => {
      const selector = selectorOf(input);
      if (typeof input.text !== 'string') return errorOutput("'text' must be a string");
      const focused = await evaluate<string | null>(
        `(() => { const node = document.querySelector(${JSON.stringify(selector)}); if (!node) return 'missing'; node.scrollIntoView({ block: 'center' }); node.focus(); if (document.activeElement !== node) return 'unfocusable'; if (${input.clear === true} && 'value' in node) { node.value = ''; node.dispatchEvent(new Event('input', { bubbles: true })); } return null; })()`,
      );
      if (focused === 'missing') return errorOutput(`no element matches ${selector}`);
      if (focused === 'unfocusable')
        return errorOutput(`the element ${selector} cannot take focus`);
      await cdp.send('Input.insertText', { text: input.text });
      if (input.submit === true) {
        await settling(async () => {
          const enter = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 };
          await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', ...enter, text: '\r' });
          await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...enter });
        }, run.signal);
      }
      return textOutput(
        `Typed ${input.text.length} characters into ${selector}${input.submit === true ? ' and pressed Enter' : ''}; now on ${await describePage()}`,
      );
    }),
  };

  const screenshot: AgentTool = {
    name: 'screenshot',
    description: 'Take a PNG screenshot of the visible part of the current page.',
    inputSchema: { type: 'object', properties: {} },
    run: guarded(async () => {
      const { data } = await cdp.send<{ data: string }>('Page.captureScreenshot', {
        format: 'png',
      });
      return { content: [{ type: 'image', data, mimeType: 'image/png' }] };
    }),
  };

  return [navigate, readPage, click, type, screenshot];
}

/** A failure inside the page (no element, a script exception): reported to the model, not thrown. */
class PageError extends Error {
  override name = 'PageError';
}

/** The {@link ToolProvider} of `cdp/*` bindings: the browser tools over the first one. */
export const browserToolProvider: ToolProvider = {
  protocol: 'cdp',
  create: (client) => browserTools(client as CdpClient),
};
