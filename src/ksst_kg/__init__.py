"""ksst-kg: a knowledge graph of Indonesia's KSST capacity-building programmes for Colombo Plan members."""

__version__ = "0.1.0"
