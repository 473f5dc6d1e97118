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
from functools import cache

from django.db import connection
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
    return _create_with_history_pg(type(obj), [obj], actor, derived=derived)


def _history_user_id(history, obj, actor):
    user = getattr(obj, "_history_user", actor or history.get_default_history_user(obj))
    return getattr(user, "pk", None)


@cache
def _plan(model, has_pk: bool, many: bool, derived: tuple[tuple[str, str], ...]) -> tuple[list, list, str]:
    """The statement of `_create_with_history_pg`, built once per model and shape (it used to be compiled
    by the ORM at every call: ~1 ms of CPU per placement for the order's ~50 columns and the lines').
    Returns (fields bound as parameters, fields read back, SQL)."""
    opts = model._meta
    history = getattr(model, opts.simple_history_manager_attribute).model
    qn = connection.ops.quote_name
    table = opts.db_table
    # The key drawn from the table's sequence in a CTE, and the columns derived from it, as SQL over `k`.
    expressions = {opts.pk.attname: "k", **dict(derived)} if derived else {}
    fields = [f for f in opts.concrete_fields if has_pk or expressions or not f.primary_key]
    bound = [f for f in fields if f.attname not in expressions]
    if many:  # the same text for any number of rows (arrays), as Django's own bulk insert on PostgreSQL
        source = f"SELECT * FROM UNNEST({', '.join(f'%s::{_array_type(f)}[]' for f in bound)})"  # noqa: S608
    else:
        derive = "(SELECT {} FROM seq)"
        marks = (derive.format(expressions[f.attname]) if f.attname in expressions else "%s" for f in fields)
        source = f"VALUES ({', '.join(marks)})"
    tracked = history.tracked_fields
    targets = ", ".join(qn(history._meta.get_field(f.name).column) for f in tracked)
    back = [opts.pk, *(opts.get_field(name) for name, _ in derived)]
    seq = f"seq AS (SELECT nextval(pg_get_serial_sequence('{table}', '{opts.pk.column}')) AS k), " if derived else ""
    sql = (
        f"WITH {seq}new AS (INSERT INTO {qn(table)} ({', '.join(qn(f.column) for f in fields)}) {source} "  # noqa: S608
        f"RETURNING {', '.join(qn(f.column) for f in tracked)}), "
        f"history AS (INSERT INTO {qn(history._meta.db_table)} "
        f"({targets}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(f'new.{qn(f.column)}' for f in tracked)}, %s, %s, '+', %s FROM new) "
        f"SELECT {', '.join(f'new.{qn(f.column)}' for f in back)} FROM new"
    )
    return bound, back, sql


def _array_type(field) -> str:
    return field.db_type(connection).split("(")[0]  # varchar(32)[] would truncate silently: the bare type


def _create_with_history_pg(model, objs: list, actor, derived: dict[str, str] | None = None) -> list:
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # FK ids of parents saved since
    many = len(objs) > 1
    bound, back, sql = _plan(model, objs[0].pk is not None, many, tuple((derived or {}).items()))
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in bound] for obj in objs]
    params = [list(column) for column in zip(*rows, strict=True)] if many else rows[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *_history_params(objs[0], actor)))
        returned = cursor.fetchall()
    for obj, row in zip(objs, returned, strict=True):
        for field, value in zip(back, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def rows_update(model, objs: Iterable, fields: list[str], *, actor=None) -> None:
    """Write `fields` of saved rows and, for a model with history, their change history rows ("~").

    PostgreSQL: ONE statement, `UPDATE ... FROM UNNEST(arrays)` whose history part copies the tracked columns
    from the updated rows (`RETURNING`), built once per model and fields; Django's bulk_update compiles a CASE
    per field and row (~0.3 ms of CPU per row and field). Other databases: simple-history's bulk update."""
    objs = list(objs)
    if not objs:
        return
    if connection.vendor == "postgresql":
        _update_pg(model, objs, tuple(fields), actor)
    elif _has_history(model):
        bulk_update_with_history(objs, model, fields, default_user=actor)
    else:
        model.objects.bulk_update(objs, fields)


@cache
def _update_plan(model, fields: tuple[str, ...]) -> tuple[list, str]:
    opts = model._meta
    qn = connection.ops.quote_name
    table, pk = qn(opts.db_table), qn(opts.pk.column)
    targets = [opts.pk, *(opts.get_field(name) for name in fields)]
    columns = ", ".join(qn(f.column) for f in targets)
    arrays = ", ".join(f"%s::{_array_type(f)}[]" for f in targets)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in targets[1:])
    sql = f"UPDATE {table} SET {sets} FROM UNNEST({arrays}) AS v({columns}) WHERE {table}.{pk} = v.{pk}"  # noqa: S608
    return targets, _with_history(model, sql) if _has_history(model) else sql


