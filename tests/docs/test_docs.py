"""Every Python block of README.md and docs/*.md runs here: a snippet that breaks fails CI.

Why Sybil: it is the maintained tool for testing the code in documentation.
It reads Markdown as it is (fenced blocks, plus setup hidden in HTML comments:
``<!-- invisible-code-block: python ... -->``, and ``<!-- skip: next "why" -->``),
and reports failures at the line of the page. The pages stay plain Markdown,
as GitHub, a clone and MyST show them. pytest's doctest-glob would need every
snippet rewritten as ``>>>`` sessions, and a doctest cannot be a test module
that asks for fixtures.

Sybil parses the pages; this module collects and runs them, rather than
Sybil's own pytest collector, for two reasons. That collector sees only the
files pytest walks, and ``pytest tests examples`` (what .ci/test runs) never
walks README.md or docs/. And it runs the blocks of one page in order in one
shared namespace, which ``-n 2`` would split between workers. Here each
visible block is one test, on its own:

- A block that defines ``test_...`` functions is a test module as a
  downstream project writes it. It is written to a fresh directory, with no
  conftest, and run by pytester with the installed plugin, so the fixtures,
  the markers and the teardown checks are the real ones; each of its tests
  must pass.
- Any other block is a script. It runs in a fresh namespace, and a chatlab
  fixture it uses without defining (``new_client``, say) is this test's own
  fixture of that name.

Invisible blocks are the hidden setup of the visible block that follows
them. The worked examples on the mode pages are copies of examples/, marked
``<!-- copy of examples/NAME.py ... -->``; ``test_copies_match_the_examples``
keeps them equal.
"""

from __future__ import annotations

import ast
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from unittest import SkipTest

import pytest
from sybil import Document, Example
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import CodeBlockParser, SkipParser

from support.pytester_runs import run

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Plain code blocks: a block of ``>>>`` lines is not Python, and fails as such.
PARSERS = [CodeBlockParser("python", PythonEvaluator()), SkipParser()]

#: The plugin's fixtures a script block may use as if it were a test.
CHATLAB_FIXTURES = {
    "room",
    "chatlab_server_factory",
    "server_process",
    "new_client",
    "bound_device",
    "chatlab_harness",
}


@dataclass(frozen=True)
class Block:
    """A visible Python block of a page, and its place among the page's examples."""

    page: Path
    line: int  # of the opening fence, 1-based
    first: int  # index of the first example of its group (its hidden setup)
    last: int  # index of the block itself

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _parse(page: Path) -> Document:
    return Document.parse(str(page), *PARSERS)


def _visible(document: Document, example: Example) -> bool:
    return document.text.startswith("```", example.start)


def _blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        document = _parse(page)
        first = 0
        for index, example in enumerate(document.examples()):
            if _visible(document, example):
                blocks.append(Block(page, example.line, first, index))
                first = index + 1
    return blocks


BLOCKS = _blocks()


def _is_code(example: Example) -> bool:
    """True for a code block, False for a skip directive."""
    return isinstance(example.parsed, str)


def _at_their_lines(examples: list[Example]) -> str:
    """The code examples as one module, each at its line of the page."""
    lines: list[str] = []
    for example in filter(_is_code, examples):
        lines += [""] * (example.line + example.parsed.line_offset - len(lines))
        lines += str(example.parsed).splitlines()
    return "\n".join(lines) + "\n"


def _test_functions(tree: ast.Module) -> int:
    return sum(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
        for node in tree.body
    )


def _free_fixtures(tree: ast.Module) -> list[str]:
    """The chatlab fixtures the code reads and never binds."""
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return sorted((loaded - bound) & CHATLAB_FIXTURES)


@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_snippet(block: Block, request: pytest.FixtureRequest, pytester: pytest.Pytester):
    document = _parse(block.page)  # afresh: a namespace of this test's own
    group = list(document.examples())[block.first : block.last + 1]
    tree = ast.parse(_at_their_lines(group), filename=str(block.page))
    tests = _test_functions(tree)
    try:
        if tests:
            _run_module(block, document, group, tests, pytester)
        else:
            _run_script(block, document, group, _free_fixtures(tree), request)
    except SkipTest as skip:  # a skip directive on the page
        pytest.skip(f"{block.id}: {skip}")


def _run_module(
    block: Block,
    document: Document,
    group: list[Example],
    tests: int,
    pytester: pytest.Pytester,
) -> None:
    """Runs the group as one test module through pytester; each test must pass."""
    code: list[Example] = []

    def run_module(example: Example) -> None:
        code.append(example)
        module = pytester.path / f"test_{block.page.stem.replace('-', '_')}_line_{block.line}.py"
        module.write_text(_at_their_lines(code), encoding="utf-8")
        result = run(pytester, "-p", "no:cacheprovider", str(module))
        outcomes = result.parseoutcomes()
        if outcomes != {"passed": tests}:
            pytest.fail(
                f"{block.id}: {tests} tests should pass, the run says {outcomes} (output above)",
                pytrace=False,
            )

    # Through the document, so that a skip directive applies as it does to a script.
    for example in group[:-1]:
        document.evaluate(example, code.append if _is_code(example) else example.region.evaluator)
    document.evaluate(group[-1], run_module)


def _run_script(
    block: Block,
    document: Document,
    group: list[Example],
    fixtures: list[str],
    request: pytest.FixtureRequest,
) -> None:
    """Runs the group in order in the document's namespace, given the fixtures it uses."""
    for name in fixtures:
        document.namespace[name] = request.getfixturevalue(name)
    try:
        for example in group:
            example.evaluate()
    except SkipTest:
        raise
    except Exception as exc:
        failure = _from_the_page(exc, block.page)
    else:
        return
    pytest.fail(f"{block.id} fails as written:\n{failure}", pytrace=False)


def _from_the_page(exc: Exception, page: Path) -> str:
    """The traceback from the page's frame on: the failing line, not the whole page."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != str(page):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def test_every_python_block_is_collected():
    """Each ```python fence is a test above; Python under another name would escape it."""
    for page in PAGES:
        infos = re.findall(r"^```(\S*)", page.read_text(encoding="utf-8"), flags=re.MULTILINE)
        # Fences open and close in turn: the even ones open a block.
        opening = infos[::2]
        assert not [info for info in opening if re.fullmatch(r"py|py3|python3|pycon", info)], (
            f"{page.name}: write Python blocks as ```python so that they run"
        )
        collected = [block for block in BLOCKS if block.page == page]
        assert len(collected) == opening.count("python"), page.name


COPY = re.compile(
    r"^<!-- copy of (?P<path>examples/\S+\.py)\b.*?-->\n+```python\n(?P<code>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)


def test_copies_match_the_examples():
    copies = [
        (page, match) for page in PAGES for match in COPY.finditer(page.read_text(encoding="utf-8"))
    ]
    markers = sum(page.read_text(encoding="utf-8").count("<!-- copy of ") for page in PAGES)
    assert copies, "no copy of an example found: has the marker changed?"
    assert len(copies) == markers, "each copy marker must be followed by its block"
    for page, match in copies:
        original = (ROOT / match["path"]).read_text(encoding="utf-8")
        assert match["code"] == original, (
            f"{page.name}: the copy of {match['path']} differs from the file; paste it again"
        )
