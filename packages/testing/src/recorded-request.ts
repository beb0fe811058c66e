/** A request the fake received, for assertions. */
export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names, as Node parses them. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; `undefined` when empty. */
  body: unknown;
  /** Name of the matching `ProviderRoute`, or `null` for an unknown path (answered 404). */
  route: string | null;
}
