/**
 * The Designer sidebar: drafts, runs grouped by experiment (live status, polled) and
 * endpoints, read from the designer's REST API (GET <base>designer/api/...).
 */
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

const POLL_MS = 4000;

type Row = Record<string, any>;

async function getJSON(settings: ServerConnection.ISettings, path: string): Promise<any> {
  const base = settings.baseUrl.endsWith('/') ? settings.baseUrl : settings.baseUrl + '/';
  const url = `${base}designer/api/${path}`;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  const text = await response.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = (body && (body.message || body.error)) || text || response.statusText;
    throw new Error(`GET designer/api/${path} answered ${response.status}: ${message}`);
  }
  return body;
}

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

export class DesignerSidebar extends Widget {
  constructor(settings: ServerConnection.ISettings) {
    super();
    this._settings = settings;
    this.id = 'jupyter-designer-sidebar';
    this.addClass('jp-DesignerSidebar');
    this.title.caption = 'Designer: drafts, runs and endpoints';
    this.node.appendChild(el('div', 'jp-DesignerSidebar-header', 'ML Designer'));
    this._body = el('div', 'jp-DesignerSidebar-body') as HTMLDivElement;
    this.node.appendChild(this._body);
  }

  /** Reads the lists again now. */
  async refresh(): Promise<void> {
    const sections: [string, string, (rows: any) => HTMLElement][] = [
      ['Drafts', 'pipelines', rows => this._drafts(rows)],
      ['Runs', 'runs?limit=50', rows => this._runs(rows)],
      ['Pipeline endpoints', 'pipeline-endpoints', rows => this._endpoints(rows, 'pipeline')],
      ['Real-time endpoints', 'endpoints', rows => this._endpoints(rows, 'realtime')]
    ];
    const parts = await Promise.all(
      sections.map(async ([title, path, render]) => {
        const section = el('section', 'jp-DesignerSidebar-section');
        section.dataset.section = path.split('?')[0];
        section.appendChild(el('h3', 'jp-DesignerSidebar-title', title));
        try {
          section.appendChild(render(await getJSON(this._settings, path)));
        } catch (err) {
          section.appendChild(el('div', 'jp-DesignerSidebar-error', String(err instanceof Error ? err.message : err)));
        }
        return section;
      })
    );
    if (!this.isDisposed) {
      this._body.replaceChildren(...parts);
    }
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

  private _drafts(rows: Row[]): HTMLElement {
    return this._list(rows, 'No drafts yet.', r => {
      const li = el('li', 'jp-DesignerSidebar-item jp-DesignerSidebar-draft');
      li.appendChild(el('span', 'jp-DesignerSidebar-name', String(r.name)));
      if (r.version !== undefined) {
        li.appendChild(el('span', 'jp-DesignerSidebar-meta', `v${r.version}`));
      }
      return li;
    });
  }

  private _runs(rows: Row[]): HTMLElement {
    const box = el('div', 'jp-DesignerSidebar-runs');
    const groups = new Map<string, Row[]>();
    for (const r of rows || []) {
      const key = String(r.experiment ?? 'Default');
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    if (groups.size === 0) {
      box.appendChild(el('div', 'jp-DesignerSidebar-empty', 'No runs yet.'));
    }
    for (const [experiment, runs] of groups) {
      box.appendChild(el('h4', 'jp-DesignerSidebar-experiment', experiment));
      box.appendChild(
        this._list(runs, '', r => {
          const li = el('li', 'jp-DesignerSidebar-item jp-DesignerSidebar-run');
          const status = String(r.status ?? '');
          li.dataset.runId = String(r.run_id ?? r.id ?? '');
          li.appendChild(el('span', `jp-DesignerSidebar-status jd-status-${status}`, status));
          const name = String(r.pipeline_name ?? r.pipeline ?? r.name ?? r.run_id);
          li.appendChild(el('span', 'jp-DesignerSidebar-name', name));
          li.title = `${name}: run ${li.dataset.runId} (${status})`;
          return li;
        })
      );
    }
    return box;
  }

  private _endpoints(rows: Row[], kind: 'pipeline' | 'realtime'): HTMLElement {
    return this._list(rows, 'None.', r => {
      const li = el('li', `jp-DesignerSidebar-item jp-DesignerSidebar-${kind}`);
      li.appendChild(el('span', 'jp-DesignerSidebar-name', String(r.name)));
      const meta =
        kind === 'pipeline'
          ? r.default_version !== undefined
            ? `default v${r.default_version}`
            : ''
          : String(r.state ?? r.status ?? '');
      if (meta) {
        li.appendChild(el('span', 'jp-DesignerSidebar-meta', meta));
      }
      if (r.scoring_uri) {
        li.title = r.scoring_uri;
      }
      return li;
    });
  }

  private _settings: ServerConnection.ISettings;
  private _body: HTMLDivElement;
  private _timer = 0;
}
