"""What the Tensor view's unit tests share: shapes at the edges and any valid
state, drawn by hypothesis."""

from __future__ import annotations

from hypothesis import strategies as st

from lab.core.helpers import divisors
from lab.tensor.data import MAX_C, MAX_N, MAX_SIDE, TensorSpec
from lab.tensor.state import (
    TENSOR_FAMILIES,
    TensorState,
)

SHAPES = [(4, 6, 3, 3), (1, 6, 4, 4), (8, 12, 4, 4), (2, 1, 1, 1), (3, 4, 1, 2)]


def spec_of(shape, **kw) -> TensorSpec:
    n, c, h, w = shape
    return TensorSpec(batch=n, channels=c, height=h, width=w, **kw)


@st.composite
def states(draw) -> TensorState:
    n = draw(st.integers(1, MAX_N))
    c = draw(st.integers(1, MAX_C))
    h = draw(st.integers(1, MAX_SIDE))
    w = draw(st.integers(1, MAX_SIDE))
    return TensorState(
        view=draw(st.sampled_from(("all", "one"))),
        norm=draw(st.sampled_from(TENSOR_FAMILIES)),
        batch=n,
        channels=c,
        height=h,
        width=w,
        groups=draw(st.sampled_from(divisors(c))),
        shift=draw(st.integers(0, 50)) / 10,
        spot=draw(st.integers(0, 50)) / 10,
        seed=draw(st.integers(0, 2**31 - 1)),
        focus=(
            draw(st.integers(0, n - 1)),
            draw(st.integers(0, c - 1)),
            draw(st.integers(0, h - 1)),
            draw(st.integers(0, w - 1)),
        ),
        scenario="custom",
    )
