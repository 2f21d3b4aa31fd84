"""python -m extractor: the xxgk command."""

from extractor.cli import entry

entry()
