let counter = 0;
export default { render({ model, el }) {
  const id = "wb-scale-" + (++counter) + "-" + Math.random().toString(36).slice(2, 8);
  const body = document.createElement("div");
  body.className = "wb-scale-body";
  const label = document.createElement("label");
  label.htmlFor = id;
  const input = document.createElement("input");
  input.type = "range";
  input.id = id;
  input.step = "1";
  const out = document.createElement("output");
  out.htmlFor = id;
  out.setAttribute("aria-hidden", "true");
  const draw = () => {
    label.textContent = model.get("description");
    input.min = String(model.get("min"));
    input.max = String(model.get("max"));
    input.value = String(model.get("value"));
    input.disabled = model.get("disabled");
    input.setAttribute("aria-valuetext", input.value + " of " + input.max);
    out.textContent = input.value + " / " + input.max;
  };
  input.addEventListener("input", () => {
    out.textContent = input.value + " / " + input.max;
    input.setAttribute("aria-valuetext", input.value + " of " + input.max);
  });
  input.addEventListener("change", () => {
    model.set("value", Number(input.value));
    try { model.save_changes(); } catch (e) { /* the page is closing: its kernel has gone */ }
  });
  model.on("change", draw);
  draw();
  body.append(label, input, out);
  el.append(body);
  return () => model.off("change", draw);
} };
