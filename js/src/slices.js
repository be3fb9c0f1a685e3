// Drawing a page in slices: the work of restoring the kernel's widgets and drawing their views
// is cut into tasks of a few milliseconds, with the browser free in between (to paint, to take
// a tap) instead of one long task. On a phone's slower CPU the first page's restore and
// drawing was one task of over half a second: nothing on the page could answer meanwhile.

// A slice: after this long, the next piece of work waits for a task of its own.
export const SLICE_MS = 8;

// A new task: a message to ourselves (not clamped as nested timers are, nor throttled), on one
// channel for the page (making a channel each time cost more than the slices it made).
let channel = null;
const waiting = [];

export function nextTask() {
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()();
  }
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

export class Slicer {
  constructor(ms = SLICE_MS) {
    this.ms = ms;
    this.began = performance.now();
  }

  /** Whether this slice has had its time (then `await nextTask()` and `fresh()`). */
  spent() {
    return performance.now() - this.began > this.ms;
  }

  fresh() {
    this.began = performance.now();
  }

  /** Wait for a task of its own if this slice has had its time. */
  async yield() {
    if (this.spent()) {
      await nextTask();
      this.fresh();
    }
  }
}

const REFERENCE = "IPY_MODEL_";

/** The models a widget's state names ("IPY_MODEL_<id>", anywhere in it). */
export function references(value, found = []) {
  if (typeof value === "string") {
    if (value.startsWith(REFERENCE)) found.push(value.slice(REFERENCE.length));
  } else if (Array.isArray(value)) {
    for (const item of value) references(item, found);
  } else if (value && typeof value === "object" && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    for (const item of Object.values(value)) references(item, found);
  }
  return found;
}

/**
 * The ids of `states` (the kernel's `update_states`: id -> {state, ...}) in an order where each
 * comes after every model its state names, so each can be made whole before the next; null if
 * they name each other in a circle (then they are made all at once, as ipywidgets does).
 */
export function dependencyOrder(states) {
  const order = [];
  const mark = new Map(); // 1: being visited, 2: placed
  const visit = (id) => {
    if (mark.get(id) === 2) return true;
    if (mark.get(id) === 1) return false;
    mark.set(id, 1);
    for (const named of references(states[id].state)) {
      if (Object.prototype.hasOwnProperty.call(states, named) && !visit(named)) return false;
    }
    mark.set(id, 2);
    order.push(id);
    return true;
  };
  for (const id of Object.keys(states)) if (!visit(id)) return null;
  return order;
}
