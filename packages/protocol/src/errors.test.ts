import { describe, expect, it } from 'vitest';
import { ErrorCode, HudError, ProtocolError, WireError } from './errors.js';
import { encodeError } from './jsonrpc.js';

describe('WireError (what a server answers a request with)', () => {
  it('is a ProtocolError whose message is the bare wire text', () => {
    const cause = new Error('inner');
    const error = new WireError(ErrorCode.InvalidRequest, 'no task in progress', { cause });
    expect(error).toBeInstanceOf(ProtocolError);
    expect(ProtocolError.isInstance(error) && WireError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'WireError',
      code: -32600,
      message: 'no task in progress',
      rpcMessage: 'no task in progress',
      closesConnection: false,
      cause,
    });
    expect(JSON.stringify(error)).toBe('{"code":-32600,"message":"no task in progress"}');
    expect(encodeError(3, error.code, error.message)).toBe(
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"no task in progress"}}\n',
    );
  });

  it('carries whether the connection closes after it as data, not in its text', () => {
    expect(new WireError(ErrorCode.InvalidRequest, 'unauthorized: x').closesConnection).toBe(false);
    expect(
      new WireError(ErrorCode.InvalidRequest, 'token refused', { closesConnection: true })
        .closesConnection,
    ).toBe(true);
  });

  it('is told apart from a ProtocolError received from a peer, across copies of the package', () => {
    expect(WireError.isInstance(new ProtocolError(ErrorCode.ServerError, 'boom'))).toBe(false);
    expect(new ProtocolError(ErrorCode.ServerError, 'boom').message).toBe(
      'hud rpc error -32000: boom',
    );
    const copy = { [Symbol.for('hud.wire-error')]: true };
    expect(WireError.isInstance(copy)).toBe(true);
    expect(WireError.isInstance(null)).toBe(false);
  });
});

describe('ProtocolError (a wire error received from a peer)', () => {
  it('prefixes the code, keeps the bare text and is recognised across copies', () => {
    const error = new ProtocolError(ErrorCode.MethodNotFound, 'no such method');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ProtocolError',
      code: -32601,
      message: 'hud rpc error -32601: no such method',
      rpcMessage: 'no such method',
    });
    expect(ProtocolError.isInstance(error)).toBe(true);
    expect(ProtocolError.isInstance({ [Symbol.for('hud.protocol-error')]: true })).toBe(true);
    expect(ProtocolError.isInstance(new HudError('timeout', 'x'))).toBe(false);
    expect(WireError.isInstance(error)).toBe(false);
  });
});
