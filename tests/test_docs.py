"""The docs the next person reads are true of the tree: the module map names every module and
only modules that exist, links lead to files that exist, the README stays a front page and
its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"
TEST_COMMAND = 'python -m pip install -e ".[test]" && python -m pytest'
FAST_LANE = 'python -m pytest -m "not browser and not hub"'


def _modules() -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "workbook").rglob("*.py")
        if "__pycache__" not in p.parts
    }


def _named(path: Path) -> set[str]:
    """Every `workbook/….py` a page names in backticks."""
    return set(re.findall(r"`(workbook/[\w/]+\.py)`", path.read_text(encoding="utf-8")))


def test_the_module_map_names_every_module():
    missing = sorted(_modules() - _named(ARCHITECTURE))
    assert not missing, f"add these to the module map in docs/architecture.md: {missing}"


def test_every_module_the_docs_name_exists():
    for page in (ARCHITECTURE, README, ROOT / "docs" / "therapists.md", ROOT / "docs" / "languages.md"):
        gone = sorted(m for m in _named(page) if not (ROOT / m).exists())
        assert not gone, f"{page.name} names modules that don't exist: {gone}"


def _pages() -> list[Path]:
    return [README, ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_link_in_the_docs_leads_to_a_file_that_exists():
    broken = []
    for page in _pages():
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a web address, or a place on the same page
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken


def test_the_readme_is_a_front_page_with_the_commands_that_work():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 8000, "keep README.md under 8 kB: move detail into docs/"
    assert TEST_COMMAND in text and FAST_LANE in text
    assert "python -m pip install . && rejection-workbook" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    assert TEST_COMMAND in ci, "CI runs the README's test command (pip's --quiet aside)"
