// What the Jupyter widgets use of jQuery, without jQuery (~30 KiB compressed, and ~0.2 s of a
// phone's start-up in its own feature tests before anything is drawn).
//
// ipywidgets 8's views are native views (@jupyter-widgets/base's NativeView: events, attributes
// and removal on the element itself); jQuery is left only where a view wraps its element,
// `view.$el = $(el)` (base's WidgetView, controls' Box, Controller and selection containers),
// and anywidget empties that wrapper (`view.$el.empty()`) before drawing a widget. That is
// all this gives: a wrapper of elements, `empty`, `find` (Backbone's `view.$(selector)`) and
// `remove`. Anything else asked of it fails loudly (not a function), never silently.
// CommonJS, so `import $ from "jquery"` and Backbone's `require("jquery")` get the same function.

function elementsOf(selection) {
  if (selection === undefined || selection === null) return [];
  if (selection instanceof $) return Array.from(selection);
  if (typeof selection === "string") return Array.from(document.querySelectorAll(selection));
  if (selection.nodeType || selection === window) return [selection];
  return Array.from(selection);
}

function $(selection) {
  if (!(this instanceof $)) return new $(selection);
  const elements = elementsOf(selection);
  elements.forEach((element, i) => (this[i] = element));
  this.length = elements.length;
}

$.prototype[Symbol.iterator] = Array.prototype[Symbol.iterator];

$.prototype.empty = function () {
  for (const element of this) element.replaceChildren();
  return this;
};

$.prototype.find = function (selector) {
  return $([...this].flatMap((element) => Array.from(element.querySelectorAll(selector))));
};

$.prototype.remove = function () {
  for (const element of this) element.remove();
  return this;
};

module.exports = $;
