"""Small helpers every page uses, defined once: how a number is printed, how a
count is worded, GroupNorm's valid group counts, the seed range."""

from __future__ import annotations

import math

MAX_SEED = 2**31 - 1
"""The largest seed a control or a link accepts (numpy's and torch's range)."""


def fmt(v: float | None, small: bool = False) -> str:
    """A number as the lab prints it: 3 decimals, a true minus sign, no −0;
    scientific when huge, or when tiny and ``small`` asks for it (a variance
    below ε, say); "—" for no number."""
    if v is None:
        return "—"
    v = float(v)
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if abs(v) >= 1e4 or (small and 0 < abs(v) < 1e-3):
        s = f"{v:.3g}" if abs(v) < 1e4 else f"{v:.3e}"
    else:
        s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "0") else s.replace("-", "−")


def noun(k: int, one: str, many: str | None = None) -> str:
    """The noun that counts ``k`` things: singular for exactly one."""
    return one if k == 1 else (many or one + "s")


def plural(k: int, one: str, many: str | None = None) -> str:
    """``k`` and the noun it counts: "1 cell", "2 cells", "1 (μ, σ) pair"."""
    return f"{k} {noun(k, one, many)}"


def divisors(n: int) -> list[int]:
    """What divides ``n``: GroupNorm's possible groups for ``n`` channels, the
    equal ghost-batch sizes of a batch of ``n``."""
    return [g for g in range(1, n + 1) if n % g == 0]


def nearest_divisor(n: int, g: int) -> int:
    """The divisor of ``n`` closest to ``g`` (the smaller one on a tie)."""
    return min(divisors(n), key=lambda d: (abs(d - g), d))
