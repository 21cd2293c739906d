"""`python -m ksst_kg` is the `ksst` command."""

from .cli import main

main()
