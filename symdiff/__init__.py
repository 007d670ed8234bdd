"""symdiff: source-to-source automatic differentiation for Python.

Write an ordinary Python function; get its derivatives as new, readable Python source,
compiled once and cached.
"""

from symdiff._version import __version__
from symdiff.api.costs import Cost, cost
from symdiff.api.grad import Transformed, grad, jvp, source, value_and_grad, vjp
from symdiff.api.higher import hessian, hvp
from symdiff.api.jacobian import jacfwd, jacobian, jacrev
from symdiff.api.supported import supported
from symdiff.errors import SymdiffError, UnsupportedSyntaxError
from symdiff.export.symbolic import to_sympy
from symdiff.pictures import graph
from symdiff.rules.custom import custom_jvp, custom_vjp, defrule
from symdiff.standalone import build_module

__all__ = [
    "Cost",
    "SymdiffError",
    "Transformed",
    "UnsupportedSyntaxError",
    "__version__",
    "build_module",
    "cost",
    "custom_jvp",
    "custom_vjp",
    "defrule",
    "grad",
    "graph",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "source",
    "supported",
    "to_sympy",
    "value_and_grad",
    "vjp",
]
