"""Standalone derivative modules (``symdiff build``): generated source that imports only
the standard library and NumPy. See `symdiff.standalone.build`."""

from symdiff.standalone.build import build_module, is_current, write_module

__all__ = ["build_module", "is_current", "write_module"]
