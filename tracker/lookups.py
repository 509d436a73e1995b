"""`<foreign key>__any_of=[ids]`: a long list of ids passed as one parameter.

Django's `__in` prepares and binds every id of the list as its own parameter; for the few hundred
entries of a six-month period that costs more than the query. On PostgreSQL `any_of` sends the ids
as one array (`= ANY(%s::bigint[])`); elsewhere it is an ordinary IN list.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import ForeignKey, Lookup


def id_array(ids: list[int]) -> str:
    """Ids as one PostgreSQL array literal, for `= ANY(%s::bigint[])`."""
    return "{" + ",".join(map(str, ids)) + "}"


def ids_condition(column: str, ids: list[int]) -> tuple[str, list]:
    """SQL for `column` among `ids` written out by hand, as the lookup below writes it, with its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [id_array(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


@ForeignKey.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*lhs_params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, id_array(self.rhs))
