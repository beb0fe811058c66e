import {
  clientBytes,
  normalizePorts,
  type Transcript,
  type TranscriptEntry,
  WireClient,
} from '@hud/testing';

/**
 * A place where hud-ts answers differently from the recording on purpose. `recorded` is the recorded s2c
 * line after port normalisation (`null`: Python sent nothing more and closed); `ours` is what we send
 * instead (`null`: nothing).
 */
export interface Deviation {
  scenario: string;
  recorded: string | null;
  /** Our reply; a RegExp where the text embeds a runtime's own wording (JSON.parse messages). */
  ours: string | RegExp | null;
  reason: string;
}

const SESSION = /sess-[0-9a-f]{8}/g;

/** Keeps recorded session ids and ours in a one-to-one map (ids are random in both runs). */
class SessionMap {
  readonly #toOurs = new Map<string, string>();
  readonly #toRecorded = new Map<string, string>();

  /** Rewrites recorded ids the client sends into the ids our server minted. */
  outgoing(text: string): string {
    return text.replace(SESSION, (id) => this.#toOurs.get(id) ?? id);
  }

  /** Rewrites our ids into recorded ones, learning new pairs by position. */
  incoming(ours: string, recorded: string): string {
    const recordedIds = recorded.match(SESSION) ?? [];
    const ourIds = ours.match(SESSION) ?? [];
    const unknownRecorded = recordedIds.filter((id) => !this.#toOurs.has(id));
    const unknownOurs = ourIds.filter((id) => !this.#toRecorded.has(id));
    unknownOurs.forEach((id, index) => {
      const partner = unknownRecorded[index];
      if (partner && !this.#toRecorded.has(id)) {
        this.#toRecorded.set(id, partner);
        this.#toOurs.set(partner, id);
      }
    });
    return ours.replace(SESSION, (id) => this.#toRecorded.get(id) ?? id);
  }
}

/** Parked-session lists are sorted by (random) id: compare them as sets. */
function sameModuloSessionOrder(left: string, right: string): boolean {
  const sortList = (text: string) =>
    text.replace(
      /\(((?:sess-[0-9a-f]{8}(?:, )?)+)\)/g,
      (_whole, list: string) => `(${list.split(', ').sort().join(', ')})`,
    );
  return sortList(left) === sortList(right);
}

/** The outcome of one replay: every comparison made, and the deviations that applied. */
export interface ReplayResult {
  compared: number;
  usedDeviations: Deviation[];
}

/**
 * Replays a recorded raw transcript against a server on `port`: sends each c2s entry's bytes on the same
 * numbered connection, and checks each s2c line, raw byte run and EOF against ours.
 * @throws Error describing the first mismatch (scenario, connection, recorded vs ours).
 */
export async function replayRaw(
  transcript: Transcript,
  port: number,
  deviations: Deviation[],
): Promise<ReplayResult> {
  const sockets = new Map<number, WireClient>();
  const sessions = new SessionMap();
  const used: Deviation[] = [];
  let compared = 0;
  const fail = (entry: TranscriptEntry, message: string): never => {
    throw new Error(`${transcript.scenario}, conn ${entry.conn}: ${message}`);
  };
  const deviationFor = (recorded: string | null, ours: string | null) =>
    deviations.find(
      (deviation) =>
        deviation.scenario === transcript.scenario &&
        deviation.recorded === recorded &&
        (deviation.ours instanceof RegExp && ours !== null
          ? deviation.ours.test(ours)
          : deviation.ours === ours),
    );
  try {
    for (const entry of transcript.transcript) {
      if (entry.event === 'connect') {
        sockets.set(entry.conn, await WireClient.connect(port));
        continue;
      }
      const socket = sockets.get(entry.conn) ?? fail(entry, 'no such connection');
      if (entry.event?.startsWith('error')) continue;
      if (entry.dir === 'c2s') {
        if (entry.event === 'eof') socket.end();
        else
          socket.write(
            Buffer.from(sessions.outgoing(clientBytes(entry).toString('latin1')), 'latin1'),
          );
        continue;
      }
      if (entry.event === 'eof') {
        const line = await socket.nextLine();
        if (line !== null) {
          const ours = normalizePorts(line);
          const deviation = deviationFor(null, ours) ?? fail(entry, `expected EOF, got ${ours}`);
          used.push(deviation);
          const rest = await socket.untilEnd();
          if (rest.length > 0)
            fail(entry, `expected EOF after the deviation, got ${rest.toString()}`);
        }
        compared++;
        continue;
      }
      if (entry.raw) {
        const expected = clientBytes(entry);
        const got = await socket.nextBytes(expected.length);
        if (!got.equals(expected))
          fail(entry, `raw bytes differ: ${JSON.stringify(got.toString())}`);
        compared++;
        continue;
      }
      const line = await socket.nextLine();
      if (entry.wire === undefined) {
        // An elided (huge) reply: same byte size, same envelope.
        if (line === null) fail(entry, 'expected a large reply, got EOF');
        const size = Buffer.byteLength(line as string) + 1;
        if (size !== entry.bytes)
          fail(entry, `large reply is ${size} bytes, recorded ${entry.bytes}`);
        const parsed = JSON.parse(line as string) as Record<string, unknown>;
        if (Object.keys(parsed).join() !== 'jsonrpc,id,result')
          fail(entry, `large reply keys ${Object.keys(parsed)}`);
        compared++;
        continue;
      }
      const recorded = normalizePorts(entry.wire);
      const ours = line === null ? null : sessions.incoming(normalizePorts(line), recorded);
      if (ours !== null && (ours === recorded || sameModuloSessionOrder(ours, recorded))) {
        compared++;
        continue;
      }
      const deviation =
        deviationFor(recorded, ours) ??
        fail(entry, `reply differs\n  recorded: ${recorded}\n  ours:     ${ours}`);
      used.push(deviation);
      compared++;
    }
  } finally {
    for (const socket of sockets.values()) socket.destroy();
  }
  return { compared, usedDeviations: used };
}
