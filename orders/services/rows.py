"""Bulk writes that still leave row history where the model keeps it.

QuerySet bulk operations skip django-simple-history. Orders, lines and customers keep their row history
(staff read it), so for them these write the history rows too; models without history (allocations: their
changes are order events and ledger movements) get the plain bulk statement.

New rows with history on PostgreSQL: the rows and their creation history ("+") in ONE statement, a
data-modifying CTE whose history part copies the columns from the inserted rows themselves (`RETURNING`).
That spares a round trip, the historical model instances and a second ORM insert per placement (orders and
their lines). The history rows hold exactly what simple-history's own insert would: the tracked columns
as stored, the date, no change reason unless one is set, the type "+" and the user (the actor, else the
request's user). Other databases use simple-history's `bulk_create_with_history`.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history, get_change_reason_from_object

from oms.inserts import rows_insert


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def rows_create(model, objs: Iterable, *, actor=None) -> list:
    """Insert new rows (all with or all without a primary key set) and, for a model with history, their
    creation history rows. Returns the objects, primary keys set."""
    objs = list(objs)
    if not objs:
        return []
    if not _has_history(model):
        return rows_insert(model, objs)
    if connection.vendor == "postgresql":
        return _create_with_history_pg(model, objs, actor)
    return bulk_create_with_history(objs, model, default_user=actor)


def row_create_keyed(obj, derived: dict[str, str], *, actor=None):
    """PostgreSQL: insert one row of a model with history whose key comes from its table's sequence, with
    columns derived from that key (`derived`: attname -> SQL over `k`, e.g. {"number": "(10000 + k)::text"}),
    and its creation history, in ONE statement. Sets the key and the derived values on `obj`."""
    table, pk = obj._meta.db_table, obj._meta.pk
    for attname in (pk.attname, *derived):
        setattr(obj, attname, RawSQL(f"(SELECT {derived.get(attname, 'k')} FROM seq)", ()))  # noqa: S608, S611
    seq = f"seq AS (SELECT nextval(pg_get_serial_sequence('{table}', '{pk.column}')) AS k)"
    return _create_with_history_pg(type(obj), [obj], actor, prefix=seq, derived=list(derived))


def _history_user_id(history, obj, actor):
    user = getattr(obj, "_history_user", actor or history.get_default_history_user(obj))
    return getattr(user, "pk", None)


def _create_with_history_pg(model, objs: list, actor, prefix: str = "", derived: list[str] = ()) -> list:
    opts = model._meta
    history = getattr(model, opts.simple_history_manager_attribute).model
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # FK ids of parents saved since
    has_pk = objs[0].pk is not None
    fields = [f for f in opts.concrete_fields if has_pk or not f.primary_key]
    tracked = history.tracked_fields
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = tracked  # the CTE's columns: what was stored, for the history part
    [(insert_sql, params)] = compiler.as_sql()
    qn = connection.ops.quote_name
    targets = ", ".join(qn(history._meta.get_field(f.name).column) for f in tracked)
    sources = ", ".join(f"new.{qn(f.column)}" for f in tracked)
    back = [opts.pk.attname, *derived]  # read back: the key, and the columns derived from it in SQL
    sql = (
        f"WITH {prefix + ', ' if prefix else ''}new AS ({insert_sql}), "  # noqa: S608
        f"history AS (INSERT INTO {qn(history._meta.db_table)} "
        f"({targets}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {sources}, %s, %s, '+', %s FROM new) "
        f"SELECT {', '.join('new.' + qn(opts.get_field(name).column) for name in back)} FROM new"
    )
    extra = (timezone.now(), get_change_reason_from_object(objs[0]), _history_user_id(history, objs[0], actor))
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *extra))
        rows = cursor.fetchall()
    for obj, row in zip(objs, rows, strict=True):
        for name, value in zip(back, row, strict=True):
            setattr(obj, name, value)
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def rows_update(model, objs: Iterable, fields: list[str], *, actor=None) -> None:
    objs = list(objs)
    if not objs:
        return
    if _has_history(model):
        bulk_update_with_history(objs, model, fields, default_user=actor)
    else:
        model.objects.bulk_update(objs, fields)
