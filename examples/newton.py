"""Newton's method on the 2-D Rosenbrock function, with symdiff's grad and hessian.

Each step solves H(x) dx = -g(x); near the minimum at (1, 1) the error squares at
every step. The Hessian is one generated program: forward mode over the gradient's
reverse mode, sharing the gradient's subexpressions.
"""

import symdiff


def rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


gradient = symdiff.grad(rosenbrock, argnums=(0, 1))
hessian = symdiff.hessian(rosenbrock, argnums=(0, 1))


def newton(x, y, steps=20, tol=1e-12):
    """Newton iterates from (x, y) until the gradient is below `tol`."""
    for step in range(steps):
        gx, gy = gradient(x, y)
        print(f"step {step:2d}: x = {x:.12f}, y = {y:.12f}, f = {rosenbrock(x, y):.3e}, "
              f"|grad| = {(gx * gx + gy * gy) ** 0.5:.3e}")
        if (gx * gx + gy * gy) ** 0.5 < tol:
            break
        (hxx, hxy), (_, hyy) = hessian(x, y)
        det = hxx * hyy - hxy * hxy  # the 2 x 2 system by Cramer's rule
        x, y = x - (hyy * gx - hxy * gy) / det, y - (hxx * gy - hxy * gx) / det
    return x, y


if __name__ == "__main__":
    print("Hessian at (-1.2, 1):", hessian(-1.2, 1.0))
    print(hessian.source)
    x, y = newton(-1.2, 1.0)
    print(f"minimum: ({x:.10f}, {y:.10f})")
    print(symdiff.cost(rosenbrock, 1.0, 1.0, argnums=(0, 1)))
