import protobuf from 'protobufjs';

/**
 * The few BuildKit protobuf messages the gateway reads and writes, as protobufjs JSON descriptors (field
 * numbers from moby/buildkit `api/services/control/control.proto`, `session/secrets/secrets.proto` and
 * grpc's `health/v1/health.proto`; fields the gateway does not read are left out and skipped on decode).
 */
const root = protobuf.Root.fromJSON({
  nested: {
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: {
      fields: { vertex: { type: 'string', id: 1 }, msg: { type: 'bytes', id: 4 } },
    },
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
      },
    },
    GetSecretRequest: { fields: { ID: { type: 'string', id: 1 } } },
    GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
  },
});

/** A BuildKit vertex (one step) as the trace reports it. */
export interface TraceVertex {
  digest: string;
  name: string;
  cached: boolean;
  started: boolean;
  completed: boolean;
  error: string;
}

/** One trace record: steps that changed and the output lines of steps. */
export interface TraceRecord {
  vertexes: TraceVertex[];
  logs: { vertex: string; msg: Uint8Array }[];
}

const StatusResponse = root.lookupType('StatusResponse');
const GetSecretRequest = root.lookupType('GetSecretRequest');
const GetSecretResponse = root.lookupType('GetSecretResponse');
const HealthCheckResponse = root.lookupType('HealthCheckResponse');

/**
 * Decodes the `aux` of a `moby.buildkit.trace` build event (base64 of a BuildKit `StatusResponse`).
 * @throws protobufjs's error for bytes that are not one.
 */
export function decodeTrace(base64: string): TraceRecord {
  const message = StatusResponse.toObject(StatusResponse.decode(Buffer.from(base64, 'base64')), {
    defaults: true,
    arrays: true,
  }) as {
    vertexes: {
      digest: string;
      name: string;
      cached: boolean;
      started?: unknown;
      completed?: unknown;
      error: string;
    }[];
    logs: { vertex: string; msg: Uint8Array }[];
  };
  return {
    vertexes: message.vertexes.map((vertex) => ({
      digest: vertex.digest,
      name: vertex.name,
      cached: vertex.cached,
      started: vertex.started != null,
      completed: vertex.completed != null,
      error: vertex.error,
    })),
    logs: message.logs,
  };
}

/** The secret id a `GetSecretRequest` asks for. */
export function decodeSecretRequest(bytes: Uint8Array): string {
  return (GetSecretRequest.decode(bytes) as unknown as { ID: string }).ID;
}

/** A `GetSecretResponse` carrying `data`. */
export function encodeSecretResponse(data: Uint8Array): Uint8Array {
  return GetSecretResponse.encode(GetSecretResponse.create({ data })).finish();
}

/** A grpc health `HealthCheckResponse` saying SERVING (1). */
export function encodeServing(): Uint8Array {
  return HealthCheckResponse.encode(HealthCheckResponse.create({ status: 1 })).finish();
}
