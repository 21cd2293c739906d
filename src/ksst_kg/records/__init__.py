"""Stage one: the curated YAML records of `data/`, read, typed and cross-checked (`load_dataset`)."""

from ..records.references import check_edition, check_references
from .load import Reader, load_dataset, load_reference, parse_record
from .model import Dataset, Edition, Fact, Source
from .yamlio import parse_yaml, read_yaml

__all__ = [
    "Dataset",
    "Edition",
    "Fact",
    "Reader",
    "Source",
    "check_edition",
    "check_references",
    "load_dataset",
    "load_reference",
    "parse_record",
    "parse_yaml",
    "read_yaml",
]
