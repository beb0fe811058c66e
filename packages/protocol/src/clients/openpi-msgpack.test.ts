import { describe, expect, it } from 'vitest';
import { pyBytes } from '../__fixtures__/py-bytes.js';
import { HudError } from '../errors.js';
import { PyFloat } from '../python-json.js';
import { packOpenPi, unpackOpenPi } from './openpi-msgpack.js';
import { NdArray, type NumericTypedArray } from './openpi-ndarray.js';

// What numpy 2 + msgpack-python 1.x + openpi_client.msgpack_numpy write, worked out by hand from
// msgpack_numpy.pack_array and the msgpack spec (bin keys, `<f4` as fixstr, shape tuple as fixarray).
const NDARRAY_HEAD = "84 c4 0b '__ndarray__' c3 c4 04 'data'";
const PY_ACTIONS = pyBytes(
  `81 a7 'actions' ${NDARRAY_HEAD} c4 08 0000003f 000080be c4 05 'dtype' a3 '<f4' c4 05 'shape' 91 02`,
);

function expectHudError(run: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(HudError.isInstance(caught), String(caught)).toBe(true);
  expect((caught as HudError).code).toBe(code);
  expect((caught as HudError).message).toMatch(message);
}

describe('packOpenPi', () => {
  it('writes an action frame byte for byte as msgpack_numpy.packb does (bin keys, str dtype, array shape)', () => {
    const frame = packOpenPi({ actions: new NdArray(new Float32Array([0.5, -0.25])) });
    expect(Buffer.from(frame).toString('hex')).toBe(Buffer.from(PY_ACTIONS).toString('hex'));
  });

  it('writes a bare typed array as a 1-d ndarray, a PyFloat as float64, a Buffer as bytes, undefined keys left out', () => {
    const frame = packOpenPi({
      image: Uint8Array.of(1, 2),
      reward: PyFloat.of(1),
      raw: Buffer.from('hi'),
      skipped: undefined,
    });
    const expected = pyBytes(
      `83 a5 'image' ${NDARRAY_HEAD} c4 02 0102 c4 05 'dtype' a3 '|u1' c4 05 'shape' 91 02` +
        ` a6 'reward' cb 3ff0000000000000 a3 'raw' c4 02 'hi'`,
    );
    expect(Buffer.from(frame).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
  });

  it('names the path of a value it cannot encode', () => {
    expectHudError(
      () => packOpenPi({ meta: { when: new Map() } }),
      'invalid_argument',
      /cannot encode Map at 'meta\.when'/,
    );
  });
});

describe('unpackOpenPi', () => {
  it('decodes what the Python client sends into a float32 NdArray', () => {
    const decoded = unpackOpenPi(PY_ACTIONS) as { actions: NdArray };
    expect(decoded.actions).toBeInstanceOf(NdArray);
    expect(decoded.actions.data).toBeInstanceOf(Float32Array);
    expect(decoded.actions.dtype).toBe('<f4');
    expect(decoded.actions.shape).toEqual([2]);
    expect([...decoded.actions.data]).toEqual([0.5, -0.25]);
  });

  it.each<[string, NumericTypedArray, number[], string?]>([
    ['<f4 2x3', Float32Array.from([1.5, -2, 3.25, 0, 1e-3, -7]), [2, 3]],
    ['<f8 3x1', Float64Array.from([Math.PI, -Math.E, 1e300]), [3, 1]],
    ['<i4 4', Int32Array.from([-2147483648, -1, 0, 2147483647]), [4]],
    ['|u1 2x2x3 image', Uint8Array.from({ length: 12 }, (_, index) => index * 21), [2, 2, 3]],
    ['<i8 2x2', BigInt64Array.from([-(2n ** 63n), -1n, 1n, 2n ** 62n]), [2, 2]],
    ['|b1 3', Uint8Array.of(1, 0, 1), [3], '|b1'],
    ['<f4 0-d', Float32Array.of(3.5), []],
    ['<f4 empty 0x5', new Float32Array(0), [0, 5]],
  ])('round-trips %s with dtype, shape and values', (_, data, shape, dtype) => {
    const array = new NdArray(data, shape, dtype);
    const decoded = (unpackOpenPi(packOpenPi({ value: array })) as { value: NdArray }).value;
    expect(decoded.dtype).toBe(array.dtype);
    expect(decoded.shape).toEqual(shape);
    expect(decoded.data.constructor).toBe(data.constructor);
    expect([...decoded.data]).toEqual([...data]);
    expect(decoded.data.buffer).not.toBe(data.buffer);
  });

  it('writes each dtype as numpy names it', () => {
    const dtypeOf = (data: NumericTypedArray, dtype?: string) =>
      (unpackOpenPi(packOpenPi(new NdArray(data, undefined, dtype))) as NdArray).dtype;
    expect(dtypeOf(new Float64Array(1))).toBe('<f8');
    expect(dtypeOf(new Int8Array(1))).toBe('|i1');
    expect(dtypeOf(new Uint16Array(1))).toBe('<u2');
    expect(dtypeOf(new BigUint64Array(1))).toBe('<u8');
    expect(dtypeOf(new Uint8Array(1), '|b1')).toBe('|b1');
  });

  it('byte-swaps big-endian arrays and reads numpy scalars as plain values', () => {
    const frame = pyBytes(
      `83 a1 'x' ${NDARRAY_HEAD} c4 08 3fc00000 c0000000 c4 05 'dtype' a3 '>f4' c4 05 'shape' 91 02` +
        ` a1 'n' 83 c4 0d '__npgeneric__' c3 c4 04 'data' 07 c4 05 'dtype' a3 '<i8'` +
        ` a1 'b' 83 c4 0d '__npgeneric__' c3 c4 04 'data' c3 c4 05 'dtype' a3 '|b1'`,
    );
    const decoded = unpackOpenPi(frame) as { x: NdArray; n: unknown; b: unknown };
    expect(decoded.x.dtype).toBe('<f4');
    expect([...decoded.x.data]).toEqual([1.5, -2]);
    expect(decoded.n).toBe(7);
    expect(decoded.b).toBe(true);
  });

  it('rejects a malformed frame', () => {
    expectHudError(
      () => unpackOpenPi(Uint8Array.of(0xc1)),
      'invalid_frame',
      /openpi frame is not valid msgpack/,
    );
    expectHudError(
      () => unpackOpenPi(PY_ACTIONS.subarray(0, 20), 'robot frame'),
      'invalid_frame',
      /robot frame is not valid msgpack/,
    );
  });

  it('rejects an unsupported dtype, naming the key', () => {
    for (const dtype of ['<c8', '<U4', '|O', '|f4', 'float32']) {
      const frame = pyBytes(
        `81 a5 'state' ${NDARRAY_HEAD} c4 08 0000003f 000080be c4 05 'dtype' a${dtype.length.toString(16)} '${dtype}' c4 05 'shape' 91 02`,
      );
      expectHudError(
        () => unpackOpenPi(frame),
        'invalid_frame',
        new RegExp(`openpi frame 'state': unsupported dtype "${dtype.replace('|', '\\|')}"`),
      );
    }
  });

  it('rejects a shape that does not match the data length, or is not a list of extents', () => {
    const frame = (shape: string) =>
      pyBytes(
        `81 a5 'state' ${NDARRAY_HEAD} c4 08 0000003f 000080be c4 05 'dtype' a3 '<f4' c4 05 'shape' ${shape}`,
      );
    expectHudError(
      () => unpackOpenPi(frame('91 03')),
      'invalid_frame',
      /'state': 8 data bytes for shape \[3\] of <f4 \(needs 12\)/,
    );
    expectHudError(
      () => unpackOpenPi(frame('92 ff 02')),
      'invalid_frame',
      /'state': shape must be a list of non-negative integers, got \[-1,2\]/,
    );
    expectHudError(
      () => unpackOpenPi(pyBytes(`81 a5 'state' 82 c4 0b '__ndarray__' c3 c4 04 'data' c4 00`)),
      'invalid_frame',
      /'state': ndarray map without 'dtype'/,
    );
  });
});

describe('NdArray', () => {
  it('refuses a shape that does not hold the data, or a dtype that does not describe it', () => {
    expect(() => new NdArray(new Float32Array(6), [4])).toThrow(
      /shape \[4\] holds 4 values, data has 6/,
    );
    expect(() => new NdArray(new Float32Array(2), [2], '<f8')).toThrow(
      /dtype "<f8" does not describe a Float32Array \(use '<f4'\)/,
    );
    expect(() => new NdArray(new Int8Array(2), [2], '|b1')).toThrow(/does not describe/);
  });
});
