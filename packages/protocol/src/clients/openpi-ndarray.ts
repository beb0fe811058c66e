import { HudError } from '../errors.js';

/** The typed arrays an {@link NdArray} can hold (one per numpy numeric dtype of fixed size). */
export type NumericTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** numpy kind + itemsize (`f4`) → the typed array holding it; `b1` (bool) is a Uint8Array of 0/1. */
const ARRAY_OF: Readonly<Record<string, TypedArrayConstructor>> = {
  b1: Uint8Array,
  i1: Int8Array,
  u1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
  f4: Float32Array,
  f8: Float64Array,
};

const DTYPE_OF_ARRAY: readonly (readonly [abstract new (...args: never) => unknown, string])[] = [
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [Int8Array, '|i1'],
  [Uint8Array, '|u1'],
  [Uint8ClampedArray, '|u1'],
  [Int16Array, '<i2'],
  [Uint16Array, '<u2'],
  [Int32Array, '<i4'],
  [Uint32Array, '<u4'],
  [BigInt64Array, '<i8'],
  [BigUint64Array, '<u8'],
];

/** The numpy `dtype.str` a typed array is written as (little-endian; one-byte types take `|`). */
function dtypeOfArray(data: unknown): string | undefined {
  return DTYPE_OF_ARRAY.find(([type]) => data instanceof type)?.[1];
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The supported dtypes, for error messages. */
export const SUPPORTED_DTYPES =
  '|b1, |i1, |u1, <i2, <u2, <i4, <u4, <i8, <u8, <f4, <f8 (or > byte order)';

interface ParsedDtype {
  /** kind + itemsize, e.g. `f4`. */
  code: string;
  itemsize: number;
  bigEndian: boolean;
  array: TypedArrayConstructor;
}

/**
 * Parses a numpy `dtype.str` (`<f4`, `|u1`, `>i8`, `|b1`).
 * @throws HudError `invalid_frame` naming `where` for anything else (strings `<U4`, complex `<c8`, objects).
 */
function parseDtype(dtype: unknown, where: string): ParsedDtype {
  const match = typeof dtype === 'string' ? /^([<>|=])([biuf])(\d+)$/.exec(dtype) : null;
  const array = match ? ARRAY_OF[`${match[2]}${match[3]}`] : undefined;
  if (!match || !array || (match[1] === '|' && array.BYTES_PER_ELEMENT !== 1)) {
    throw new HudError(
      'invalid_frame',
      `${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${SUPPORTED_DTYPES})`,
    );
  }
  const order = match[1];
  const bigEndian = order === '>' || (order === '=' && !LITTLE_ENDIAN_HOST);
  return { code: `${match[2]}${match[3]}`, itemsize: array.BYTES_PER_ELEMENT, bigEndian, array };
}

function checkShape(shape: unknown, where: string): number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((extent) => typeof extent === 'number' && Number.isInteger(extent) && extent >= 0)
  ) {
    throw new HudError(
      'invalid_frame',
      `${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return [...shape];
}

const elementCount = (shape: readonly number[]) =>
  shape.reduce((product, extent) => product * extent, 1);

/**
 * A numpy ndarray as it crosses the `openpi/0` wire (openpi's `msgpack_numpy` extension): a typed array of
 * the values in C order, its `shape`, and its numpy `dtype.str`. `|b1` (bool) holds 0/1 in a Uint8Array;
 * `<i8`/`<u8` use BigInt64Array/BigUint64Array.
 * @example
 * const action = new NdArray(new Float32Array([0.1, -0.2]));          // '<f4', shape [2]
 * const image = new NdArray(new Uint8Array(64 * 64 * 3), [64, 64, 3]); // '|u1'
 */
export class NdArray<Data extends NumericTypedArray = NumericTypedArray> {
  /** numpy `dtype.str`, e.g. `<f4`, `|u1`, `|b1` (always little-endian once decoded). */
  readonly dtype: string;
  /** Extent of each axis; `[]` for a 0-d array. */
  readonly shape: readonly number[];
  /** The values, row-major (C order). */
  readonly data: Data;

  /**
   * @param shape default `[data.length]`.
   * @param dtype default from the typed array (`Float32Array` → `<f4`); pass `|b1` with a Uint8Array of 0/1
   *   for a bool array.
   * @throws HudError `invalid_argument` when the shape does not hold `data.length` values, or `dtype` does not
   *   describe `data`.
   */
  constructor(
    data: Data,
    shape: readonly number[] = [data.length],
    dtype: string = dtypeOfArray(data) ?? '',
  ) {
    const natural = dtypeOfArray(data);
    if (dtype !== natural && !(dtype === '|b1' && natural === '|u1')) {
      throw new HudError(
        'invalid_argument',
        `NdArray: dtype ${JSON.stringify(dtype)} does not describe a ${data.constructor.name} (use '${natural}')`,
      );
    }
    try {
      checkShape(shape, 'NdArray');
    } catch (error) {
      throw new HudError('invalid_argument', (error as Error).message);
    }
    if (elementCount(shape) !== data.length) {
      throw new HudError(
        'invalid_argument',
        `NdArray: shape [${shape.join(', ')}] holds ${elementCount(shape)} values, data has ${data.length}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  /** Number of values (the product of the shape). */
  get size(): number {
    return this.data.length;
  }

  /** The values as plain numbers (bigints converted; bools as 0/1). */
  toArray(): number[] {
    return Array.from(this.data as ArrayLike<number | bigint>, Number);
  }

  /** The raw little-endian bytes (`ndarray.tobytes()`), a view of {@link NdArray.data}. */
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  /**
   * Builds an array from its wire parts (`msgpack_numpy` `data`, `dtype`, `shape`), copying the bytes into
   * an aligned buffer (and byte-swapping `>` data).
   * @param where names the value in error messages, e.g. `observation 'state'`.
   * @throws HudError `invalid_frame` for an unsupported dtype, a malformed shape, or a byte count that does
   *   not match shape × itemsize.
   */
  static fromWire(bytes: unknown, dtype: unknown, shape: unknown, where = 'ndarray'): NdArray {
    const parsed = parseDtype(dtype, where);
    const extents = checkShape(shape, where);
    if (!(bytes instanceof Uint8Array)) {
      throw new HudError('invalid_frame', `${where}: 'data' must be bytes, got ${typeof bytes}`);
    }
    const needed = elementCount(extents) * parsed.itemsize;
    if (bytes.byteLength !== needed) {
      throw new HudError(
        'invalid_frame',
        `${where}: ${bytes.byteLength} data bytes for shape [${extents.join(', ')}] of ${String(dtype)} (needs ${needed})`,
      );
    }
    const copy = new Uint8Array(needed);
    copy.set(bytes);
    if (parsed.bigEndian && parsed.itemsize > 1) {
      for (let offset = 0; offset < needed; offset += parsed.itemsize) {
        copy.subarray(offset, offset + parsed.itemsize).reverse();
      }
    }
    const data = new parsed.array(copy.buffer, 0, needed / parsed.itemsize);
    const canonical = parsed.itemsize === 1 ? `|${parsed.code}` : `<${parsed.code}`;
    return new NdArray(data, extents, canonical);
  }
}

/** Whether `value` is a typed array an {@link NdArray} can hold (not a DataView, not a Node Buffer). */
export function isNumericTypedArray(value: unknown): value is NumericTypedArray {
  return (
    dtypeOfArray(value) !== undefined && !(typeof Buffer !== 'undefined' && Buffer.isBuffer(value))
  );
}
