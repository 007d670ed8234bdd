"""Derivatives of code with loops: the derivative of a loop is a loop.

Three classics, each with its generated forward-mode (JVP) or reverse-mode source:
Horner evaluation of a polynomial, an explicit Euler ODE integrator, and Newton's
iteration for a square root (a while loop that runs until a tolerance is met).
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
    print(f"  d sqrt(a) / da at a = 2: {got:.12f}  (exact: {0.5 / math.sqrt(a):.12f})")


if __name__ == "__main__":
    main()
