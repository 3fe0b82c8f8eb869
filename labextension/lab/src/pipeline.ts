/**
 * Pipeline files (*.dpipeline): names, the empty document, and the code a kernel runs to show one.
 */

export const FILE_TYPE = 'dpipeline';
export const EXTENSION = '.dpipeline';

/** The pipeline document a new file starts with: the engine's versioned format, no nodes. */
export function emptyPipeline(name: string): string {
  const doc = {
    default_compute: 'local',
    description: '',
    edges: [],
    name,
    nodes: [],
    parameters: [],
    schema_version: 1
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The last part of a path. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** The folder of a path ('' for the root). */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** A file name without its extension. */
export function stem(name: string): string {
  const base = basename(name);
  const i = base.lastIndexOf('.');
  return i <= 0 ? base : base.slice(0, i);
}

export function join(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/** The first of NAME.EXT, NAME1.EXT, NAME2.EXT, ... not in `taken`. */
export function uniqueName(taken: Set<string>, name: string, ext: string): string {
  let candidate = `${name}${ext}`;
  for (let i = 1; taken.has(candidate); i++) {
    candidate = `${name}${i}${ext}`;
  }
  return candidate;
}

/** A word for the `%designer` magic's shell-like argument parsing (quoted when needed). */
export function shellQuote(word: string): string {
  if (/^[\w.@%+=:,/-]+$/.test(word)) {
    return word;
  }
  return "'" + word.replace(/'/g, `'"'"'`) + "'";
}

/**
 * The cell that shows a pipeline file on the canvas. The kernel runs in the file's folder,
 * so the file is named relative to it.
 */
export function designerCode(fileName: string): string {
  return `%load_ext jupyter_designer\n%designer open ${shellQuote(fileName)}`;
}

/** A notebook (nbformat 4.5) with one cell that opens the pipeline file on the canvas. */
export function designerNotebook(fileName: string): Record<string, unknown> {
  return {
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'designer-open',
        metadata: {},
        outputs: [],
        source: designerCode(fileName)
      }
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}
