import type { ProviderRoute } from '../provider-route.js';

/** Google API status names of HTTP statuses (google.rpc.Code), as Gemini's error envelope carries them. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

type Arguments = { args: Record<string, unknown> } | { malformed: string };

/** A scripted call's arguments: objects as they are, JSON object text parsed, anything else malformed. */
function callArguments(value: unknown): Arguments {
  if (value === undefined || value === null) return { args: {} };
  if (typeof value !== 'string') return { args: value as Record<string, unknown> };
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { args: parsed as Record<string, unknown> };
    }
  } catch {
    // malformed on purpose: rendered the way Gemini reports a call it could not produce
  }
  return { malformed: value };
}

/** A scripted finish reason as Gemini spells it (`length` and `max_tokens` are `MAX_TOKENS`). */
function finishReasonOf(value: string | undefined): string {
  if (value === undefined) return 'STOP';
  if (value === 'length' || value === 'max_tokens') return 'MAX_TOKENS';
  return value;
}

/**
 * Gemini generateContent, `POST /v1beta/models/{model}:generateContent`, non-streaming. Envelope as in
 * `docs/spec/provider-apis.md` §4.3 (logged from the official `@google/genai` SDK): one candidate whose
 * `content` (role `model`) holds, in order, a thought part (`thought: true`, when the turn has `reasoning`),
 * a text part (when it has text) and one `functionCall` part per tool call with object `args`. A call `id`
 * is sent only when scripted (the Gemini API often leaves it out). The first part carries an opaque
 * `thoughtSignature` (`fake-signature-<request index>`), as Gemini 3 does, so tests can check that history
 * goes back unchanged. `finishReason` is `STOP` for tool calls too (Gemini does not distinguish them);
 * `length` is rendered as `MAX_TOKENS`. A call whose arguments are scripted as text that is not a JSON
 * object is rendered the way Gemini reports one: no parts, `finishReason: MALFORMED_FUNCTION_CALL` and a
 * `finishMessage` quoting the call. `usageMetadata` reports `promptTokenCount` (default 10),
 * `candidatesTokenCount` (default 5) and `cachedContentTokenCount` (when scripted); `modelVersion` is the
 * path's model unless the turn names one. Errors use Google's envelope `{error: {code, message, status}}`.
 */
export const geminiGenerateContentRoute: ProviderRoute = {
  name: 'gemini-generate-content',
  method: 'POST',
  // A regex-bounded parameter, then `::` (Fastify's escaped literal colon): `…/models/gemini-3-pro-preview:generateContent`.
  url: '/v1beta/models/:model(^[^:/]+)::generateContent',
  render(turn, { index, params }) {
    const parts: Record<string, unknown>[] = [];
    if (turn.reasoning !== undefined) parts.push({ text: turn.reasoning, thought: true });
    if (turn.text !== undefined && turn.text !== '') parts.push({ text: turn.text });
    let malformed: string | undefined;
    for (const call of 'toolCalls' in turn ? turn.toolCalls : []) {
      const parsed = callArguments(call.arguments);
      if ('malformed' in parsed) {
        malformed ??= `Malformed function call: print(default_api.${call.name}(${parsed.malformed}))`;
        continue;
      }
      parts.push({
        functionCall: {
          ...(call.id !== undefined ? { id: call.id } : {}),
          name: call.name,
          args: parsed.args,
        },
      });
    }
    const first = parts[0];
    if (first) first.thoughtSignature = `fake-signature-${index}`;
    const usage = turn.usage ?? {};
    const promptTokens = usage.inputTokens ?? 10;
    const candidateTokens = usage.outputTokens ?? 5;
    const candidate: Record<string, unknown> =
      malformed === undefined
        ? {
            index: 0,
            finishReason: finishReasonOf(turn.finishReason),
            content: { role: 'model', parts },
          }
        : {
            index: 0,
            finishReason: 'MALFORMED_FUNCTION_CALL',
            finishMessage: malformed,
            content: {},
          };
    return {
      candidates: [candidate],
      usageMetadata: {
        promptTokenCount: promptTokens,
        candidatesTokenCount: candidateTokens,
        ...(usage.cachedTokens !== undefined
          ? { cachedContentTokenCount: usage.cachedTokens }
          : {}),
        totalTokenCount: promptTokens + candidateTokens,
      },
      modelVersion: turn.model ?? params.model ?? 'gemini-fake',
      responseId: `fake-response-${index}`,
    };
  },
  errorBody(status, message) {
    return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } };
  },
};
