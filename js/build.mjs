// Builds the light front end (src/) into the app's Voilà template, from the exact versions in
// package-lock.json: `npm ci && npm run build` (js/build.sh does both). The output is the same
// bytes for the same lock and sources (no dates, no absolute paths, no source maps), so a test
// can rebuild it and compare with the files shipped in the package.
import * as esbuild from "esbuild";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = process.env.LIGHT_OUTDIR ||
  path.join(here, "..", "workbook", "jupyter_data", "voila", "templates", "rejection-workbook-light", "static");

// anywidget imports a widget's module (`_esm`) afresh for every model, each a new blob: module
// to fetch and compile (on a phone, the longest part of making such a model); here the
// models of one module share it, imported once per page. The app's modules keep no state of
// their own between drawings but an id counter, so sharing changes nothing on the page.
const LOAD_ESM = "async function loadEsm(esm) {";
const SHARED_ESM = `const sharedEsm = new Map();
function loadEsm(esm) {
  if (!sharedEsm.has(esm)) {
    sharedEsm.set(esm, loadEsmOnce(esm).catch((error) => {
      sharedEsm.delete(esm);
      throw error;
    }));
  }
  return sharedEsm.get(esm);
}
async function loadEsmOnce(esm) {`;

// anywidget's runtime gives a model 2 s from its creation to load its module and start, then
// rejects it for good: every later message from the kernel to that widget is dropped. A
// phone's page busy for longer (drawing a chart, laying out a long stage) loses widgets so.
// Here a model has as long as the page's own watchdog gives the whole page (STUCK_MS in
// src/index.js), after which the page says it lost touch and offers a reload.
const MODEL_TIMEOUT = "AbortSignal.timeout(2e3)";
const MODEL_START = "AbortSignal.timeout(45e3)";

// anywidget's npm build is an AMD module (`define(["@jupyter-widgets/base"], factory)`), as
// JupyterLab's loaders want it: here its factory is exported instead.
const anywidgetAsModule = {
  name: "anywidget-as-module",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]anywidget[\\/]dist[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const amd = 'define(["@jupyter-widgets/base"], widget_default);';
      if (!source.includes(amd)) throw new Error("anywidget's build changed: no AMD define() to replace");
      if (!source.includes(LOAD_ESM)) throw new Error("anywidget's build changed: no loadEsm() to share");
      if (source.split(MODEL_TIMEOUT).length !== 2) throw new Error("anywidget's build changed: no one model timeout");
      const contents = source
        .replace(amd, "export default widget_default;")
        .replace(LOAD_ESM, SHARED_ESM)
        .replace(MODEL_TIMEOUT, MODEL_START);
      return { contents, loader: "js" };
    });
  },
};

// sanitize-html (with postcss and an HTML parser), which ipywidgets' ManagerBase imports for
// HTML descriptions: our manager's inline_sanitize (src/sanitize.js) does that with the browser's parser.
const withoutSanitizeHtml = {
  name: "without-sanitize-html",
  setup(build) {
    build.onResolve({ filter: /^sanitize-html$/ }, (args) => ({ path: args.path, namespace: "unused-sanitize" }));
    build.onLoad({ filter: /.*/, namespace: "unused-sanitize" }, () => ({
      contents: 'export default function () { throw new Error("sanitize-html is not in the light front end"); }',
      loader: "js",
    }));
  },
};

// jQuery, which the widgets use only to wrap each view's element: src/jquery.js gives that
// wrapper (and what anywidget asks of it) without jQuery's size and start-up.
const withoutJquery = {
  name: "without-jquery",
  setup(build) {
    build.onResolve({ filter: /^jquery$/ }, () => ({ path: path.join(here, "src", "jquery.js") }));
  },
};

// esbuild writes light.js.LEGAL.txt only when a bundled package keeps a license comment
// (jQuery did): one from an earlier build must not stay behind.
await rm(path.join(outdir, "light.js.LEGAL.txt"), { force: true });

const result = await esbuild.build({
  entryPoints: { light: path.join(here, "src", "index.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  outdir,
  legalComments: "linked",
  charset: "utf8",
  metafile: Boolean(process.env.LIGHT_METAFILE),
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".eot": "dataurl" },
  plugins: [anywidgetAsModule, withoutSanitizeHtml, withoutJquery],
  logLevel: "warning",
});
if (process.env.LIGHT_METAFILE) {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(process.env.LIGHT_METAFILE, JSON.stringify(result.metafile));
  console.log(await esbuild.analyzeMetafile(result.metafile));
}
