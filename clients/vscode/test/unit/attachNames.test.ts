import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pastedName } from '../../src/attachNames';

const NOW = new Date(2026, 2, 5, 9, 7, 3);

test('a clipboard image gets Obsidian\'s "Pasted image" name', () => {
  assert.equal(pastedName('image.png', 'image/png', NOW), 'Pasted image 20260305090703.png');
  assert.equal(pastedName('', 'image/jpeg', NOW), 'Pasted image 20260305090703.jpg');
});

test('a file with a real name keeps it (without its folders)', () => {
  assert.equal(pastedName('gel lane 4.png', 'image/png', NOW), 'gel lane 4.png');
  assert.equal(pastedName('C:\\Users\\ana\\run.csv', 'text/csv', NOW), 'run.csv');
  assert.equal(pastedName('', 'application/octet-stream', NOW), 'Pasted file 20260305090703');
});
