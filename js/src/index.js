// The Rejection Workbook's light front end for its Voilà pages.
//
// Voilà serves the page, runs (and preheats) its kernel and puts each output in the page as
// a `<script type="application/vnd.voila.cell-output+json">`; this script draws them: the
// Jupyter widgets (ipywidgets 8 controls and anywidget) with a small widget manager talking to
// the page's kernel over the server's kernel websocket. It replaces Voilà's own front end (a
// JupyterLab plugin application, its theme, code editor languages, markdown, MathJax and every
// extension's remoteEntry) on pages of the `rejection-workbook-light` template only;
// JupyterLab keeps its own widget manager.
//
// Built by js/build.mjs from js/package-lock.json (exact versions); the built file is shipped
// in the package, and tests/test_light_frontend.py checks that it is what the lock builds.

import "@jupyter-widgets/base/css/index.css";
import "@jupyter-widgets/controls/css/widgets-base.css";
import "./light.css";

import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import { MessageLoop } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import createAnywidget from "anywidget";

import { Kernel } from "./kernel.js";
import { inlineSanitize } from "./sanitize.js";
import { Slicer, dependencyOrder } from "./slices.js";

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
const OUTPUT = 'script[type="application/vnd.voila.cell-output+json"]';
const TARGET = "jupyter.widget";
// ipywidgets' control comm, which gives every widget's state in one message (as ManagerBase asks)
const CONTROL_TARGET = "jupyter.widget.control";
const CONTROL_VERSION = "1.0.0";
// ManagerBase waits 4 s, then asks for every model one by one (an ipywidgets 7 kernel). Ours
// are ipywidgets 8 (an older one closes the comm at once, and that still falls back), and a
// kernel of a busy machine can take longer than 4 s to gather a page's states: asking one by
// one then sent hundreds of requests to a kernel already busy.
const CONTROL_TIMEOUT_MS = 30000;
// The loading screen goes when every view is drawn, or after this long at most (then what is
// left is drawn on the page shown, as it comes).
const SHOW_ANYWAY_MS = 10000;
// A page still on its loading screen after this long (a kernel that never answers) offers a
// reload over it, instead of a loading screen without end; it goes if the page comes after
// all. (`window.wbStuckMs` sets it for a test.)
const STUCK_MS = 45000;

// The only widget modules a page of the app uses; nothing is ever fetched from elsewhere.
const MODULES = {
  "@jupyter-widgets/base": base,
  "@jupyter-widgets/controls": controls,
  anywidget: createAnywidget(base),
};

/** ipywidgets' HTML manager (as for embedded widgets), live: its comms go to the kernel. */
export class LightManager extends ManagerBase {
  constructor(kernel) {
    super();
    this.views = new Set();
    window.addEventListener("resize", () => {
      for (const view of this.views) MessageLoop.postMessage(view.luminoWidget, Widget.ResizeMessage.UnknownSize);
    });
    this.kernel = kernel;
    kernel.registerCommTarget(TARGET, (comm, msg) => this.handle_comm_open(comm, msg));
    this.slicer = new Slicer(); // restoring and drawing go in slices (src/slices.js)
    this.drawing = 0; // views asked for and not drawn yet
    this.whenDrawn = [];
  }

  /** Each view is made in a slice of the browser's time: a task of its own once one is spent. */
  async loadViewClass(className, moduleName, moduleVersion) {
    await this.slicer.yield();
    return super.loadViewClass(className, moduleName, moduleVersion);
  }

  create_view(model, options = {}) {
    const view = super.create_view(model, options);
    this.drawing += 1;
    const done = () => {
      this.drawing -= 1;
      if (this.drawing === 0) for (const resolve of this.whenDrawn.splice(0)) resolve();
    };
    view.then(done, done);
    const parent = options.parent;
    if (!parent) return view;
    // A view drawn in slices may outlive the box it was made for (the kernel took a page off
    // meanwhile): then it goes too, and the box's own code, which would put it in a panel
    // that is no more (a TypeError on the page), never hears of it.
    return view.then((made) => {
      if (!(parent.luminoWidget && parent.luminoWidget.isDisposed)) return made;
      made.remove();
      return new Promise(() => {});
    });
  }

  /** Once no view is being drawn: every one asked for so far, and every one they asked for. */
  drawn() {
    return this.drawing === 0 ? Promise.resolve() : new Promise((resolve) => this.whenDrawn.push(resolve));
  }

