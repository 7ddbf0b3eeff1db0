"""ORM reads compiled once and run many times.

Django compiles a queryset to SQL on every evaluation, and for a row with two joined
tables (an access token with its person and application) that compilation costs several
times the query itself. The hot paths (whoami, introspection, client authentication)
read one row by a unique key on every request, so they use a `PreparedRead`: the queryset
is written with the ORM as usual, compiled once per thread, and each call runs the same
SQL with new parameters, then builds model instances exactly as Django's ModelIterable
does (the backend's converters, `from_db`, the `select_related` populators). The result
is the same model instance `queryset.first()` would return; CaptureQueriesContext and
the database's own statement cache (psycopg prepares repeated statements) see an
ordinary query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stand for a parameter in the compiled query; replaced by the call's values.
_TEXT_SLOT = "\x00prepared-read-slot-{}\x00"
_INTEGER_SLOT = -(10**15)  # minus the argument's position


def _slot(kind: type, position: int):
    return _INTEGER_SLOT - position if kind is int else _TEXT_SLOT.format(position)


@dataclass
class _Compiled:
    sql: str
    params: tuple
    slots: dict[int, int]  # position in params -> position in the call's arguments
    compiler: Any
    converters: dict
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list
    annotations: dict[str, int]


class PreparedRead:
    """`PreparedRead(lambda a, b: Model.objects.filter(x=a, y=b)).first(va, vb)`.

    `build` receives one placeholder per argument and returns the queryset; the query
    must take its arguments only as filter values (each used once), on text columns, or
    integer ones where `kinds` says `int` (`kinds=(str, int)`). It
    may use select_related, only, annotate and select_for_update (compiled inside the
    transaction its first call runs in; a locking read is only ever run inside one).
    """

    def __init__(
        self, build: Callable[..., QuerySet], *, kinds: tuple[type, ...] = (str,), using="default"
    ) -> None:
        self._build = build
        self._kinds = kinds
        self._using = using
        self._local = threading.local()

    def _compile(self) -> _Compiled:
        nargs = len(self._kinds)
        slots = [_slot(kind, i) for i, kind in enumerate(self._kinds)]
        queryset = self._build(*slots)[:1]
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        positions = {}
        for index, param in enumerate(params):
            for position, slot in enumerate(slots):
                if type(param) is type(slot) and param == slot:
                    positions[index] = position
        if sorted(positions.values()) != list(range(nargs)):
            raise ValueError("PreparedRead: each argument must be a filter value used once")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=positions,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, self._using),
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def first(self, *args: Any) -> Model | None:
        """The row as a model instance (with its select_related objects), or None."""
        compiled = getattr(self._local, "compiled", None)
        if compiled is None:
            compiled = self._local.compiled = self._compile()
        params = list(compiled.params)
        for index, arg in compiled.slots.items():
            params[index] = args[arg]
        with connections[self._using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(compiled.compiler.apply_converters([row], compiled.converters))
        obj = compiled.model.from_db(
            self._using, compiled.init_list, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        return obj
