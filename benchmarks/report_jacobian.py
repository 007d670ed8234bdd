"""``make bench`` section: the essay's point as `jacobian`'s mode choice.

A wide function (n inputs -> 1 output) and a tall one (1 input -> n outputs), each
differentiated by forward mode (a pass per input) and reverse mode (a pass per output):
the time of each, and the mode ``jacobian(mode="auto")`` picks. Then forward mode on the
wide function as one call of batched JVP code against a pass per seed direction, and
reverse mode on the tall function and on a square one (n -> n) as one call of batched
VJP code against a pass per output entry.
"""

from __future__ import annotations

import numpy as np

import symdiff
from benchmarks._table import table
from benchmarks._timing import per_call_seconds
from symdiff.api.jacobian import choose_mode, jacfwd_looped, jacrev_looped

N = 50


def wide(x: np.ndarray) -> float:
    """n -> 1."""
    return np.sum(np.sin(x) * x)


def tall(t: float) -> np.ndarray:
    """1 -> 50."""
    return np.sin(np.linspace(1.0, 2.0, 50) * t)


def square(x: np.ndarray) -> np.ndarray:
    """n -> n."""
    return np.tanh(x * np.cumsum(x)) + x[::-1] * np.mean(x)


def main(n: int = N, repeat: int = 5) -> None:
    cases = [("wide", wide, (np.linspace(0.1, 1.0, n),), f"{n} -> 1"),
             ("tall", tall, (0.3,), f"1 -> {np.size(tall(0.3))}")]
    rows = []
    for name, fn, args, shape in cases:
        fwd, rev = symdiff.jacfwd(fn), symdiff.jacrev(fn)
        np.testing.assert_allclose(fwd(*args), rev(*args), rtol=1e-9, atol=1e-12)
        times = per_call_seconds({"forward": fwd, "reverse": rev}, args, repeat=repeat)
        picked = choose_mode(fn, args)
        faster = min(times, key=times.__getitem__)
        rows.append([name, shape, f"{times['forward'] * 1e3:.2f}",
                     f"{times['reverse'] * 1e3:.2f}", picked,
                     "PASS" if picked == faster else "MISS"])
    print(f"\nJacobian mode choice: ms per Jacobian (median of {repeat})")
    print(table(["function", "in -> out", "jacfwd ms", "jacrev ms", "jacobian picks",
                 "picked the faster"], rows, left=2))

    x = np.linspace(0.1, 1.0, n)
    batched, looped = symdiff.jacfwd(wide), jacfwd_looped(wide)
    np.testing.assert_allclose(batched(x), looped(x), rtol=1e-13)
    times = per_call_seconds({"batched": batched, "looped": looped}, (x,), repeat=repeat)
    print(f"\nBatched forward mode: ms per Jacobian of wide ({n} -> 1, median of {repeat})")
    print(table(["jacfwd", "ms", "speed-up"],
                [["one batched pass", f"{times['batched'] * 1e3:.3f}",
                  f"{times['looped'] / times['batched']:.1f}x"],
                 [f"{n} passes (loop)", f"{times['looped'] * 1e3:.3f}", "1.0x"]], left=1))

    rows = []
    for name, fn, args in [("tall", tall, (0.3,)),
                           ("square", square, (np.linspace(0.1, 1.0, n),))]:
        batched, looped = symdiff.jacrev(fn), jacrev_looped(fn)
        np.testing.assert_allclose(batched(*args), looped(*args), rtol=1e-12, atol=1e-14)
        times = per_call_seconds({"batched": batched, "looped": looped}, args, repeat=repeat)
        m = np.size(fn(*args))
        rows.append([name, f"{np.size(args[0])} -> {m}", f"{times['batched'] * 1e3:.3f}",
                     f"{times['looped'] * 1e3:.3f}",
                     f"{times['looped'] / times['batched']:.1f}x"])
    print(f"\nBatched reverse mode: ms per Jacobian (median of {repeat})")
    print(table(["function", "in -> out", "jacrev: one batched pass ms",
                 "a pass per output entry ms", "speed-up"], rows, left=2))


if __name__ == "__main__":
    main()
