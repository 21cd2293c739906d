"""The package's version, in the bottom layer so that every stage can stamp what it writes with it."""

__version__ = "0.1.0"
