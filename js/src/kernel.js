// A small client for one running Jupyter kernel, over the server's kernel websocket
// (`api/kernels/<id>/channels`, in the protocol JupyterLab uses). Only what a widget page needs: comms
// (open, message, close, from either side), the replies and iopub messages of what we sent
// (ipywidgets counts a sync as done when its `status: idle` arrives), and comm_info.
//
// It stands in for @jupyterlab/services' KernelConnection, which the widget manager of Voilà
// and JupyterLab uses; the comm objects it gives out have the shape ipywidgets' ManagerBase
// expects (`IClassicComm`, as @jupyter-widgets/base's services shim makes them).

const PROTOCOL_VERSION = "5.3";
// what the server says on iopub when the page's kernel has died (and is restarted, or not)
const KERNEL_GONE = new Set(["restarting", "autorestarting", "dead"]);

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// -- the kernel websocket protocols ----------------------------------------------------------
// "v1.kernel.websocket.jupyter.org" (what JupyterLab asks for, and the one we ask for): every
// message a binary frame, [n: u64][offset_0 .. offset_{n-1}: u64][channel][header]
// [parent_header][metadata][content][buffer]..., little-endian, the four parts UTF-8 JSON
// (jupyter_server's serialize_msg_to_ws_v1). Voilà's websocket handler reads every binary
// frame it sends this way, so a page must not use the legacy protocol: a message with buffers
// (a chart's plotly.js) in the legacy format makes Voilà's server read a huge count and hang.
export const V1 = "v1.kernel.websocket.jupyter.org";
const PARTS = ["header", "parent_header", "metadata", "content"];

function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  throw new Error("a message buffer must be an ArrayBuffer or a view of one");
}

export function serializeV1(msg) {
  const encoder = new TextEncoder();
  const parts = [
    encoder.encode(msg.channel),
    ...PARTS.map((key) => encoder.encode(JSON.stringify(msg[key] || {}))),
    ...(msg.buffers || []).map(bytesOf),
  ];
  const count = parts.length + 1; // the offsets: where each part starts, and where the last ends
  let at = 8 * (count + 1);
  const offsets = [at];
  for (const part of parts) offsets.push((at += part.byteLength));
  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(count), true);
  offsets.forEach((offset, i) => view.setBigUint64(8 * (i + 1), BigInt(offset), true));
  parts.forEach((part, i) => out.set(part, offsets[i]));
  return out.buffer;
}

export function deserializeV1(data) {
  const view = new DataView(data);
  const count = Number(view.getBigUint64(0, true));
  const offsets = [];
  for (let i = 0; i < count; i++) offsets.push(Number(view.getBigUint64(8 * (i + 1), true)));
  const decoder = new TextDecoder();
  const text = (i) => decoder.decode(new Uint8Array(data, offsets[i], offsets[i + 1] - offsets[i]));
  const msg = { channel: text(0), buffers: [] };
  PARTS.forEach((key, i) => (msg[key] = JSON.parse(text(i + 1))));
  for (let i = 5; i < count - 1; i++) msg.buffers.push(new DataView(data.slice(offsets[i], offsets[i + 1])));
  return msg;
}

// The legacy protocol (a server that does not offer v1): JSON text frames only; a message of
// ours with buffers is refused rather than sent in a format Voilà's handler misreads.
function serializeLegacy(msg) {
  if (msg.buffers && msg.buffers.length) throw new Error("this server's kernel websocket takes no binary messages");
  const { buffers: _omit, ...rest } = msg;
  return JSON.stringify(rest);
}

function deserializeLegacy(data) {
  if (typeof data !== "string") throw new Error("a binary message in the legacy protocol");
  return JSON.parse(data);
}

// -- a comm, as ipywidgets' ManagerBase and WidgetModel use it ------------------------------
class Comm {
  constructor(kernel, targetName, commId) {
    this.kernel = kernel;
    this.target_name = targetName;
    this.comm_id = commId;
    this._onMsg = null;
    this._onClose = null;
  }

  open(data, callbacks, metadata, buffers) {
    const content = { comm_id: this.comm_id, target_name: this.target_name, data: data || {} };
    return this.kernel.send("comm_open", content, { callbacks, metadata, buffers }).header.msg_id;
  }

