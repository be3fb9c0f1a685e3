"""nbconvert's lab `index.css`, trimmed to the rules that can match anything on the app's pages.

    python js/lab_css.py [OUT]     (js/build.sh runs it; OUT defaults to the light template's static/index.css)

Every page of nbconvert's lab template links its `static/index.css`: all of JupyterLab's
styles (235 KiB: the file browser, menus, dialogs, the notebook toolbar, the status bar, the
code editor, every icon as a data URL), for pages that show a handful of its classes. The light
template's `static/index.css` takes its place (Voilà looks in the light template's own
`static/` first) and keeps, in the same order, every rule of the original that could match:

- a rule whose selectors name only classes the app's pages can carry: a class that appears
  in what makes them (the templates, the light front end's script and styles, the app's
  styles, the Python that writes their HTML, the shipped words). A class named nowhere there
  is on no element, so a rule that needs it matches nothing;
- every rule that names no class (`body`, `:root`, `button`, …) and every at-rule but
  `@media`/`@supports` (whose rules are trimmed the same way) and `@keyframes`/`@font-face`
  (kept only when something kept uses them);
- custom properties (`--jp-…`) only when a kept rule, the app's styles or the script use them.

The output is the same bytes for the same inputs: tests/test_light_frontend.py checks that
the shipped file is what this makes from the nbconvert installed with the app.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tinycss2

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ROOT / "workbook" / "jupyter_data" / "voila" / "templates" / "rejection-workbook-light"
OUT = LIGHT / "static" / "index.css"
HEADER = (
    "/* nbconvert's lab index.css, only the rules that can match on the app's pages:"
    " made by js/lab_css.py, do not edit. */\n"
)
CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")
VAR_USE = re.compile(r"var\(\s*(--[_a-zA-Z0-9-]+)")
TOKEN = re.compile(r"[_a-zA-Z][_a-zA-Z0-9-]*")
NESTED = {"media", "supports"}
NEEDED_IF_USED = {"keyframes", "-webkit-keyframes", "font-face"}


def lab_index_css() -> Path:
    """nbconvert's lab template's index.css, as Voilà would serve it."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    for folder in TemplateExporter().template_paths:
        found = Path(folder) / "lab" / "static" / "index.css"
        if found.is_file():
            return found
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates"):
        found = Path(folder) / "lab" / "static" / "index.css"
        if found.is_file():
            return found
    raise FileNotFoundError("nbconvert's lab template (static/index.css) is not installed")


def sources() -> list[Path]:
    """What makes the app's pages and can name a class on them."""
    templates = ROOT / "workbook" / "jupyter_data" / "voila" / "templates"
    found = [
        *sorted(templates.rglob("*.j2")),
        *sorted(p for p in templates.rglob("static/*") if p.suffix in {".js", ".css"} and p != OUT),
        *sorted((ROOT / "workbook").rglob("*.py")),
        *sorted(p for p in (ROOT / "data").rglob("*") if p.suffix in {".toml", ".csv", ".html"}),
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
        *sorted((ROOT / "js" / "src").glob("*.js")),
    ]
    # the markup Voilà's and nbconvert's lab templates write around the cells
    import voila
    from jupyter_core.paths import jupyter_path

    for folder in [*jupyter_path("voila", "templates"), *jupyter_path("nbconvert", "templates")]:
        for name in ("base", "lab"):
            found += sorted(Path(folder, name).glob("*.j2"))
    found += sorted(Path(voila.__file__).parent.glob("*.py"))
    return found


def known_words(paths: list[Path]) -> set[str]:
    words: set[str] = set()
    for path in paths:
        words.update(TOKEN.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def _can_match(selector: str, words: set[str]) -> bool:
    return all(name in words for name in CLASS.findall(selector))


def _selectors(rule) -> list[str]:
    return [part.strip() for part in tinycss2.serialize(rule.prelude).split(",") if part.strip()]


def _trim(rules, words: set[str]) -> list:
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            matching = [s for s in _selectors(rule) if _can_match(s, words)]
            if matching:
                kept.append(("rule", ", ".join(matching), rule))
        elif rule.type == "at-rule" and rule.lower_at_keyword in NESTED and rule.content is not None:
            inner = _trim(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), words
            )
            if inner:
                kept.append(("nested", rule, inner))
        elif rule.type == "at-rule":
            kept.append(("at", rule))
    return kept


def _declarations(rule) -> list:
    return [
        d
        for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
        if d.type == "declaration"
    ]


def _write(kept, used_vars: set[str], used_names: set[str], depth: int = 0) -> list[str]:
    pad = "  " * depth
    out = []
    for item in kept:
        if item[0] == "rule":
            _, selector, rule = item
            body = [
                f"{pad}  {d.name}: {tinycss2.serialize(d.value).strip()}{' !important' if d.important else ''};"
                for d in _declarations(rule)
                if not d.name.startswith("--") or d.name in used_vars
            ]
            if body:
                out += [f"{pad}{selector} {{", *body, f"{pad}}}"]
        elif item[0] == "nested":
            _, rule, inner = item
            lines = _write(inner, used_vars, used_names, depth + 1)
            if lines:
                prelude = tinycss2.serialize(rule.prelude).strip()
                out += [f"{pad}@{rule.at_keyword} {prelude} {{", *lines, f"{pad}}}"]
        else:
            rule = item[1]
            name = tinycss2.serialize(rule.prelude).strip()
            if rule.lower_at_keyword in NEEDED_IF_USED and name not in used_names:
                continue
            out.append(pad + tinycss2.serialize([rule]).strip())
    return out


def _texts(kept) -> list[str]:
    """The declarations' text of every kept rule (for what they use)."""
    texts = []
    for item in kept:
        if item[0] == "rule":
            texts += [f"{d.name}: {tinycss2.serialize(d.value)}" for d in _declarations(item[2])]
        elif item[0] == "nested":
            texts += _texts(item[2])
    return texts


def trimmed(css: str, words: set[str], elsewhere: str) -> str:
    """`css` with only the rules that can match; `elsewhere` is the other styles and
    scripts of the page, for the custom properties and animations they use."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    kept = _trim(rules, words)
    declarations = {}  # custom property -> the text of its values (for properties using others)
    for text in _texts(kept):
        name, _, value = text.partition(":")
        if name.startswith("--"):
            declarations.setdefault(name, []).append(value)
    uses = "\n".join(t for t in _texts(kept) if not t.startswith("--")) + "\n" + elsewhere
    used = set(VAR_USE.findall(uses))
    waiting = list(used)
    while waiting:  # a property used by a used property
        for value in declarations.get(waiting.pop(), []):
            for name in VAR_USE.findall(value):
                if name not in used:
                    used.add(name)
                    waiting.append(name)
    used_names = set(TOKEN.findall(uses))
    return HEADER + "\n".join(_write(kept, used, used_names)) + "\n"


def build(out: Path = OUT) -> str:
    paths = sources()
    elsewhere = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in paths
        if p.suffix in {".css", ".js", ".py", ".j2"}
    )
    text = trimmed(lab_index_css().read_text(encoding="utf-8"), known_words(paths), elsewhere)
    out.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    written = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"{OUT.name}: {len(written.encode()) / 1024:.1f} KiB ({lab_index_css()})")