  /** HTML in a description (`description_allow_html`), as ipywidgets allows it. */
  inline_sanitize(source) {
    return inlineSanitize(source);
  }

  /** Draw `view` in `host` (as HTMLManager.display_view). */
  async display_view(view, host) {
    const shown = await view;
    Widget.attach(shown.luminoWidget, host);
    this.views.add(shown);
    shown.once("remove", () => this.views.delete(shown));
    return shown;
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, {}, metadata, buffers);
    return comm;
  }

  async _get_comm_info() {
    const reply = await this.kernel.request("comm_info_request", { target_name: TARGET });
    return reply && reply.content.status === "ok" ? reply.content.comms : {};
  }

  loadClass(className, moduleName, moduleVersion) {
    const module = MODULES[moduleName];
    if (!module) return Promise.reject(new Error(`No widget module ${moduleName}@${moduleVersion} here`));
    if (!module[className]) return Promise.reject(new Error(`No ${className} in ${moduleName}@${moduleVersion}`));
    return Promise.resolve(module[className]);
  }

  /**
   * The models the kernel has already (the page's cell ran before the page was sent), as
   * ManagerBase's `_loadFromKernel` makes them (every state in one message of the control comm;
   * an older ipywidgets in the kernel: one by one), but in slices: each model is made whole,
   * after the models it names, before the next, a task of its own once a slice is spent. The
   * kernel's next messages wait until every model is made, as they did.
   */
  async restore() {
    const comm = this.kernel.createComm(CONTROL_TARGET, base.uuid());
    let release = () => {};
    const held = new Promise((resolve) => (release = resolve));
    let reply;
    try {
      reply = await new Promise((resolve, reject) => {
        comm.on_msg((msg) => {
          const data = msg.content.data;
          if (data.method !== "update_states") {
            console.warn(`[light] Unknown ${data.method} message on the control comm`);
            return undefined;
          }
          const buffers = (msg.buffers || []).map((b) =>
            b instanceof DataView ? b : new DataView(b instanceof ArrayBuffer ? b : b.buffer),
          );
          resolve({ data, buffers });
          return held; // the kernel's messages after this one wait for it
        });
        comm.on_close(() => reject(new Error("the control comm was closed too early")));
        comm.open({}, {}, { version: CONTROL_VERSION });
        comm.send({ method: "request_states" }, {});
        setTimeout(() => reject(new Error("the control comm did not answer in time")), CONTROL_TIMEOUT_MS);
      });
    } catch (e) {
      release();
      phase(`asking for each model (${e.message})`);
      return this._loadFromKernelModels(); // ipywidgets <= 7.6 in the kernel, as ManagerBase does
    }
    comm.close();
    phase(`making ${Object.keys(reply.data.states || {}).length} models`);
    try {
      await this._restoreStates(reply.data, reply.buffers);
    } finally {
      release();
    }
    return undefined;
  }

  async _restoreStates(data, buffers) {
    const states = data.states;
    const paths = {};
    const groups = {};
    (data.buffer_paths || []).forEach(([id, ...path], i) => {
      if (!paths[id]) (paths[id] = []), (groups[id] = []);
      paths[id].push(path);
      groups[id].push(buffers[i]);
    });
    const order = dependencyOrder(states);
    const restoreOne = async (id) => {
      const state = states[id];
      if (id in paths) base.put_buffers(state.state, paths[id], groups[id]);
      try {
        if (this.has_model(id)) {
          const model = await this.get_model(id);
          model.set_state(await model.constructor._deserialize_state(state.state, this));
        } else {
          const options = {
            model_name: state.model_name,
            model_module: state.model_module,
            model_module_version: state.model_module_version,
            model_id: id,
            comm: this.kernel.createComm(TARGET, id),
          };
          await this.new_model(options, state.state);
        }
      } catch (e) {
        console.error(e); // as ManagerBase: the other widgets are still made
      }
    };
    if (order === null) {
      await Promise.all(Object.keys(states).map(restoreOne));
      return;
    }
    for (const id of order) {
      await this.slicer.yield();
      await restoreOne(id);
    }
  }
}

function config() {
  const element = document.getElementById("jupyter-config-data");
  return element ? JSON.parse(element.textContent) : {};
}

function kernelUrl(settings) {
  const base = settings.baseUrl || "/";
  const ws = settings.wsUrl || `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${base}`;
  return `${ws.replace(/\/?$/, "/")}api/kernels/${encodeURIComponent(settings.kernelId)}/channels`;
}

