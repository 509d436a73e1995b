"""Helpers for the few statements written out in SQL (where building them with querysets cost more than
running them): the SQL naming a model's columns, and the conversions the ORM gives their values."""

from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import Col


def columns(model: type[Model], alias: str, names: Iterable[str] | None = None) -> tuple[str, list[Col]]:
    """The SQL selecting the model's fields (every concrete one unless `names` are given) from the table
    aliased `alias`, and the columns their values are converted by (`converted`)."""
    fields = [model._meta.get_field(name) for name in names] if names is not None else list(model._meta.concrete_fields)
    selected = [Col(alias, field) for field in fields]
    sql = ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)
    return sql, selected


def converted(rows: Iterable[tuple], selected: list[Col | None]) -> Iterator[list]:
    """`rows` with each value converted as the ORM converts its column's (SQLite's dates as text, UUIDs as
    hex, JSON as text ...); a value whose column is None is left as it is."""
    converters = [
        (position, column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        for position, column in enumerate(selected)
        if column is not None
    ]
    for row in rows:
        values = list(row)
        for position, column, column_converters in converters:
            for converter in column_converters:
                values[position] = converter(values[position], column, connection)
        yield values