  send(data, callbacks, metadata, buffers) {
    const content = { comm_id: this.comm_id, data: data || {} };
    return this.kernel.send("comm_msg", content, { callbacks, metadata, buffers }).header.msg_id;
  }

  close(data, callbacks, metadata, buffers) {
    this.kernel.comms.delete(this.comm_id);
    const content = { comm_id: this.comm_id, data: data || {} };
    try {
      return this.kernel.send("comm_close", content, { callbacks, metadata, buffers }).header.msg_id;
    } catch (e) {
      return ""; // the kernel has gone: nothing to tell it
    }
  }

  on_msg(callback) {
    this._onMsg = callback;
  }

  on_close(callback) {
    this._onClose = callback;
  }
}

// ipywidgets' callbacks ({shell: {reply}, iopub: {status, output, clear_output}}) for one
// message we sent, as the services shim calls them.
function iopubCallback(callbacks, msg) {
  const iopub = callbacks && callbacks.iopub;
  if (!iopub) return;
  const type = msg.header.msg_type;
  if (type === "status") iopub.status && iopub.status(msg);
  else if (type === "clear_output") iopub.clear_output && iopub.clear_output(msg);
  else if (["display_data", "execute_result", "stream", "error"].includes(type)) iopub.output && iopub.output(msg);
}

export class Kernel {
  /**
   * @param {string} url   the kernel's websocket address, without the session id
   */
  constructor(url) {
    this.url = url;
    this.session = uuid();
    this.comms = new Map();
    this.targets = new Map();
    this.futures = new Map(); // msg_id -> {callbacks, reply?, idle?, resolve}
    this.ws = null;
    this.queue = []; // messages sent while (re)connecting
    this.chain = Promise.resolve(); // incoming messages are handled one after another
    this.disposed = false;
    this.gaveUp = false;
    // settles (rejects) when the kernel is given up on: what waits for it stops waiting
    this.gone = new Promise((_resolve, reject) => (this._gone = reject));
    this.gone.catch(() => {});
    this.tries = 0;
    this.onStatus = () => {}; // "connected", "reconnecting", "lost"
    this.counts = { received: 0, handled: 0 }; // for a look from the browser's console
    this.recent = []; // the last messages each way, in short ("> comm_msg update"), likewise
  }

  /**
   * Connect; resolves once the websocket is open. A first try that fails (a server busy for a
   * moment, a phone's network) is tried again as a dropped connection is; it rejects only
   * when every try has failed.
   */
  connect() {
    if (!this.ready) {
      this.ready = new Promise((resolve, reject) => (this._ready = { resolve, reject }));
      this._open();
    }
    return this.ready;
  }

