let counter = 0;
export default { render({ model, el }) {
  const id = "wb-date-" + (++counter) + "-" + Math.random().toString(36).slice(2, 8);
  el.classList.add("widget-inline-hbox", "widget-datepicker");
  const label = document.createElement("label");
  label.className = "widget-label";
  label.style.width = "initial";  // as forms.date_picker's description_width: initial
  label.htmlFor = id;
  const input = document.createElement("input");
  input.type = "date";
  input.id = id;
  input.className = "widget-input";
  const draw = () => {
    label.textContent = model.get("description");
    input.disabled = model.get("disabled");
    const value = model.get("value");
    // a half-typed date reads as "": keep the person's text rather than wiping it
    if (input.value !== value && !(value === "" && input.validity.badInput)) input.value = value;
    if (model.get("unclear")) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  const send = () => {
    const value = input.value, unclear = input.validity.badInput;
    if (value === model.get("value") && unclear === model.get("unclear")) return;
    model.set("value", value);
    model.set("unclear", unclear);
    try { model.save_changes(); } catch (e) { /* a blur as the page closes: its kernel has gone */ }
  };
  for (const name of ["input", "change", "keyup", "blur"]) input.addEventListener(name, send);
  model.on("change", draw);
  draw();
  el.append(label, input);
  return () => model.off("change", draw);
} };
