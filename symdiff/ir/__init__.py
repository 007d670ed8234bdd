"""The IR: nodes, the table of primitives and the modules of operations registered into it.

The table is loaded first, whichever module of the package is imported, so the modules
of array operations can extend `arrays.OPS` when they register theirs.
"""

from symdiff.ir import primitives  # noqa: F401
