/**
 * Main-area panels of the Designer sidebar: a run or a draft on the canvas (a kernel of its
 * own runs `%designer run ID` / `%designer open NAME`), runs compared side by side, and a
 * dataset preview table.
 */
import { ISessionContext, MainAreaWidget, SessionContext } from '@jupyterlab/apputils';
import { SimplifiedOutputArea } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ServiceManager } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';
import { PanelLayout, Widget } from '@lumino/widgets';

import { DesignerAPI } from './api';
import { mountDesignerOutput } from './canvas';
import { pipelineIcon } from './icons';
import { cellText, compareRows, formatDuration, Row } from './logic';
import { shellQuote } from './pipeline';

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/** The cell a kernel runs to show a run (coloured by its node statuses) or a draft. */
export function designerViewCode(what: { run?: string; draft?: string }): string {
  const line = what.run ? `%designer run ${shellQuote(what.run)}` : `%designer open ${shellQuote(String(what.draft))}`;
  return `%load_ext jupyter_designer\n${line}`;
}

/** The canvas of a run or a draft in a kernel of its own (shut down when the tab closes). */
export class KernelDesignerView extends Widget {
  constructor(
    readonly what: { run?: string; draft?: string },
    services: ServiceManager.IManager,
    private rendermime: IRenderMimeRegistry
  ) {
    super();
    this.addClass('jp-DesignerCanvas');
    this.addClass('jp-DesignerKernelView');
    const label = what.run ? `run ${what.run}` : `draft ${what.draft}`;
    this.node.dataset.view = what.run ? 'run' : 'draft';
    this.node.dataset.target = String(what.run ?? what.draft);
    this.sessionContext = new SessionContext({
      sessionManager: services.sessions,
      specsManager: services.kernelspecs,
      path: `designer-${what.run ? 'run' : 'draft'}-${Date.now()}`,
      name: `Designer: ${label}`,
      type: 'designer',
      kernelPreference: { shouldStart: true, canStart: true, autoStartDefault: true }
    });
    const layout = (this.layout = new PanelLayout());
    this._message = new Widget();
    this._message.addClass('jp-DesignerCanvas-message');
    this._message.node.textContent = `Starting a kernel to show ${label}…`;
    layout.addWidget(this._message);
    void this._start();
  }

  readonly sessionContext: ISessionContext;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._manager?.dispose();
    void this.sessionContext.shutdown().finally(() => this.sessionContext.dispose());
    super.dispose();
  }

  private async _start(): Promise<void> {
    try {
      await this.sessionContext.initialize();
      await this.sessionContext.ready;
    } catch (err) {
      this._message.node.textContent = `Could not start a kernel: ${err}`;
      return;
    }
    if (this.isDisposed) {
      return;
    }
    const mounted = await mountDesignerOutput(
      this.sessionContext,
      this.rendermime,
      this._saveState,
      null
    );
    if (!mounted || this.isDisposed) {
      this._message.node.textContent =
        'The Jupyter widget manager did not start for this kernel: is jupyterlab_widgets installed?';
      return;
    }
    this._manager = mounted.manager;
    (this.layout as PanelLayout).addWidget(mounted.output);
    try {
      const reply = await SimplifiedOutputArea.execute(
        designerViewCode(this.what),
        mounted.output,
        this.sessionContext
      );
      this._message.node.textContent =
        reply && reply.content.status !== 'ok'
          ? 'The kernel could not show it (see below); it needs jupyter-designer installed.'
          : '';
    } catch (err) {
      this._message.node.textContent = `Could not run the designer in the kernel: ${err}`;
    }
    this._message.setHidden(!this._message.node.textContent);
  }

  private _message: Widget;
  private _manager: { dispose(): void } | null = null;
  private _saveState = new Signal<this, string>(this);
}

export function kernelDesignerPanel(
  what: { run?: string; draft?: string },
  services: ServiceManager.IManager,
  rendermime: IRenderMimeRegistry,
  label: string
): MainAreaWidget<KernelDesignerView> {
  const content = new KernelDesignerView(what, services, rendermime);
  const panel = new MainAreaWidget({ content });
  panel.id = `jupyter-designer-${what.run ? 'run' : 'draft'}-${Date.now()}`;
  panel.title.label = label;
  panel.title.icon = pipelineIcon;
  panel.title.closable = true;
  return panel;
}

