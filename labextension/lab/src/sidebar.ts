/**
 * The Designer sidebar over the REST API (<base>designer/api/...): drafts, runs grouped by
 * experiment (live status, polled while the panel shows), datasets, models, pipeline
 * endpoints with their versions and default, real-time endpoints with health, scoring URL,
 * keys and a test call. Every failed call is shown where it happened.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { DesignerAPI } from './api';
import {
  exampleRequest,
  groupRuns,
  isFinal,
  maskKey,
  Row,
  runId,
  selectedInOrder,
  statusText
} from './logic';

const POLL_MS = 4000;

/** What the sidebar asks its application to do (main-area tabs, files, commands). */
export interface ISidebarActions {
  openRun(run: Row): void;
  openDraft(name: string): void;
  cloneRun(run: Row): Promise<void>;
  compareRuns(ids: string[]): void;
  previewDataset(name: string): void;
  registerDataset(): void;
}

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function button(label: string, title: string, action: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'jp-DesignerSidebar-button jp-mod-styled', label) as HTMLButtonElement;
  b.title = title;
  b.dataset.action = action;
  b.onclick = ev => {
    ev.stopPropagation();
    onClick();
  };
  return b;
}

/** Asks before deleting; true when the user confirmed. */
export async function confirmDelete(what: string, detail: string): Promise<boolean> {
  const result = await showDialog({
    title: `Delete ${what}?`,
    body: detail,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
  });
  return result.button.accept;
}

