"""Everything that picks actions: one small ``Agent`` interface over bots, trained policies and humans."""

from agents.base import Agent, RandomAgent

__all__ = ["Agent", "RandomAgent"]
