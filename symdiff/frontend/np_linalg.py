"""Lowering of NumPy reductions beyond sum/mean, einsum and linear algebra (filled in by
issue 4)."""
