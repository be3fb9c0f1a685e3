export default { render({ model }) {
  // a page left while this draws has no kernel to tell any more, and nothing to draw
  try { model.send({ shown: true }); } catch (e) { /* the kernel has gone with the page */ }
} };
