"""xxgk: extract the tables of Chinese government information-disclosure annual reports."""

from extractor.schema import SCHEMA_VERSION, ExtractionOutput

__version__ = "0.1.0"
__all__ = ["SCHEMA_VERSION", "ExtractionOutput", "__version__"]
