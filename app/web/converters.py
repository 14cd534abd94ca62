"""URL converters shared by every blueprint."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

ID_MAX = 2**31 - 1
"""The largest id an ``integer`` column holds on every database we run on (PostgreSQL's int4)."""


class RowId(IntegerConverter):
    """``<id:name>``: a row id from 1 to :data:`ID_MAX`. Anything else matches no route, so it is
    not found like any unknown id (a number past the column's range used to reach the database
    and fail there)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=ID_MAX)
