"""Sphinx configuration of partition's documentation site.

Build it with ``python3 -m sphinx -W --keep-going -b html docs docs/_build/html`` after
``pip install ".[docs]"``; ``tests/test_docs.py`` does exactly that, warnings as errors.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the package of this checkout, not an older installed copy

import partition  # noqa: E402

project = "partition"
author = "The partition developers"
copyright = "2026, The partition developers"
version = release = partition.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
    "sphinx_design",
]

# ---- sources -----------------------------------------------------------------------------
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
smartquotes_action = "qe"  # quotes and ellipses; "--json" keeps its two hyphens

# The notebooks live in notebooks/ (the tests execute them there); the site renders their
# committed outputs, never executes them.
nb_execution_mode = "off"
nb_merge_streams = True  # one output box per cell, however the kernel chunked stdout
TUTORIALS = DOCS / "tutorials"
for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
    target = TUTORIALS / notebook.name
    if not target.exists() or target.read_bytes() != notebook.read_bytes():
        shutil.copyfile(notebook, target)

# ---- API reference -------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False

# Every cross-reference must resolve: a renamed or removed name fails the build. Types of the
# standard library, NumPy and friends are not linked (no intersphinx: the build is offline).
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|numba|scipy|arviz|matplotlib|distributed|concurrent|typing)\..*"),
    (r"py:.*", r"collections\.abc\..*|contextlib\..*|os\..*|pathlib\..*|dataclasses\..*"),
]

# MathJax comes from its CDN; to read the site offline, point this at a local copy
# (e.g. the es5/tex-chtml.js of npm's mathjax@3 package).
if os.environ.get("PARTITION_DOCS_MATHJAX"):
    mathjax_path = os.environ["PARTITION_DOCS_MATHJAX"]

# ---- output --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"partition {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "install": [], "changelog": []}  # pages without a section
html_show_sourcelink = False
# the contents of a class page list "summary()", not "LogZEstimate.summary()"
toc_object_entries_show_parents = "hide"
