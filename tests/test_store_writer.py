"""The build's background store loader (`ksst_kg.export.store.StoreWriter`): loads in order, queries after them, and
errors that reach the build instead of vanishing on the thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from ksst_kg.export import StoreWriter

G1, G2 = "http://example.org/g1", "http://example.org/g2"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_in_order_then_queries_then_closes(tmp_path: Path) -> None:
    a = write(tmp_path / "a.nt", "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    b = write(tmp_path / "b.nt", "<http://example.org/s> <http://example.org/p> \"x\" .\n")
    with StoreWriter(tmp_path / "store") as store:
        store.load(G1, a)
        store.load(G2, b)
        count = store.then(lambda st: len(list(st.quads_for_pattern(None, None, None, None))))
        store.finish()
        assert count.result() == 2
    reopened = Store.read_only(str(tmp_path / "store"))  # the handle was dropped: another process may open it
    assert {q.graph_name for q in reopened} == {NamedNode(G1), NamedNode(G2)}


def test_a_failed_load_reaches_the_caller(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.nt", "<http://example.org/s> <http://example.org/p> .\n")
    with pytest.raises(SyntaxError), StoreWriter(tmp_path / "store") as store:
        store.load(G1, bad)
