/**
 * Where the HUD platform lives, from the user's settings. The defaults and variable names are hud-python's
 * (spec/hud-python-v6.md, Appendix A). A self-hosted gateway serves every part at one origin, so when
 * `HUD_API_URL` is set, every other unset URL derives from it: telemetry = `HUD_API_URL` + `/v3/api`,
 * gateway, runtime, RL and web = `HUD_API_URL`. One variable and a key point the CLI at `hud gateway`.
 */

/** The platform's base URLs (no trailing slash). */
export interface PlatformUrls {
  /** REST API (`/v2/…`, `/auth/device/…`): `HUD_API_URL`, default `https://api.hud.ai`. */
  readonly api: string;
  /** Span upload (`/trace/{id}/telemetry-upload`): `HUD_TELEMETRY_URL`, default `https://telemetry.hud.ai/v3/api`. */
  readonly telemetry: string;
  /** LLM gateway (OpenAI/Anthropic/Gemini-compatible): `HUD_GATEWAY_URL`, default `https://inference.hud.ai`. */
  readonly gateway: string;
  /** Hosted runtime tunnels: `HUD_RUNTIME_URL`, default `https://mcp.hud.ai`. */
  readonly runtime: string;
  /** Training: `HUD_RL_URL`, default `https://rl.hud.ai`. */
  readonly rl: string;
  /** Links people open (`/jobs/{id}`, `/trace/{id}`): `HUD_WEB_URL`, default `https://hud.ai`. */
  readonly web: string;
}

/** hud-python 0.6's defaults (spec Appendix A). */
export const DEFAULT_PLATFORM_URLS: PlatformUrls = {
  api: 'https://api.hud.ai',
  telemetry: 'https://telemetry.hud.ai/v3/api',
  gateway: 'https://inference.hud.ai',
  runtime: 'https://mcp.hud.ai',
  rl: 'https://rl.hud.ai',
  web: 'https://hud.ai',
};

function setting(settings: Record<string, string | undefined>, name: string): string | undefined {
  const value = settings[name]?.trim();
  return value ? value.replace(/\/+$/, '') : undefined;
}

/**
 * The platform URLs for `settings` (process env, `.env`, `~/.hud/.env` merged by the CLI).
 * @throws Error naming the variable when a set URL is not an absolute http(s) URL.
 */
export function platformUrls(settings: Record<string, string | undefined>): PlatformUrls {
  const api = setting(settings, 'HUD_API_URL');
  const pick = (name: string, derived: string | undefined, fallback: string): string => {
    const value = setting(settings, name) ?? derived ?? fallback;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name} is not a URL: '${value}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${name} must be an http(s) URL, got '${value}'`);
    }
    return value;
  };
  return {
    api: pick('HUD_API_URL', undefined, DEFAULT_PLATFORM_URLS.api),
    telemetry: pick(
      'HUD_TELEMETRY_URL',
      api === undefined ? undefined : `${api}/v3/api`,
      DEFAULT_PLATFORM_URLS.telemetry,
    ),
    gateway: pick('HUD_GATEWAY_URL', api, DEFAULT_PLATFORM_URLS.gateway),
    runtime: pick('HUD_RUNTIME_URL', api, DEFAULT_PLATFORM_URLS.runtime),
    rl: pick('HUD_RL_URL', api, DEFAULT_PLATFORM_URLS.rl),
    web: pick('HUD_WEB_URL', api, DEFAULT_PLATFORM_URLS.web),
  };
}
