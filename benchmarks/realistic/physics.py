"""Physics and ODEs: time stepping, kinetics, energies, finite-difference stencils."""

from __future__ import annotations

import numpy as np

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(2)


def sir_rhs(y, beta, gamma):
    S, I, R = y  # noqa: E741
    N = S + I + R
    return np.array([-beta * S * I / N, beta * S * I / N - gamma * I, gamma * I])


def sir_rk4(beta, gamma, y0, t_end=20.0, steps=40):
    h = t_end / steps
    y = y0
    for _ in range(steps):
        k1 = sir_rhs(y, beta, gamma)
        k2 = sir_rhs(y + h / 2 * k1, beta, gamma)
        k3 = sir_rhs(y + h / 2 * k2, beta, gamma)
        k4 = sir_rhs(y + h * k3, beta, gamma)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def pendulum_leapfrog(theta0, omega0, g=9.81, length=1.0, dt=0.01, steps=200):
    theta, omega = theta0, omega0
    for _ in range(steps):
        omega = omega - 0.5 * dt * g / length * np.sin(theta)
        theta = theta + dt * omega
        omega = omega - 0.5 * dt * g / length * np.sin(theta)
    return np.array([theta, omega])


def michaelis_menten_sse(vmax, km, S, v_obs):
    v = vmax * S / (km + S)
    return np.sum((v - v_obs) ** 2)


def michaelis_menten_grad(vmax, km, S, v_obs):
    r = vmax * S / (km + S) - v_obs
    return 2 * np.sum(r * S / (km + S)), -2 * np.sum(r * vmax * S / (km + S) ** 2)


def spring_chain_energy(x, v, k=2.0, m=0.5, rest=1.0):
    kinetic = 0.5 * m * np.sum(v**2)
    stretch = np.diff(x) - rest
    return kinetic + 0.5 * k * np.sum(stretch**2)


def poisson_residual(u, f, h=0.25):
    lap = (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1]) / h**2
    return lap + f[1:-1, 1:-1]


def heat_step(u, alpha=0.1, dt=0.01, dx=0.1):
    return u + alpha * dt / dx**2 * (np.roll(u, 1) - 2 * u + np.roll(u, -1))


def lennard_jones_energy(pos, eps=1.0, sigma=1.0):
    n = len(pos)
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r2 = np.sum((pos[i] - pos[j]) ** 2)
            s6 = (sigma**2 / r2) ** 3
            energy += 4 * eps * (s6**2 - s6)
    return energy


ENTRIES = [
    Entry("sir_rk4", "physics", sir_rk4, (0.4, 0.1, np.array([0.99, 0.01, 0.0])),
          argnums=(0, 1)),
    Entry("pendulum_leapfrog", "physics", pendulum_leapfrog, (0.8, 0.0, 9.81),
          argnums=(0, 1, 2)),
    Entry("michaelis_menten_sse", "physics", michaelis_menten_sse,
          (1.8, 0.6, np.array([0.1, 0.3, 0.8, 1.5, 3.0]),
           np.array([0.25, 0.6, 1.0, 1.3, 1.5])), argnums=(0, 1),
          exact=michaelis_menten_grad),
    Entry("spring_chain_energy", "physics", spring_chain_energy,
          (np.array([0.0, 1.1, 1.9, 3.2]), rng.normal(size=4)), argnums=(0, 1)),
    Entry("poisson_residual", "physics", poisson_residual,
          (rng.normal(size=(5, 5)), rng.normal(size=(5, 5)))),
    Entry("heat_step", "physics", heat_step, (np.sin(np.linspace(0, np.pi, 8)),)),
    Entry("lennard_jones_energy", "physics", lennard_jones_energy,
          (np.array([[0.0, 0.0], [1.1, 0.1], [0.4, 1.2]]),)),
]
