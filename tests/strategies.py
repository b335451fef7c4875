"""Hypothesis strategies the fuzzing tests share."""

from hypothesis import strategies as st


def json_values(scalars, max_leaves: int = 12):
    """Any JSON value: ``scalars``, and lists and objects nesting them."""
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )
