"""What can go wrong, in words fit to show the person who asked."""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class: ``str(error)`` is a complete, user-facing sentence."""


class InvalidInput(NewsdeskError):
    """The request itself cannot be served (empty question, too long, bad option)."""


class QuestionTooLong(InvalidInput):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"That question is {length:,} characters long; please keep it under {limit:,}.")
        self.length = length
        self.limit = limit


class SourceError(NewsdeskError):
    """A page, file or feed could not be turned into articles."""


class FileProblem(SourceError):
    """A local file is missing, unreadable, too big or not text."""


class ExtractionError(SourceError):
    """The document was read but holds no article we can store."""


class FetchError(SourceError):
    """Downloading a URL failed (network, HTTP status, size or time limits)."""


class BlockedURL(FetchError):
    """The URL is refused by the safety guard (scheme, credentials, private address)."""


class FeedError(SourceError):
    """The document is not a feed we can read."""


class NotFound(NewsdeskError):
    """A referenced source, article or setting does not exist."""


class ConfigurationError(NewsdeskError):
    """Settings are missing or invalid (for example no Discord token)."""


class DatabaseUnavailable(NewsdeskError):
    """The database cannot be reached or opened (server down, unknown role or database)."""
