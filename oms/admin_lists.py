"""Staff lists that stay fast on tables of millions of rows: keyset pages and capped counts.

The admin's own changelist counts the whole filtered table (`COUNT(*)`) for its paginator and pages by
`OFFSET`, which reads and throws away every row before the page. `KeysetChangeList` does neither:

- A page is read by key: "older" starts below the (created_at, id) of the page's last row, "newer"
  above the first row's, "last" is the oldest rows read from the other end of the index. Each is one
  index range scan of `per_page + 1` rows, however deep the page. The list can be sorted on the key's
  column only (both directions); other columns are not sortable.
- The count is capped: `SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)` reads at most cap + 1 index
  entries, and shows "1,000+" beyond the cap (also in "Select all 1,000+ orders").

A ModelAdmin opts in with `KeysetListMixin`; its model needs an index on (key, id) (a partial one per
common filter), and its pagination template is `admin/keyset_pagination.html`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect

COUNT_CAP = 1000
CURSOR_VAR = "cursor"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class ReadOnlyAdminMixin:
    """An admin whose rows are never added, changed or deleted by hand (ledgers, logs, computed reports, rows
    that only services write): put it before ModelAdmin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CappedCount(int):
    """A count read with a LIMIT: the true number, or cap + 1 meaning "more than cap".

    It is an int (comparisons, plurals and the admin's templates work unchanged) that prints as
    "1,000+" when capped, so every place that shows a count says what is known and nothing more.
    """

    cap: int

    def __new__(cls, value: int, cap: int = COUNT_CAP):
        count = super().__new__(cls, min(value, cap + 1))
        count.cap = cap
        return count

    @property
    def is_capped(self) -> bool:
        return int(self) > self.cap

    def __str__(self) -> str:
        return f"{self.cap:,}+" if self.is_capped else f"{int(self):,}"

    __repr__ = __str__


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> CappedCount:
    """The number of rows, reading at most cap + 1 of them (one query)."""
    return CappedCount(queryset.order_by().values("pk")[: cap + 1].count(), cap)


def capped_counts(querysets: dict[str, QuerySet], cap: int = COUNT_CAP) -> dict[str, CappedCount]:
    """Several capped counts in ONE query: a scalar subquery per queryset, each with its LIMIT."""
    if not querysets:
        return {}
    parts, params = [], []
    for i, queryset in enumerate(querysets.values()):
        limited = queryset.order_by().values("pk")[: cap + 1]
        try:
            sql, sql_params = limited.query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (e.g. `pk__in=[]`)
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{i})")  # noqa: S608 - SQL built by the ORM
        params.extend(sql_params)
    using = next(iter(querysets.values())).db
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)  # noqa: S608
        row = cursor.fetchone()
    return {name: CappedCount(value, cap) for name, value in zip(querysets, row, strict=True)}


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after or before a row's key, or at the oldest end ("last")."""

    direction: str  # "first", "after", "before" or "last"
    at: datetime | None = None
    pk: int | None = None

    def encode(self) -> str:
        if self.direction in ("first", "last"):
            return self.direction
        micros = (self.at - _EPOCH) // _MICROSECOND
        return f"{self.direction[0]}{micros}.{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> "Cursor":
        if not value or value == "first":
            return cls("first")
        if value == "last":
            return cls("last")
        direction = {"a": "after", "b": "before"}.get(value[0])
        micros, _, pk = value[1:].partition(".")
        if direction is None or not micros.lstrip("-").isdigit() or not pk.isdigit():
            raise Http404("This page of the list does not exist (malformed cursor).")
        try:
            at = _EPOCH + int(micros) * _MICROSECOND
        except OverflowError:
            raise Http404("This page of the list does not exist (cursor out of range).")
        return cls(direction, at, int(pk))

    @classmethod
    def of(cls, direction: str, row, field: str) -> "Cursor":
        return cls(direction, getattr(row, field), row.pk)


@dataclass(frozen=True)
class KeysetPage:
    """One page of a keyset-paged list; what the pagination template needs."""

    rows: list
    newer: Cursor | None  # the page before this one in display order, None on the first page
    older: Cursor | None  # the page after it, None on the last page
    per_page: int
    count: CappedCount
    template_name: str = "admin/keyset_pagination.html"

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None

    def get_elided_page_range(self, *args, **kwargs) -> list:
        return []  # no page numbers: the admin's pagination tag asks, the keyset template links instead


def _beyond(field: str, cursor: Cursor, *, descending: bool) -> Q:
    """Rows after the cursor's key in the scan direction, as a range the index can seek to.

    `key <= t AND (key < t OR id < pk)` (descending) keeps `key <= t` as an index condition; a
    plain OR of the two cases would make the database read the index from its start.
    """
    op = "lt" if descending else "gt"
    return Q(**{f"{field}__{op}e": cursor.at}) & (Q(**{f"{field}__{op}": cursor.at}) | Q(**{f"pk__{op}": cursor.pk}))


