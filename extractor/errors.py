"""Exceptions: only for bugs and unusable inputs. Data problems are ``schema.Issue`` values."""


class ExtractorError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(ExtractorError):
    """The input cannot be read as a report: empty, binary, truncated, encrypted, too large, unknown format."""


class ConfigError(ExtractorError):
    """A configuration value is unusable."""


class ModelLoadError(ExtractorError):
    """A model directory is missing, incomplete, or was saved with another label set."""


class StaleExportError(ModelLoadError):
    """A model directory's ``model.onnx`` was exported from other weights than its ``model.safetensors``."""
