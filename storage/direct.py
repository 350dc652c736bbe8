"""Hot statements run straight on the DBAPI cursor of a session's connection.

Every agent turn and worker round runs a handful of small statements. Through `Session.execute` each
costs 150-300 µs of SQLAlchemy's own work (execution context, parameter and result objects, ORM events)
around 10-30 µs of SQL on SQLite, and that work was half of a widget message's server time. A
`DirectStatement` is compiled once per dialect by SQLAlchemy, binds and reads values with the columns'
own type processors (so encryption and UTC times are the same as through the ORM) and runs in the
session's transaction. What it skips, callers must not need: it returns plain tuples, and it flushes
only new and deleted ORM objects first, not changes to loaded ones.

The ORM objects a turn changes can still come from and go to direct statements: `loaded` puts a row
read by one into the session as if a query had loaded it, `insert_now` writes a new object at once,
and `flush_changes` writes the changed columns of loaded objects, each as a flush would (a flush of
even two small UPDATEs cost more than the rest of a turn's statements together).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, exc, insert, inspect, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Mapper, Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: bool
    # Per bind parameter, in the order the SQL names them: (name, processor, default). `default` gives the
    # value when the caller passes none: a fixed value (LIMIT 1) or an INSERT column's Python default.
    binds: tuple[tuple[str, Processor | None, Callable[[], Any] | None], ...]
    results: tuple[tuple[int, Processor], ...]  # (column index, processor) where a column has one


class DirectStatement:
    """A Core statement (SELECT, INSERT, UPDATE or DELETE, with RETURNING if wanted) whose parameters
    are given by name at each run. Expanding IN lists are not supported."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run once and return the rows (of a SELECT or a RETURNING clause)."""
        conn = _connection(session)
        compiled = self._compiled(conn.dialect)
        return _run(conn, compiled, _bind(compiled, params), fetch=True)

    def first(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.rows(session, params)
        return rows[0] if rows else None

    def run(self, session: Session, params: Mapping[str, Any]) -> int:
        """Run once without fetching; returns the number of rows changed."""
        conn = _connection(session)
        compiled = self._compiled(conn.dialect)
        return _run(conn, compiled, _bind(compiled, params), fetch=False)

    def run_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run once per parameter set in one DBAPI executemany; returns the number of rows changed."""
        conn = _connection(session)
        compiled = self._compiled(conn.dialect)
        return _run(conn, compiled, [_bind(compiled, p) for p in rows], fetch=False, many=True)

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return compiled


def values_rows(table: Any, names: Sequence[str], count: int) -> list[dict[str, Any]]:
    """The VALUES of a multi-row INSERT of `count` rows: parameters `{name}_{i}` (see `row_params`),
    each typed by its column, as SQLAlchemy types only the first row's."""
    return [{name: bindparam(f"{name}_{i}", type_=table.c[name].type) for name in names} for i in range(count)]


def row_params(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of a `values_rows` INSERT for these rows."""
    return {f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}


def _connection(session: Session) -> Connection:
    # New and deleted objects are flushed first, as autoflush would: a statement may refer to such a
    # row, read it, or reuse a deleted key. Changes to loaded objects wait for the next flush.
    if session.new or session.deleted:
        session.flush()
    return session.connection()


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    c = statement.compile(dialect=dialect)
    names = list(c.positiontup or ()) if c.positional else list(c.binds)
    table_columns = statement.table.c if isinstance(statement, Insert) else None
    binds = []
    for name in names:
        bp = c.binds[name]
        if bp.expanding:
            raise ValueError(f"{name}: expanding IN parameters are not supported by DirectStatement")
        default: Callable[[], Any] | None = None
        column = table_columns.get(name) if table_columns is not None else None
        if column is not None and column.default is not None:
            default = _python_default(column, column.default)
        elif not bp.required and (bp.value is not None or bp.callable is not None):
            # A fixed value. A None is not taken as one: SQLAlchemy makes such parameters for an
            # INSERT's defaulted columns too, and a row must not get NULL for them; write null().
            default = lambda bp=bp: bp.effective_value  # noqa: E731
        binds.append((c.escaped_bind_names.get(name, name), bp.type.dialect_impl(dialect).bind_processor(dialect),
                      default))
    results = tuple((i, p) for i, col in enumerate(getattr(statement, "exported_columns", ()))
                    if (p := col.type.dialect_impl(dialect).result_processor(dialect, None)) is not None)
    return _Compiled(str(c), c.positional, tuple(binds), results)


def _bind(compiled: _Compiled, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
    values = []
    for name, process, default in compiled.binds:
        if name in params:
            value = params[name]
        elif default is not None:
            value = default()
        else:
            raise KeyError(f"no value for bind parameter {name!r}")
        values.append(value if process is None else process(value))
    if compiled.positional:
        return values
    return {name: v for (name, _, _), v in zip(compiled.binds, values, strict=True)}


def _run(conn: Connection, compiled: _Compiled, params: Any, *, fetch: bool, many: bool = False) -> Any:
    dbapi_conn = conn.connection.driver_connection
    cursor = dbapi_conn.cursor()
    sql = compiled.sql
    try:
        # The engine's own hooks (SQLite's writer queue, statement counters in tests) still see the statement.
        for hook in conn.dispatch.before_cursor_execute:
            sql, params = hook(conn, cursor, sql, params, None, many)
        try:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            if not fetch:
                return cursor.rowcount
            rows = cursor.fetchall() if cursor.description is not None else []  # no RETURNING
        except conn.dialect.loaded_dbapi.Error as e:
            if conn.dialect.is_disconnect(e, dbapi_conn, cursor):
                conn.invalidate(e)
            raise exc.DBAPIError.instance(sql, params, e, conn.dialect.loaded_dbapi.Error,
                                          dialect=conn.dialect) from e
    finally:
        cursor.close()
    if not compiled.results:
        return [tuple(r) for r in rows]
    out = []
    for r in rows:
        r = list(r)
        for i, process in compiled.results:
            r[i] = process(r[i])
        out.append(tuple(r))
    return out


# -- ORM objects for rows written or read directly --------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Model:
    mapper: Mapper[Any]
    keys: tuple[str, ...]  # attribute key of each table column, in table order
    primary_key: tuple[int, ...]  # positions of the primary key's columns
    defaults: tuple[Callable[[], Any] | None, ...]  # each column's Python default, for inserts
    on_update: tuple[tuple[int, Callable[[], Any]], ...]  # (position, Python default) of onupdate columns
    insert: DirectStatement  # every column, but a database-generated id, which it returns
    insert_binds: tuple[tuple[str, int], ...]  # its parameters: (column key, position)
    generated_id: int | None  # position of that id
    # The model has before/after insert or update listeners, which only the ORM's flush runs.
    insert_hooks: bool
    update_hooks: bool


@functools.cache
def _model(model: type) -> _Model:
    mapper = inspect(model)
    table = mapper.local_table
    columns = list(table.c)
    keys = tuple(mapper.get_property_by_column(c).key for c in columns)
    defaults, on_update = [], []
    for i, c in enumerate(columns):
        defaults.append(_python_default(c, c.default))
        if c.onupdate is not None:
            on_update.append((i, _python_default(c, c.onupdate)))
    generated = next((i for i, c in enumerate(columns) if c is table.autoincrement_column), None)
    binds = tuple((c.key, i) for i, c in enumerate(columns) if i != generated)
    stmt = insert(table).values({key: bindparam(key, type_=columns[i].type) for key, i in binds})
    if generated is not None:
        stmt = stmt.returning(columns[generated])
    return _Model(mapper, keys, tuple(columns.index(c) for c in table.primary_key.columns), tuple(defaults),
                  tuple(on_update), DirectStatement(stmt), binds, generated,
                  bool(mapper.dispatch.before_insert or mapper.dispatch.after_insert),
                  bool(mapper.dispatch.before_update or mapper.dispatch.after_update))


def _python_default(column: Any, default: Any) -> Callable[[], Any] | None:
    if default is None:
        return None
    if not (default.is_callable or default.is_scalar):
        raise ValueError(f"{column.table.name}.{column.name}: only Python column defaults are supported")
    return (lambda arg=default.arg: arg(None)) if default.is_callable else (lambda arg=default.arg: arg)


def columns(model: type) -> list[Any]:
    """The table columns of `model`, in the order `loaded` takes their values."""
    return list(_model(model).mapper.local_table.c)


def loaded(session: Session, model: type[T], values: Sequence[Any]) -> T | None:
    """The ORM object of a row read by a direct statement (the values of `columns(model)`), in the
    session as if a query had loaded it; the session's own object of that row if it holds one. None
    when the primary key is NULL: an outer join found no row."""
    m = _model(model)
    key = [values[i] for i in m.primary_key]
    if None in key:
        return None
    held = session.identity_map.get(m.mapper.identity_key_from_primary_key(key))
    if held is not None:
        return held  # type: ignore[no-any-return]
    obj = m.mapper.class_manager.new_instance()
    obj.__dict__.update(zip(m.keys, values, strict=True))
    make_transient_to_detached(obj)
    session.add(obj)
    return obj  # type: ignore[no-any-return]


def insert_now(session: Session, obj: Any) -> None:
    """Insert a new ORM object at once by a direct statement and keep it in the session, persistent,
    as a flush would leave it: Python column defaults filled in, a database-generated id read back.
    Unlike a flush, the insert happens in call order, so rows referring to it can follow at once."""
    m = _model(type(obj))
    if m.insert_hooks:
        session.add(obj)
        session.flush()
        return
    given = obj.__dict__
    values = [given[k] if k in given else d() if d is not None else None
              for k, d in zip(m.keys, m.defaults, strict=True)]
    rows = m.insert.rows(session, {name: values[i] for name, i in m.insert_binds})
    if m.generated_id is not None:
        values[m.generated_id] = rows[0][0]
    given.update(zip(m.keys, values, strict=True))
    make_transient_to_detached(obj)
    session.add(obj)


def flush_changes(session: Session) -> None:
    """Write the changed columns of the session's loaded objects, one direct UPDATE each (with their
    onupdate columns), and leave the objects unchanged-since-loaded, so the commit has nothing left to
    flush. New and deleted objects are left to the ORM's flush."""
    for obj in list(session.dirty):
        m = _model(type(obj))
        if m.update_hooks:
            continue
        values = obj.__dict__
        changed = [i for i, key in enumerate(m.keys) if key in values and get_history(obj, key).has_changes()]
        if not changed or any(i in m.primary_key for i in changed):
            continue
        for i, default in m.on_update:
            if i not in changed:
                values[m.keys[i]] = default()
                changed.append(i)
        params = {f"_{m.keys[i]}": values[m.keys[i]] for i in (*changed, *m.primary_key)}
        _update(type(obj), tuple(sorted(changed))).run(session, params)
        # Out of the session and back as loaded: what it holds now is what is stored.
        session.expunge(obj)
        make_transient(obj)
        make_transient_to_detached(obj)
        session.add(obj)


@functools.cache
def _update(model: type, changed: tuple[int, ...]) -> DirectStatement:
    m = _model(model)
    table = m.mapper.local_table
    columns = list(table.c)
    return DirectStatement(
        update(table)
        .where(and_(*(columns[i] == bindparam(f"_{m.keys[i]}", type_=columns[i].type) for i in m.primary_key)))
        .values({columns[i].key: bindparam(f"_{m.keys[i]}", type_=columns[i].type) for i in changed}))
