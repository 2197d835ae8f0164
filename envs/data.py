"""Where the research corpora live: read from ``../shared/data`` or a path the user gives, never copied here."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_LEVELS = Path(__file__).resolve().parent / "levels"


def shared_data_dir() -> Path:
    """``$ARCADELAB_DATA`` if set, else the ``shared/data`` folder beside the checkout."""
    env = os.environ.get("ARCADELAB_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def vglc_dir(game: str | None = None) -> Path:
    """The VGLC folder (``$ARCADELAB_VGLC`` overrides), or one game's ``Processed`` folder inside it."""
    env = os.environ.get("ARCADELAB_VGLC")
    root = Path(env) if env else shared_data_dir() / "vglc"
    if game is None:
        return root
    return root / game / "Processed"
