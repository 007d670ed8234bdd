"""Lowering of array indexing, slicing and element assignment (filled in by issue 4)."""
