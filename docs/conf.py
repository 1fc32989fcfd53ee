"""Sphinx configuration: the docs are Markdown (MyST); code comes from examples/."""

project = "pytest-chatlab"
author = "pytest-chatlab maintainers"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_title = "pytest-chatlab"
