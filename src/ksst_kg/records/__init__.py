"""Stage one: the curated YAML records of `data/`, read, typed and cross-checked (`load_dataset`)."""

from .files import RecordFiles, record_files, scan
from .load import Reader, load_dataset, load_reference, parse_record
from .model import Dataset, Edition, Fact, Item, Source, Written
from .references import check_edition, check_edition_links, check_references
from .skeleton import Skeleton, new_edition, new_source
from .yamlio import parse_yaml, read_yaml

__all__ = [
    "Dataset",
    "Edition",
    "Fact",
    "Item",
    "Reader",
    "RecordFiles",
    "Skeleton",
    "Source",
    "Written",
    "check_edition",
    "check_edition_links",
    "check_references",
    "load_dataset",
    "load_reference",
    "new_edition",
    "new_source",
    "parse_record",
    "parse_yaml",
    "read_yaml",
    "record_files",
    "scan",
]
