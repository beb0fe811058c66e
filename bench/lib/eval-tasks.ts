/**
 * The benches' taskset: `count({word, letter})` rows minted by examples/letter-count's template, with
 * distinct made-up words (so every row has its own slug) and the letters a, b, n, r, s in turn.
 */
import { count } from '../../examples/letter-count/env.ts';
import { words } from './eval-common.ts';

/** `rows` letter-count task rows, the same every time. */
export function letterCountRows(rows: number): ReturnType<typeof count>[] {
  return words(rows).map((word, index) => count({ word, letter: 'abnrs'[index % 5] as string }));
}
