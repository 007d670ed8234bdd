"""The Jacobian of a planar robot arm's forward kinematics, and one use of it.

The arm has three links of lengths 1.0, 0.8 and 0.5; the joint angles give the position
(x, y) of its hand. The Jacobian d(x, y)/d(angles) has 2 rows (outputs) and 3 columns
(inputs): `symdiff.jacobian` picks reverse mode (2 backward passes) over forward mode
(3 forward passes), the essay's point in miniature. The example then moves the hand to a
target by damped least squares on that Jacobian.
"""

from __future__ import annotations

import numpy as np

import symdiff
from symdiff.api.jacobian import choose_mode


def hand(angles):
    """Position of the arm's hand for joint angles (a 3-vector): an array (x, y)."""
    lengths = np.array([1.0, 0.8, 0.5])
    heading = np.cumsum(angles)
    x = np.sum(lengths * np.cos(heading))
    y = np.sum(lengths * np.sin(heading))
    return np.array([x, y])


def main() -> None:
    angles = np.array([0.3, 0.4, -0.2])
    print("hand at", np.round(hand(angles), 6))
    print("mode jacobian picks:", choose_mode(hand, (angles,)))
    jac = symdiff.jacobian(hand)(angles)
    print("Jacobian d(x, y)/d(angles):")
    print(np.round(jac, 6))
    forward = symdiff.jacfwd(hand)(angles)
    print("forward and reverse agree:", bool(np.allclose(forward, jac)))
    target = np.array([1.2, 1.1])
    print(f"start   distance to target {np.linalg.norm(target - hand(angles)):.2e}")
    for step in range(10):
        error = target - hand(angles)
        J = symdiff.jacobian(hand)(angles)
        angles = angles + J.T @ np.linalg.solve(J @ J.T + 0.1 * np.eye(2), error)
        print(f"step {step + 1}  distance to target {np.linalg.norm(target - hand(angles)):.2e}")


if __name__ == "__main__":
    main()