/** A table of rows (objects) under the given columns. */
function table(columns: string[], rows: string[][], cls: string): HTMLTableElement {
  const t = el('table', `jp-DesignerTable ${cls}`) as HTMLTableElement;
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    head.appendChild(el('th', '', c));
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of r) {
      tr.appendChild(el('td', '', c));
    }
  }
  return t;
}

/** Runs side by side: their parameters and metrics, differing rows marked. */
export class ComparePanel extends Widget {
  constructor(private api: DesignerAPI, readonly runIds: string[]) {
    super();
    this.addClass('jp-DesignerCompare');
    this.node.textContent = 'Reading the runs…';
    void this.load();
  }

  async load(): Promise<void> {
    let doc: any;
    try {
      doc = await this.api.get(['runs-compare'], { runs: this.runIds.join(',') });
    } catch (err) {
      this.node.replaceChildren(el('div', 'jp-DesignerSidebar-error', String((err as Error).message ?? err)));
      return;
    }
    const runs: Row[] = doc.runs;
    const header = ['', ...runs.map(r => `${r.pipeline_name}\n${r.id}`)];
    const info = [
      ['Experiment', ...runs.map(r => String(r.experiment))],
      ['Status', ...runs.map(r => String(r.status))],
      ['Duration', ...runs.map(r => formatDuration(r.duration))]
    ];
    const rows = compareRows(doc);
    const parts: HTMLElement[] = [el('h2', 'jp-DesignerCompare-title', `Compare ${runs.length} runs`)];
    const onlyDiff = el('label', 'jp-DesignerCompare-filter');
    const box = document.createElement('input');
    box.type = 'checkbox';
    onlyDiff.append(box, ' Only rows that differ');
    parts.push(onlyDiff);
    const render = () => {
      const shown = rows.filter(r => !box.checked || r.differs);
      const t = table(header, [...info, ...shown.map(r => [r.name, ...r.cells])], 'jp-DesignerCompare-table');
      const trs = t.tBodies[0].rows;
      shown.forEach((r, i) => {
        const tr = trs[info.length + i];
        tr.dataset.kind = r.kind;
        tr.classList.toggle('jd-differs', r.differs);
      });
      return t;
    };
    let current = render();
    box.onchange = () => {
      const next = render();
      current.replaceWith(next);
      current = next;
    };
    parts.push(current);
    if (!rows.some(r => r.kind === 'metric')) {
      parts.push(el('div', 'jp-DesignerSidebar-empty', 'These runs reported no metrics.'));
    }
    this.node.replaceChildren(...parts);
  }
}

/** The first rows of a dataset (GET datasets/NAME/preview). */
export class DatasetPreview extends Widget {
  constructor(private api: DesignerAPI, readonly datasetName: string, private n = 50) {
    super();
    this.addClass('jp-DesignerPreview');
    this.node.dataset.dataset = datasetName;
    this.node.textContent = 'Reading the dataset…';
    void this.load();
  }

  async load(): Promise<void> {
    try {
      const [info, prev] = await Promise.all([
        this.api.get(["datasets", this.datasetName]),
        this.api.get(["datasets", this.datasetName, "preview"], { n: this.n })
      ]);
      const title = el(
        'h2',
        'jp-DesignerPreview-title',
        `${info.name} (version ${info.version}): ${info.rows} rows, ${info.columns} columns`
      );
      const kinds = new Map<string, string>(
        (info.schema ?? []).map((c: Row) => [String(c.name), String(c.kind ?? '')])
      );
      const columns: string[] = prev.columns;
      const t = table(
        columns.map(c => (kinds.get(c) ? `${c} (${kinds.get(c)})` : c)),
        (prev.rows as Row[]).map(r => columns.map(c => cellText(r[c]))),
        'jp-DesignerPreview-table'
      );
      const note = el(
        'div',
        'jp-DesignerSidebar-meta',
        `The first ${prev.rows.length} rows.${info.description ? ' ' + info.description : ''}`
      );
      this.node.replaceChildren(title, note, t);
    } catch (err) {
      this.node.replaceChildren(el('div', 'jp-DesignerSidebar-error', String((err as Error).message ?? err)));
    }
  }
}

export function mainPanel<T extends Widget>(content: T, id: string, label: string): MainAreaWidget<T> {
  const panel = new MainAreaWidget({ content });
  panel.id = id;
  panel.title.label = label;
  panel.title.icon = pipelineIcon;
  panel.title.closable = true;
  return panel;
}
