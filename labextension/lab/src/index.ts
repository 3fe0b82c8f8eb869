/**
 * jupyter-designer in JupyterLab: the "ML Designer" launcher card, File > New > Designer
 * pipeline, the pipeline file type (*.dpipeline) that opens as a canvas tab backed by a
 * kernel, and the Designer commands.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  ISessionContextDialogs,
  showDialog,
  showErrorMessage,
  Toolbar,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { Widget } from '@lumino/widgets';
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget } from '@jupyterlab/docregistry';
import { FileDialog, IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { notebookIcon, refreshIcon } from '@jupyterlab/ui-components';

import { PipelineCanvas, SavedIndicator } from './canvas';
import { designerIcon, pipelineIcon } from './icons';
import { DesignerAPI } from './api';
import { datasetNameFromPath, isTabularFile, registrationSummary, Row, runId } from './logic';
import { ComparePanel, DatasetPreview, kernelDesignerPanel, mainPanel } from './panels';
import { DesignerSidebar } from './sidebar';
import {
  basename,
  designerNotebook,
  dirname,
  emptyPipeline,
  EXTENSION,
  FILE_TYPE,
  join,
  stem,
  uniqueName
} from './pipeline';

export const FACTORY = 'Designer canvas';

export namespace CommandIDs {
  export const newPipeline = 'jupyter-designer:new-pipeline';
  export const openFile = 'jupyter-designer:open-file';
  export const openInNotebook = 'jupyter-designer:open-in-notebook';
  export const reload = 'jupyter-designer:reload';
  export const showSidebar = 'jupyter-designer:show-sidebar';
  export const openRun = 'jupyter-designer:open-run';
  export const openDraft = 'jupyter-designer:open-draft';
  export const cloneRun = 'jupyter-designer:clone-run';
  export const compareRuns = 'jupyter-designer:compare-runs';
  export const registerDataset = 'jupyter-designer:register-dataset';
  export const previewDataset = 'jupyter-designer:preview-dataset';
}

type PipelineDocument = DocumentWidget<PipelineCanvas>;

class PipelineCanvasFactory extends ABCWidgetFactory<PipelineDocument, DocumentRegistry.IModel> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<PipelineDocument>,
    private app: JupyterFrontEnd,
    private rendermime: IRenderMimeRegistry,
    private dialogs: ISessionContextDialogs | null
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): PipelineDocument {
    const content = new PipelineCanvas(context, this.rendermime, this.app.serviceManager.contents);
    const widget = new DocumentWidget({ context, content });
    widget.addClass('jp-DesignerDocument');
    widget.title.icon = pipelineIcon;
    const { commands } = this.app;
    widget.toolbar.addItem(
      'reload',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Show the pipeline again from its file (re-runs the designer in the kernel)',
        onClick: () => void content.reload()
      })
    );
    widget.toolbar.addItem(
      'open-in-notebook',
      new ToolbarButton({
        icon: notebookIcon,
        label: 'Open in a notebook',
        tooltip: 'A new notebook whose cell opens this pipeline file on the canvas',
        onClick: () => void commands.execute(CommandIDs.openInNotebook, { path: context.path })
      })
    );
    widget.toolbar.addItem('spacer', Toolbar.createSpacerItem());
    widget.toolbar.addItem('saved', new SavedIndicator(content));
    // unsaved / saved like any document: dirty while an edit is not yet in the file
    content.dirtyChanged.connect((_, dirty) => {
      widget.title.className = widget.title.className.replace(/\s*jp-mod-dirty/g, '') +
        (dirty ? ' jp-mod-dirty' : '');
    });
    widget.toolbar.addItem(
      'kernelName',
      Toolbar.createKernelNameItem(context.sessionContext, this.dialogs ?? undefined)
    );
    widget.toolbar.addItem('kernelStatus', Toolbar.createKernelStatusItem(context.sessionContext));
    return widget;
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-designer:plugin',
  description: 'Launcher card, pipeline file type and commands of jupyter-designer.',
  autoStart: true,
  requires: [IRenderMimeRegistry, IDocumentManager],
  optional: [
    ILauncher,
    IMainMenu,
    ICommandPalette,
    IDefaultFileBrowser,
    ILayoutRestorer,
    ISessionContextDialogs
  ],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    docManager: IDocumentManager,
    launcher: ILauncher | null,
    mainMenu: IMainMenu | null,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null,
    dialogs: ISessionContextDialogs | null
  ) => {
    const { commands, docRegistry, serviceManager } = app;
    const contents = serviceManager.contents;

    docRegistry.addFileType({
      name: FILE_TYPE,
      displayName: 'Designer pipeline',
      extensions: [EXTENSION],
      mimeTypes: ['application/json'],
      fileFormat: 'text',
      contentType: 'file',
      icon: pipelineIcon
    });

    const factory = new PipelineCanvasFactory(
      {
        name: FACTORY,
        label: 'Designer canvas',
        fileTypes: [FILE_TYPE],
        defaultFor: [FILE_TYPE],
        modelName: 'text',
        preferKernel: true,
        canStartKernel: true,
        shutdownOnClose: true,
        autoStartDefault: true
      },
      app,
      rendermime,
      dialogs
    );
    docRegistry.addWidgetFactory(factory);

    const tracker = new WidgetTracker<PipelineDocument>({ namespace: 'jupyter-designer' });
    factory.widgetCreated.connect((_, widget) => {
      widget.context.pathChanged.connect(() => void tracker.save(widget));
      void tracker.add(widget);
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: 'docmanager:open',
        args: widget => ({ path: widget.context.path, factory: FACTORY }),
        name: widget => widget.context.path
      });
    }

    const currentFolder = (args: Record<string, unknown>): string => {
      if (typeof args.cwd === 'string') {
        return args.cwd;
      }
      return browser?.model.path ?? '';
    };

    /** The pipeline file a command acts on: its argument, the current tab or the selection. */
    const targetPipeline = (args: Record<string, unknown>): string | null => {
      if (typeof args.path === 'string' && args.path) {
        return args.path;
      }
      const current = tracker.currentWidget;
      if (!args.fromBrowser && current && app.shell.currentWidget === current) {
        return current.context.path;
      }
      if (browser) {
        for (const item of browser.selectedItems()) {
          if (item.type === 'file' && item.name.endsWith(EXTENSION)) {
            return item.path;
          }
        }
      }
      return current ? current.context.path : null;
    };

    commands.addCommand(CommandIDs.newPipeline, {
      label: args =>
        args.isLauncher ? 'ML Designer' : args.isPalette ? 'Designer: New pipeline' : 'Designer pipeline',
      caption: 'Create a pipeline file (Untitled.dpipeline) in the current folder and open it on the designer canvas',
      icon: args => (args.isPalette ? undefined : args.isLauncher ? designerIcon : pipelineIcon),
      execute: async args => {
        const folder = currentFolder(args);
        try {
          const listing = await contents.get(folder, { content: true });
          const taken = new Set<string>(
            (listing.content as Array<{ name: string }>).map(item => item.name)
          );
          const name = uniqueName(taken, 'Untitled', EXTENSION);
          const path = join(folder, name);
          await contents.save(path, {
            type: 'file',
            format: 'text',
            content: emptyPipeline(stem(name))
          });
          return commands.execute('docmanager:open', { path, factory: FACTORY });
        } catch (err) {
          void showErrorMessage(
            'Could not create a pipeline file',
            `Creating a pipeline in "${folder || '/'}" failed: ${err}. Check that the folder exists and is writable.`
          );
        }
      }
    });

    commands.addCommand(CommandIDs.openFile, {
      label: args => (args.isPalette ? 'Designer: Open pipeline file…' : 'Open pipeline file…'),
      caption: 'Choose a .dpipeline file to open on the designer canvas',
      execute: async () => {
        const result = await FileDialog.getOpenFiles({
          manager: docManager,
          title: 'Open a pipeline file',
          filter: model =>
            model.type === 'directory' || model.name.endsWith(EXTENSION) ? {} : null
        });
        if (!result.button.accept || !result.value) {
          return;
        }
        for (const model of result.value) {
          if (model.type === 'directory') {
            continue;
          }
          if (!model.name.endsWith(EXTENSION)) {
            void showErrorMessage(
              'Not a pipeline file',
              `"${model.path}" is not a pipeline file: choose a file whose name ends in ${EXTENSION}.`
            );
            continue;
          }
          await commands.execute('docmanager:open', { path: model.path, factory: FACTORY });
        }
      }
    });

    commands.addCommand(CommandIDs.openInNotebook, {
      label: args => (args.isPalette ? 'Designer: Open in a notebook' : 'Open in a notebook'),
      caption: 'Create a notebook whose cell opens this pipeline file on the canvas (%designer open FILE)',
      icon: args => (args.isPalette ? undefined : notebookIcon),
      execute: async args => {
        const path = targetPipeline(args);
        if (!path) {
          void showErrorMessage(
            'No pipeline file',
            `Open a pipeline file (${EXTENSION}) or select one in the file browser, then run "Open in a notebook" again.`,
            [Dialog.okButton()]
          );
          return;
        }
        const folder = dirname(path);
        try {
          const listing = await contents.get(folder, { content: true });
          const taken = new Set<string>(
            (listing.content as Array<{ name: string }>).map(item => item.name)
          );
          const nbPath = join(folder, uniqueName(taken, stem(path), '.ipynb'));
          await contents.save(nbPath, {
            type: 'notebook',
            format: 'json',
            content: designerNotebook(basename(path))
          });
          return commands.execute('docmanager:open', {
            path: nbPath,
            factory: 'Notebook',
            kernel: { name: 'python3' }
          });
        } catch (err) {
          void showErrorMessage(
            'Could not create the notebook',
            `Creating a notebook beside "${path}" failed: ${err}.`
          );
        }
      }
    });

    commands.addCommand(CommandIDs.reload, {
      label: 'Designer: Show the pipeline again',
      caption: 'Re-run the designer in the kernel of the current pipeline tab',
      isEnabled: () => !!tracker.currentWidget,
      execute: () => tracker.currentWidget?.content.reload()
    });

    if (launcher) {
      launcher.add({
        command: CommandIDs.newPipeline,
        args: { isLauncher: true },
        category: 'Other',
        rank: 0
      });
    }
    if (mainMenu) {
      mainMenu.fileMenu.newMenu.addItem({ command: CommandIDs.newPipeline, rank: 30 });
    }
    if (palette) {
      for (const command of [
        CommandIDs.newPipeline,
        CommandIDs.openFile,
        CommandIDs.openInNotebook,
        CommandIDs.reload
      ]) {
        palette.addItem({ command, category: 'Designer', args: { isPalette: true } });
      }
    }
    const api = new DesignerAPI(serviceManager.serverSettings);
    const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
    const addToMain = (widget: MainAreaWidget) => {
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    const sidebar = new DesignerSidebar(api, {
      openRun: run => void commands.execute(CommandIDs.openRun, { runId: runId(run), label: String(run.pipeline_name ?? '') }),
      openDraft: name => void commands.execute(CommandIDs.openDraft, { name }),
      cloneRun: run => commands.execute(CommandIDs.cloneRun, { runId: runId(run), quiet: true }) as Promise<void>,
      compareRuns: ids => void commands.execute(CommandIDs.compareRuns, { runs: ids }),
      previewDataset: name => void commands.execute(CommandIDs.previewDataset, { name }),
      registerDataset: () => void commands.execute(CommandIDs.registerDataset, {})
    });
    sidebar.title.icon = pipelineIcon;
    app.shell.add(sidebar, 'left', { rank: 650 });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
    }
    commands.addCommand(CommandIDs.showSidebar, {
      label: args => (args.isPalette ? 'Designer: Show the Designer sidebar' : 'Designer sidebar'),
      execute: () => {
        app.shell.activateById(sidebar.id);
        return sidebar.refresh();
      }
    });

    /** One item of a list the REST API gives, chosen in a dialog (null when canceled). */
    const choose = async (title: string, label: string, rows: Row[], text: (r: Row) => string) => {
      if (!rows.length) {
        void showErrorMessage(title, `There is nothing to choose: ${label.toLowerCase()} list is empty.`);
        return null;
      }
      const items = rows.map(text);
      const result = await InputDialog.getItem({ title, label, items, current: 0 });
      if (!result.button.accept || result.value === null) {
        return null;
      }
      return rows[items.indexOf(result.value)] ?? null;
    };
    const runLabel = (r: Row) => `${r.pipeline_name} · ${r.experiment} · ${r.status} · ${runId(r)}`;

    commands.addCommand(CommandIDs.openRun, {
      label: args => (args.isPalette ? 'Designer: Open run…' : 'Open run on the canvas'),
      caption: 'Show a run on the canvas, its nodes coloured by their statuses',
      execute: async args => {
        let id = typeof args.runId === 'string' ? args.runId : '';
        let label = typeof args.label === 'string' ? args.label : '';
        if (!id) {
          try {
            const run = await choose('Open a run', 'The runs', await api.get(['runs'], { limit: 100 }), runLabel);
            if (!run) {
              return;
            }
            id = runId(run);
            label = String(run.pipeline_name ?? '');
          } catch (err) {
            return showErrorMessage('Could not list the runs', errorText(err));
          }
        }
        addToMain(kernelDesignerPanel({ run: id }, serviceManager, rendermime, `Run: ${label || id}`));
      }
    });

    commands.addCommand(CommandIDs.openDraft, {
      label: args => (args.isPalette ? 'Designer: Open draft…' : 'Open draft on the canvas'),
      caption: 'Open a saved draft on the canvas (in a kernel of its own)',
      execute: async args => {
        let name = typeof args.name === 'string' ? args.name : '';
        if (!name) {
          try {
            const draft = await choose('Open a draft', 'The drafts', await api.get(['pipelines']), r => String(r.name));
            if (!draft) {
              return;
            }
            name = String(draft.name);
          } catch (err) {
            return showErrorMessage('Could not list the drafts', errorText(err));
          }
        }
        addToMain(kernelDesignerPanel({ draft: name }, serviceManager, rendermime, `Draft: ${name}`));
      }
    });

    commands.addCommand(CommandIDs.cloneRun, {
      label: args => (args.isPalette ? 'Designer: Clone run…' : 'Clone run'),
      caption: "A new pipeline file (in the current folder) from a run's pipeline, opened on the canvas",
      execute: async args => {
        let id = typeof args.runId === 'string' ? args.runId : '';
        try {
          if (!id) {
            const run = await choose('Clone a run', 'The runs', await api.get(['runs'], { limit: 100 }), runLabel);
            if (!run) {
              return;
            }
            id = runId(run);
          }
          const run = await api.get(['runs', id], { snapshot: 'true' });
          const folder = currentFolder(args);
          const listing = await contents.get(folder, { content: true });
          const taken = new Set<string>((listing.content as Array<{ name: string }>).map(item => item.name));
          const base = `${String(run.pipeline_name || 'Pipeline').replace(/[\\/:*?"<>|]+/g, ' ').trim()} (clone)`;
          const path = join(folder, uniqueName(taken, base, EXTENSION));
          const doc = { ...run.snapshot, name: stem(path) };
          await contents.save(path, { type: 'file', format: 'text', content: JSON.stringify(doc, null, 2) + '\n' });
          await commands.execute('docmanager:open', { path, factory: FACTORY });
        } catch (err) {
          if (args.quiet) {
            throw err;
          }
          void showErrorMessage('Could not clone the run', errorText(err));
        }
      }
    });

    commands.addCommand(CommandIDs.compareRuns, {
      label: args => (args.isPalette ? 'Designer: Compare runs' : 'Compare runs'),
      caption: 'Parameters and metrics of the runs ticked in the Designer sidebar, side by side',
      execute: async args => {
        const ids = Array.isArray(args.runs) ? (args.runs as string[]) : sidebar.selectedRuns;
        if (ids.length < 2) {
          app.shell.activateById(sidebar.id);
          return showErrorMessage(
            'Choose runs to compare',
            'Tick two or more runs in the Runs section of the Designer sidebar, then run "Compare runs" again.'
          );
        }
        addToMain(mainPanel(new ComparePanel(api, ids), `jupyter-designer-compare-${Date.now()}`, `Compare ${ids.length} runs`));
      }
    });

    commands.addCommand(CommandIDs.previewDataset, {
      label: args => (args.isPalette ? 'Designer: Preview dataset…' : 'Preview dataset'),
      caption: 'The first rows of a registered or sample dataset in a table',
      execute: async args => {
        let name = typeof args.name === 'string' ? args.name : '';
        if (!name) {
          try {
            const ds = await choose('Preview a dataset', 'The datasets', await api.get(['datasets']), r => String(r.name));
            if (!ds) {
              return;
            }
            name = String(ds.name);
          } catch (err) {
            return showErrorMessage('Could not list the datasets', errorText(err));
          }
        }
        addToMain(mainPanel(new DatasetPreview(api, name), `jupyter-designer-dataset-${Date.now()}`, `Dataset: ${name}`));
      }
    });

    /** The tabular file a registration acts on: its argument, the selection, or a file dialog. */
    const tabularFile = async (args: Record<string, unknown>): Promise<string | null> => {
      if (typeof args.path === 'string' && args.path) {
        return args.path;
      }
      if (browser) {
        for (const item of browser.selectedItems()) {
          if (item.type !== 'directory' && isTabularFile(item.name)) {
            return item.path;
          }
        }
      }
      const result = await FileDialog.getOpenFiles({
        manager: docManager,
        title: 'Register a CSV, TSV or Parquet file as a dataset',
        filter: model => (model.type === 'directory' || isTabularFile(model.name) ? {} : null)
      });
      const chosen = result.button.accept ? (result.value ?? []).find(m => m.type !== 'directory') : undefined;
      return chosen ? chosen.path : null;
    };

    commands.addCommand(CommandIDs.registerDataset, {
      label: args =>
        args.isPalette ? 'Designer: Register dataset…' : args.isContextMenu ? 'Register as dataset…' : 'Register dataset…',
      caption: 'Register a CSV, TSV or Parquet file as a designer dataset (it appears in the canvas palette)',
      icon: args => (args.isPalette ? undefined : pipelineIcon),
      isVisible: args => {
        if (!args.isContextMenu || !browser) {
          return true;
        }
        return Array.from(browser.selectedItems()).some(i => i.type !== 'directory' && isTabularFile(i.name));
      },
      execute: async args => {
        const path = await tabularFile(args);
        if (!path) {
          return;
        }
        if (!isTabularFile(path)) {
          return showErrorMessage(
            'Not a table file',
            `"${path}" is not a CSV, TSV or Parquet file: choose a file ending in .csv, .tsv or .parquet.`
          );
        }
        const body = new RegisterDatasetBody(datasetNameFromPath(path), path);
        const answer = await showDialog({
          title: 'Register as dataset',
          body,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Register' })],
          focusNodeSelector: 'input'
        });
        if (!answer.button.accept || !answer.value) {
          return;
        }
        try {
          const info = await api.request('POST', ['register-file'], { path, ...answer.value });
          const lines = registrationSummary(info);
          lines.push(
            'It is in the Datasets of the canvas palette: a canvas opened before lists it after ' +
              '"Show the pipeline again" (tab toolbar) or re-running its cell.'
          );
          void sidebar.refresh();
          const shown = document.createElement('div');
          shown.className = 'jp-DesignerRegistered';
          for (const line of lines) {
            const p = document.createElement('p');
            p.textContent = line;
            shown.appendChild(p);
          }
          const widget = new Widget({ node: shown });
          const next = await showDialog({
            title: `Dataset "${info.name}" registered`,
            body: widget,
            buttons: [Dialog.cancelButton({ label: 'Close' }), Dialog.okButton({ label: 'Preview' })]
          });
          if (next.button.accept) {
            await commands.execute(CommandIDs.previewDataset, { name: info.name });
          }
        } catch (err) {
          void showErrorMessage('Could not register the dataset', errorText(err));
        }
      }
    });

    app.contextMenu.addItem({
      command: CommandIDs.openInNotebook,
      args: { fromBrowser: true },
      selector: `.jp-DirListing-item[data-file-type="${FILE_TYPE}"]`,
      rank: 3
    });
    app.contextMenu.addItem({
      command: CommandIDs.registerDataset,
      args: { isContextMenu: true },
      selector: '.jp-DirListing-item[data-isdir="false"]',
      rank: 4
    });
  }
};

/** The body of the registration dialog: the dataset's name and description. */
class RegisterDatasetBody extends Widget implements Dialog.IBodyWidget<{ name: string; description: string }> {
  constructor(name: string, path: string) {
    super();
    this.addClass('jp-DesignerRegister');
    const note = document.createElement('p');
    note.textContent = `Register ${path} as a dataset of the workspace.`;
    this._name.value = name;
    this._name.className = 'jp-mod-styled jp-DesignerRegister-name';
    this._name.placeholder = 'Dataset name';
    this._description.className = 'jp-mod-styled jp-DesignerRegister-description';
    this._description.placeholder = 'Description (optional)';
    const nameLabel = document.createElement('label');
    nameLabel.append('Name', this._name);
    const descLabel = document.createElement('label');
    descLabel.append('Description', this._description);
    this.node.append(note, nameLabel, descLabel);
  }

  getValue(): { name: string; description: string } {
    return { name: this._name.value.trim(), description: this._description.value };
  }

  private _name = document.createElement('input');
  private _description = document.createElement('input');
}

export default plugin;
