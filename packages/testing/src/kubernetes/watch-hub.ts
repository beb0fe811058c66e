import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodObject } from './fake-pod.js';

/** Which pods a list or watch selects. @internal */
export interface WatchFilter {
  namespace?: string;
  /** `metadata.name=<name>` (and `metadata.namespace=<ns>`), comma-separated. */
  fieldSelector?: string;
  /** `key=value` terms, comma-separated (equality only). */
  labelSelector?: string;
}

interface Event {
  readonly version: number;
  readonly type: string;
  /** The pod as it was at this version (a JSON snapshot). */
  readonly object: string;
  readonly pod: PodObject;
}

interface Watcher {
  readonly filter: WatchFilter;
  send(type: string, object: string): void;
  end(): void;
}

/** Events kept for watches that resume from a resourceVersion. */
const HISTORY = 2000;

/**
 * The fake API server's resourceVersions and watches: every change of a pod gets the next version and is
 * sent, as one JSON line `{type, object}`, to every watch whose filter selects it; a watch from a version
 * replays the kept events after it (or answers `410 Gone` when that version is no longer kept).
 * @internal
 */
export class WatchHub {
  #version = 1;
  readonly #history: Event[] = [];
  readonly #watchers = new Set<Watcher>();

  /** The current resourceVersion. */
  get version(): string {
    return String(this.#version);
  }

  nextVersion(): number {
    return ++this.#version;
  }

  /** Whether `pod` is selected by `filter`. */
  static matches(pod: PodObject, filter: WatchFilter): boolean {
    if (filter.namespace !== undefined && pod.metadata.namespace !== filter.namespace) return false;
    for (const term of (filter.fieldSelector ?? '').split(',').filter(Boolean)) {
      const [key, value] = term.split('=');
      if (key === 'metadata.name' && pod.metadata.name !== value) return false;
      if (key === 'metadata.namespace' && pod.metadata.namespace !== value) return false;
    }
    for (const term of (filter.labelSelector ?? '').split(',').filter(Boolean)) {
      const [key, value] = term.split('=') as [string, string | undefined];
      const actual = pod.metadata.labels?.[key];
      if (value === undefined ? actual === undefined : actual !== value) return false;
    }
    return true;
  }

  /** Stamps `version` on `pod` and sends the event. */
  publish(type: string, pod: PodObject, version: number): void {
    pod.metadata.resourceVersion = String(version);
    const object = JSON.stringify(pod);
    this.#history.push({ version, type, object, pod });
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const watcher of this.#watchers) {
      if (WatchHub.matches(pod, watcher.filter)) watcher.send(type, object);
    }
  }

  /**
   * Serves one watch: `since` unset or `0` sends an `ADDED` per current pod first; otherwise the kept
   * events after `since`. `gone` answers an `ERROR` event (410 Expired) and ends; `closeAfter` ends the
   * response after that many events.
   */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    options: {
      filter: WatchFilter;
      since: string | undefined;
      gone: boolean;
      closeAfter: number | undefined;
      current: PodObject[];
    },
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const oldest = this.#history[0]?.version ?? this.#version;
    const since = options.since === undefined ? 0 : Number(options.since);
    if (options.gone || (since > 0 && since < oldest - 1)) {
      res.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${since} (${this.#version})`,
            reason: 'Expired',
            code: 410,
          },
        })}\n`,
      );
      return;
    }
    let sent = 0;
    const watcher: Watcher = {
      filter: options.filter,
      send: (type, object) => {
        res.write(`{"type":${JSON.stringify(type)},"object":${object}}\n`);
        sent++;
        if (options.closeAfter !== undefined && sent >= options.closeAfter) watcher.end();
      },
      end: () => {
        this.#watchers.delete(watcher);
        res.end();
      },
    };
    this.#watchers.add(watcher);
    req.once('close', () => this.#watchers.delete(watcher));
    if (since === 0) {
      for (const pod of options.current) {
        if (WatchHub.matches(pod, options.filter)) watcher.send('ADDED', JSON.stringify(pod));
      }
    } else {
      for (const event of this.#history) {
        if (event.version > since && WatchHub.matches(event.pod, options.filter)) {
          watcher.send(event.type, event.object);
        }
      }
    }
  }

  /** Ends every watch. */
  close(): void {
    for (const watcher of [...this.#watchers]) watcher.end();
  }
}
