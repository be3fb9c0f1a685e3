// HTML allowed in a widget's description (`description_allow_html`): the tags and attributes
// ipywidgets' ManagerBase.inline_sanitize allows, kept by the browser's own parser instead of
// sanitize-html (which brings postcss and an HTML parser: ~230 kB the page would load for a
// feature the app doesn't use). Anything else is dropped, its text kept; links and images
// only to http(s), mailto or relative addresses.

const TAGS = new Set(["a", "abbr", "b", "code", "em", "i", "img", "li", "ol", "span", "strong", "ul"]);
const ANY = new Set(["class", "style", "title"]);
const ONLY = { a: new Set(["href"]), img: new Set(["src"]) };
const DROP_WITH_CONTENT = new Set(["script", "style", "template", "iframe", "object", "embed", "textarea", "noscript"]);

function safeUrl(value) {
  const url = value.trim();
  return !/^[a-z][a-z0-9+.-]*:/i.test(url) || /^(https?|mailto):/i.test(url);
}

function clean(node, into) {
  for (const child of [...node.childNodes]) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.append(document.createTextNode(child.textContent));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = child.localName;
    if (DROP_WITH_CONTENT.has(tag)) continue;
    if (!TAGS.has(tag)) {
      clean(child, into); // the tag goes, its text stays
      continue;
    }
    const kept = document.createElement(tag);
    for (const { name, value } of [...child.attributes]) {
      const allowed = ANY.has(name) || name.startsWith("aria-") || (ONLY[tag] && ONLY[tag].has(name));
      if (!allowed) continue;
      if ((name === "href" || name === "src") && !safeUrl(value)) continue;
      kept.setAttribute(name, value);
    }
    clean(child, kept);
    into.append(kept);
  }
}

export function inlineSanitize(source) {
  // an inert document: nothing in it runs or loads
  const parsed = new DOMParser().parseFromString(`<body>${source}`, "text/html");
  const out = document.createElement("div");
  clean(parsed.body, out);
  return out.innerHTML;
}
