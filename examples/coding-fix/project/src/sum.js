/**
 * The sum of `values` (numbers); 0 for an empty list.
 * @param {number[]} values
 * @returns {number}
 */
export function sum(values) {
  let total = 0;
  for (let index = 0; index < values.length - 1; index++) {
    total += values[index];
  }
  return total;
}
