"""Everything that picks actions: one small ``Agent`` interface over bots, trained policies and humans."""

from agents.base import Agent, RandomAgent
from agents.loading import load_agent

__all__ = ["Agent", "RandomAgent", "load_agent"]