// An output that is not a widget: as plain as it comes (the app shows none; a notebook might).
function plainOutput(output, host) {
  const data = output.data || {};
  const node = document.createElement("div");
  node.className = "jp-OutputArea-output";
  if (data["text/html"] !== undefined) node.innerHTML = [].concat(data["text/html"]).join("");
  else if (output.output_type === "stream" || data["text/plain"] !== undefined) {
    const pre = document.createElement("pre");
    pre.textContent = [].concat(output.text !== undefined ? output.text : data["text/plain"]).join("");
    node.append(pre);
  } else return;
  host.append(node);
}

// A widget that can't be drawn (the page's kernel can't be reached) is never shown as its
// Python text ("VBox(children=(...") but as one calm note, in the page's language (the
// loading screen's words, window.wbSaid), with a way on: reloading the page.
let failedToDraw = false;

function notDrawn() {
  const shown = document.querySelector(".wb-not-drawn");
  if (shown) return shown;
  const said = window.wbSaid || {};
  const note = document.createElement("div");
  note.className = "wb-not-drawn";
  note.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = said.lost || "";
  const reload = document.createElement("button");
  reload.type = "button";
  reload.textContent = said.reload || "\u21bb";
  reload.addEventListener("click", () => location.reload());
  note.append(text, reload);
  document.body.append(note);
  return note;
}

async function drawOutput(manager, script) {
  const output = JSON.parse(script.textContent);
  const host = script.parentElement;
  script.remove();
  const view = output.data && output.data[WIDGET_VIEW];
  if (!view) {
    plainOutput(output, host);
    return;
  }
  try {
    if (!manager) throw new Error("this page has no kernel");
    const model = await manager.get_model(view.model_id);
    await manager.display_view(manager.create_view(model), host);
  } catch (e) {
    console.error("[light] a widget could not be drawn", e);
    failedToDraw = true;
    notDrawn();
  }
}

// Voilà's shutdown of the page's kernel when the tab closes (as its widget manager does).
function shutDownOnClose(settings, kernel) {
  window.addEventListener("beforeunload", () => {
    const form = new FormData();
    const found = document.cookie.match("\\b_xsrf=([^;]*)\\b");
    form.append("_xsrf", (found && found[1]) || "");
    navigator.sendBeacon(`${settings.baseUrl || "/"}voila/api/shutdown/${settings.kernelId}`, form);
    kernel.dispose();
  });
}

// Where the page is on its way to being shown, for a look from the browser's console (a page
// that stays on its loading screen says why: tests/browser/helpers.py reads it).
function phase(where) {
  document.documentElement.setAttribute("data-wb-phase", where);
}

function showPage() {
  window.themeLoaded = true;
  if (window.display_cells) window.display_cells();
}

async function main() {
  let stuck = null;
  const watchdog = setTimeout(() => {
    console.warn(`[light] still not shown: ${document.documentElement.getAttribute("data-wb-phase")}`);
    stuck = notDrawn();
  }, window.wbStuckMs || STUCK_MS);
  const settings = config();
  const outputs = [...document.querySelectorAll(OUTPUT)];
  let manager = null;
  if (settings.kernelId) {
    const kernel = new Kernel(kernelUrl(settings));
    kernel.onStatus = (status) => document.body.setAttribute("data-wb-kernel", status);
    manager = new LightManager(kernel);
    shutDownOnClose(settings, kernel);
    window.wbLight = { kernel, manager };
    try {
      phase("connecting");
      await kernel.connect();
      phase("asking for the widgets");
      await Promise.race([manager.restore(), kernel.gone]);  // a kernel gone answers nothing
    } catch (e) {
      console.error("[light] the page's kernel could not be reached", e);
    }
  }
  try {
    phase("drawing");
    // A page whose kernel holds widgets but which came without a single output to draw (the
    // server gave up waiting for them) would stay empty: the note offers a reload instead.
    if (outputs.length === 0 && manager && Object.keys(manager._models).length > 0) {
      console.warn("[light] the page came without its outputs");
      failedToDraw = true;
      notDrawn();
    }
    await Promise.all(outputs.map((script) => drawOutput(manager, script)));
    phase("waiting for the views");
    if (manager) await Promise.race([manager.drawn(), new Promise((r) => setTimeout(r, SHOW_ANYWAY_MS))]);
  } finally {
    clearTimeout(watchdog);
    if (stuck && !failedToDraw && !(manager && manager.kernel.gaveUp)) stuck.remove(); // it came after all
    phase("shown");
    showPage();
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
