// Unit tests of the extension's logic (src/logic.js), run by `node --test` with no build;
// tests/test_labextension_packaging.py runs them under pytest.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// src/logic.js is an ES module inside a package without "type": "module": load its text as one
const source = readFileSync(new URL('../src/logic.js', import.meta.url), 'utf8');
const logic = await import('data:text/javascript;base64,' + Buffer.from(source).toString('base64'));

test('apiUrl escapes each part and appends the query', () => {
  assert.equal(logic.apiUrl('http://h/lab-base', ['runs']), 'http://h/lab-base/designer/api/runs');
  assert.equal(
    logic.apiUrl('http://h/', ['datasets', 'cars 2/b', 'preview'], { n: 5, version: undefined }),
    'http://h/designer/api/datasets/cars%202%2Fb/preview?n=5'
  );
  assert.equal(logic.apiUrl('/', ['runs-compare'], { runs: 'a,b' }), '/designer/api/runs-compare?runs=a%2Cb');
});

test('errorMessage prefers the JSON message of the answer', () => {
  assert.equal(logic.errorMessage(404, 'Not Found', '{"message": "There is no run \'x\'."}'), "There is no run 'x'.");
  assert.equal(logic.errorMessage(500, 'Server Error', 'boom '), 'boom');
  assert.equal(logic.errorMessage(502, '', ''), 'HTTP 502');
});

test('groupRuns groups by experiment, newest first', () => {
  const runs = [
    { id: 'a', experiment: 'e1', created: 1 },
    { id: 'b', experiment: 'e2', created: 3 },
    { id: 'c', experiment: 'e1', created: 2 },
    { id: 'd', created: 0 }
  ];
  const groups = logic.groupRuns(runs);
  assert.deepEqual(groups.map(([e, rs]) => [e, rs.map(r => r.id)]), [
    ['e2', ['b']],
    ['e1', ['c', 'a']],
    ['Default', ['d']]
  ]);
  assert.deepEqual(logic.groupRuns(null), []);
});

test('status and duration text', () => {
  assert.equal(logic.formatDuration(1.234), '1.2 s');
  assert.equal(logic.formatDuration(42.4), '42 s');
  assert.equal(logic.formatDuration(185), '3 min 5 s');
  assert.equal(logic.formatDuration(7260), '2 h 1 min');
  assert.equal(logic.formatDuration(null), '');
  assert.equal(logic.statusText({ status: 'completed', duration: 3.14 }), 'completed in 3.1 s');
  assert.equal(logic.statusText({ status: 'running', duration: 3 }), 'running');
  assert.ok(logic.isFinal('interrupted') && !logic.isFinal('queued'));
});

test('tabular files and the dataset name they suggest', () => {
  assert.ok(logic.isTabularFile('data/Cars.CSV'));
  assert.ok(logic.isTabularFile('x.parquet') && logic.isTabularFile('x.tsv'));
  assert.ok(!logic.isTabularFile('x.csv.txt') && !logic.isTabularFile('notes.ipynb'));
  assert.equal(logic.datasetNameFromPath('data/my cars.csv'), 'my cars');
  assert.equal(logic.datasetNameFromPath('.hidden'), '.hidden');
});

test('registrationSummary names the columns with missing values and the notes', () => {
  const lines = logic.registrationSummary({
    name: 'cars', version: 2, rows: 10, columns: 3,
    missing_values: { price: 2, make: 1 },
    notes: ['Missing values (empty fields): price (2), make (1).', 'Column sold was read as dates.']
  });
  assert.deepEqual(lines, [
    'Registered "cars" version 2: 10 rows, 3 columns.',
    'Columns with missing values: price (2), make (1).',
    'Column sold was read as dates.'
  ]);
  assert.equal(logic.registrationSummary({ name: 'x', version: 1, rows: 1, columns: 1 })[1],
    'No column has missing values.');
});

test('compareRows marks rows whose values differ', () => {
  const rows = logic.compareRows({ rows: [
    { kind: 'parameter', name: 'Split: fraction', values: [0.7, 0.7] },
    { kind: 'metric', name: 'RMSE', values: [1234.56789, 1200] },
    { kind: 'metric', name: 'R2', values: [null, 0.9] }
  ] });
  assert.deepEqual(rows.map(r => r.differs), [false, true, true]);
  assert.deepEqual(rows[1].cells, ['1235', '1200']);
  assert.deepEqual(rows[2].cells, ['', '0.9']);
  assert.equal(logic.cellText({ a: 1 }), '{"a":1}');
});

test('keys are masked unless revealed; selection keeps list order', () => {
  assert.equal(logic.maskKey('abcdefghijkl', false), 'abcd…ijkl');
  assert.equal(logic.maskKey('abcdefghijkl', true), 'abcdefghijkl');
  assert.equal(logic.maskKey('abc', false), '•••');
  const runs = [{ id: 'x' }, { id: 'y' }, { run_id: 'z' }];
  assert.deepEqual(logic.selectedInOrder(runs, new Set(['z', 'x'])), ['x', 'z']);
  assert.equal(logic.exampleRequest({ example_request: null }), null);
  assert.deepEqual(logic.exampleRequest({ example_request: { Inputs: {} } }), { Inputs: {} });
});
