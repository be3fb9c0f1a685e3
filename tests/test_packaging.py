"""What we ship: the same dependencies for pip and conda, and a wheel that runs the app."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _names(requirements) -> dict[str, str]:
    found = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
        found[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return found


def test_conda_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not re.match(r"(python|pip)\b(?!-)", d)]
    # and the few that come from PyPI through conda's pip (not its options, nor the package itself)
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda += [d for d in pip if not d.startswith("-")]
    # conda-forge names a few packages differently from PyPI
    renamed = {"python-fastjsonschema": "fastjsonschema"}
    assert {renamed.get(k, k): v for k, v in _names(conda).items()} == _names(project["dependencies"])
    assert any(str(d).startswith("python>=3.11") for d in env["dependencies"])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    return zipfile.ZipFile(next(out.glob("rejection_workbook-*.whl")))


def test_the_wheel_ships_content_notebooks_and_template(wheel):
    names = set(wheel.namelist())
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"workbook/_shipped/notebooks/{notebook.name}" in names
    for data in (ROOT / "data").rglob("*"):
        if data.is_file():
            assert f"workbook/_shipped/data/{data.relative_to(ROOT / 'data').as_posix()}" in names
    template = "workbook/jupyter_data/voila/templates/rejection-workbook/"
    assert f"{template}conf.json" in names
    assert f"{template}static/widgets.css" in names
    assert "workbook/charts/vendor/plotly-basic.min.js" in names  # charts draw offline
    entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "rejection-workbook = workbook.cli:main" in entry_points


def test_the_installed_wheel_finds_its_content_and_notebooks(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            wheel.filename,
        ],
        check=True,
        timeout=300,
    )
    probe = (
        "from workbook import content, paths; "
        "print(paths.data_dir()); print(paths.notebooks_dir()); print(len(content.emotions()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))
    assert int(out[2]) >= 60
    assert (Path(out[1]) / "00_start.ipynb").exists()