/** Copies text to the clipboard (falling back to a selection copy when the API is refused). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

type Section = { key: string; title: string; path: string[]; query?: Record<string, string | number> };

const SECTIONS: Section[] = [
  { key: 'pipelines', title: 'Drafts', path: ['pipelines'] },
  { key: 'runs', title: 'Runs', path: ['runs'], query: { limit: 50 } },
  { key: 'datasets', title: 'Datasets', path: ['datasets'] },
  { key: 'models', title: 'Models', path: ['models'] },
  { key: 'pipeline-endpoints', title: 'Pipeline endpoints', path: ['pipeline-endpoints'] },
  { key: 'endpoints', title: 'Real-time endpoints', path: ['endpoints'] }
];

export class DesignerSidebar extends Widget {
  constructor(api: DesignerAPI, actions: ISidebarActions) {
    super();
    this._api = api;
    this._actions = actions;
    this.id = 'jupyter-designer-sidebar';
    this.addClass('jp-DesignerSidebar');
    this.title.caption = 'Designer: drafts, runs, datasets, models and endpoints';
    const header = el('div', 'jp-DesignerSidebar-header', 'ML Designer');
    header.appendChild(button('Refresh', 'Read the lists again now', 'refresh', () => void this.refresh()));
    this.node.appendChild(header);
    this._body = el('div', 'jp-DesignerSidebar-body') as HTMLDivElement;
    this.node.appendChild(this._body);
    for (const s of SECTIONS) {
      const section = el('section', 'jp-DesignerSidebar-section');
      section.dataset.section = s.key;
      section.appendChild(el('h3', 'jp-DesignerSidebar-title', s.title));
      section.appendChild(el('div', 'jp-DesignerSidebar-content'));
      this._sections.set(s.key, section);
      this._body.appendChild(section);
    }
  }

  /** The ids of the runs ticked for a comparison, in list order. */
  get selectedRuns(): string[] {
    return selectedInOrder(this._data.get('runs') ?? [], this._selected);
  }

  /** Reads every list again now; a section whose answer did not change is left as it is. */
  async refresh(): Promise<void> {
    await Promise.all(
      SECTIONS.map(async s => {
        let data: any;
        let error: string | null = null;
        try {
          data = await this._api.get(s.path, s.query);
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
        }
        const text = error ?? JSON.stringify(data);
        if (this._seen.get(s.key) === text || this.isDisposed) {
          return;
        }
        this._seen.set(s.key, text);
        if (error === null) {
          this._data.set(s.key, data);
        }
        this._render(s.key, error);
      })
    );
  }

  protected onAfterShow(): void {
    void this.refresh();
    window.clearInterval(this._timer);
    this._timer = window.setInterval(() => {
      if (this.isVisible) {
        void this.refresh();
      }
    }, POLL_MS);
  }

  protected onAfterHide(): void {
    window.clearInterval(this._timer);
  }

  dispose(): void {
    window.clearInterval(this._timer);
    super.dispose();
  }

  /** Shows an error in a section (an action that failed), until the next change. */
  showError(key: string, message: string): void {
    const section = this._sections.get(key);
    if (!section) {
      return;
    }
    section.querySelector(':scope > .jp-DesignerSidebar-actionError')?.remove();
    const box = el('div', 'jp-DesignerSidebar-error jp-DesignerSidebar-actionError', message);
    section.insertBefore(box, section.children[1] ?? null);
  }

  private _render(key: string, error: string | null): void {
    const section = this._sections.get(key)!;
    const content = el('div', 'jp-DesignerSidebar-content');
    if (error !== null) {
      content.appendChild(el('div', 'jp-DesignerSidebar-error', error));
    } else {
      const data = this._data.get(key);
      const render: Record<string, (d: any) => HTMLElement> = {
        pipelines: d => this._drafts(d),
        runs: d => this._runs(d),
        datasets: d => this._datasets(d),
        models: d => this._models(d),
        'pipeline-endpoints': d => this._pipelineEndpoints(d),
        endpoints: d => this._realtime(d)
      };
      content.appendChild(render[key](data));
    }
    section.querySelector(':scope > .jp-DesignerSidebar-content')!.replaceWith(content);
  }

  private _rerender(key: string): void {
    this._render(key, null);
  }

  /** Runs an action; a failure is shown in its section, never swallowed. */
  private async _act(key: string, what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      this._seen.delete(key);
      await this.refresh();
    } catch (err) {
      this.showError(key, `${what} failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  private _list(rows: Row[], empty: string, item: (r: Row) => HTMLElement): HTMLElement {
    const ul = el('ul', 'jp-DesignerSidebar-list');
    if (!rows || rows.length === 0) {
      ul.appendChild(el('li', 'jp-DesignerSidebar-empty', empty));
    }
    for (const r of rows || []) {
      ul.appendChild(item(r));
    }
    return ul;
  }

  private _item(cls: string, name: string, meta?: string): HTMLElement {
    const li = el('li', `jp-DesignerSidebar-item ${cls}`);
    const line = el('div', 'jp-DesignerSidebar-line');
    line.appendChild(el('span', 'jp-DesignerSidebar-name', name));
    if (meta) {
      line.appendChild(el('span', 'jp-DesignerSidebar-meta', meta));
    }
    li.appendChild(line);
    return li;
  }

  private _actionsRow(...buttons: HTMLElement[]): HTMLElement {
    const row = el('div', 'jp-DesignerSidebar-actions');
    row.append(...buttons);
    return row;
  }

  private _drafts(rows: Row[]): HTMLElement {
    return this._list(rows, 'No drafts yet.', r => {
      const name = String(r.name);
      const li = this._item('jp-DesignerSidebar-draft', name, r.version !== undefined ? `v${r.version}` : '');
      li.dataset.name = name;
      li.title = `${name}: double-click to open on the canvas`;
      li.ondblclick = () => this._actions.openDraft(name);
      li.appendChild(
        this._actionsRow(
          button('Open', 'Open the draft on the canvas (in a kernel of its own)', 'open', () =>
            this._actions.openDraft(name)
          ),
          button('Delete', 'Delete the draft and its saved versions', 'delete', () =>
            void this._deleteWith('pipelines', `draft "${name}"`,
              'The draft and all its saved versions are deleted; pipeline files are kept.',
              ['pipelines', name])
          )
        )
      );
      return li;
    });
  }

  private async _deleteWith(key: string, what: string, detail: string, path: string[]): Promise<void> {
    if (!(await confirmDelete(what, detail))) {
      return;
    }
    await this._act(key, `Deleting ${what}`, () => this._api.request('DELETE', path));
  }

  private _runs(rows: Row[]): HTMLElement {
    const box = el('div', 'jp-DesignerSidebar-runs');
    const ids = new Set((rows || []).map(runId));
    for (const id of [...this._selected]) {
      if (!ids.has(id)) {
        this._selected.delete(id);
      }
    }
    const compare = button('Compare selected', 'Parameters and metrics of the ticked runs side by side',
      'compare', () => {
        const chosen = this.selectedRuns;
        if (chosen.length < 2) {
          this.showError('runs', 'Tick at least two runs to compare them.');
          return;
        }
        this._actions.compareRuns(chosen);
      });
    compare.classList.add('jp-DesignerSidebar-compare');
    const updateCompare = () => {
      compare.textContent = `Compare selected (${this._selected.size})`;
      compare.disabled = this._selected.size < 2;
    };
    updateCompare();
    box.appendChild(this._actionsRow(compare));
    const groups = groupRuns(rows);
    if (groups.length === 0) {
      box.appendChild(el('div', 'jp-DesignerSidebar-empty', 'No runs yet.'));
    }
    for (const [experiment, runs] of groups) {
      box.appendChild(el('h4', 'jp-DesignerSidebar-experiment', experiment));
      box.appendChild(
        this._list(runs, '', r => {
          const id = runId(r);
          const status = String(r.status ?? '');
          const li = el('li', 'jp-DesignerSidebar-item jp-DesignerSidebar-run');
          li.dataset.runId = id;
          li.dataset.status = status;
          const line = el('div', 'jp-DesignerSidebar-line');
          const tick = document.createElement('input');
          tick.type = 'checkbox';
          tick.className = 'jp-DesignerSidebar-select';
          tick.title = 'Select for a comparison';
          tick.checked = this._selected.has(id);
          tick.onchange = () => {
            if (tick.checked) {
              this._selected.add(id);
            } else {
              this._selected.delete(id);
            }
            updateCompare();
          };
          const name = String(r.pipeline_name ?? r.name ?? id);
          line.append(
            tick,
            el('span', `jp-DesignerSidebar-status jd-status-${status}`, status),
            el('span', 'jp-DesignerSidebar-name', name)
          );
          li.appendChild(line);
          li.title = `${name}: run ${id} (${statusText(r)})`;
          li.ondblclick = () => this._actions.openRun(r);
          li.appendChild(
            this._actionsRow(
              button('Open', 'Show the run on the canvas, coloured by its node statuses', 'open', () =>
                this._actions.openRun(r)
              ),
              button('Clone', 'A new draft and pipeline file from this run\'s pipeline', 'clone', () =>
                void this._act('runs', `Cloning run ${id}`, () => this._actions.cloneRun(r))
              ),
              button('Delete', 'Delete the run record', 'delete', () => {
                if (!isFinal(status)) {
                  this.showError('runs', `Run ${id} is still ${status}; wait for it to end (or cancel it) before deleting it.`);
                  return;
                }
                void this._deleteWith('runs', `run ${id}`,
                  `The record of run ${id} (${name}) is deleted; its outputs stay for reuse.`,
                  ['runs', id]);
              })
            )
          );
          return li;
        })
      );
    }
    return box;
  }

  private _datasets(rows: Row[]): HTMLElement {
    const box = el('div', 'jp-DesignerSidebar-datasets');
    box.appendChild(
      this._actionsRow(
        button('Register a file…', 'Register a CSV, TSV or Parquet file as a dataset', 'register', () =>
          this._actions.registerDataset()
        )
      )
    );
    const own = (rows || []).filter(r => !r.sample);
    const samples = (rows || []).filter(r => r.sample);
    const item = (r: Row) => {
      const name = String(r.name);
      const li = this._item('jp-DesignerSidebar-dataset', name, `${r.rows}×${r.columns}`);
      li.dataset.name = name;
      li.title = `${name} (version ${r.version}): click to preview`;
      li.onclick = () => this._actions.previewDataset(name);
      return li;
    };
    box.appendChild(this._list(own, 'No registered datasets yet.', item));
    if (samples.length) {
      const details = el('details', 'jp-DesignerSidebar-samples') as HTMLDetailsElement;
      details.appendChild(el('summary', '', `Samples (${samples.length})`));
      details.open = this._samplesOpen;
      details.ontoggle = () => (this._samplesOpen = details.open);
      details.appendChild(this._list(samples, '', item));
      box.appendChild(details);
    }
    return box;
  }

  private _models(doc: Row): HTMLElement {
    const box = el('div', 'jp-DesignerSidebar-models');
    const registered: Row[] = doc?.registered ?? [];
    const trained: Row[] = doc?.trained ?? [];
    box.appendChild(el('h4', 'jp-DesignerSidebar-experiment', 'Registered'));
    box.appendChild(
      this._list(registered, 'No registered models.', r =>
        this._item('jp-DesignerSidebar-model', String(r.name), `v${r.version}${r.learner ? ' · ' + r.learner : ''}`)
      )
    );
    box.appendChild(el('h4', 'jp-DesignerSidebar-experiment', 'Trained in runs'));
    box.appendChild(
      this._list(trained, 'No run trained a model yet.', r => {
        const li = this._item('jp-DesignerSidebar-trained', String(r.node_title), String(r.pipeline_name));
        li.dataset.runId = String(r.run_id);
        li.title = `${r.node_title} of run ${r.run_id} (${r.experiment}): double-click to open the run`;
        li.ondblclick = () => this._actions.openRun({ id: r.run_id, pipeline_name: r.pipeline_name });
        return li;
      })
    );
    return box;
  }

  private _pipelineEndpoints(rows: Row[]): HTMLElement {
    return this._list(rows, 'None.', r => {
      const name = String(r.name);
      const li = this._item(
        'jp-DesignerSidebar-pipeline',
        name,
        r.default_version !== undefined && r.default_version !== null ? `default v${r.default_version}` : 'no version'
      );
      li.dataset.name = name;
      const versions: Row[] = r.versions ?? [];
      if (versions.length) {
        const select = document.createElement('select');
        select.className = 'jp-DesignerSidebar-default';
        select.title = 'The version a submission without "Version" runs';
        for (const v of versions) {
          const option = document.createElement('option');
          option.value = String(v.version);
          option.textContent = `v${v.version}${v.description ? ': ' + v.description : ''}`;
          option.selected = String(v.version) === String(r.default_version);
          select.appendChild(option);
        }
        select.onchange = () =>
          void this._act('pipeline-endpoints', `Setting the default of ${name}`, () =>
            this._api.request('PATCH', ['pipeline-endpoints', name], { default_version: select.value })
          );
        const row = el('label', 'jp-DesignerSidebar-actions', 'Default ');
        row.appendChild(select);
        li.appendChild(row);
      }
      return li;
    });
  }

  private _realtime(rows: Row[]): HTMLElement {
    return this._list(rows, 'None.', r => {
      const name = String(r.name);
      const li = this._item('jp-DesignerSidebar-realtime', name, r.version !== undefined ? `v${r.version}` : '');
      li.dataset.name = name;
      const health = el('span', 'jp-DesignerSidebar-health', this._health.get(name) ?? '…');
      li.querySelector('.jp-DesignerSidebar-line')!.appendChild(health);
      void this._checkHealth(name, r, health);
      const url = String(r.scoring_uri ?? '');
      const urlRow = el('div', 'jp-DesignerSidebar-url');
      const code = el('code', 'jp-DesignerSidebar-scoringUrl', url);
      code.title = url;
      urlRow.append(
        code,
        button('Copy', 'Copy the scoring URL', 'copy-url', () => void this._copy(url, urlRow))
      );
      li.appendChild(urlRow);
      const keys = this._keys.get(name);
      const keyRow = el('div', 'jp-DesignerSidebar-keys');
      if (keys) {
        for (const [label, field] of [['primary', 'primaryKey'], ['secondary', 'secondaryKey']]) {
          const k = String(keys[field] ?? '');
          const line = el('div', 'jp-DesignerSidebar-key');
          line.dataset.key = label;
          line.append(
            el('span', 'jp-DesignerSidebar-meta', `${label}:`),
            el('code', 'jp-DesignerSidebar-keyValue', maskKey(k, this._revealed.has(name)))
          );
          line.append(
            button('Copy', `Copy the ${label} key`, `copy-${label}`, () => void this._copy(k, line)),
            button('Regenerate', `A new ${label} key (the old one stops working)`, `regenerate-${label}`, () =>
              void this._regenerate(name, label)
            )
          );
          keyRow.appendChild(line);
        }
      }
      li.appendChild(keyRow);
      const answer = this._answers.get(name);
      li.appendChild(
        this._actionsRow(
          button(keys && this._revealed.has(name) ? 'Hide keys' : 'Keys', 'Show the API keys', 'keys', () =>
            void this._toggleKeys(name)
          ),
          button('Test', 'Send the endpoint\'s example request and show the answer', 'test', () =>
            void this._testCall(name, r)
          )
        )
      );
      if (answer) {
        const pre = el('pre', `jp-DesignerSidebar-answer${answer.ok ? '' : ' jp-mod-error'}`, answer.text);
        li.appendChild(pre);
      }
      return li;
    });
  }

  private async _copy(text: string, where: HTMLElement): Promise<void> {
    await copyText(text);
    where.dataset.copied = text;
    const note = el('span', 'jp-DesignerSidebar-copied', 'copied');
    where.appendChild(note);
    window.setTimeout(() => note.remove(), 1500);
  }

  /** The endpoint's health route, called with its primary key as a client would. */
  private async _checkHealth(name: string, r: Row, badge: HTMLElement): Promise<void> {
    const url = String(r.scoring_uri ?? '').replace(/\/score$/, '/health');
    if (!url) {
      return;
    }
    let text: string;
    try {
      const keys = await this._api.get(['endpoints', name, 'keys']);
      const res = await fetch(url, {
        credentials: 'omit',
        headers: { Authorization: `Bearer ${keys.primaryKey}` }
      });
      text = res.ok ? 'healthy' : `unhealthy (${res.status})`;
    } catch (err) {
      text = 'unreachable';
      badge.title = String((err as Error).message ?? err);
    }
    this._health.set(name, text);
    badge.textContent = text;
    badge.dataset.health = text;
  }

  private async _toggleKeys(name: string): Promise<void> {
    if (this._revealed.has(name)) {
      this._revealed.delete(name);
      this._rerender('endpoints');
      return;
    }
    try {
      this._keys.set(name, await this._api.get(['endpoints', name, 'keys']));
      this._revealed.add(name);
      this._rerender('endpoints');
    } catch (err) {
      this.showError('endpoints', `Reading the keys of ${name} failed: ${(err as Error).message ?? err}`);
    }
  }

  private async _regenerate(name: string, which: string): Promise<void> {
    const result = await showDialog({
      title: `Regenerate the ${which} key of ${name}?`,
      body: `Callers using the current ${which} key get 401 until they use the new one.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Regenerate' })]
    });
    if (!result.button.accept) {
      return;
    }
    try {
      await this._api.request('POST', ['endpoints', name, 'keys'], { key: which });
      this._keys.set(name, await this._api.get(['endpoints', name, 'keys']));
      this._rerender('endpoints');
    } catch (err) {
      this.showError('endpoints', `Regenerating the ${which} key of ${name} failed: ${(err as Error).message ?? err}`);
    }
  }

  private async _testCall(name: string, r: Row): Promise<void> {
    let text: string;
    let ok = false;
    try {
      const [detail, keys] = await Promise.all([
        this._api.get(['endpoints', name]),
        this._api.get(['endpoints', name, 'keys'])
      ]);
      const body = exampleRequest(detail);
      if (!body) {
        throw new Error(`Endpoint ${name} has no example request; send one with the snippets of its swagger document.`);
      }
      const res = await fetch(String(r.scoring_uri), {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${keys.primaryKey}` },
        body: JSON.stringify(body)
      });
      const answer = await res.text();
      ok = res.ok;
      let pretty = answer;
      try {
        pretty = JSON.stringify(JSON.parse(answer), null, 1);
      } catch {
        // not JSON: shown as it came
      }
      text = `POST ${r.scoring_uri} → ${res.status}\n${pretty}`;
    } catch (err) {
      text = `Test call failed: ${(err as Error).message ?? err}`;
    }
    this._answers.set(name, { ok, text });
    this._rerender('endpoints');
  }

  private _api: DesignerAPI;
  private _actions: ISidebarActions;
  private _body: HTMLDivElement;
  private _timer = 0;
  private _sections = new Map<string, HTMLElement>();
  private _seen = new Map<string, string>();
  private _data = new Map<string, any>();
  private _selected = new Set<string>();
  private _keys = new Map<string, Row>();
  private _revealed = new Set<string>();
  private _health = new Map<string, string>();
  private _answers = new Map<string, { ok: boolean; text: string }>();
  private _samplesOpen = false;
}
