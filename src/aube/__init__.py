"""Aube: a self-hosted personal morning briefing."""

__version__ = "0.1.0"
