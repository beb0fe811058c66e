/**
 * The platform calls of `hud deploy` (hud-python 0.6, spec §9.6): `POST /v2/builds/upload-url` →
 * `{upload_url, build_id}`, a bare `PUT upload_url` of the gzip context, `POST /v2/builds/trigger` →
 * `{id, registry_id}`, then the build's log over the WebSocket `/v2/builds/{id}/logs?api_key=…` (messages
 * `{type: 'status'|'status_update'|'log', …}`), with `GET /v2/builds/{id}/status` polling as the fallback.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { PlatformClient } from './client.js';

const UploadUrl = z.looseObject({ upload_url: z.string().url(), build_id: z.string().min(1) });
const Triggered = z.looseObject({
  id: z.string().min(1),
  registry_id: z.string().nullish(),
  version: z.string().nullish(),
});
const Status = z.looseObject({ status: z.string(), error: z.string().nullish() });

/** The body of `POST /v2/builds/trigger`. */
export interface TriggerRequest {
  source: 'direct';
  build_id: string;
  name: string;
  no_cache: boolean;
  registry_id?: string;
  environment_variables?: Record<string, string>;
  build_args?: Record<string, string>;
  /** Secret id → value: used by the build only (the gateway never stores them). */
  build_secrets?: Record<string, string>;
}

/** The statuses a build ends in; `hud deploy` succeeds iff `SUCCEEDED`. */
export const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED']);

/**
 * Uploads the gzip context: asks for an upload URL, then PUTs the bytes to it with only
 * `content-type: application/gzip` (the URL carries its own credential). Resolves the build id.
 * @throws PlatformError (`rejected` with the platform's reason for a context over its limit, …).
 */
export async function uploadContext(client: PlatformClient, context: Uint8Array): Promise<string> {
  const { upload_url, build_id } = await client.post(
    '/v2/builds/upload-url',
    {},
    {
      schema: UploadUrl,
    },
  );
  const url = new URL(upload_url);
  // Its own client: the URL may be on another host (hud.ai hands out storage URLs), and a big context
  // takes longer than an API call.
  const uploader = new PlatformClient({
    urls: { ...client.urls, api: url.origin },
    timeoutMs: 600_000,
  });
  await uploader.request('PUT', url.pathname, {
    query: Object.fromEntries(url.searchParams),
    body: context,
    contentType: 'application/gzip',
    auth: false,
  });
  return build_id;
}

/** `POST /v2/builds/trigger` → `{id, registry_id, version?}`. @throws PlatformError. */
export function triggerBuild(
  client: PlatformClient,
  body: TriggerRequest,
): Promise<z.infer<typeof Triggered>> {
  return client.post('/v2/builds/trigger', body, { schema: Triggered });
}

/** `GET /v2/builds/{id}/status` → `{status, error?}`. @throws PlatformError. */
export function buildStatus(
  client: PlatformClient,
  buildId: string,
): Promise<z.infer<typeof Status>> {
  return client.get(`/v2/builds/${encodeURIComponent(buildId)}/status`, { schema: Status });
}

/** Options of {@link followBuild}. */
export interface FollowOptions {
  client: PlatformClient;
  /** The key, sent as `?api_key=` (hud-python's WebSocket does the same). */
  apiKey: string;
  buildId: string;
  onLog: (line: string) => void;
  onStatus?: (status: string) => void;
  /** Polling interval of the fallback, ms (default 2,000). */
  pollMs?: number;
}

/** Streams the log over the WebSocket; resolves false when the socket could not be opened at all. */
function streamLogs(options: FollowOptions): Promise<boolean> {
  const base = new URL(options.client.urls.api);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${base.toString().replace(/\/$/, '')}/v2/builds/${encodeURIComponent(options.buildId)}/logs?api_key=${encodeURIComponent(options.apiKey)}`;
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    let opened = false;
    socket.on('open', () => {
      opened = true;
    });
    socket.on('message', (data) => {
      let message: { type?: unknown; message?: unknown; data?: unknown; status?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        options.onLog(String(data));
        return;
      }
      if (message.type === 'log') {
        const text = message.message ?? message.data;
        if (typeof text === 'string') options.onLog(text);
      } else if (typeof message.status === 'string') {
        options.onStatus?.(message.status);
        if (FINAL_STATUSES.has(message.status)) socket.close();
      }
    });
    socket.on('unexpected-response', (request, response) => {
      response.resume();
      request.destroy();
      resolve(false);
    });
    socket.on('error', () => {
      if (!opened) resolve(false);
    });
    socket.on('close', () => resolve(opened));
  });
}

/**
 * Follows a build to its end: the live log over the WebSocket, else (no WebSocket) polling of its status;
 * resolves the final `{status, error?}` as `GET /v2/builds/{id}/status` answers it.
 * @throws PlatformError from the status requests (a wrong key is a clear 401).
 */
export async function followBuild(options: FollowOptions): Promise<z.infer<typeof Status>> {
  await streamLogs(options);
  for (;;) {
    const status = await buildStatus(options.client, options.buildId);
    if (FINAL_STATUSES.has(status.status)) return status;
    options.onStatus?.(status.status);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
  }
}
