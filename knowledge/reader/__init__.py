"""The reader: from candidate passages to the quoted sentence, the short answer and its confidence."""

from knowledge.reader.reader import Reader, Reading, is_follow_up
from knowledge.reader.semantic import SentenceVectors

__all__ = ["Reader", "Reading", "SentenceVectors", "is_follow_up"]
