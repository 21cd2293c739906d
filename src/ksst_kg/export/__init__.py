"""Stage five: the graph written out, deterministically (sorted N-Triples, Turtle, JSON-LD), spliced block by
block on a rebuild (`splice`), and loaded into the embedded Oxigraph store (`store`)."""

from .serialise import (
    jsonld_bytes,
    jsonld_document,
    ntriples_bytes,
    sort_key,
    sorted_triples,
    turtle_bytes,
    write_ntriples,
)
from .store import StoreWriter

__all__ = [
    "StoreWriter",
    "jsonld_bytes",
    "jsonld_document",
    "ntriples_bytes",
    "sort_key",
    "sorted_triples",
    "turtle_bytes",
    "write_ntriples",
]
