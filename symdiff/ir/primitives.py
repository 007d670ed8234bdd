"""The one table of primitives, assembled here from the records of the area modules.

Contract:
- `PRIMITIVES` maps each primitive's name to its `Primitive` record (`ir.primitive`),
  read-only. Each area module exports its records as data (`RECORDS`); this module is
  the one place they are put together, once, when it is first imported. A name given
  twice is an error here.
- The callables of the user's code that are primitives (``math.sin``, ``abs``,
  ``np.arcsin``) are elementwise, so scalar primitives (`scalars`, `ufuncs`): their
  inverse lookups are `scalars.PYTHON` and `scalars.NUMPY`, read off those records (so
  that resolving names loads no more of the IR than that). A record of another area
  that names a callable is an error here. The ``scipy.special`` functions that are
  primitives (`special.SCIPY`, read off its records) are elementwise too: a record
  that names one and is not is an error here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from symdiff.ir import (
    arrays,
    batching,
    calls,
    checks,
    convolution,
    indexing,
    linalg,
    matrices,
    order,
    predicates,
    rearrange,
    scalars,
    sequences,
    shapes,
    sorting,
    special,
    spectral,
    structure,
    sylvester,
    ufuncs,
)
from symdiff.ir.primitive import Primitive

AREAS: tuple[tuple[Primitive, ...], ...] = (
    scalars.RECORDS, ufuncs.RECORDS, arrays.RECORDS, batching.RECORDS, indexing.RECORDS,
    linalg.RECORDS, matrices.RECORDS, order.RECORDS, spectral.RECORDS, rearrange.RECORDS,
    sequences.RECORDS, shapes.RECORDS, sorting.RECORDS, structure.RECORDS, calls.RECORDS,
    checks.RECORDS, special.RECORDS, predicates.RECORDS, convolution.RECORDS,
    sylvester.RECORDS,
)


def _by_name(areas: Iterable[tuple[Primitive, ...]]) -> dict[str, Primitive]:
    table: dict[str, Primitive] = {}
    for records in areas:
        for prim in records:
            if prim.name in table:
                raise ValueError(f"primitive {prim.name!r} defined twice")
            if not _elementwise(records) and (prim.python or prim.numpy):
                raise ValueError(f"primitive {prim.name!r} names callables: only scalar "
                                 "(elementwise) primitives are called directly")
            if prim.scipy and prim.type_rule is not None:
                raise ValueError(f"primitive {prim.name!r} names SciPy functions: only "
                                 "elementwise ones are called directly")
            table[prim.name] = prim
    return table


def _elementwise(records: tuple[Primitive, ...]) -> bool:
    return records is scalars.RECORDS or records is ufuncs.RECORDS


_TABLE = _by_name(AREAS)
PRIMITIVES: Mapping[str, Primitive] = MappingProxyType(_TABLE)
