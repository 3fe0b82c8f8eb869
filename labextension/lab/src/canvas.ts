/**
 * The main-area tab of a pipeline file: a kernel session for the file runs
 * `%designer open FILE`, and the designer widget it returns renders here at full size.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { OutputAreaModel, SimplifiedOutputArea } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Contents, Kernel } from '@jupyterlab/services';
import { registerWidgetManager } from '@jupyter-widgets/jupyterlab-manager';
import { ISessionContext } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';
import { PanelLayout, Widget } from '@lumino/widgets';

import { basename, designerCode } from './pipeline';

const WIDGET_MIMETYPE = 'application/vnd.jupyter.widget-view+json';

/**
 * An output area whose widget views come from a widget manager of the session's kernel
 * (null when no widget manager starts). The widget manager reads the notebook-like fields of
 * a document context, which a pipeline file or a run view does not have.
 */
export async function mountDesignerOutput(
  sessionContext: ISessionContext,
  appRendermime: IRenderMimeRegistry,
  saveState: ISignal<any, any>,
  urlResolver: any
): Promise<{ manager: { dispose(): void }; output: SimplifiedOutputArea } | null> {
  const rendermime = appRendermime.clone();
  const placeholder = rendermime.getFactory(WIDGET_MIMETYPE);
  const widgetContext = {
    sessionContext,
    saveState,
    urlResolver,
    model: { getMetadata: (): undefined => undefined, dirty: false }
  };
  const manager = registerWidgetManager(widgetContext as any, rendermime, [][Symbol.iterator]());
  for (let i = 0; i < 200 && rendermime.getFactory(WIDGET_MIMETYPE) === placeholder; i++) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  if (rendermime.getFactory(WIDGET_MIMETYPE) === placeholder) {
    manager.dispose();
    return null;
  }
  const output = new SimplifiedOutputArea({
    model: new OutputAreaModel({ trusted: true }),
    rendermime
  });
  output.addClass('jp-DesignerCanvas-output');
  return { manager, output };
}

/** How often the tab looks at the file's modification time (the designer saves it). */
const WATCH_MS = 2000;

export class PipelineCanvas extends Widget {
  constructor(
    context: DocumentRegistry.Context,
    rendermime: IRenderMimeRegistry,
    contents: Contents.IManager
  ) {
    super();
    this.addClass('jp-DesignerCanvas');
    this._context = context;
    this._appRendermime = rendermime;
    this._contents = contents;
    const layout = (this.layout = new PanelLayout());
    this._message = new Widget();
    this._message.addClass('jp-DesignerCanvas-message');
    layout.addWidget(this._message);
    this._setMessage('Starting a kernel for the designer…');
    void this._start();
  }

  /** The last time the designer saved the file (from the file's modification time). */
  get lastSaved(): string | null {
    return this._lastModified;
  }

  /** Whether the canvas has an edit not yet written to the file (its draft says "saving…"). */
  get dirty(): boolean {
    return this._dirty;
  }

  /** Emitted when the dirty state changes. */
  get dirtyChanged(): Signal<this, boolean> {
    return this._dirtyChanged;
  }

  /** Emitted when the designer saved the file. */
  get saved(): Signal<this, string> {
    return this._saved;
  }

  /** Shows the pipeline again: re-runs the designer cell in the tab's kernel. */
  async reload(): Promise<void> {
    const session = this._context.sessionContext;
    const kernel = session.session?.kernel;
    if (!kernel) {
      this._setMessage(
        'No kernel: choose a Python kernel with jupyter-designer installed (kernel name in the toolbar).'
      );
      return;
    }
    await this._show(kernel);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearInterval(this._watch);
    this._observer?.disconnect();
    this._manager?.dispose();
    super.dispose();
  }

  private async _start(): Promise<void> {
    const context = this._context;
    await context.ready;
    this._lastModified = context.contentsModel?.last_modified ?? null;
    this._watch = window.setInterval(() => void this._checkFile(), WATCH_MS);
    const session = context.sessionContext;
    await session.ready;
    if (this.isDisposed) {
      return;
    }
    session.kernelChanged.connect((_, change) => {
      if (change.newValue) {
        void this._show(change.newValue);
      }
    }, this);
    // The tab always shows its pipeline in a live kernel: when the session ends (the kernel of
    // an earlier tab of this file was still shutting down, or the kernel was shut down),
    // a new one starts with the same kernel.
    session.sessionChanged.connect((_, change) => {
      if (!change.newValue && !this.isDisposed) {
        const name = change.oldValue?.kernel?.name ?? this._kernelName;
        this._showing = null;
        this._setMessage('The kernel stopped; starting a new one…');
        void session.changeKernel(name ? { name } : {}).catch(err => {
          this._setMessage(`Could not start a kernel: ${err}. Choose one with the kernel name in the toolbar.`);
        });
      }
    }, this);
    session.statusChanged.connect((_, status) => {
      if (status === 'restarting') {
        this._restarting = true;
      } else if (status === 'idle' && this._restarting) {
        this._restarting = false;
        void this.reload();
      }
    }, this);
    await this.reload();
  }

