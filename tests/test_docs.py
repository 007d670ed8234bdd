"""The README and the pages under docs/: every internal link resolves, and every Python
block runs.

A page's ```python blocks run in order as one script (a later block may use what an
earlier one defined), in a fresh process whose working directory is a temporary folder.
A block that is not meant to run (a fragment, code needing a cluster) has the line
``<!-- not run: the reason -->`` just before its fence. A block that shows what
symdiff prints has ``<!-- output of: EXPRESSION -->`` there instead: at that point of
the script the expression (its ``str``) must still give that text, where a line holding
only ``...`` stands for any lines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
NOT_RUN = re.compile(r"<!-- not run: \S.* -->")
OUTPUT_OF = re.compile(r"<!-- output of: (\S.*) -->")
FENCE = re.compile(r"^(\s*)(```+)(\S*)")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, first line number (1-based) and text."""

    language: str
    line: int
    text: str
    marked_not_run: bool
    output_of: str | None  # the expression whose output the block shows


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text."""
    found: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, ticks, language = opening.groups()
        previous = next((s for s in reversed(lines[:i]) if s.strip()), "")
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(ticks):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        output_of = OUTPUT_OF.search(previous)
        found.append(Block(language, i - len(body) + 1, "\n".join(body) + "\n",
                           bool(NOT_RUN.search(previous)),
                           output_of.group(1) if output_of else None))
        i += 1
    return found


def prose(text: str) -> str:
    """`text` without its fenced blocks and code spans (links there are not links)."""
    kept: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        opening = FENCE.match(line)
        if fence is None and opening is not None:
            fence = opening.group(2)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            kept.append(CODE_SPAN.sub("", line))
    return "\n".join(kept)


def slug(heading: str) -> str:
    """A heading's anchor, as Python-Markdown's toc extension (MkDocs) and GitHub make it
    for the headings these pages use."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$",
                                                   prose(page.read_text(encoding="utf-8")),
                                                   re.M)}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # a URL
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with anchor #{anchor} in {linked.name}")
    return broken


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT)) if page.is_relative_to(ROOT) else page.name


def test_the_pages_are_found() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "index.md", "api.md", "supported.md", "limitations.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_internal_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_link_check_finds_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[fine](other.md#a-section) [fine too](#page) "
                    "`[code](nowhere.md)`\n[gone](missing.md) [no anchor](other.md#nope)\n"
                    "![picture](figures/none.svg) [web](https://example.org/x.md)\n")
    assert [b.split(":")[0] for b in broken_links(page)] == [
        "missing.md", "other.md#nope", "figures/none.svg"]


def test_blocks_and_markers() -> None:
    text = ("# T\n\n```python\nx = 1\n```\n\n<!-- not run: output -->\n```python\n"
            "def f():\n    ...\n```\n\n- item\n\n  ```sh\n  make demo\n  ```\n")
    found = blocks(text)
    assert [(b.language, b.line, b.marked_not_run) for b in found] == [
        ("python", 4, False), ("python", 9, True), ("sh", 16, False)]
    assert found[2].text == "make demo\n"


def test_a_stale_output_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 'a\\nb\\nc\\n'\n```\n<!-- output of: x -->\n```\na\n...\n"
                    "c\n```\n<!-- output of: len(x) -->\n```\n4\n```\n")
    path = tmp_path / "page_blocks.py"
    path.write_text(script(page))
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    assert "the block at line 12 is not what len(x) gives now:\n6" in result.stderr
    page.write_text(page.read_text().replace("4\n", "6\n"))
    path.write_text(script(page))
    assert subprocess.run([sys.executable, str(path)]).returncode == 0


CHECK_OUTPUT = """
def _check_output(expression, shown, line):
    import re
    value = eval(expression, globals())
    text = value if isinstance(value, str) else str(value)
    text = text if text.endswith("\\n") else text + "\\n"
    position = 0
    for part in re.split(r"(?m)^[ \\t]*[.][.][.][ \\t]*\\n", shown):
        found = text.find(part, position)
        if found < 0:
            raise AssertionError(
                f"the block at line {line} is not what {expression} gives now:\\n{text}")
        position = found + len(part)
"""


def script(page: Path) -> str:
    """The page's runnable Python blocks and its output checks as one script, each
    under a comment naming its line in the page."""
    parts = []
    for b in blocks(page.read_text(encoding="utf-8")):
        if b.output_of is not None:
            parts.append(f"# {page_id(page)}, line {b.line}\n"
                         f"_check_output({b.output_of!r}, {b.text!r}, {b.line})\n")
        elif b.language == "python" and not b.marked_not_run:
            parts.append(f"# {page_id(page)}, line {b.line}\n{b.text}")
    return CHECK_OUTPUT + "\n".join(parts) if parts else ""


RUNNABLE = [p for p in PAGES if script(p)]


@pytest.mark.parametrize("page", RUNNABLE, ids=page_id)
def test_every_python_block_runs(page: Path, tmp_path: Path) -> None:
    path = tmp_path / f"{page.stem.replace('-', '_').lower()}_blocks.py"
    path.write_text(script(page), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"a Python block of {page_id(page)} failed (the script's comments name each "
        f"block's line):\n{result.stderr[-4000:]}")


def test_the_site_builds_with_no_broken_link(tmp_path: Path) -> None:
    # What `make docs` runs; strict, so a link or anchor MkDocs cannot resolve fails.
    # mkdocs and mkdocs-material are in the test extra: not skipped when missing.
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()
