"""Black–Scholes greeks by symdiff, checked against the textbook closed forms.

One reverse-mode pass of ``value_and_grad`` gives the call price and its five partial
derivatives: delta (∂V/∂S), ∂V/∂K, ∂V/∂T, rho (∂V/∂r) and vega (∂V/∂σ). Note the sign
convention: symdiff returns ∂V/∂T (time to expiry); the usual theta, the price's
change as calendar time passes, is its negative.
"""

from __future__ import annotations

import math

import symdiff


def call_price(S: float, K: float, T: float, r: float, sigma: float) -> float:
    """Price of a European call: spot S, strike K, T years to expiry, rate r, volatility."""
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))  # standard normal CDF at d1
    n2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return S * n1 - K * math.exp(-r * T) * n2


def closed_form_greeks(S: float, K: float, T: float, r: float, sigma: float) -> list[float]:
    """The textbook partial derivatives of `call_price`, in argument order."""

    def cdf(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    d1 = (math.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    pdf_d1 = math.exp(-0.5 * d1**2) / math.sqrt(2.0 * math.pi)
    discount = math.exp(-r * T)
    return [
        cdf(d1),
        -discount * cdf(d2),
        S * pdf_d1 * sigma / (2.0 * math.sqrt(T)) + r * K * discount * cdf(d2),
        K * T * discount * cdf(d2),
        S * pdf_d1 * math.sqrt(T),
    ]


ARGS = {"S": 100.0, "K": 95.0, "T": 0.5, "r": 0.03, "sigma": 0.25}
GREEKS = ("delta  ∂V/∂S", "       ∂V/∂K", "-theta ∂V/∂T", "rho    ∂V/∂r", "vega   ∂V/∂σ")


def main() -> None:
    args = tuple(ARGS.values())
    price_and_greeks = symdiff.value_and_grad(call_price, argnums=(0, 1, 2, 3, 4))
    price, grads = price_and_greeks(*args)
    expected = closed_form_greeks(*args)

    print("== Black–Scholes call ==")
    print("  " + ", ".join(f"{k} = {v:g}" for k, v in ARGS.items()))
    print(f"  price = {price:.10f}")
    print("\n== Greeks: symdiff.value_and_grad vs closed form ==")
    print(f"  {'':14} {'symdiff':>16} {'closed form':>16} {'rel. diff':>10}")
    worst = 0.0
    for label, got, want in zip(GREEKS, grads, expected, strict=True):
        rel = abs(got - want) / max(abs(want), 1e-300)
        worst = max(worst, rel)
        print(f"  {label:14} {got:16.10f} {want:16.10f} {rel:10.1e}")
    print(f"  theta (per year) = -∂V/∂T = {-grads[2]:.10f}")
    print("\n== Generated source (price_and_greeks.source) ==")
    print(price_and_greeks.source.rstrip())
    if worst > 1e-12:
        raise SystemExit(f"symdiff and the closed form disagree (relative difference {worst:.1e})")


if __name__ == "__main__":
    main()
