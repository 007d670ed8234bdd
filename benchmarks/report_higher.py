"""``make bench`` section: second derivatives. The Hessian of the extended Rosenbrock
function of n inputs (NumPy vector operations), time ÷ the function's time, for
n = 10 and 100; one Hessian-vector product, which never forms the Hessian; and the
Hessian as one call of the gradient's batched JVP program against one Hessian-vector
product program call per input entry."""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks._table import table
from benchmarks._timing import per_call_seconds
from benchmarks.arrays import rosenbrock
from symdiff.api.higher import Hessian
from symdiff.runtime.dispatch import signature_of


def main(sizes: tuple[int, ...] = (10, 100), repeat: int = 5) -> None:
    rows, versus = [], []
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        v = np.ones(n)
        hessian = symdiff.hessian(rosenbrock)
        hessian(x)  # compiled before it is timed

        def hvp(x: np.ndarray, v: np.ndarray = v) -> np.ndarray:
            return symdiff.hvp(rosenbrock, (x,), (v,))

        np.testing.assert_allclose(hvp(x), hessian(x) @ v, rtol=1e-9)
        times = per_call_seconds({"f": rosenbrock, "hessian": hessian, "hvp": hvp}, (x,),
                                 repeat=repeat)

        def per_entry(x: np.ndarray, hessian: Hessian = hessian) -> np.ndarray:
            return hessian._assemble((x,), signature_of((x,)))

        np.testing.assert_allclose(per_entry(x), hessian(x), rtol=1e-12, atol=1e-12)
        loop = per_call_seconds({"per entry": per_entry}, (x,), repeat=repeat)["per entry"]
        versus.append([str(n), f"{times['hessian'] * 1e6:.1f}", f"{loop * 1e6:.1f}",
                       f"{loop / times['hessian']:.1f}x"])
        rows.append([str(n), f"{times['f'] * 1e6:.1f}", f"{times['hessian'] * 1e6:.1f}",
                     f"{times['hessian'] / times['f']:.1f}", f"{times['hvp'] * 1e6:.1f}",
                     f"{times['hvp'] / times['f']:.1f}"])
    print(f"\nSecond derivatives of the extended Rosenbrock function (NumPy), µs per call "
          f"(median of {repeat})")
    print(table(["n", "f µs", "hessian µs", "hessian ÷ f", "hvp µs", "hvp ÷ f"], rows))
    print("hessian: one call of the gradient's JVP program batched over the n unit directions")
    print(f"\nThe Rosenbrock Hessian, µs per call (median of {repeat})")
    print(table(["n", "one batched program µs", "an hvp per entry µs", "speed-up"], versus))


if __name__ == "__main__":
    main()
