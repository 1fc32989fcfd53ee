"""Sphinx configuration: the docs are plain Markdown (MyST), read as they are in a clone.

contents.md, the root, holds the toctree; index.md is the first page and
becomes index.html. The code on the pages is in them, not included:
tests/docs/test_docs.py runs it and keeps the copies of examples/ equal.
"""

project = "pytest-chatlab"
root_doc = "contents"
author = "pytest-chatlab maintainers"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_title = "pytest-chatlab"
