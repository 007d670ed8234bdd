"""Array indexing and slicing, and functional updates of arrays (filled in by issue 4)."""
