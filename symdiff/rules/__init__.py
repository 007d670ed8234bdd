"""Custom derivative rules: `custom.py` (``custom_jvp``, ``custom_vjp``, ``defrule`` and
the table of rules the frontend reads). The frontend lowers a rule's functions with
the call (`frontend.rules`), the transforms inline them (`transforms.custom`).
The frontend and the runtime import it: of symdiff it imports only
`host.reference` (a leaf, which imports nothing of symdiff)."""
