"""Lowering of NumPy shape operations and array constructors (filled in by issue 4)."""
