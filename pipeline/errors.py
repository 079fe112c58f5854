"""Typed errors with stable codes.

Every error the system reports to a person is a `ClaimsError` subclass with a
stable `code`; `flows.cli` is the one place that turns them into a message.
"""


class ClaimsError(Exception):
    code = "CLAIMS_ERROR"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def one_line(self) -> str:
        return f"error [{self.code}]: {' '.join(self.message.split())}"


class BadInputError(ClaimsError):
    """Input a person or another system gave us is malformed."""

    code = "BAD_INPUT"


class UnreadableFileError(ClaimsError):
    """A dropped file cannot be turned into page images (goes to quarantine)."""

    code = "UNREADABLE_FILE"


class PlanError(ClaimsError):
    """A plan or registry data file is invalid."""

    code = "BAD_PLAN"


class OcrEngineError(ClaimsError):
    """The OCR engine cannot be loaded or failed on a page."""

    code = "OCR_ENGINE"
