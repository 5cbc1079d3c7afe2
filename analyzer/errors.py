"""Exceptions the library raises; the CLI turns them into messages and exit codes."""


class AnalyzerError(Exception):
    """Base class for every error callback-analyzer raises on purpose."""


class EmptyNoteError(AnalyzerError, ValueError):
    """A note has no text to analyse."""


class CorpusError(AnalyzerError, ValueError):
    """A labelled record is malformed; the message names the file, line and field."""


class ModelNotFoundError(AnalyzerError, FileNotFoundError):
    """No model directory, or no model file inside it."""


class ModelIntegrityError(AnalyzerError):
    """A model file's sha256 differs from the one recorded in its meta.json."""


class ModelVersionError(AnalyzerError):
    """A model was saved by a version of the software that this install cannot use."""


class TrainingError(AnalyzerError, ValueError):
    """The training data cannot produce a model (no notes, or a label never or always present)."""


class InputFormatError(AnalyzerError, ValueError):
    """An export cannot be parsed at all; the message names the file and line."""


class ColumnMappingError(AnalyzerError, ValueError):
    """The columns of an export cannot be mapped to note fields; the message lists those found."""


class InputEncodingError(AnalyzerError, ValueError):
    """An export is not UTF-8; the message suggests --encoding."""


class RegistryError(AnalyzerError, ValueError):
    """A model version is unknown or cannot be committed, used or rolled back to; the message lists the way on."""


class LabelledDataError(AnalyzerError, ValueError):
    """Labelled notes for retraining cannot be used; the message lists every problem by file, line and field."""
