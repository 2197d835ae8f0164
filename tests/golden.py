"""What every golden-trajectory harness (``tests/<game>_golden.py``) shares: the hasher and the command line.

    python -m tests.<game>_golden [NAME ...]   # check (some) cases against the recorded hashes
    python -m tests.<game>_golden --write      # record (only when dynamics change on purpose)
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


class Hasher:
    """sha256 over arrays (dtype, shape and bytes) and reprs of other values, in the order they are fed."""

    def __init__(self) -> None:
        self.h = hashlib.sha256()

    def arr(self, a: Any) -> None:
        a = np.ascontiguousarray(a)
        self.h.update(str((a.dtype.str, a.shape)).encode())
        self.h.update(a.tobytes())

    def obj(self, o: Any) -> None:
        self.h.update(repr(o).encode())

    def hexdigest(self) -> str:
        return self.h.hexdigest()


def golden_main(doc: str | None, cases: Callable[[], dict[str, Callable[[], str]]], path: Path) -> None:
    """Check the named cases (all by default) against ``path``, or with ``--write`` record every case there."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument("--write", action="store_true", help=f"record the hashes into {path}")
    parser.add_argument("names", nargs="*", help="only these cases (check mode)")
    args = parser.parse_args()
    all_cases = cases()
    names = list(all_cases) if args.write or not args.names else args.names
    hashes = {name: all_cases[name]() for name in names}
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    else:
        golden = json.loads(path.read_text())
        bad = [k for k in hashes if golden.get(k) != hashes[k]]
        print("all match" if not bad else f"mismatch: {bad}")