def _update_pg(model, objs: list, fields: tuple[str, ...], actor) -> None:
    targets, sql = _update_plan(model, fields)
    for obj in objs:  # FK ids of parents saved after assignment, as bulk_update does
        obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=targets[1:])
    columns = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs] for f in targets]
    params = [*columns, *_history_params(objs[0], actor)] if _has_history(model) else columns
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _with_history(model, update: str) -> str:
    """`update` (an UPDATE of `model`'s table) and its rows' change history ("~") as ONE statement: the history
    copies the tracked columns from the UPDATE's RETURNING. Takes `_history_params` after the update's own."""
    opts = model._meta
    qn = connection.ops.quote_name
    history = getattr(model, opts.simple_history_manager_attribute).model
    tracked = [qn(f.column) for f in history.tracked_fields]
    back = ", ".join(f"{qn(opts.db_table)}.{column} AS {column}" for column in tracked)
    targets = ", ".join(qn(history._meta.get_field(f.name).column) for f in history.tracked_fields)
    return (
        f"WITH changed AS ({update} RETURNING {back}) INSERT INTO {qn(history._meta.db_table)} "  # noqa: S608
        f"({targets}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(tracked)}, %s, %s, '~', %s FROM changed"
    )


def _history_params(obj, actor) -> list:
    """The history row's date, change reason and user (`_history_user`, the actor, else the request's user)."""
    history = getattr(type(obj), type(obj)._meta.simple_history_manager_attribute).model
    return [timezone.now(), get_change_reason_from_object(obj), _history_user_id(history, obj, actor)]


def row_update(obj, fields: list[str], *, actor=None) -> None:
    """`obj.save(update_fields=fields)` for one existing row, with its change history ("~") where the model
    keeps it: on PostgreSQL the UPDATE and the history insert are ONE statement (the history copies the
    tracked columns from the UPDATE's RETURNING), its text built once per model and fields. That spares the
    ORM's compiling of the update and simple-history's historical instance and insert (~0.6 ms of CPU for an
    order's ~70 columns). The history row holds what simple-history's own would: the tracked columns as
    stored, the date, the change reason if one is set, the user (`_history_user`, the actor, else the
    request's user). Other databases: the plain save."""
    if connection.vendor != "postgresql":
        obj.save(update_fields=fields)
        return
    model = type(obj)
    written, sql = _row_update_plan(model, tuple(dict.fromkeys(fields)))
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in written]
    params.append(obj.pk)
    if _has_history(model):
        params += _history_params(obj, actor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise model.DoesNotExist(f"{model.__name__} {obj.pk} was not updated.")


@cache
def _row_update_plan(model, fields: tuple[str, ...]) -> tuple[list, str]:
    opts = model._meta
    qn = connection.ops.quote_name
    written = [opts.get_field(name) for name in fields]
    update = (
        f"UPDATE {qn(opts.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in written)} "  # noqa: S608
        f"WHERE {qn(opts.pk.column)} = %s"
    )
    return written, _with_history(model, update) if _has_history(model) else update