def keyset_page(queryset: QuerySet, *, field: str, descending: bool, cursor: Cursor, per_page: int) -> KeysetPage:
    """Read one page by key: one query of per_page + 1 rows (the extra row says whether more follow)."""
    forward = cursor.direction in ("first", "after")
    scan_descending = descending if forward else not descending
    sign = "-" if scan_descending else ""
    rows_qs = queryset.order_by(f"{sign}{field}", f"{sign}pk")
    if cursor.direction in ("after", "before"):
        rows_qs = rows_qs.filter(_beyond(field, cursor, descending=scan_descending))
    rows = list(rows_qs[: per_page + 1])
    more, rows = len(rows) > per_page, rows[:per_page]
    if not forward:
        rows.reverse()
    if not rows:
        return KeysetPage(rows, None, None, per_page, CappedCount(0))
    first, last = Cursor.of("before", rows[0], field), Cursor.of("after", rows[-1], field)
    if forward:
        newer = first if cursor.direction == "after" else None
        older = last if more else None
    else:
        newer = first if more else None
        older = last if cursor.direction == "before" else None
    return KeysetPage(rows, newer, older, per_page, CappedCount(0))


class KeysetChangeListMixin:
    """Keyset pages and a capped count for an admin changelist class (see the module docstring)."""

    def __init__(self, request, *args, **kwargs):
        self.cursor = Cursor.decode(request.GET.get(CURSOR_VAR))
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(CURSOR_VAR, None)
        return lookup_params

    def get_query_string(self, new_params=None, remove=None):
        # Links that change filters, search or order start again at the first page.
        new_params = dict(new_params or {})
        if CURSOR_VAR not in new_params:
            remove = [*(remove or []), CURSOR_VAR]
        return super().get_query_string(new_params, remove)

    def _keyset(self) -> tuple[str, bool]:
        """The key field and direction: newest first, unless the key's own column is sorted ascending."""
        field = self.model_admin.keyset_field
        requested = self.params.get(ORDER_VAR, "").split(".")[0]
        try:
            column = self.list_display[int(requested.lstrip("-"))]
        except (IndexError, ValueError):
            return field, True
        return field, not (column == field and not requested.startswith("-"))

    def get_ordering(self, request, queryset):
        field, descending = self._keyset()
        sign = "-" if descending else ""
        return [f"{sign}{field}", f"{sign}pk"]

    def get_results(self, request):
        field, descending = self._keyset()
        page = keyset_page(
            self.queryset, field=field, descending=descending, cursor=self.cursor, per_page=self.list_per_page
        )
        count = capped_count(self.queryset)
        self.paginator = KeysetPage(page.rows, page.newer, page.older, page.per_page, count)
        self.result_list = page.rows
        self.result_count = count
        # Unfiltered, the list's count is the total: the header says "122 orders", not "122 results (Show all)".
        self.full_result_count = count if not (self.has_active_filters or self.query) else None
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.can_show_all = False
        self.show_all = False
        self.multi_page = self.paginator.has_other_pages or self.cursor.direction != "first"
        self.page_links = self._page_links(page)

    def _page_links(self, page: KeysetPage) -> dict[str, str | None]:
        """first / newer / older / last, None where the link leads nowhere from this page."""
        at_first = self.cursor.direction == "first" or (self.cursor.direction == "before" and page.newer is None)
        at_last = self.cursor.direction == "last" or (self.cursor.direction == "after" and page.older is None)
        return {
            "first": None if at_first else self.get_query_string(remove=[CURSOR_VAR]),
            "newer": self._url(page.newer),
            "older": self._url(page.older),
            "last": None if at_last or page.older is None else self._url(Cursor("last")),
        }

    def _url(self, cursor: Cursor | None) -> str | None:
        return None if cursor is None else self.get_query_string({CURSOR_VAR: cursor.encode()})


class KeysetChangeList(KeysetChangeListMixin, ChangeList):
    pass


@cache
def _keyset_changelist_class(base: type) -> type:
    return (
        base
        if issubclass(base, KeysetChangeListMixin)
        else type(f"Keyset{base.__name__}", (KeysetChangeListMixin, base), {})
    )


class SelectionGuardMixin:
    """For a ModelAdmin with actions: a selection whose values are not row keys (letters, NaN, 40 digits, control
    characters: a hand-made POST) is refused with a message and changes nothing. Django filters `pk__in` with
    them and answered 500 (ValueError)."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        odd = next(
            (value for value in selected if not (value.isascii() and value.isdigit() and len(value) <= 18)), None
        )
        if odd is not None:
            self.message_user(request, f"Selection: {odd[:20]!r} is not a row of this list; nothing was done.",
                              messages.ERROR)  # fmt: skip
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class KeysetListMixin(SelectionGuardMixin):
    """For a ModelAdmin: keyset pages on `keyset_field` (+ id), capped counts, no facet counts; its actions'
    selections are checked (`SelectionGuardMixin`)."""

    keyset_field = "created_at"
    show_full_result_count = False
    show_facets = ShowFacets.NEVER  # facet counts are a COUNT per filter choice over the whole table

    def get_changelist(self, request, **kwargs):
        # On top of whatever changelist the admin class uses (Django's, or an admin theme's subclass).
        return _keyset_changelist_class(super().get_changelist(request, **kwargs))

    def get_sortable_by(self, request):
        return [name for name in self.get_list_display(request) if name == self.keyset_field]
