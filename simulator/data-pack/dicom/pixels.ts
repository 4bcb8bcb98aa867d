/**
 * Synthetic grey-scale pixel data: a smooth pattern that differs per image and per frame, so two
 * instances never share bytes and a viewer shows something recognisable. No randomness: the same
 * arguments always give the same bytes.
 */
import { endianness } from 'node:os';

/** Image geometry in pixels; every pixel is 16 bits allocated, 12 stored (DICOM PS3.3 C.7.6.3). */
export interface ImageSize {
  rows: number;
  columns: number;
  frames: number;
}

/** Largest stored value with 12 bits stored. */
const MAX_VALUE = 0x0fff;

/**
 * Pixel Data (7FE0,0010) for one instance: `rows * columns * frames` unsigned 16-bit values,
 * little endian, frame after frame (DICOM PS3.5 8.1.1 native format), values 0..4095: concentric
 * rings around a centre that moves with `imageNumber` and `frame`, over a diagonal gradient.
 * @param imageNumber any integer; different numbers give different images.
 * @returns a Buffer of `rows * columns * frames * 2` bytes.
 */
export function syntheticPixels(size: ImageSize, imageNumber: number): Buffer {
  const { rows, columns, frames } = size;
  const px = new Uint16Array(rows * columns * frames);
  const ringWidth = Math.max(2, Math.floor(Math.min(rows, columns) / 8));
  for (let f = 0; f < frames; f++) {
    const cy = (rows * (1 + ((imageNumber + f) % 3))) / 4;
    const cx = (columns * (1 + ((imageNumber * 7 + f) % 3))) / 4;
    const base = f * rows * columns;
    for (let y = 0; y < rows; y++) {
      const dy = y - cy;
      const row = base + y * columns;
      for (let x = 0; x < columns; x++) {
        const dx = x - cx;
        const ring = Math.floor(Math.sqrt(dx * dx + dy * dy) / ringWidth) % 2 === 0 ? 1024 : 0;
        const gradient = Math.floor(((x + y) * 2048) / (rows + columns));
        px[row + x] = Math.min(MAX_VALUE, ring + gradient + ((imageNumber * 37) % 512));
      }
    }
  }
  const bytes = Buffer.from(px.buffer, px.byteOffset, px.byteLength);
  // A Uint16Array uses the platform's byte order; DICOM wants little endian.
  return endianness() === 'LE' ? bytes : bytes.swap16();
}
