"""A logistic regression fitted on a Dask cluster, its data split into shards.

The log-loss of one shard is ordinary NumPy; ``symdiff.value_and_grad`` makes its value
and gradient. Each optimiser step sends the current weights to every shard (the
shards stay on the workers: they are scattered once), maps the value and gradient over
them on the workers, and sums the results on the client. The fit converges to the same
weights as fitting all the data in this one process.

A derivative pickles by reference to the function it differentiates (its module and
name), so the workers must be able to import this file: `Client.upload_file` sends it
to them. Each worker builds the derivative on its first call (or loads it from its disk
cache); the workers need NumPy, symdiff and Dask installed, nothing else.

    python examples/distributed_fit.py                    # a LocalCluster of 4 processes
    python examples/distributed_fit.py --workers 2
    python examples/distributed_fit.py --address tcp://scheduler:8786

Needs ``dask[distributed]`` and SciPy (for its L-BFGS optimiser).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

import symdiff

RIDGE = 1e-3  # weight of the L2 penalty on the mean log-loss


def shard_log_loss(w, X, y):
    """Summed log-loss of a logistic regression over one shard's rows, written so
    that no exp overflows."""
    z = X @ w
    return np.sum(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z)


shard_value_and_grad = symdiff.value_and_grad(shard_log_loss)


def shard_step(shard: tuple[np.ndarray, np.ndarray], w: np.ndarray) -> tuple[float, Any]:
    """Value and gradient of one shard's log-loss at `w` (runs on a worker)."""
    X, y = shard
    return shard_value_and_grad(w, X, y)


def make_data(n: int = 40_000, d: int = 6, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Standard normal features, labels from a logistic model with known weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    truth = np.linspace(-1.5, 1.5, d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X @ truth))).astype(np.float64)
    return X, y, truth


def objective(parts: Sequence[tuple[float, Any]], n: int,
              w: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean log-loss plus the ridge penalty, from the shards' summed values and
    gradients."""
    value = sum(v for v, _ in parts) / n + 0.5 * RIDGE * float(w @ w)
    grad = sum(g for _, g in parts) / n + RIDGE * w
    return value, grad


def fit(value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
        d: int) -> tuple[np.ndarray, int]:
    """Minimise with L-BFGS from zero weights; the weights and the number of
    evaluations."""
    result = minimize(value_and_grad, np.zeros(d), jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-10, "ftol": 1e-14, "maxiter": 500})
    if not result.success:
        raise RuntimeError(f"the fit did not converge: {result.message}")
    return result.x, result.nfev


def fit_here(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    """The reference: all the data in this process, as one shard."""
    return fit(lambda w: objective([shard_value_and_grad(w, X, y)], len(y), w), X.shape[1])


def fit_on_cluster(client: Any, X: np.ndarray, y: np.ndarray,
                   n_shards: int) -> tuple[np.ndarray, int]:
    """Each evaluation maps `shard_step` over the scattered shards and sums."""
    # The workers unpickle `shard_step` by its module's name, so use it from the module
    # the workers import (not this script's `__main__`).
    here = importlib.import_module(Path(__file__).stem)
    shards = list(zip(np.array_split(X, n_shards), np.array_split(y, n_shards),
                      strict=True))
    on_workers = client.scatter(shards, broadcast=False)

    def value_and_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        futures = client.map(here.shard_step, on_workers, w=w, pure=False)
        return objective(client.gather(futures), len(y), w)

    return fit(value_and_grad, X.shape[1])


def connect(address: str | None, workers: int) -> Any:
    """A client of the scheduler at `address`, else of a new local cluster of
    `workers` processes with one thread each."""
    from dask.distributed import Client, LocalCluster

    if address is not None:
        return Client(address)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", help="a running Dask scheduler (default: start a "
                        "LocalCluster)")
    parser.add_argument("--workers", type=int, default=4,
                        help="worker processes of the LocalCluster (default 4)")
    parser.add_argument("--shards", type=int, default=8, help="data shards (default 8)")
    parser.add_argument("--rows", type=int, default=40_000, help="observations")
    args = parser.parse_args(argv)

    X, y, truth = make_data(args.rows)
    start = time.perf_counter()
    w_here, evaluations = fit_here(X, y)
    print(f"one process: {evaluations} evaluations, {time.perf_counter() - start:.2f} s")

    client = connect(args.address, args.workers)
    try:
        client.upload_file(__file__)  # the workers import shard_step from this file
        workers = len(client.scheduler_info()["workers"])
        start = time.perf_counter()
        w_cluster, evaluations = fit_on_cluster(client, X, y, args.shards)
        print(f"cluster of {workers} workers, {args.shards} shards: {evaluations} "
              f"evaluations, {time.perf_counter() - start:.2f} s")
    finally:
        client.close()
        if args.address is None and client.cluster is not None:
            client.cluster.close()

    np.set_printoptions(precision=6, suppress=True)
    print(f"true weights:        {truth}")
    print(f"fitted, one process: {w_here}")
    print(f"fitted, cluster:     {w_cluster}")
    difference = float(np.max(np.abs(w_cluster - w_here)))
    print(f"largest difference: {difference:.2e}")
    print(f"same weights: {difference < 1e-6}")


if __name__ == "__main__":
    sys.exit(main())
