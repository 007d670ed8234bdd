"""symdiff: source-to-source automatic differentiation for Python.

Write an ordinary Python function; get its derivatives as new, readable Python source,
compiled once and cached.
"""

from symdiff._version import __version__
from symdiff.api import Transformed, grad, jvp, source, value_and_grad, vjp
from symdiff.custom import custom_jvp, custom_vjp, defrule
from symdiff.errors import SymdiffError, UnsupportedSyntaxError

__all__ = [
    "SymdiffError",
    "Transformed",
    "UnsupportedSyntaxError",
    "__version__",
    "custom_jvp",
    "custom_vjp",
    "defrule",
    "grad",
    "jvp",
    "source",
    "value_and_grad",
    "vjp",
]
