"""Finance: option pricing, portfolios, bonds."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from benchmarks.realistic.entry import Entry

rng = np.random.default_rng(3)


def black_scholes_call(S, K, T, r, sigma):
    d1 = (np.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    return S * norm.cdf(d1) - K * np.exp(-r * T) * norm.cdf(d2)


def black_scholes_erf(S, K, T, r, sigma):
    """The same price with math.erf, as code avoiding SciPy writes it."""
    def Phi(x):
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * Phi(d1) - K * math.exp(-r * T) * Phi(d2)


def black_scholes_greeks(S, K, T, r, sigma):
    """Delta and vega in closed form (the gradient in S and sigma)."""
    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    return 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0))), S * pdf * math.sqrt(T)


def mean_variance(w, mu, cov, risk_aversion=3.0):
    return w @ mu - 0.5 * risk_aversion * w @ cov @ w


def mean_variance_grad(w, mu, cov, risk_aversion=3.0):
    return mu - risk_aversion * cov @ w


def bond_price(y, coupon=0.05, face=100.0, years=10, freq=2):
    c = coupon * face / freq
    t = np.arange(1, years * freq + 1) / freq
    return np.sum(c / (1 + y / freq) ** (freq * t)) + face / (1 + y / freq) ** (freq * years)


def bond_yield(price, coupon=0.05, face=100.0, years=10, freq=2):
    """Yield to maturity by Newton's method on the price-yield relation."""
    y = coupon
    for _ in range(50):
        c = coupon * face / freq
        n = years * freq
        p, dp = 0.0, 0.0
        for k in range(1, n + 1):
            disc = (1 + y / freq) ** (-k)
            p += c * disc
            dp -= k / freq * c * disc / (1 + y / freq)
        p += face * (1 + y / freq) ** (-n)
        dp -= n / freq * face * (1 + y / freq) ** (-n - 1)
        step = (p - price) / dp
        y -= step
        if abs(step) < 1e-14:
            break
    return y


def heston_call_mc(kappa, theta, xi, rho, v0, Z1, Z2, S0=100.0, K=100.0, T=1.0, r=0.01):
    steps = Z1.shape[1]
    dt = T / steps
    S = np.full(Z1.shape[0], S0)
    v = np.full(Z1.shape[0], v0)
    for t in range(steps):
        vp = np.maximum(v, 0.0)
        dw1 = Z1[:, t]
        dw2 = rho * Z1[:, t] + np.sqrt(1 - rho**2) * Z2[:, t]
        S = S * np.exp((r - 0.5 * vp) * dt + np.sqrt(vp * dt) * dw1)
        v = v + kappa * (theta - vp) * dt + xi * np.sqrt(vp * dt) * dw2
    return np.exp(-r * T) * np.mean(np.maximum(S - K, 0.0))


def binomial_call(S, K, T, r, sigma, n=50):
    dt = T / n
    u = np.exp(sigma * np.sqrt(dt))
    d = 1 / u
    p = (np.exp(r * dt) - d) / (u - d)
    j = np.arange(n + 1)
    values = np.maximum(S * u**j * d ** (n - j) - K, 0.0)
    for _ in range(n):
        values = np.exp(-r * dt) * (p * values[1:] + (1 - p) * values[:-1])
    return values[0]


assets = 4
A = rng.normal(size=(assets, assets))
ENTRIES = [
    Entry("black_scholes_call", "finance", black_scholes_call,
          (100.0, 95.0, 0.5, 0.02, 0.25), argnums=(0, 1, 2, 3, 4)),
    Entry("black_scholes_erf", "finance", black_scholes_erf,
          (100.0, 95.0, 0.5, 0.02, 0.25), argnums=(0, 4),
          exact=black_scholes_greeks),
    Entry("mean_variance", "finance", mean_variance,
          (np.full(assets, 0.25), rng.normal(0.05, 0.02, size=assets),
           A @ A.T / 10 + 0.01 * np.eye(assets)), exact=mean_variance_grad),
    Entry("bond_price", "finance", bond_price, (0.043,)),
    Entry("bond_yield", "finance", bond_yield, (97.5,)),
    # xi = 0.15 keeps every path's variance positive: central differences of the
    # gradient (the Hessian's reference) lose accuracy where a step crosses the clamp.
    # The derivatives where it binds are tested in tests/transforms/test_choices.py.
    Entry("heston_call_mc", "finance", heston_call_mc,
          (1.5, 0.04, 0.15, -0.6, 0.04, rng.normal(size=(64, 12)),
           rng.normal(size=(64, 12))), argnums=(0, 1, 2, 3, 4)),
    Entry("binomial_call", "finance", binomial_call, (100.0, 95.0, 0.5, 0.02, 0.25),
          argnums=(0, 4)),
]