  /** A fresh output area whose widget views come from a widget manager of this kernel. */
  private async _show(kernel: Kernel.IKernelConnection): Promise<void> {
    if (this.isDisposed || this._showing === kernel.id) {
      return;
    }
    this._showing = kernel.id;
    this._kernelName = kernel.name;
    this._setMessage(`Opening ${basename(this._context.path)} in kernel ${kernel.name}…`);
    this._manager?.dispose();
    this._output?.dispose();
    const mounted = await mountDesignerOutput(
      this._context.sessionContext,
      this._appRendermime,
      this._context.saveState,
      this._context.urlResolver
    );
    if (!mounted) {
      this._setMessage(
        'The Jupyter widget manager did not start for this kernel: is jupyterlab_widgets installed?'
      );
      this._showing = null;
      return;
    }
    this._manager = mounted.manager;
    const output = (this._output = mounted.output);
    (this.layout as PanelLayout).addWidget(output);
    this._watchDraftState(output.node);
    const code = designerCode(basename(this._context.path));
    try {
      const reply = await SimplifiedOutputArea.execute(code, output, this._context.sessionContext);
      if (reply && reply.content.status !== 'ok') {
        this._setMessage(
          `The kernel could not open ${basename(this._context.path)} (see below). ` +
            'The kernel needs jupyter-designer installed: choose another kernel in the toolbar.'
        );
        this._showing = null;
        return;
      }
      this._setMessage('');
    } catch (err) {
      this._showing = null;
      this._setMessage(`Could not run the designer in the kernel: ${err}`);
      // a kernel that died under the request: let the session manager notice it now
      await this._context.sessionContext.sessionManager.refreshRunning().catch(() => undefined);
    }
  }

  /** Keeps the document in step with the file the designer saves, so Save never overwrites it. */
  private async _checkFile(): Promise<void> {
    if (this.isDisposed || !this._context.isReady) {
      return;
    }
    let model: Contents.IModel;
    try {
      model = await this._contents.get(this._context.path, { content: false });
    } catch {
      return; // renamed or deleted: the document manager tells the user
    }
    if (model.last_modified !== this._lastModified) {
      this._lastModified = model.last_modified;
      if (!this._context.model.dirty) {
        await this._context.revert();
      }
      this._saved.emit(model.last_modified);
    }
  }

  /**
   * The canvas says its draft's state in its toolbar (saved / saving… / not saved); the tab
   * follows it: dirty while an edit is not written, clean once the autosave wrote the file.
   */
  private _watchDraftState(node: HTMLElement): void {
    this._observer?.disconnect();
    const update = () => {
      const pending = !!node.querySelector(
        '.jd-draft-pending, .jd-draft-conflict, .jd-draft-error'
      );
      if (pending !== this._dirty) {
        this._dirty = pending;
        this._dirtyChanged.emit(pending);
      }
    };
    this._observer = new MutationObserver(update);
    this._observer.observe(node, { subtree: true, childList: true, characterData: true, attributes: true });
    update();
  }

  private _setMessage(text: string): void {
    this._message.node.textContent = text;
    this._message.setHidden(!text);
  }

  private _context: DocumentRegistry.Context;
  private _appRendermime: IRenderMimeRegistry;
  private _contents: Contents.IManager;
  private _message: Widget;
  private _output: SimplifiedOutputArea | null = null;
  private _manager: { dispose(): void } | null = null;
  private _showing: string | null = null;
  private _restarting = false;
  private _kernelName = '';
  private _lastModified: string | null = null;
  private _watch = 0;
  private _saved = new Signal<this, string>(this);
  private _dirty = false;
  private _dirtyChanged = new Signal<this, boolean>(this);
  private _observer: MutationObserver | null = null;
}

/** A toolbar label saying when the designer last saved the file. */
export class SavedIndicator extends Widget {
  constructor(canvas: PipelineCanvas) {
    super();
    this.addClass('jp-DesignerCanvas-saved');
    this.node.title = 'The designer saves every edit to this file';
    this.node.textContent = 'Saves to file';
    canvas.saved.connect((_, when) => {
      this._when = `Saved ${new Date(when).toLocaleTimeString()}`;
      this._update(canvas.dirty);
    });
    canvas.dirtyChanged.connect((_, dirty) => this._update(dirty));
  }

  private _update(dirty: boolean): void {
    this.node.textContent = dirty ? 'Saving…' : this._when;
    this.node.dataset.dirty = dirty ? 'true' : 'false';
  }

  private _when = 'Saves to file';
}
