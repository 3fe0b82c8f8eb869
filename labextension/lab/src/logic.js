/**
 * What the Designer sidebar and panels decide, without JupyterLab: REST URLs, run grouping,
 * status and duration text, comparisons, dataset registration summaries. Plain JavaScript
 * (types in JSDoc, checked by tsc) with no imports, so node's test runner runs it as it is
 * (labextension/lab/test/logic.test.mjs), with no build.
 */

/** @typedef {Record<string, any>} Row */
/** @typedef {{kind: string, name: string, cells: string[], differs: boolean}} CompareRow */

/** Statuses after which a run no longer changes. */
export const FINAL_STATUSES = ['completed', 'failed', 'canceled', 'interrupted'];

/** File names the file browser offers to register as a dataset. */
export const TABULAR_EXTENSIONS = ['.csv', '.tsv', '.parquet', '.pq'];

/** The URL of a designer REST API path: parts are escaped one by one, a query is appended. */
/**
 * @param {string} baseUrl
 * @param {string[]} parts
 * @param {Record<string, string | number | undefined>} [query]
 * @returns {string}
 */
export function apiUrl(baseUrl, parts, query) {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  let url = `${base}designer/api/${parts.map(p => encodeURIComponent(p)).join('/')}`;
  const q = Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== '');
  if (q.length) {
    url += '?' + q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  }
  return url;
}

/** The message of an API error answer: the JSON body's message, else the text or status. */
/** @param {number} status @param {string} statusText @param {string} text @returns {string} */
export function errorMessage(status, statusText, text) {
  try {
    const body = JSON.parse(text);
    if (body && (body.message || body.error)) {
      return String(body.message || body.error);
    }
  } catch {
    // not JSON: the text itself
  }
  return text.trim() || statusText || `HTTP ${status}`;
}

/** The id of a run row (the REST API says "id"; older answers "run_id"). */
/** @param {Row} run @returns {string} */
export function runId(run) {
  return String(run.id ?? run.run_id ?? '');
}

/** Runs grouped by experiment, experiments and runs newest first. */
/** @param {Row[]} runs @returns {Array<[string, Row[]]>} */
export function groupRuns(runs) {
  /** @type {Map<string, Row[]>} */
  const groups = new Map();
  const sorted = [...(runs || [])].sort((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0));
  for (const r of sorted) {
    const key = String(r.experiment || 'Default');
    const list = groups.get(key);
    if (list) {
      list.push(r);
    } else {
      groups.set(key, [r]);
    }
  }
  return [...groups.entries()];
}

/** "1.2 s", "3 min 4 s", "1 h 2 min"; '' when unknown. */
/** @param {number | null | undefined} seconds @returns {string} */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 60) {
    return `${Math.round(seconds)} s`;
  }
  const m = Math.floor(seconds / 60);
  if (m < 60) {
    return `${m} min ${Math.round(seconds - m * 60)} s`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The status text of a run row: "running", "completed in 3.1 s", ... */
/** @param {Row} run @returns {string} */
export function statusText(run) {
  const status = String(run.status ?? '');
  const took = formatDuration(run.duration);
  return FINAL_STATUSES.includes(status) && took ? `${status} in ${took}` : status;
}

/** @param {string} status @returns {boolean} */
export function isFinal(status) {
  return FINAL_STATUSES.includes(status);
}

/** Whether a file of the file browser can be registered as a dataset. */
/** @param {string} name @returns {boolean} */
export function isTabularFile(name) {
  const lower = name.toLowerCase();
  return TABULAR_EXTENSIONS.some(ext => lower.endsWith(ext));
}

/** The dataset name a file suggests: its name without the extension. */
/** @param {string} path @returns {string} */
export function datasetNameFromPath(path) {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const i = base.lastIndexOf('.');
  return (i > 0 ? base.slice(0, i) : base).trim();
}

/** What a registration did, line by line, for the dialog that follows it. */
/** @param {Row} info @returns {string[]} */
export function registrationSummary(info) {
  const lines = [
    `Registered "${info.name}" version ${info.version}: ${info.rows} rows, ${info.columns} columns.`
  ];
  /** @type {Array<[string, number]>} */
  const missing = Object.entries(info.missing_values ?? {});
  lines.push(
    missing.length
      ? `Columns with missing values: ${missing.map(([c, n]) => `${c} (${n})`).join(', ')}.`
      : 'No column has missing values.'
  );
  for (const note of /** @type {string[]} */ (info.notes ?? [])) {
    if (!note.startsWith('Missing values') && !note.startsWith('No missing values')) {
      lines.push(note);
    }
  }
  return lines;
}

/** A table cell: numbers to 4 significant digits, objects as JSON, nothing as "". */
/** @param {unknown} value @returns {string} */
export function cellText(value) {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** The rows of a run comparison (GET runs-compare), each marked when the runs differ. */
/**
 * @param {{rows: Array<{kind: string, name: string, values: unknown[]}>}} doc
 * @returns {CompareRow[]}
 */
export function compareRows(doc) {
  return (doc.rows || []).map(row => {
    const cells = row.values.map(cellText);
    return { kind: row.kind, name: row.name, cells, differs: new Set(cells).size > 1 };
  });
}

/** A key shown in the sidebar: the first and last characters only, unless revealed. */
/** @param {string} key @param {boolean} revealed @returns {string} */
export function maskKey(key, revealed) {
  if (revealed || key.length <= 8) {
    return revealed ? key : '•'.repeat(key.length);
  }
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}

/** The body of an endpoint's test call: its example request, else one row of its inputs. */
/** @param {Row} endpoint @returns {Row | null} */
export function exampleRequest(endpoint) {
  if (endpoint.example_request && typeof endpoint.example_request === 'object') {
    return endpoint.example_request;
  }
  return null;
}

/** The run ids selected for a comparison, in the order the runs are listed. */
/** @param {Row[]} runs @param {Set<string>} selected @returns {string[]} */
export function selectedInOrder(runs, selected) {
  return (runs || []).map(runId).filter(id => selected.has(id));
}
