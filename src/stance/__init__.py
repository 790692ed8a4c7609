"""Stance classification of state-actor statements: threat, warning or neutral."""

__version__ = "0.1.0"
