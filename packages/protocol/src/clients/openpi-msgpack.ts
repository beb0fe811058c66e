import { Decoder, Encoder } from '@msgpack/msgpack';
import { HudError } from '../errors.js';
import { PyFloat } from '../python-json.js';
import { isNumericTypedArray, NdArray } from './openpi-ndarray.js';

// openpi's numpy extension (openpi-client `msgpack_numpy.py`, adapted from lebedov/msgpack-numpy):
//   ndarray       → {b"__ndarray__": True, b"data": arr.tobytes(), b"dtype": arr.dtype.str, b"shape": arr.shape}
//   numpy scalar  → {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
// The keys are msgpack *bin* (Python bytes), everything else is msgpack-python's `packb` default
// (`use_bin_type=True`: str → str, bytes → bin, float → float64, tuple → array).
//
// @msgpack/msgpack decodes all of it (bin keys through `mapKeyConverter`) but writes only string map keys,
// so the container framing (map and array headers, bin keys) is written here and every value inside it by
// the library's encoder.

const utf8 = new TextDecoder('utf-8');
const encoder = new Encoder({ useBigInt64: true });

const bin = (text: string) => encoder.encode(new TextEncoder().encode(text));
const KEY_NDARRAY = bin('__ndarray__');
const KEY_DATA = bin('data');
const KEY_DTYPE = bin('dtype');
const KEY_SHAPE = bin('shape');
const TRUE = Uint8Array.of(0xc3);
const NIL = Uint8Array.of(0xc0);

/** A msgpack map/array header for `size` entries (fixmap/map16/map32, fixarray/array16/array32). */
function header(kind: 'map' | 'array', size: number): Uint8Array {
  const [fix, sixteen, thirtyTwo] = kind === 'map' ? [0x80, 0xde, 0xdf] : [0x90, 0xdc, 0xdd];
  if (size < 16) return Uint8Array.of(fix + size);
  const bytes = new Uint8Array(size < 0x10000 ? 3 : 5);
  const view = new DataView(bytes.buffer);
  if (size < 0x10000) {
    bytes[0] = sixteen;
    view.setUint16(1, size);
  } else {
    bytes[0] = thirtyTwo;
    view.setUint32(1, size);
  }
  return bytes;
}

/** A msgpack bin header (bin8/bin16/bin32); the bytes follow it uncopied. */
function binHeader(size: number): Uint8Array {
  if (size < 0x100) return Uint8Array.of(0xc4, size);
  const bytes = new Uint8Array(size < 0x10000 ? 3 : 5);
  const view = new DataView(bytes.buffer);
  if (size < 0x10000) {
    bytes[0] = 0xc5;
    view.setUint16(1, size);
  } else {
    bytes[0] = 0xc6;
    view.setUint32(1, size);
  }
  return bytes;
}

function float64(value: number): Uint8Array {
  const bytes = new Uint8Array(9);
  bytes[0] = 0xcb;
  new DataView(bytes.buffer).setFloat64(1, value);
  return bytes;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function packInto(value: unknown, path: string, out: Uint8Array[]): void {
  if (value === null || value === undefined) {
    out.push(NIL);
  } else if (value instanceof PyFloat) {
    out.push(float64(value.value));
  } else if (typeof value === 'number') {
    // Integral numbers go out as msgpack ints (Python int), others as float64 (Python float).
    out.push(encoder.encode(value));
  } else if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') {
    out.push(encoder.encode(value));
  } else if (value instanceof NdArray) {
    const data = value.bytes();
    out.push(header('map', 4), KEY_NDARRAY, TRUE, KEY_DATA, binHeader(data.byteLength), data);
    out.push(KEY_DTYPE, encoder.encode(value.dtype), KEY_SHAPE, encoder.encode([...value.shape]));
  } else if (isNumericTypedArray(value)) {
    packInto(new NdArray(value), path, out);
  } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    // Raw bytes (a Node Buffer, a DataView, an ArrayBuffer) are Python `bytes`.
    const view =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    out.push(binHeader(view.byteLength), view);
  } else if (Array.isArray(value)) {
    out.push(header('array', value.length));
    value.forEach((item, index) => {
      packInto(item, `${path}[${index}]`, out);
    });
  } else if (typeof value === 'object' && isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    out.push(header('map', entries.length));
    for (const [key, item] of entries) {
      out.push(encoder.encode(key));
      packInto(item, path ? `${path}.${key}` : key, out);
    }
  } else {
    const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    throw new HudError(
      'invalid_argument',
      `openpi: cannot encode ${kind} at '${path || '(root)'}' (use numbers, strings, booleans, null, arrays, plain objects, typed arrays or NdArray)`,
    );
  }
}

