"""Derivatives of code with loops: the derivative of a loop is a loop.

Four classics, each with its generated forward-mode (JVP) or reverse-mode source:
Horner evaluation of a polynomial, an explicit Euler ODE integrator, Newton's
iteration for a square root (a while loop that runs until a tolerance is met), and
the extended Rosenbrock function of a list, with a trajectory collected by append.
"""

import math

import symdiff


def horner(x):
    """p(x) = 5x^4 + 4x^3 + 3x^2 + 2x + 1, by Horner's rule."""
    p = 0.0
    for k in range(5):
        p = p * x + (5 - k)
    return p


def euler(y0, k, n):
    """y' = -k y + sin(t), integrated with n explicit Euler steps of 0.1."""
    y = y0
    h = 0.1
    for i in range(n):
        y = y + h * (-k * y + math.sin(i * h))
    return y


def newton_sqrt(a):
    """sqrt(a) by Newton's iteration, until the residual is below 1e-12."""
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def rosenbrock(x):
    """The extended Rosenbrock function of a list of numbers."""
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return s


def trajectory_mean(y0, k):
    """The mean of the 20 states of an Euler integration, collected in a list."""
    ys = []
    y = y0
    for _ in range(20):
        y = y - 0.1 * k * y
        ys.append(y)
    return sum(ys) / len(ys)


def main() -> None:
    print("== Horner: reverse mode (a forward loop that saves p, a backward loop) ==")
    print(symdiff.source(horner))
    print(f"  p'(2) = {symdiff.grad(horner)(2.0)}  (exact: 20*8 + 12*4 + 6*2 + 2 = 222)\n")

    print("== Euler integrator: forward mode, tangents carried alongside ==")
    print(symdiff.source(euler, mode="forward", argnums=(0, 1)))
    dy_dy0, dy_dk = symdiff.grad(euler, argnums=(0, 1))(1.0, 0.5, 50)
    print(f"  d y(5) / d y0 = {dy_dy0:.6f}   (exact: 0.95**50 = {0.95 ** 50:.6f})")
    print(f"  d y(5) / d k  = {dy_dk:.6f}\n")

    print("== Newton's iteration: reverse mode through a while loop ==")
    print(symdiff.source(newton_sqrt))
    a = 2.0
    got = symdiff.grad(newton_sqrt)(a)
    print(f"  d sqrt(a) / da at a = 2: {got:.12f}  (exact: {0.5 / math.sqrt(a):.12f})\n")

    print("== Extended Rosenbrock of a list: reverse mode, the gradient is a list ==")
    print(symdiff.source(rosenbrock))
    print(f"  gradient at [0, 0, 0] = {symdiff.grad(rosenbrock)([0.0, 0.0, 0.0])}"
          "  (exact: [-2.0, -2.0, 0.0])\n")

    print("== A trajectory collected with append: reverse mode pops its cotangents ==")
    print(symdiff.source(trajectory_mean, argnums=(0, 1)))
    d_y0, d_k = symdiff.grad(trajectory_mean, argnums=(0, 1))(1.0, 0.5)
    exact = sum(0.95 ** n for n in range(1, 21)) / 20
    print(f"  d mean / d y0 = {d_y0:.12f}  (exact: {exact:.12f})")


if __name__ == "__main__":
    main()
