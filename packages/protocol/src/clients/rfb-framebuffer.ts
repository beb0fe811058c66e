import type { Rect } from './rfb-messages.js';

/** An RGBA image: `data` holds `width × height × 4` bytes, row by row from the top left. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Buffer;
}

/**
 * The client's copy of the remote framebuffer, kept as opaque RGBA. Rectangles arrive in the pixel format
 * the client set ({@link RGBX_PIXEL_FORMAT}: bytes R, G, B, X), so a row copies as is and only the fourth
 * byte is forced to 255.
 */
export class Framebuffer {
  #width: number;
  #height: number;
  #data: Buffer;

  constructor(width: number, height: number) {
    this.#width = width;
    this.#height = height;
    this.#data = opaqueBlack(width, height);
  }

  get width(): number {
    return this.#width;
  }

  get height(): number {
    return this.#height;
  }

  /** A copy of the current pixels. */
  snapshot(): RgbaImage {
    return { width: this.#width, height: this.#height, data: Buffer.from(this.#data) };
  }

  /** The DesktopSize pseudo-encoding: the screen changed size; the old pixels are gone. */
  resize(width: number, height: number): void {
    this.#width = width;
    this.#height = height;
    this.#data = opaqueBlack(width, height);
  }

  /** A Raw-encoded rectangle (RFC 6143 §7.7.1): `width × height` pixels of 4 bytes, row by row. */
  putRaw(rect: Rect, pixels: Buffer): void {
    this.#check(rect);
    const rowBytes = rect.width * 4;
    for (let row = 0; row < rect.height; row++) {
      const target = ((rect.y + row) * this.#width + rect.x) * 4;
      pixels.copy(this.#data, target, row * rowBytes, (row + 1) * rowBytes);
      for (let alpha = target + 3; alpha < target + rowBytes; alpha += 4) this.#data[alpha] = 255;
    }
  }

  /** A CopyRect-encoded rectangle (RFC 6143 §7.7.2): copy from `(sourceX, sourceY)` on the screen. */
  copyRect(rect: Rect, sourceX: number, sourceY: number): void {
    this.#check(rect);
    this.#check({ x: sourceX, y: sourceY, width: rect.width, height: rect.height });
    const rowBytes = rect.width * 4;
    const rows = [...Array(rect.height).keys()];
    // Overlapping regions: copy rows in the direction that never reads an already overwritten row.
    if (sourceY < rect.y) rows.reverse();
    for (const row of rows) {
      const source = ((sourceY + row) * this.#width + sourceX) * 4;
      const target = ((rect.y + row) * this.#width + rect.x) * 4;
      this.#data.copy(this.#data, target, source, source + rowBytes);
    }
  }

  #check(rect: Rect): void {
    if (rect.x + rect.width > this.#width || rect.y + rect.height > this.#height) {
      throw new RangeError(
        `rectangle ${rect.width}x${rect.height}+${rect.x}+${rect.y} lies outside the ${this.#width}x${this.#height} framebuffer`,
      );
    }
  }
}

function opaqueBlack(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let alpha = 3; alpha < data.length; alpha += 4) data[alpha] = 255;
  return data;
}
