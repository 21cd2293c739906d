"""Benchmark of the ksst-kg pipeline against the naive rdflib/pyshacl/owlrl pipeline (see bench/README.md)."""
