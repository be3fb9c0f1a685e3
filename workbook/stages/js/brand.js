export default { render({ model }) {
  const apply = () => {
    const put = (selector, text) => {
      const element = document.querySelector(selector);
      if (element && text) element.textContent = text;
    };
    put(".wb-brand-text", model.get("app_name"));
    put(".wb-brand-tagline", model.get("tagline"));
    if (model.get("title")) document.title = model.get("title");
    document.documentElement.lang = model.get("language");
    try { localStorage.setItem("wb-language", model.get("language")); } catch (e) { /* storage blocked */ }
  };
  apply();
  model.on("change", apply);
  // A page of its own says which language the browser speaks, as the app's router does
  // (the one rule: content.use_browser).
  if (model.get("asks")) {
    try { model.send({ event: "language", language: navigator.language }); } catch (e) { /* page left */ }
  }
  return () => model.off("change", apply);
} };
