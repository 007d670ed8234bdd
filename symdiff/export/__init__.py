"""symdiff's programs in other notations: `sympy` translates a program's IR into SymPy
expressions; `symbolic` is the public `to_sympy`, which lowers a function (and its
derivatives) through the pipeline's passes and translates the result."""
