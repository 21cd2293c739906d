"""How answers from two stores are compared, for tests/test_cross_store.py and bench/cross_store.py alike (no
pytest here: the benchmark imports it)."""

from __future__ import annotations

from pyoxigraph import BlankNode

import ksst_kg

Row = tuple[str, ...]


def rows(result: ksst_kg.Result) -> list[Row]:
    """Each cell as the text of its RDF term (an xsd:boolean in its canonical form, as `ksst_kg.remote` reads
    it), an unbound cell as "", any blank node as "_:b" (each store names them its own way); rows in order."""
    return [tuple("" if row.get(v) is None else "_:b" if isinstance(row[v], BlankNode) else str(row[v])
                  for v in result.variables) for row in result.rows]
