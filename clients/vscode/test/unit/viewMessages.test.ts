import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPropertyValue, propertyKey, type RenderMessage, validateWebviewMessage, viewNames } from '../../src/views/messages';

const NOTE = 'file:///lab/experiments/EXP-014%20HEK293%20transfection.md';
const TASKS = 'file:///lab/projects/Plan.md';
const shown: RenderMessage = {
  type: 'render',
  views: ['Active', 'Board'],
  active: 'Board',
  properties: {},
  result: {
    view: 'Board',
    type: 'board',
    columns: [
      { id: 'file.basename', name: 'name' },
      { id: 'note.date', name: 'Date' },
    ],
    rows: [
      { path: 'experiments/EXP-014 HEK293 transfection.md', uri: NOTE, values: {} },
      { path: 'projects/Plan.md', uri: TASKS, line: 3, values: {} },
    ],
    groupBy: 'note.status',
    total: 2,
  },
};

describe('messages from the view webview', () => {
  test('a property of a shown row, under a shown key or the group key, is accepted', () => {
    assert.deepEqual(validateWebviewMessage({ type: 'setProperty', uri: NOTE, key: 'status', value: 'done' }, shown), {
      type: 'setProperty',
      uri: NOTE,
      key: 'status',
      value: 'done',
    });
    assert.equal(typeof validateWebviewMessage({ type: 'setProperty', uri: NOTE, key: 'date', value: '2026-03-01' }, shown), 'object');
  });

  test('other notes, keys, task rows and values are refused', () => {
    for (const bad of [
      { type: 'setProperty', uri: 'file:///etc/passwd', key: 'status', value: 'x' },
      { type: 'setProperty', uri: NOTE, key: 'owner', value: 'x' },
      { type: 'setProperty', uri: NOTE, key: 'basename', value: 'x' },
      { type: 'setProperty', uri: NOTE, key: 'status', value: { a: 1 } },
      { type: 'setProperty', uri: NOTE, key: 'status', value: Number.NaN },
      { type: 'setProperty', uri: TASKS, key: 'status', value: 'x' },
      { type: 'open', uri: 'command:workbench.action.terminal.new' },
      { type: 'selectView', view: 'Nope' },
      { type: 'runCommand', command: 'x' },
      'ready',
      null,
    ]) {
      assert.equal(typeof validateWebviewMessage(bad, shown), 'string', JSON.stringify(bad));
    }
    assert.equal(typeof validateWebviewMessage({ type: 'setProperty', uri: NOTE, key: 'status', value: 'x' }, undefined), 'string');
  });

  test('open keeps only a row uri and a valid line', () => {
    assert.deepEqual(validateWebviewMessage({ type: 'open', uri: TASKS, line: 3 }, shown), { type: 'open', uri: TASKS, line: 3 });
    assert.deepEqual(validateWebviewMessage({ type: 'open', uri: NOTE, line: -1 }, shown), { type: 'open', uri: NOTE });
  });
});

describe('view helpers', () => {
  test('property keys of column ids', () => {
    assert.equal(propertyKey('note.status'), 'status');
    assert.equal(propertyKey('status'), 'status');
    assert.equal(propertyKey('file.basename'), undefined);
    assert.equal(propertyKey('formula.age'), undefined);
  });

  test('property values', () => {
    assert.ok(isPropertyValue(null) && isPropertyValue(['a', 1, true]) && isPropertyValue('x'));
    assert.ok(!isPropertyValue([['nested']]) && !isPropertyValue(Infinity) && !isPropertyValue(undefined));
  });

  test('view names of a file (inline blocks of notes are not its views)', () => {
    const sources = [
      { uri: 'file:///lab/Dash.md', path: 'Dash.md', notebook: '/lab', block: 0, line: 3, views: [{ name: 'Inline', type: 'table' }] },
      { uri: 'file:///lab/views/E.base', path: 'views/E.base', notebook: '/lab', block: null, line: 0, views: [{ name: 'A', type: 'table' }, { name: 'B', type: 'board' }] },
    ];
    assert.deepEqual(viewNames(sources, (u) => u.endsWith('E.base')), ['A', 'B']);
    assert.deepEqual(viewNames(sources, (u) => u.endsWith('Dash.md')), []);
  });
});
