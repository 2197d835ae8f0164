"""How the rules cores are compiled with numba: one policy for every game, in one place.

* :func:`row_helper`: a function of one row (``r``) that the batched loop calls. It is inlined into its caller
  at numba IR level (``inline="always"``): a call that passes arrays would otherwise increment and decrement
  every array's reference count (two atomic instructions per array per call), which costs more than a game's
  rules for one row. Python may still call it directly (it is then compiled on its own).
* :func:`kernel`: an entry point Python calls (a whole batch step, a reset). It is compiled without numba's
  runtime (``_nrt=False``): nothing in a rules core allocates, so reference counting has nothing to do and is
  dropped entirely. A kernel that needs to allocate does not compile, which keeps the hot path allocation-free.

Both cache their machine code beside the source (``cache=True``), so only the first import after an install
compiles (``benchmarks/env_throughput.py --compile`` times the cold and the warm start).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["kernel", "row_helper"]


def row_helper(fn: F) -> F:
    """Compile ``fn`` to be inlined into the kernels that call it (see the module docstring)."""
    return cast(F, njit(cache=True, inline="always")(fn))


def kernel(fn: F) -> F:
    """Compile ``fn`` as an allocation-free entry kernel without numba's runtime (see the module docstring)."""
    return cast(F, njit(cache=True, _nrt=False)(fn))  # type: ignore[call-overload]  # numba's stubs omit _nrt
