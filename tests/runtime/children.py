"""The start of a child process for the disk-cache tests: symdiff from the repository
given as its first argument, and with ``forbid`` as the second, a ``pipeline.generate``
that raises, so the child can only succeed from a disk entry."""

from __future__ import annotations

import textwrap

PRELUDE = textwrap.dedent('''\
    import json
    import sys

    sys.path.insert(0, sys.argv[1])
    import symdiff
    import symdiff.runtime.pipeline as pipeline

    if sys.argv[2] == "forbid":
        def forbidden(*args, **kwargs):
            raise RuntimeError("generate called: disk cache miss")

        pipeline.generate = forbidden
''')
