"""The public face: the transforms a user calls, which ``symdiff`` hands on by name.

- `grad`: ``grad``, ``value_and_grad``, ``jvp``, ``vjp`` and ``source`` (first
  derivatives, and the `Transformed` callables they return);
- `higher`: ``hessian`` and ``hvp`` (forward over reverse mode);
- `jacobian`: ``jacfwd``, ``jacrev``, ``jacobian`` and `choose_mode`, the mode
  ``jacobian(..., mode="auto")`` picks;
- `costs`: ``cost``, operation counts of a function and its derivatives;
- `supported`: ``supported``, the library callables symdiff has rules for;
- `arguments` and `derivative`: what they all share (reading the function, `argnums` and
  the arguments of a call; the base class of the objects they return).

Nothing of the compiler below is imported until a derivative is first built.
"""
