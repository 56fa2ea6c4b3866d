"""Storage: every SQL statement of the project lives in this package."""

from db.connection import Database

__all__ = ["Database"]