/**
 * Encodes `value` as openpi's `msgpack_numpy.packb` does: typed arrays and {@link NdArray}s anywhere in it
 * become ndarray maps with bin keys, byte for byte what numpy + msgpack-python write. Plain objects are maps
 * with str keys (keys whose value is `undefined` are left out), arrays are arrays, integral numbers are
 * ints and others float64 (wrap a number in `PyFloat.of` to force a float), a Node Buffer / ArrayBuffer /
 * DataView is `bytes`.
 * @throws HudError `invalid_argument` naming the path of a value it cannot encode (a Map, a Date, a
 *   function, a Float16Array).
 */
export function packOpenPi(value: unknown): Uint8Array {
  const chunks: Uint8Array[] = [];
  packInto(value, '', chunks);
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const frame = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    frame.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return frame;
}

// A bin map key is Python `bytes`; JS objects key by string, so it is read as its UTF-8 text
// (msgpack_numpy's own keys, b"__ndarray__" etc., become "__ndarray__").
const decoder = new Decoder({
  mapKeyConverter: (key) => {
    if (typeof key === 'string' || typeof key === 'number') return key;
    if (key instanceof Uint8Array) return utf8.decode(key);
    throw new HudError('invalid_frame', `openpi: unsupported map key type ${typeof key}`);
  },
});

function revive(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, index) => revive(item, `${where}[${index}]`));
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value !== 'object' || value === null) return value;
  const map = value as Record<string, unknown>;
  if ('__ndarray__' in map) {
    for (const key of ['data', 'dtype', 'shape']) {
      if (!(key in map)) {
        throw new HudError('invalid_frame', `${where}: ndarray map without '${key}'`);
      }
    }
    return NdArray.fromWire(map.data, map.dtype, map.shape, where);
  }
  if ('__npgeneric__' in map) {
    if (!('data' in map) || typeof map.dtype !== 'string') {
      throw new HudError('invalid_frame', `${where}: numpy scalar map needs 'data' and a 'dtype'`);
    }
    // numpy scalars arrive as the plain value (`obj.item()`); a bool dtype makes it a boolean.
    return map.dtype === '|b1' ? Boolean(map.data) : map.data;
  }
  const revived: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(map)) revived[key] = revive(item, `${where} '${key}'`);
  return revived;
}

/**
 * Decodes a frame as openpi's `msgpack_numpy.unpackb` does: ndarray maps become {@link NdArray}s (typed
 * array by dtype, with shape), numpy scalar maps their plain value, bin values `Uint8Array`s. Bin map keys
 * read as their UTF-8 text.
 * @param where names the frame in error messages (default `openpi frame`).
 * @throws HudError `invalid_frame` for bytes that are not one msgpack value, an unsupported dtype, or an
 *   ndarray whose data length does not match its shape (the message names the key path).
 */
export function unpackOpenPi(frame: Uint8Array, where = 'openpi frame'): unknown {
  let raw: unknown;
  try {
    raw = decoder.decode(frame);
  } catch (cause) {
    if (HudError.isInstance(cause)) throw cause;
    throw new HudError(
      'invalid_frame',
      `${where} is not valid msgpack: ${(cause as Error).message}`,
      { cause },
    );
  }
  return revive(raw, where);
}
