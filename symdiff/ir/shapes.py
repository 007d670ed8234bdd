"""Array shape operations and constructors (filled in by issue 4)."""
