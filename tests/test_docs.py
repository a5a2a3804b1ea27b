"""The documentation site (docs/) builds with zero warnings, every public name has a page,
the notebooks are rendered with their figures, and the pages' examples run as written."""

import importlib
import os
import pathlib
import pkgutil
import posixpath
import re
import subprocess
import sys
import warnings

import pytest
from sphinx.util.inventory import InventoryFile

import partition

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(
    page
    for page in [DOCS / "index.md", *(DOCS / "concepts").glob("*.md")]
    if "```python" in page.read_text()
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A fresh build (-E) with warnings as errors; a broken reference or docstring fails it."""
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONWARNINGS": ""},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert "WARNING" not in proc.stderr, proc.stderr[-5000:]
    return out / "html"


def test_the_site_builds_with_zero_warnings(site):
    for page in ("index", "install", "changelog", "api/index", "api/cli", "tutorials/index"):
        assert (site / f"{page}.html").is_file(), page
    # the README sections the concept pages include are still found (an include whose
    # start-after text vanished is an error, so this is the content check)
    own = (site / "concepts" / "your-own-model.html").read_text()
    assert "MyWalk" in own and "Coins" in own
    assert "bayes_factor" in (site / "concepts" / "bridgesampling-for-r-users.html").read_text()


def _public_modules():
    """partition and every module under it, outside private names, that declares __all__."""
    yield partition
    for info in pkgutil.walk_packages(partition.__path__, "partition."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            yield module


def _resolve(name):
    """The object an inventory name documents: attributes first (``partition.benchmark`` is
    the function, which shadows its module), then modules."""
    parts = name.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        module = importlib.import_module(".".join(parts[:i]))
        if hasattr(module, part):
            obj = getattr(module, part)
        else:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def test_every_public_name_has_a_page(site):
    with open(site / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", posixpath.join)
    pages = {}  # id(object) -> the page that documents it
    for kind, entries in inventory.items():
        if kind not in ("py:function", "py:class", "py:exception", "py:data"):
            continue  # methods and attributes live on their class's page
        for name, entry in entries.items():
            uri = entry[2] if isinstance(entry, tuple) else entry.uri
            pages.setdefault(id(_resolve(name)), uri.split("#")[0])
    modules = list(_public_modules())
    names = {m.__name__ for m in modules}
    assert names >= {"partition", "partition.transitions", "partition.models.base"}
    missing = []
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type(partition)):  # a submodule: documented by its own names
                continue
            page = pages.get(id(obj))
            if page is None or not page.startswith("api/generated/"):
                missing.append(f"{module.__name__}.{name}")
            else:
                assert (site / page).is_file(), page
    assert not missing, f"public names without a page of their own: {missing}"


def test_the_cli_page_shows_every_command(site):
    from partition.cli import build_parser

    html = (site / "api" / "cli.html").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices
    assert len(commands) >= 7
    for command in commands:
        assert f'id="partition-{command}"' in html, command  # a section per command


def test_the_notebooks_are_rendered_with_their_figures(site):
    import nbformat

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 5
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        figures = sum(
            "image/png" in output.get("data", {})
            for cell in nb.cells
            if cell.cell_type == "code"
            for output in cell.get("outputs", [])
        )
        html = (site / "tutorials" / f"{path.stem}.html").read_text()
        images = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+)"', html)
        assert len(images) >= figures >= 1, path.name
        for src in images:
            assert (site / "tutorials" / src).resolve().is_file(), src


def test_the_pages_with_examples_are_all_found():
    names = {str(page.relative_to(DOCS)) for page in PAGES}
    concepts = ["log-z", "choosing-an-estimator", "reproducibility", "your-own-model"]
    assert names >= {"index.md", *(f"concepts/{name}.md" for name in concepts)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_the_pages_examples_run(page):
    """As written, and asserting what they print: a page whose example prints numbers
    checks them (an ``assert`` after its last ``print``), so a claim in a comment cannot
    drift from what the code gives."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    code = "\n".join(blocks)
    after_last_print = code[code.rfind("print(") :] if "print(" in code else code
    assert "assert " in after_last_print, f"{page.name}: what it prints is not checked"
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(code, str(page), "exec"), namespace)
