// Bundle the canvas (cytoscape + edgehandles + our view) into one ES module for anywidget.
// Output: ../jupyter_designer/widgets/static/canvas.js and canvas.css (committed).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, "../jupyter_designer/widgets/static");
const dev = process.argv.includes("--dev");
mkdirSync(outDir, { recursive: true });

await esbuild.build({
  entryPoints: [resolve(here, "src/canvas/index.js")],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  legalComments: "eof",
  outfile: resolve(outDir, "canvas.js"),
  logLevel: "info",
});
copyFileSync(resolve(here, "src/canvas/canvas.css"), resolve(outDir, "canvas.css"));
