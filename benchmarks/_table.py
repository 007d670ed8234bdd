"""Plain-text tables for the benchmark report."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Text table: the first `left` columns left-aligned, the others right-aligned.

    A row with fewer cells than `headers` aligns all but its last cell, then prints the
    last one as it is, spanning the remaining columns (e.g. "unsupported: ...").
    """
    n = len(headers)
    aligned_cells = [r if len(r) == n else r[:-1] for r in (headers, *rows)]
    widths = [max(len(r[i]) for r in aligned_cells if i < len(r)) for i in range(n)]

    def line(cells: Sequence[str]) -> str:
        aligned = cells if len(cells) == n else cells[:-1]
        text = "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(aligned, widths, strict=False))
        )
        if len(cells) < n:
            text += "  " + cells[-1]
        return text.rstrip()

    rule = "-" * len(line(headers))
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def status(ok: bool) -> str:
    return "PASS" if ok else "MISS"
