import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sum } from './src/sum.js';

test('sums a list', () => {
  assert.equal(sum([1, 2, 3]), 6);
});

test('a single value is its own sum', () => {
  assert.equal(sum([5]), 5);
});

test('an empty list sums to 0', () => {
  assert.equal(sum([]), 0);
});

test('negative numbers count too', () => {
  assert.equal(sum([10, -4, -6]), 0);
});
