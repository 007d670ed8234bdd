"""Array reductions beyond sum, einsum and linear algebra (filled in by issue 4)."""
