"""TRANSITIONAL: the progress reporter moved to the leaf module :mod:`aube.progress`, so that
stages report progress without importing ``aube.pipeline`` (which imports them). Kept for
branches written before the move; removed with the store facade (issue 16)."""

from aube.progress import Advance, Reporter, RichReporter, Silent, rich_reporter

__all__ = ["Advance", "Reporter", "RichReporter", "Silent", "rich_reporter"]
