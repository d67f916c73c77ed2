"""Pages of a list: ``?page=1&page_size=50`` (at most 200 a page), answered as
``{"items": [...], "count": N}`` with ``count`` the size of the whole list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000  # beyond any real list; keeps the offset a number every database takes


class Page(PageNumberPagination):
    """ninja's page-number pagination with bounds on both numbers."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="from 1")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description=f"{PAGE_SIZE} unless asked; at most 200"
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


class Shaped(Sequence):
    """A list whose page is shaped only once sliced: ``shape`` gets the rows of one page
    (a status as of a date, say, is judged for those rows alone, in a few queries)."""

    def __init__(self, rows: Any, shape: Callable[[list], list]) -> None:
        self.rows = rows
        self.shape = shape

    def __len__(self) -> int:
        rows = self.rows
        return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self.shape(list(self.rows[index]))
        return self.shape([self.rows[index]])[0]