  _open() {
    const ws = new WebSocket(`${this.url}?session_id=${this.session}`, [V1]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.v1 = ws.protocol === V1;
      this.tries = 0;
      const waiting = this.queue;
      this.queue = [];
      for (const msg of waiting) ws.send(this._encode(msg));
      this.onStatus("connected");
      this._ready.resolve(this);
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = this.v1 ? deserializeV1(event.data) : deserializeLegacy(event.data);
      } catch (e) {
        console.error("[light] a kernel message that could not be read", e);
        return;
      }
      this.counts.received += 1;
      this._note("<", msg);
      this.chain = this.chain
        .then(() => this._handle(msg))
        .catch((e) => console.error(e))
        .then(() => (this.counts.handled += 1));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.disposed && !this.gaveUp) this._reconnect();
    };
  }

  // A dropped connection (a phone that slept, a network that came back) is tried again a few
  // times, sooner first; the kernel keeps the widgets' state meanwhile.
  _reconnect() {
    if (this.tries >= 8) {
      this._giveUp(new Error("the kernel's websocket did not open"));
      return;
    }
    this.onStatus("reconnecting");
    const delay = Math.min(500 * 2 ** this.tries, 10000);
    this.tries += 1;
    setTimeout(() => {
      if (!this.disposed) this._open();
    }, delay);
  }

  _giveUp(reason) {
    this.gaveUp = true;
    this.queue = [];
    this.onStatus("lost");
    if (this._ready) this._ready.reject(reason);
    this._gone(reason);
  }

  dispose() {
    this.disposed = true;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close();
    }
  }

  message(msgType, content, { metadata, buffers, channel = "shell" } = {}) {
    return {
      header: {
        msg_id: uuid(),
        msg_type: msgType,
        username: "",
        session: this.session,
        date: new Date().toISOString(),
        version: PROTOCOL_VERSION,
      },
      parent_header: {},
      metadata: metadata || {},
      content,
      buffers: buffers || [],
      channel,
    };
  }

  /** Send a shell message; returns it (its `header.msg_id`), and `.done`, the reply. */
  send(msgType, content, { callbacks, metadata, buffers } = {}) {
    if (this.disposed || this.gaveUp) throw new Error("Kernel is dead");
    const msg = this.message(msgType, content, { metadata, buffers });
    // comm messages get no reply (only busy and idle on iopub); requests do
    const future = { callbacks, reply: null, idle: false, expectReply: msgType.endsWith("_request") };
    msg.done = new Promise((resolve) => (future.resolve = resolve));
    this.futures.set(msg.header.msg_id, future);
    this._note(">", msg);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(this._encode(msg));
    else this.queue.push(msg);
    return msg;
  }

  _note(way, msg) {
    const content = msg.content || {};
    const data = content.data || {};
    const what = content.execution_state || (data.content && data.content.event) || data.method || "";
    this.recent.push(`${way} ${msg.header.msg_type} ${what}`.trim());
    if (this.recent.length > 40) this.recent.shift();
  }

  _encode(msg) {
    return this.v1 ? serializeV1(msg) : serializeLegacy(msg);
  }

  async request(msgType, content) {
    return this.send(msgType, content).done;
  }

  createComm(targetName, commId) {
    const comm = new Comm(this, targetName, commId || uuid());
    this.comms.set(comm.comm_id, comm);
    return comm;
  }

  registerCommTarget(targetName, handler) {
    this.targets.set(targetName, handler);
  }

  _settle(id, future) {
    if ((future.reply || !future.expectReply) && future.idle) {
      this.futures.delete(id);
      future.resolve(future.reply);  // null for a comm message
    }
  }

  async _handle(msg) {
    const parent = msg.parent_header && msg.parent_header.msg_id;
    const future = parent ? this.futures.get(parent) : undefined;
    const type = msg.header && msg.header.msg_type;
    if (msg.channel === "shell" || msg.channel === "control") {
      if (future) {
        future.reply = msg;
        const shell = future.callbacks && future.callbacks.shell;
        if (shell && shell.reply) shell.reply(msg);
        this._settle(parent, future);
      }
      return;
    }
    if (msg.channel !== "iopub") return;
    if (type === "status" && KERNEL_GONE.has(msg.content.execution_state)) {
      // The kernel died (the server may start a new one, which knows none of our widgets):
      // from now on every send fails, as JupyterLab's comms do, so the page can say so.
      this._giveUp(new Error("the page's kernel has gone"));
      return;
    }
    if (future) {
      iopubCallback(future.callbacks, msg);
      if (type === "status" && msg.content.execution_state === "idle") {
        future.idle = true;
        this._settle(parent, future);
      }
    }
    if (type === "comm_open") {
      const { comm_id: commId, target_name: targetName } = msg.content;
      const handler = this.targets.get(targetName);
      const comm = new Comm(this, targetName, commId);
      if (!handler) {
        comm.close();
        return;
      }
      this.comms.set(commId, comm);
      try {
        await handler(comm, msg);
      } catch (e) {
        console.error("[light] a comm could not be opened", e);
        comm.close();
      }
    } else if (type === "comm_msg") {
      const comm = this.comms.get(msg.content.comm_id);
      if (comm && comm._onMsg) await comm._onMsg(msg);
    } else if (type === "comm_close") {
      const comm = this.comms.get(msg.content.comm_id);
      if (comm) {
        this.comms.delete(comm.comm_id);
        if (comm._onClose) await comm._onClose(msg);
      }
    }
  }
}
