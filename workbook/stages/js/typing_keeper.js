export default { render({ model }) {
  let areas = [];
  const find = async () => {
    const refs = model.get("areas") || [];
    const found = await Promise.all(refs.map((ref) =>
      model.widget_manager.get_model(String(ref).replace(/^IPY_MODEL_/, "")).catch(() => null)));
    areas = found.filter(Boolean);
  };
  const flush = () => {
    for (const area of areas) {
      if (area._msg_buffer && area.comm_live) {
        try {
          const id = area.send_sync_message(area._msg_buffer, area._msg_buffer_callbacks);
          if (area.rememberLastUpdateFor) area.rememberLastUpdateFor(id);
        } catch (e) {
          continue;  // the page's kernel has already gone (a later pagehide): nothing more can be sent
        }
        area._msg_buffer = null;
        area._msg_buffer_callbacks = null;
      }
    }
  };
  const hidden = () => { if (document.visibilityState === "hidden") flush(); };
  model.on("change:areas", find);
  find();
  // capture: before Voila's own beforeunload handler asks the server to stop the kernel
  window.addEventListener("pagehide", flush, true);
  window.addEventListener("beforeunload", flush, true);
  document.addEventListener("visibilitychange", hidden);
  return () => {
    model.off("change:areas", find);
    window.removeEventListener("pagehide", flush, true);
    window.removeEventListener("beforeunload", flush, true);
    document.removeEventListener("visibilitychange", hidden);
  };
} };
