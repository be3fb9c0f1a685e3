"""Each page's notebook (notebooks/NN_<page>.ipynb and app.ipynb) imports the page's module
under workbook.stages, the one its file name says, and shows it. Its code cells are run here
as a kernel runs them (in order, the last expression's value being what the notebook shows),
and the page it shows is checked by its heading.

notebooks/08_explore.ipynb, which computes frames and charts, runs in a kernel through nbval
(see testpaths in pyproject.toml).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from workbook import content, registry
from workbook.paths import notebooks_dir
from workbook.stages import app as shell

PAGES = sorted(
    path.name for path in notebooks_dir().glob("*.ipynb") if path.name != registry.EXPLORE_NOTEBOOK
)


def _module_named_by(notebook: str) -> str:
    """ "01_feel.ipynb" -> "feel", "app.ipynb" -> "app"."""
    return re.sub(r"^\d\d_", "", notebook.removesuffix(".ipynb"))


def _heading(module: str) -> str:
    """The heading a person sees first on the page the module shows."""
    stage = next((s for s in registry.STAGES if s.module == module), None)
    if stage is not None:
        return stage.title
    if module == "app":  # the app opens on the start page
        return registry.by_number(0).title
    if module == "practice":
        from workbook.stages import practice

        return practice.words()["practice"]["title"]
    return content.text(module)["title"]


def _code(notebook: str) -> list[str]:
    cells = json.loads((notebooks_dir() / notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def _run(cells: list[str]) -> object:
    """Run the cells in one namespace, as a kernel would; what the last one shows."""
    namespace: dict = {"__name__": "__main__"}
    shown = None
    for source in cells:
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), namespace)
        shown = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace) if last else None
    return shown


def _headings(widget) -> list[str]:
    texts = [w.value for w in shell._reachable(widget).values() if isinstance(getattr(w, "value", None), str)]
    return [
        re.sub(r"<[^>]+>", "", found)
        for text in texts
        for found in re.findall(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    ]


def test_every_page_has_its_notebook():
    assert {stage.notebook for stage in registry.STAGES} <= set(PAGES)
    assert {registry.APP_NOTEBOOK, registry.PRACTICE_NOTEBOOK} <= set(PAGES)


@pytest.mark.parametrize("notebook", PAGES)
def test_the_notebook_imports_its_page_and_shows_it(home, notebook):
    module = _module_named_by(notebook)
    cells = _code(notebook)
    tree = ast.parse("\n".join(cells))
    imported = [
        (node.module, [alias.name for alias in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom | ast.Import)
    ]
    assert imported == [("workbook.stages", [module])], imported
    last = tree.body[-1]
    assert ast.unparse(last) == f"{module}.show()"  # shown as the notebook's output

    widget = _run(cells)
    assert _headings(widget)[:1] == [_heading(module)]


def test_the_heading_is_checked_in_the_language_in_use(home):
    content.set_language("es")
    widget = _run(_code(registry.by_number(1).notebook))
    assert _headings(widget)[:1] == ["Siéntelo"]


def test_the_explore_notebook_is_left_to_nbval():
    from tomllib import loads

    settings = loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["tool"]["pytest"]
    assert f"notebooks/{registry.EXPLORE_NOTEBOOK}" in settings["ini_options"]["testpaths"]
