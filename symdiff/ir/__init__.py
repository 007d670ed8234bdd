"""The IR: nodes and programs (`node`), the builder (`builder`), the table of primitives
(`primitives`, assembled from the records of the area modules), regions, rewrites and
the reference interpreter. Importing the package loads none of them.
"""
