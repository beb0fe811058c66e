/** A width and height in pixels. */
export interface ScreenSize {
  width: number;
  height: number;
}

/** The size of Gemini's normalized computer-use grid: coordinates run 0–999 on each axis. */
export const GEMINI_GRID_SIZE = 1000;

/**
 * Converts a point on Gemini's normalized 0–999 grid (what its computer-use functions such as `click_at`
 * emit) to screen pixels: `trunc(v / 1000 · size)`, as Google's reference code denormalizes, clamped to the
 * screen. hud-python 0.6.16 passes Gemini's grid values to VNC as pixels (spec §12.9); this is the missing
 * step.
 * @example
 * geminiToPixels({ x: 500, y: 999 }, { width: 1280, height: 800 }); // { x: 640, y: 799 }
 */
export function geminiToPixels(
  point: { x: number; y: number },
  screen: ScreenSize,
): { x: number; y: number } {
  return {
    x: denormalize(point.x, screen.width),
    y: denormalize(point.y, screen.height),
  };
}

function denormalize(value: number, size: number): number {
  const pixel = Math.trunc((value / GEMINI_GRID_SIZE) * size);
  return Math.min(size - 1, Math.max(0, pixel));
}
