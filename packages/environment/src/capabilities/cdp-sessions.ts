import { CdpError, ErrorCode, HudError } from '@hud/protocol';
import type { CdpMessage, CdpPipe } from './cdp-pipe.js';

/** A DevTools client of the front: where its messages go (`send`) and how it is dropped (`close`). */
export interface CdpPeer {
  send(text: string): void;
  close(): void;
}

interface Attached {
  peer: CdpPeer;
  /** The session the peer's session-less messages go to (its own browser or page session). */
  root: string;
  /** Sessions the peer attached (flattened) itself, whose messages keep their sessionId. */
  children: Set<string>;
}

type Pending =
  | { kind: 'peer'; attached: Attached; id: number }
  | {
      kind: 'own';
      method: string;
      resolve: (result: Record<string, unknown>) => void;
      reject: (error: Error) => void;
    };

/**
 * Multiplexes many DevTools clients over Chromium's one pipe connection, each in its own session, so that
 * each sees what it would see on its own WebSocket to Chromium: a browser-level client gets a session of
 * its own on the browser target (`Target.attachToBrowserTarget`), a page client one on its page
 * (`Target.attachToTarget` with `flatten`). Command ids are renumbered on the way in and restored on the
 * way out; replies and events of a client's root session lose their `sessionId` (as on a direct
 * connection); those of sessions it attached itself (flattened, e.g. by auto-attach) keep it and reach
 * only that client.
 */
export class CdpSessions {
  readonly #pipe: CdpPipe;
  readonly #pending = new Map<number, Pending>();
  /** Every session a client owns (its root and its children), to the client. */
  readonly #owners = new Map<string, Attached>();
  readonly #attached = new Set<Attached>();
  #nextId = 1;
  #closed = false;

  constructor(pipe: CdpPipe) {
    this.#pipe = pipe;
    pipe.onMessage((message) => this.#fromBrowser(message));
    void pipe.closed.then(() => this.close());
  }

  /**
   * Sends a command on the pipe's own browser session and resolves with its result.
   * @throws CdpError with the browser's error reply; HudError `connection_closed` once the browser is gone.
   */
  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.#closed) {
      return Promise.reject(new HudError('connection_closed', 'the browser has exited'));
    }
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { kind: 'own', method, resolve, reject });
      this.#pipe.send({ id, method, params });
    });
  }

  /**
   * Gives `peer` its session: the browser target's (no `targetId`) or a page's.
   * @returns a function that takes a message text from the peer.
   * @throws CdpError when the browser refuses the attachment (e.g. no such target).
   */
  async attach(peer: CdpPeer, targetId?: string): Promise<(text: string) => void> {
    const result =
      targetId === undefined
        ? await this.call('Target.attachToBrowserTarget')
        : await this.call('Target.attachToTarget', { targetId, flatten: true });
    const root = String(result.sessionId);
    const attached: Attached = { peer, root, children: new Set() };
    this.#attached.add(attached);
    this.#owners.set(root, attached);
    return (text) => this.#fromPeer(attached, text);
  }

  /** Forgets `peer` and detaches its session from the browser. */
  detach(peer: CdpPeer): void {
    for (const attached of this.#attached) {
      if (attached.peer !== peer) continue;
      this.#forget(attached);
      if (!this.#closed) {
        this.call('Target.detachFromTarget', { sessionId: attached.root }).catch(() => undefined);
      }
    }
  }

  /** Fails every pending call and drops every client (the browser is gone or the front closes). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      if (pending.kind === 'own') {
        pending.reject(new HudError('connection_closed', 'the browser has exited'));
      }
    }
    this.#pending.clear();
    for (const attached of [...this.#attached]) {
      this.#forget(attached);
      attached.peer.close();
    }
  }

  #forget(attached: Attached): void {
    this.#attached.delete(attached);
    this.#owners.delete(attached.root);
    for (const child of attached.children) this.#owners.delete(child);
  }

  #fromPeer(attached: Attached, text: string): void {
    let message: CdpMessage;
    try {
      message = JSON.parse(text) as CdpMessage;
    } catch {
      attached.peer.send(
        JSON.stringify({ error: { code: ErrorCode.ParseError, message: 'Message must be JSON' } }),
      );
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'number') {
      attached.peer.send(
        JSON.stringify({
          error: {
            code: ErrorCode.InvalidRequest,
            message: "Message must have integer 'id' property",
          },
        }),
      );
      return;
    }
    if (this.#closed || !this.#attached.has(attached)) return;
    const id = this.#nextId++;
    this.#pending.set(id, { kind: 'peer', attached, id: message.id });
    this.#pipe.send({ ...message, id, sessionId: message.sessionId ?? attached.root });
  }

  #fromBrowser(message: CdpMessage): void {
    if (typeof message.id === 'number') {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (pending.kind === 'own') {
        if (message.error) {
          pending.reject(new CdpError(pending.method, message.error));
        } else pending.resolve(message.result ?? {});
        return;
      }
      const { attached } = pending;
      if (!this.#attached.has(attached)) return;
      // A session the client attached itself (Target.attachToTarget with flatten) is the client's.
      const child = message.result?.sessionId;
      if (typeof child === 'string') this.#adopt(attached, child);
      this.#deliver(attached, { ...message, id: pending.id });
      return;
    }
    const sessionId = message.sessionId;
    if (sessionId === undefined) {
      // Events of the pipe's own session: only a client's root going away (its page closed) matters.
      const gone =
        message.method === 'Target.detachedFromTarget' ? message.params?.sessionId : undefined;
      const attached = typeof gone === 'string' ? this.#owners.get(gone) : undefined;
      if (attached !== undefined && attached.root === gone) {
        this.#forget(attached);
        attached.peer.close();
      }
      return;
    }
    const attached = this.#owners.get(sessionId);
    if (attached === undefined) return;
    const params = message.params ?? {};
    if (message.method === 'Target.attachedToTarget' && typeof params.sessionId === 'string') {
      this.#adopt(attached, params.sessionId);
    } else if (
      message.method === 'Target.detachedFromTarget' &&
      typeof params.sessionId === 'string'
    ) {
      attached.children.delete(params.sessionId);
      if (params.sessionId !== attached.root) this.#owners.delete(params.sessionId);
    }
    this.#deliver(attached, message);
  }

  #adopt(attached: Attached, sessionId: string): void {
    if (sessionId === attached.root) return;
    attached.children.add(sessionId);
    this.#owners.set(sessionId, attached);
  }

  #deliver(attached: Attached, message: CdpMessage): void {
    if (message.sessionId === attached.root) {
      const { sessionId: _root, ...rest } = message;
      attached.peer.send(JSON.stringify(rest));
    } else attached.peer.send(JSON.stringify(message));
  }
}
