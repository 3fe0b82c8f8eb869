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
  ISessionContextDialogs,
  showErrorMessage,
  Toolbar,
  ToolbarButton,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ABCWidgetFactory, DocumentRegistry, DocumentWidget } from '@jupyterlab/docregistry';
import { FileDialog, IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { notebookIcon, refreshIcon } from '@jupyterlab/ui-components';

import { PipelineCanvas, SavedIndicator } from './canvas';
import { designerIcon, pipelineIcon } from './icons';
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
    const sidebar = new DesignerSidebar(serviceManager.serverSettings);
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
    palette?.addItem({ command: CommandIDs.showSidebar, category: 'Designer', args: { isPalette: true } });

    app.contextMenu.addItem({
      command: CommandIDs.openInNotebook,
      args: { fromBrowser: true },
      selector: `.jp-DirListing-item[data-file-type="${FILE_TYPE}"]`,
      rank: 3
    });
  }
};

export default plugin;
