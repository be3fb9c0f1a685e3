"""A phone on a slow network (issue 22): what `serve` sends is compressed, and what may be kept
is kept.

One real `rejection-workbook serve --demo` on a free port; plain HTTP requests with its token.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
from pathlib import Path

import pytest

from workbook import voila_settings

from .ports import free_ports
from .processes import running, serve_command, singleuser_command


def _serving(home: Path, frontend: str):
    """(port, token, the app page's HTML) of a running `serve --demo` with that front end."""
    env = {**os.environ, voila_settings.FRONTEND_ENV: frontend}
    with running(serve_command(home, "--demo"), env=env) as serve:
        _url, port, token = serve.url(timeout=120)
        status, headers, body = get(port, f"/voila/render/app.ipynb?token={token}")
        assert status == 200, body[:500]
        yield port, token, body.decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app with Voilà's own front end (its files are the ones checked here)."""
    yield from _serving(tmp_path_factory.mktemp("light-home"), "voila")


@pytest.fixture(scope="module")
def served_light(tmp_path_factory):
    """The app with its own light front end (js/)."""
    yield from _serving(tmp_path_factory.mktemp("light-frontend-home"), "light")


def get(port: int, path: str, encoding: str = "gzip") -> tuple[int, dict, bytes]:
    """(status, headers with lower-case names, body unzipped) of one GET on 127.0.0.1; the
    number of bytes that came is in headers["sent"]."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": encoding, "Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        headers["sent"] = len(body)
    finally:
        connection.close()
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, headers, body


def test_the_page_its_scripts_and_its_styles_come_compressed(served):
    port, token, page = served
    status, headers, _ = get(port, f"/voila/render/app.ipynb?token={token}")
    assert (status, headers.get("content-encoding")) == (200, "gzip")
    css = re.search(r'href="(/voila/templates/rejection-workbook/static/app\.css\?v=\w+)"', page).group(1)
    paths = [
        "/voila/static/voila.js",  # Voilà's main script, and its largest piece
        "/voila/static/" + largest_voila_chunk(),
        css,
        *[url for url in extension_urls() if "jupyterlab-manager/static/remoteEntry." in url],
    ]
    for path in paths:
        status, headers, body = get(port, path)
        assert (path, status, headers.get("content-encoding")) == (path, 200, "gzip")
        assert headers["sent"] < len(body) / 2, path  # at least halved
    # a browser that takes no compression still gets the files as they are
    status, headers, body = get(port, "/voila/static/voila.js", encoding="identity")
    assert status == 200 and "content-encoding" not in headers and headers["sent"] == len(body) > 1000


def test_the_light_front_end_s_script_and_styles_come_compressed_and_are_kept_a_year(served_light):
    port, token, page = served_light
    light = voila_settings.LIGHT_TEMPLATE
    found = re.findall(rf'(?:href|src)="(/voila/templates/{light}/static/([\w.-]+)\?v=\w+)"', page)
    names = {name for _path, name in found}
    assert {"light.js", "light.css", "index.css", "app.css"} <= names, names
    assert "voila.js" not in page  # Voilà's own front end is not loaded
    for path, name in found:
        status, headers, body = get(port, path)
        assert (name, status, headers.get("content-encoding")) == (name, 200, "gzip")
        assert headers["sent"] < len(body) / 2, name  # at least halved
        assert (
            "immutable" in headers.get("cache-control", "") and "max-age=31536000" in headers["cache-control"]
        )
        # by the address that does not change with it: asked again every time
        _, headers, _ = get(port, path.split("?")[0])
        assert "immutable" not in headers.get("cache-control", ""), name
    # the trimmed lab styles are what the page gets, not nbconvert's 235 KiB
    index = next(path for path, name in found if name == "index.css")
    assert len(get(port, index)[2]) < 64 * 1024


def largest_voila_chunk() -> str:
    from voila.paths import collect_static_paths

    chunks = [
        file for folder in collect_static_paths(["voila"], "lab") for file in Path(folder).glob("*.voila.js")
    ]
    return max(chunks, key=lambda file: file.stat().st_size).name


def test_files_whose_address_changes_with_them_are_kept_a_year(served):
    port, token, page = served
    css = re.search(r'href="(/voila/templates/rejection-workbook/static/app\.css\?v=\w+)"', page).group(1)
    for path in (css, *extension_urls()[:3]):
        status, headers, _ = get(port, path)
        assert status == 200, path
        assert "immutable" in headers.get("cache-control", ""), (path, headers.get("cache-control"))
        assert "max-age=31536000" in headers["cache-control"]
    # the same files, by an address that does not change with them: asked again every time
    for path in ("/voila/templates/rejection-workbook/static/app.css", "/voila/static/voila.js"):
        _, headers, _ = get(port, path)
        assert "immutable" not in headers.get("cache-control", ""), path
    style = "/voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/style.js"
    status, headers, _ = get(port, style)
    assert status == 200 and "immutable" not in headers.get("cache-control", "")


def extension_urls() -> list[str]:
    """The addresses of the lab extension files with a content hash in their names."""
    from voila.utils import get_voila_labextensions_path

    return voila_settings.immutable_urls("/", get_voila_labextensions_path())


def test_only_files_with_a_content_hash_in_their_name_are_marked(tmp_path):
    static = tmp_path / "some-extension" / "static"
    static.mkdir(parents=True)
    for name in (
        "remoteEntry.698dcaf7.js",
        "84.09c61a35dce1705f.js",
        "style.js",
        "third-party-licenses.json",
    ):
        (static / name).write_text("x")
    (tmp_path / "some-extension" / "package.json").write_text("{}")
    assert voila_settings.immutable_urls("/user/ana/", [str(tmp_path), str(tmp_path / "gone")]) == [
        "/user/ana/voila/labextensions/some-extension/static/84.09c61a35dce1705f.js",
        "/user/ana/voila/labextensions/some-extension/static/remoteEntry.698dcaf7.js",
    ]


def test_the_hub_server_compresses_too():
    flags = voila_settings.server_flags()
    assert any(
        f.startswith("--ServerApp.tornado_settings=") and "'compress_response': True" in f for f in flags
    )
    assert Path(voila_settings.__file__).exists()


def test_a_person_s_server_on_the_hub_compresses_and_keeps_the_same(home, tmp_path):
    """The server the hub starts for a person (`hubsetup.singleuser_arguments`), with the
    token in a header as the hub's proxy would carry the person's log-in."""
    port = free_ports(1)[0]
    command, env, token = singleuser_command(home, port, "--ServerApp.base_url=/user/ana/")
    with running(command, env=env, cwd=tmp_path) as server:
        server.said(r"Jupyter Server .* is running at", timeout=120)
        hashed = [url for url in extension_urls() if "jupyterlab-manager/static/remoteEntry." in url]
        for path in ("/user/ana/voila/static/voila.js", *(f"/user/ana{url}" for url in hashed)):
            status, headers, body = get(port, f"{path}?token={token}")
            assert (path, status, headers.get("content-encoding")) == (path, 200, "gzip")
            assert headers["sent"] < len(body) / 2, path
        for url in hashed:
            _, headers, _ = get(port, f"/user/ana{url}")
            assert "immutable" in headers.get("cache-control", ""), url
        _, headers, _ = get(
            port, "/user/ana/voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/style.js"
        )
        assert "immutable" not in headers.get("cache-control", "")


def test_the_app_page_loads_only_the_extensions_it_needs():
    """Voilà's own filter, given our settings: an extension installed later in the same Python
    (here 'someone-elses-extension') stays out as plotly's does."""
    from voila.utils import filter_extension

    settings = {s.name.split(".")[-1]: s.value for s in voila_settings.SETTINGS if "extension" in s.name}
    installed = [
        {"name": name}
        for name in (
            "@jupyter-widgets/jupyterlab-manager",
            "@voila-dashboards/widgets-manager8",
            "anywidget",
            "jupyterlab-plotly",
            "jupyterlab_pygments",
            "someone-elses-extension",
        )
    ]
    kept = filter_extension(
        federated_extensions=installed,
        extension_allowlist=list(settings.get("extension_allowlist") or []),
        extension_denylist=list(settings.get("extension_denylist") or []),
    )
    assert [x["name"] for x in kept] == [
        "@jupyter-widgets/jupyterlab-manager",
        "@voila-dashboards/widgets-manager8",
        "anywidget",
    ]
