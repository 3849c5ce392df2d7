import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildTagTree,
  contextLine,
  distinctLinks,
  fileTitle,
  flattenTags,
  groupBacklinks,
  linkInContext,
  parentTags,
  shownCount,
  tagIcon,
  tagPickRows,
} from '../../src/sidebarModel';

const range = (line: number, character = 0) => ({ start: { line, character }, end: { line, character: character + 5 } });

describe('tags with meaning', () => {
  test('a tag keeps its description and colour; a tag no note carries makes no node', () => {
    const roots = buildTagTree([
      { name: 'ml', count: 2, description: 'Machine learning', color: 'blue' },
      { name: 'assay', count: 0, description: 'Any assay', color: 'green' },
      { name: 'assay/qpcr', count: 3, color: '#2a9d8f' },
      { name: 'unused', count: 0, description: 'Nobody' },
    ]);
    assert.deepEqual(
      flattenTags(roots).map((n) => [n.name, n.description, n.color]),
      [
        ['assay', 'Any assay', 'green'],
        ['assay/qpcr', undefined, '#2a9d8f'],
        ['ml', 'Machine learning', 'blue'],
      ],
    );
  });

  test('a named colour is a theme colour, #rrggbb a circle, anything else the plain icon', () => {
    assert.deepEqual(tagIcon('Blue'), { themeColor: 'charts.blue' });
    const circle = tagIcon('#2A9D8F');
    assert.ok(circle && 'svg' in circle && circle.svg.includes('fill="#2a9d8f"'));
    assert.equal(tagIcon('chartreuse'), undefined);
    assert.equal(tagIcon('#12"/><script>'), undefined);
    assert.equal(tagIcon(undefined), undefined);
  });
});

describe('tag tree', () => {
  const tags = [
    { name: 'experiment', count: 7 },
    { name: 'assay/pcr', count: 5 },
    { name: 'assay/qpcr', count: 4 },
    { name: 'project', count: 3 },
    { name: 'project/biosensor', count: 1 },
    { name: 'a/b/c', count: 2 },
  ];

  test('nested tags hang under their parents, which exist through them', () => {
    const roots = buildTagTree(tags);
    assert.deepEqual(
      roots.map((n) => n.name),
      ['a', 'assay', 'experiment', 'project'],
    );
    const assay = roots[1];
    assert.equal(assay.count, 0, 'no note carries #assay itself');
    assert.deepEqual(
      assay.children.map((n) => [n.name, n.segment, n.count]),
      [
        ['assay/pcr', 'pcr', 5],
        ['assay/qpcr', 'qpcr', 4],
      ],
    );
    assert.deepEqual(
      flattenTags(roots).map((n) => n.name),
      ['a', 'a/b', 'a/b/c', 'assay', 'assay/pcr', 'assay/qpcr', 'experiment', 'project', 'project/biosensor'],
    );
    assert.deepEqual(parentTags(roots), ['a', 'a/b', 'assay', 'project']);
  });

  test('a tag given twice (two notebooks) adds up; # and stray slashes are ignored', () => {
    const roots = buildTagTree([
      { name: '#todo', count: 2 },
      { name: 'todo', count: 3 },
      { name: 'x/', count: 1 },
    ]);
    assert.deepEqual(
      roots.map((n) => [n.name, n.count]),
      [
        ['todo', 5],
        ['x', 1],
      ],
    );
  });

  test('picker rows: parents first with the count of their nested tags, then children', () => {
    const roots = buildTagTree(tags);
    const nested = new Map([
      ['assay', 8],
      ['project', 3],
      ['a', 2],
      ['a/b', 2],
    ]);
    const rows = tagPickRows(roots, nested);
    assert.deepEqual(rows.slice(3, 6), [
      { label: '#assay', description: '8 notes with nested tags', name: 'assay' },
      { label: '#assay/pcr', description: '5 notes', name: 'assay/pcr' },
      { label: '#assay/qpcr', description: '4 notes', name: 'assay/qpcr' },
    ]);
    assert.equal(shownCount(roots[3], nested), 3);
    assert.equal(shownCount(roots[3], new Map()), 3, 'without a nested count: its own');
    assert.equal(rows.find((r) => r.name === 'experiment')?.description, '7 notes');
  });
});

describe('connections', () => {
  test('backlinks grouped by linking note, in order of position', () => {
    const groups = groupBacklinks([
      { uri: 'file:///n/b.md', range: range(9), context: 'second', title: 'B' },
      { uri: 'file:///n/A%20note.md', range: range(3), context: 'first' },
      { uri: 'file:///n/b.md', range: range(2), context: 'first of b', title: 'B' },
    ]);
    assert.deepEqual(
      groups.map((g) => [g.title, g.links.map((l) => l.context)]),
      [
        ['B', ['first of b', 'second']],
        ['A note', ['first']],
      ],
    );
  });

  test('outgoing links: one row per target, broken ones last', () => {
    const links = distinctLinks([
      { target: 'Missing', uri: null, range: range(1), broken: true },
      { target: 'PCR', uri: 'file:///n/PCR.md', range: range(2), title: 'PCR' },
      { target: 'PCR#Setup', uri: 'file:///n/PCR.md', range: range(3), title: 'PCR' },
      { target: 'Missing', uri: null, range: range(4), broken: true },
      { target: 'Gel', uri: 'file:///n/Gel.md', range: range(5) },
    ]);
    assert.deepEqual(
      links.map((l) => l.target),
      ['PCR', 'Gel', 'Missing'],
    );
  });

  test('the link to the note is found in a context line (wiki, aliased, heading, Markdown)', () => {
    const note = 'file:///n/protocols/PCR%20amplification.md';
    const line = 'Ran [[T100 Thermocycler]] with [[pcr amplification#Setup|the PCR]] today';
    const [start, end] = linkInContext(line, note) ?? [0, 0];
    assert.equal(line.slice(start, end), '[[pcr amplification#Setup|the PCR]]');
    const md = 'see [the protocol](../protocols/PCR%20amplification.md#setup).';
    const found = linkInContext(md, note) ?? [0, 0];
    assert.equal(md.slice(found[0], found[1]), '[the protocol](../protocols/PCR%20amplification.md#setup)');
    assert.equal(linkInContext('…ification]] cut', note), undefined);
    assert.equal(linkInContext('[[PCR amplification v2]]', note), undefined);
  });

  test('context lines are one line, trimmed and bounded', () => {
    assert.equal(contextLine('  - see  [[PCR]]\n  today '), '- see [[PCR]] today');
    assert.equal(contextLine('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
    assert.equal(contextLine(undefined), '');
    assert.equal(fileTitle('file:///n/Gel%20electrophoresis.md'), 'Gel electrophoresis');
  });
});
