"""Counts and lists that follow from the records of the test data set, computed from the records (never written
into a test), so that a test asserts what the records say however many editions the set holds."""

from __future__ import annotations

from functools import cache

from ksst_kg.records import Dataset, load_dataset

from .conftest import DATA


@cache
def records() -> Dataset:
    return load_dataset(DATA)


def edition_ids() -> list[str]:
    return sorted(ed.id for ed in records().editions)


def country_years() -> set[tuple[str, str]]:
    """(ISO alpha-3, year) of every country a country list names, for each year of its edition."""
    ds = records()
    return {(code, str(year.value)) for ed in ds.editions for code in ds.named_countries(ed) for year in ed.year}
