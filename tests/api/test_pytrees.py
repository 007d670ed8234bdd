"""Pytrees (JAX's name for dicts, tuples and lists nested around numbers and arrays) as
parameters and outputs of every transform: the result has the argument's structure
(dict keys in their order, tuples stay tuples, lists stay lists), Jacobians and
Hessians nest as JAX nests them (the output's structure outside, the input's inside),
a structure that differs where one must match is a `TypeError` naming both, and code
built for one structure is never run for another."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff
from symdiff import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from symdiff.testing import check_grads

rng = np.random.default_rng(2024)
X = rng.normal(size=(8, 3))
Y = rng.normal(size=8)


def mlp_params():
    return {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
            "W2": rng.normal(size=4), "b2": 0.3}


MLP = mlp_params()


# --- models -----------------------------------------------------------------------------

def mlp_loss(params, X, y):
    h = np.tanh(X @ params["W1"] + params["b1"])
    pred = h @ params["W2"] + params["b2"]
    return np.mean((pred - y) ** 2)


def layered_loss(params, X, y):
    W1, b1 = params["layer1"]
    W2, b2 = params["layer2"]
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ W2 + b2 - y) ** 2)


LAYERED = {"layer1": (rng.normal(size=(3, 4)), rng.normal(size=4)),
           "layer2": (rng.normal(size=4), -0.2)}


def linear_loss(params, X, y):
    r = X @ params["w"] + params["b"] - y
    return np.mean(r ** 2)


def gaussian_nll(theta, xs):
    """Negative log-likelihood of xs under N(mu, sigma^2), sigma = exp(log_sigma)."""
    mu, (log_sigma, shift) = theta
    z = (xs - mu - shift) / np.exp(log_sigma)
    return np.sum(0.5 * z ** 2 + log_sigma) + 0.5 * xs.size * math.log(2 * math.pi)


THETA = (0.4, (-0.3, 0.1))
XS = rng.normal(loc=0.5, scale=0.8, size=20)


def projectile_range(physics):
    """Range of a projectile with linear drag, to first order in the drag."""
    v, angle, g, k = physics["v0"], physics["angle"], physics["g"], physics["drag"]
    flight = 2.0 * v * math.sin(angle) / g
    return v * math.cos(angle) * flight * (1.0 - k * flight / 3.0)


PHYSICS = {"v0": 30.0, "angle": 0.6, "g": 9.81, "drag": 0.05}


def stacked(layers, X):
    h = X
    W, b = layers[0]
    h = np.tanh(h @ W + b)
    W, b = layers[1]
    return np.sum(np.tanh(h @ W + b))


LAYERS = [(rng.normal(size=(3, 4)), rng.normal(size=4)),
          (rng.normal(size=(4, 2)), rng.normal(size=2))]


def forward_model(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return {"pred": h @ params["W2"] + params["b2"], "hidden": h}


def loss_with_metrics(params, X, y):
    pred = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    err = pred - y
    return np.mean(err ** 2), {"mae": np.mean(np.abs(err)), "pred": pred}


# --- grad and value_and_grad ------------------------------------------------------------

def test_the_gradient_of_a_dict_is_a_dict_of_the_same_keys_and_shapes():
    g = grad(mlp_loss)(MLP, X, Y)
    assert list(g) == ["W1", "b1", "W2", "b2"]
    for k, v in MLP.items():
        assert np.shape(g[k]) == np.shape(v)
    assert type(g["b2"]) is float
    check_grads(mlp_loss, (MLP, X, Y))


def test_the_gradient_matches_the_hand_derived_one():
    # loss = mean(r^2), r = X w + b - y: dloss/dw = 2 X^T r / n, dloss/db = 2 sum(r) / n.
    params = {"w": rng.normal(size=3), "b": 0.7}
    r = X @ params["w"] + params["b"] - Y
    g = grad(linear_loss)(params, X, Y)
    np.testing.assert_allclose(g["w"], 2 * X.T @ r / len(Y), rtol=1e-12)
    assert g["b"] == pytest.approx(2 * np.sum(r) / len(Y), rel=1e-12)


def test_the_physics_gradient_matches_the_hand_derived_one():
    g = grad(projectile_range)(PHYSICS)
    v, a, grav, k = PHYSICS.values()
    t = 2 * v * math.sin(a) / grav
    # R = v cos(a) t (1 - k t / 3); dR/dk = -v cos(a) t^2 / 3.
    assert g["drag"] == pytest.approx(-v * math.cos(a) * t * t / 3, rel=1e-12)
    # With t = 2 v sin(a) / g: R = v cos a t - k v cos a t^2 / 3, dt/dg = -t / g.
    dr_dt = v * math.cos(a) * (1 - 2 * k * t / 3)
    assert g["g"] == pytest.approx(dr_dt * (-t / grav), rel=1e-12)
    assert list(g) == list(PHYSICS) and all(type(x) is float for x in g.values())
    check_grads(projectile_range, (PHYSICS,))


def test_value_and_grad_of_a_dict_of_tuples():
    value, g = value_and_grad(layered_loss)(LAYERED, X, Y)
    assert value == pytest.approx(layered_loss(LAYERED, X, Y), rel=1e-12)
    assert list(g) == ["layer1", "layer2"]
    assert type(g["layer1"]) is tuple and type(g["layer2"][1]) is float
    check_grads(layered_loss, (LAYERED, X, Y))


def test_a_nested_tuple_stays_a_nested_tuple():
    g = grad(gaussian_nll)(THETA, XS)
    assert type(g) is tuple and type(g[1]) is tuple
    mu, (log_sigma, shift) = THETA
    s2 = math.exp(2 * log_sigma)
    # Hand-derived: d/dmu = -sum(xs - mu - shift) / s^2, d/dlog_sigma = n - sum(z^2).
    assert g[0] == pytest.approx(-np.sum(XS - mu - shift) / s2, rel=1e-12)
    assert g[1][0] == pytest.approx(XS.size - np.sum((XS - mu - shift) ** 2) / s2,
                                    rel=1e-12)
    assert g[1][1] == pytest.approx(g[0], rel=1e-12)
    check_grads(gaussian_nll, (THETA, XS))


def test_a_list_of_layers_stays_a_list_of_tuples():
    g = grad(stacked)(LAYERS, X)
    assert type(g) is list and all(type(p) is tuple for p in g)
    check_grads(stacked, (LAYERS, X))


def test_a_tuple_argnums_gives_a_tuple_of_pytrees():
    g = grad(mlp_loss, argnums=(0, 1))(MLP, X, Y)
    assert type(g) is tuple and len(g) == 2
    assert list(g[0]) == list(MLP) and g[1].shape == X.shape
    g2 = grad(mlp_loss, argnums=(1,))(MLP, X, Y)
    assert type(g2) is tuple and len(g2) == 1
    np.testing.assert_allclose(g2[0], g[1])


@pytest.mark.parametrize("kind", [grad, value_and_grad, hessian, jacfwd, jacrev])
def test_an_argument_after_a_pytree_is_found_among_its_leaves(kind):
    # X comes after params' four leaves: argnums=1 names X, not params' second leaf.
    def loss(params, X, y):
        return mlp_loss(params, X, y) + np.sum(X ** 3)

    got = kind(loss, argnums=1)(MLP, X, Y)
    if kind is value_and_grad:
        got = got[1]
    shape = X.shape * 2 if kind is hessian else X.shape
    assert np.shape(got) == shape
    if kind is grad:
        check_grads(lambda X: loss(MLP, X, Y), (X,))
        want = grad(lambda X: loss(MLP, X, Y))(X)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    text = symdiff.source(loss, argnums=2, args=(MLP, X, Y))
    assert "with respect to y." in text and "return y_bar" in text


def test_a_pytree_that_is_not_differentiated_is_data():
    data = {"X": X, "y": Y, "n": 8}

    def loss(w, data):
        return np.sum((data["X"] @ w - data["y"]) ** 2) / data["n"]

    w = rng.normal(size=3)
    g = grad(loss)(w, data)
    np.testing.assert_allclose(g, 2 * X.T @ (X @ w - Y) / 8, rtol=1e-12)


def test_int_leaves_are_differentiated_as_floats():
    g = grad(projectile_range)({"v0": 30, "angle": 0.6, "g": 9.81, "drag": 0.05})
    assert type(g["v0"]) is float
    assert g["v0"] == pytest.approx(grad(projectile_range)(PHYSICS)["v0"], rel=1e-12)


def test_the_generated_code_reads_the_leaves_by_key_and_returns_a_dict():
    g = grad(mlp_loss)
    g(MLP, X, Y)
    text = g.source
    assert "def mlp_loss_grad(params, X, y):" in text
    assert "W1 = params['W1']" in text
    assert "return {'W1': W1_bar, 'b1': b1_bar, 'W2': W2_bar, 'b2': b2_bar}" in text


# --- trust: another structure never runs code built for this one --------------------------

def test_another_structure_builds_new_code():
    g = grad(linear_loss)
    params = {"w": rng.normal(size=3), "b": 0.7}
    first = g(params, X, Y)
    # Same keys in another order: its own code, its own order.
    swapped = {"b": params["b"], "w": params["w"]}
    second = g(swapped, X, Y)
    assert list(second) == ["b", "w"]
    np.testing.assert_allclose(second["w"], first["w"])
    # An extra key, a leaf of another rank, a tuple for the array: each a new signature.
    g({**params, "unused": 1.0}, X, Y)
    g({"w": params["w"][:, None], "b": 0.7}, X, Y[:, None])
    g({"w": params["w"], "b": np.array([0.7])}, X, Y)
    assert len(g.signatures) == 5
    # The first structure still gets the first code.
    again = g(params, X, Y)
    assert list(again) == ["w", "b"]
    np.testing.assert_allclose(again["w"], first["w"])
    # Other lengths of the same ranks run the same code, and give their own gradient.
    X5, w5 = rng.normal(size=(8, 5)), rng.normal(size=5)
    other = g({"w": w5, "b": 0.7}, X5, Y)
    assert len(g.signatures) == 5
    np.testing.assert_allclose(other["w"], 2 * X5.T @ (X5 @ w5 + 0.7 - Y) / 8, rtol=1e-12)


def test_the_structure_is_part_of_the_disk_cache_key(tmp_path, monkeypatch):
    from symdiff.runtime.dispatch import signature_of
    from symdiff.runtime.spec import Spec, with_types

    a = with_types(Spec("grad", 0), signature_of(({"w": np.ones(2), "b": 1.0},)))
    b = with_types(Spec("grad", 0), signature_of(({"b": 1.0, "w": np.ones(2)},)))
    c = with_types(Spec("grad", 0), signature_of(((np.ones(2), 1.0),)))
    assert len({a.key(), b.key(), c.key()}) == 3
    assert "'w'" in a.key() and "float64" in a.key()


# --- jvp and vjp ------------------------------------------------------------------------

def test_jvp_along_a_dict_tangent():
    tangent = {k: rng.normal(size=np.shape(v)) if np.ndim(v) else 0.5 for k, v in MLP.items()}
    out, t = jvp(mlp_loss, (MLP, X, Y), (tangent, np.zeros_like(X), np.zeros_like(Y)))
    g = grad(mlp_loss)(MLP, X, Y)
    assert out == pytest.approx(mlp_loss(MLP, X, Y), rel=1e-12)
    assert t == pytest.approx(sum(np.sum(g[k] * tangent[k]) for k in MLP), rel=1e-10)


def test_a_tangent_dict_in_another_key_order_is_taken_by_key():
    tangent = {"b2": 1.0, "W2": np.zeros(4), "b1": np.zeros(4), "W1": np.zeros((3, 4))}
    _, t = jvp(mlp_loss, (MLP, X, Y), (tangent, np.zeros_like(X), np.zeros_like(Y)))
    assert t == pytest.approx(grad(mlp_loss)(MLP, X, Y)["b2"], rel=1e-10)


@pytest.mark.parametrize(("tangent", "got"), [
    ({"W1": 1.0}, "{'W1': *}"),
    ((1.0, 2.0, 3.0, 4.0), "(*, *, *, *)"),
    ({"W1": 1.0, "b1": 1.0, "W2": 1.0, "c": 1.0}, "{'W1': *, 'b1': *, 'W2': *, 'c': *}"),
    (1.0, "*"),
])
def test_a_tangent_of_another_structure_is_a_type_error_naming_both(tangent, got):
    with pytest.raises(TypeError) as info:
        jvp(mlp_loss, (MLP, X, Y), (tangent, np.zeros_like(X), np.zeros_like(Y)))
    assert str(info.value) == (
        "jvp of 'mlp_loss': the tangent of argument 'params' (position 0) must have the "
        f"structure of the primal, {{'W1': *, 'b1': *, 'W2': *, 'b2': *}}; got {got}")


def test_a_tangent_leaf_of_another_shape_names_its_path():
    tangent = {**{k: np.zeros(np.shape(v)) for k, v in MLP.items()}, "b1": np.zeros(3)}
    with pytest.raises(ValueError, match=r"the tangent of argument 'params' \(position 0\)"
                                         r"\['b1'\] must be an array of shape \(4,\)"):
        jvp(mlp_loss, (MLP, X, Y), (tangent, np.zeros_like(X), np.zeros_like(Y)))


def test_jvp_and_vjp_of_a_dict_output():
    tangent = {k: np.ones(np.shape(v)) if np.ndim(v) else 1.0 for k, v in MLP.items()}
    out, t = jvp(forward_model, (MLP, X), (tangent, np.zeros_like(X)))
    assert list(out) == ["pred", "hidden"] and list(t) == ["pred", "hidden"]
    assert t["pred"].shape == (8,) and t["hidden"].shape == (8, 4)
    out2, vjp_fn = vjp(forward_model, MLP, X)
    cts = vjp_fn({"pred": np.ones(8), "hidden": np.zeros((8, 4))})
    assert list(cts[0]) == list(MLP) and type(cts[0]["b2"]) is float
    assert cts[0]["b2"] == pytest.approx(8.0)
    # The inner product identity <v, J u> == <J^T v, u>.
    v = {"pred": rng.normal(size=8), "hidden": rng.normal(size=(8, 4))}
    (ct, _) = vjp_fn(v)
    lhs = np.sum(v["pred"] * t["pred"]) + np.sum(v["hidden"] * t["hidden"])
    rhs = sum(np.sum(ct[k] * tangent[k]) for k in MLP)
    assert lhs == pytest.approx(rhs, rel=1e-10)
    check_grads(forward_model, (MLP, X))


def test_a_cotangent_of_another_structure_is_refused():
    _, vjp_fn = vjp(forward_model, MLP, X)
    with pytest.raises(ValueError, match=r"structure of the output \{'pred': array\(8,\), "
                                         r"'hidden': array\(8, 4\)\}, got a dict"):
        vjp_fn({"pred": np.ones(8)})
    with pytest.raises(ValueError, match=r"cotangent\['hidden'\].*shape \(8, 4\)"):
        vjp_fn({"pred": np.ones(8), "hidden": np.ones(4)})


def test_vjp_gives_the_cotangent_of_a_pytree_primal_in_its_structure():
    out, vjp_fn = vjp(gaussian_nll, THETA, XS)
    ct, ct_xs = vjp_fn(2.0)
    g = grad(gaussian_nll)(THETA, XS)
    assert type(ct) is tuple and type(ct[1]) is tuple and type(ct[1][0]) is float
    assert ct[1][0] == pytest.approx(2 * g[1][0], rel=1e-12)


# --- has_aux ----------------------------------------------------------------------------

def test_a_dict_aux_comes_back_beside_every_derivative():
    (g, aux) = grad(loss_with_metrics, has_aux=True)(MLP, X, Y)
    assert list(aux) == ["mae", "pred"] and aux["pred"].shape == (8,)
    assert list(g) == list(MLP)
    (value, aux2), g2 = value_and_grad(loss_with_metrics, has_aux=True)(MLP, X, Y)
    assert aux2["mae"] == pytest.approx(aux["mae"])
    tangent = {k: np.zeros(np.shape(v)) if np.ndim(v) else 1.0 for k, v in MLP.items()}
    _, t, aux3 = jvp(loss_with_metrics, (MLP, X, Y), (tangent, 0 * X, 0 * Y), has_aux=True)
    assert t == pytest.approx(g["b2"], rel=1e-10) and list(aux3) == ["mae", "pred"]
    _, vjp_fn, aux4 = vjp(loss_with_metrics, MLP, X, Y, has_aux=True)
    assert vjp_fn(1.0)[0]["b2"] == pytest.approx(g["b2"], rel=1e-12)
    jac, aux5 = jacrev(loss_with_metrics, has_aux=True)(MLP, X, Y)
    np.testing.assert_allclose(jac["W1"], g["W1"], rtol=1e-10)
    assert list(aux5) == ["mae", "pred"]


# --- Jacobians and Hessians -------------------------------------------------------------

@pytest.mark.parametrize("jac", [jacfwd, jacrev, jacobian])
def test_the_jacobian_nests_the_output_outside_the_input(jac):
    J = jac(forward_model)(MLP, X)
    assert list(J) == ["pred", "hidden"]
    assert list(J["pred"]) == list(MLP)
    assert J["pred"]["W1"].shape == (8, 3, 4)
    assert J["hidden"]["W1"].shape == (8, 4, 3, 4)
    assert J["pred"]["b2"].shape == (8,)
    np.testing.assert_allclose(J["pred"]["b2"], np.ones(8), rtol=1e-12)
    # Column by column against the JVP along each unit direction of b1.
    for k in range(4):
        e = {key: np.zeros(np.shape(v)) if np.ndim(v) else 0.0 for key, v in MLP.items()}
        e["b1"][k] = 1.0
        _, t = jvp(forward_model, (MLP, X), (e, np.zeros_like(X)))
        np.testing.assert_allclose(J["pred"]["b1"][:, k], t["pred"], rtol=1e-10, atol=1e-14)


def test_a_jacobian_with_a_tuple_argnums_nests_the_arguments_inside_each_output_leaf():
    J = jacfwd(forward_model, argnums=(0, 1))(MLP, X)
    assert type(J["pred"]) is tuple
    assert list(J["pred"][0]) == list(MLP) and J["pred"][1].shape == (8, 8, 3)


def test_the_hessian_of_a_nested_tuple():
    H = hessian(gaussian_nll)(THETA, XS)
    mu, (log_sigma, shift) = THETA
    s2 = math.exp(2 * log_sigma)
    n = XS.size
    r = XS - mu - shift
    # H[mu][mu] = n / s^2; H[mu][log_sigma] = 2 sum(r) / s^2; H[ls][ls] = 2 sum(r^2) / s^2.
    assert type(H) is tuple and type(H[0]) is tuple and type(H[1][0]) is tuple
    assert H[0][0] == pytest.approx(n / s2, rel=1e-12)
    assert H[0][1][0] == pytest.approx(2 * np.sum(r) / s2, rel=1e-12)
    assert H[1][0][0] == pytest.approx(H[0][1][0], rel=1e-12)
    assert H[1][0][1][0] == pytest.approx(2 * np.sum(r ** 2) / s2, rel=1e-12)


def test_the_hessian_of_a_dict_of_floats_is_one_program_and_symmetric():
    H = hessian(projectile_range)(PHYSICS)
    assert list(H) == list(PHYSICS) and list(H["g"]) == list(PHYSICS)
    for a in PHYSICS:
        for b in PHYSICS:
            assert H[a][b] == H[b][a]
    # Against central differences of the gradient.
    eps = 1e-6
    for b in PHYSICS:
        up, down = dict(PHYSICS), dict(PHYSICS)
        up[b] += eps
        down[b] -= eps
        gu, gd = grad(projectile_range)(up), grad(projectile_range)(down)
        for a in PHYSICS:
            assert H[a][b] == pytest.approx((gu[a] - gd[a]) / (2 * eps), rel=1e-5, abs=1e-7)


def test_the_hessian_of_an_mlp_dict_nests_blocks_by_key():
    def l2_loss(params, X, y):
        return mlp_loss(params, X, y) + 0.1 * np.sum(params["W1"] ** 2)

    H = hessian(l2_loss)(MLP, X, Y)
    assert H["W1"]["b1"].shape == (3, 4, 4) and H["b1"]["W1"].shape == (4, 3, 4)
    np.testing.assert_allclose(H["W1"]["b1"], np.moveaxis(H["b1"]["W1"], 0, -1),
                               rtol=1e-8, atol=1e-12)
    v = {k: rng.normal(size=np.shape(x)) if np.ndim(x) else 0.3 for k, x in MLP.items()}
    hv = hvp(l2_loss, (MLP, X, Y), (v, np.zeros_like(X), np.zeros_like(Y)))
    for a in MLP:
        want = sum(np.tensordot(H[a][b], v[b], axes=np.ndim(v[b])) for b in MLP)
        np.testing.assert_allclose(hv[a], want, rtol=1e-8, atol=1e-12)


def test_a_pytree_derivative_can_be_differentiated_again():
    # grad of grad's b2 component: d/dparams of dloss/db2.
    def db2(params, X, y):
        return grad(mlp_loss)(params, X, y)["b2"]

    H = hessian(mlp_loss)(MLP, X, Y)
    J = jacfwd(grad(mlp_loss))(MLP, X, Y)
    for a in MLP:
        np.testing.assert_allclose(J["b2"][a], H["b2"][a], rtol=1e-10)
    assert db2(MLP, X, Y) == pytest.approx(grad(mlp_loss)(MLP, X, Y)["b2"])
    check_grads(grad(mlp_loss), (MLP, X, Y))


def test_source_shows_the_code_for_pytree_arguments():
    text = symdiff.source(gaussian_nll, args=(THETA, XS))
    assert "def gaussian_nll_grad(theta, xs):" in text
    assert "with respect to theta." in text
    # The leaves are named as the function unpacks them.
    assert "mu = theta[0]" in text and "log_sigma = theta[1][0]" in text
    # (The gradients of mu and shift are one value, computed once.)
    assert text.rstrip().endswith("return (mu_bar, (log_sigma_bar, mu_bar))")
    layered = symdiff.source(layered_loss, args=(LAYERED, X, Y))
    assert "W2 = params['layer2'][0]" in layered
    assert "return {'layer1': (W1_bar, b1_bar), 'layer2': (W2_bar, b2_bar)}" in layered


# --- a tuple of numbers, dicts and lists as outputs, what is refused --------------------

def nll(params, xs):
    mu, log_sigma = params
    return np.sum(0.5 * ((xs - mu) / np.exp(log_sigma)) ** 2 + log_sigma)


def test_the_gradient_of_a_tuple_of_numbers_is_a_tuple():
    # (mu, log_sigma) stays a sequence the code indexes; its gradient is still a tuple.
    g = grad(nll)
    for _ in range(2):  # the second call goes through the dispatcher's entry
        got = g((0.1, 0.2), XS)
        assert type(got) is tuple and len(got) == 2
    assert type(grad(nll)([0.1, 0.2], XS)) is list
    value, vg = value_and_grad(nll)((0.1, 0.2), XS)
    assert type(vg) is tuple and vg == pytest.approx(got)
    both = grad(nll, argnums=(0, 1))((0.1, 0.2), XS)
    assert type(both[0]) is tuple and both[1].shape == XS.shape
    _, vjp_fn = vjp(nll, (0.1, 0.2), XS)
    assert type(vjp_fn(1.0)[0]) is tuple
    s2 = math.exp(0.4)
    assert got[0] == pytest.approx(-np.sum(XS - 0.1) / s2, rel=1e-12)
    assert got[1] == pytest.approx(XS.size - np.sum((XS - 0.1) ** 2) / s2, rel=1e-12)


def polar(r, theta):
    return [r * math.cos(theta), r * math.sin(theta)]


def test_a_list_output_and_its_jacobian():
    out, t = jvp(polar, (2.0, 0.5), (1.0, 0.0))
    assert type(out) is list and type(t) is list
    assert t == pytest.approx([math.cos(0.5), math.sin(0.5)])
    J = jacrev(polar, argnums=(0, 1))(2.0, 0.5)
    assert type(J) is list and J[1][1] == pytest.approx(2.0 * math.cos(0.5))
    check_grads(polar, (2.0, 0.5))


def stats_in_a_loop(x):
    for _ in range(3):
        if x > 10.0:
            return {"x": x}
        x = x * 2.0
    return {"x": x}


def branches_of_other_keys(x):
    if x > 0:
        return {"a": x}
    return {"b": x}


def test_dicts_that_cannot_be_returned_are_located():
    with pytest.raises(symdiff.UnsupportedSyntaxError, match="a dict or list returned "
                                                             "from inside a loop"):
        jvp(stats_in_a_loop, (1.0,), (1.0,))
    with pytest.raises(symdiff.UnsupportedSyntaxError,
                       match=r"return \{'a': \*\} and \{'b': \*\}"):
        jvp(branches_of_other_keys, (1.0,), (1.0,))


def test_grad_of_a_dict_output_says_it_is_not_a_scalar():
    with pytest.raises(TypeError, match="returns a dict of 2 values"):
        grad(forward_model)(MLP, X)


@pytest.mark.parametrize(("value", "words"), [
    ({"w": np.ones(2), "flag": True}, r"at \['flag'\], is a bool"),
    ({"w": np.ones(2), "name": None}, r"at \['name'\], is a NoneType"),
    ({"w": np.ones(2), "b": ()}, r"that are not empty"),
    ({"w": {"v": np.ones(2, dtype=np.complex128)}}, r"at \['w'\]\['v'\], is an array of "
                                                    r"complex128"),
])
def test_what_a_pytree_argument_may_not_hold(value, words):
    def f(p):
        return np.sum(p["w"])

    with pytest.raises(TypeError, match=words):
        grad(f)(value)


def test_the_jacobian_with_respect_to_a_list_of_numbers_is_a_list():
    def pair(xs):
        return (xs[0] * xs[1], xs[1] ** 2)

    for jac in (jacfwd, jacrev, jacobian):
        assert jac(pair)([1.0, 2.0]) == ([2.0, 1.0], [0.0, 4.0])
