"""Tests run headless: no window, no sound device, Ray on loopback."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest

import envs  # noqa: F401  (registers the ids)
from envs.data import vglc_dir


@pytest.fixture(scope="session")
def vglc_root():
    """The VGLC corpus folder; tests that need it skip with the reason when it is absent."""
    root = vglc_dir()
    if not root.is_dir():
        pytest.skip(f"VGLC corpus not found at {root} (set ARCADELAB_VGLC)")
    return root
