"""Data access functions, one module per entity.

Each function takes the session as its first argument and never commits:
the request's (or task's) transaction manager does that once.
"""
