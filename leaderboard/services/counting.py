"""The contests an approval or a review counts for, remembered between awards on PostgreSQL.

Looking them up cost every award a round trip of its own.  Instead the contests found last
time for the category are the guess, and the context read (``context.read_contexts``, under
the writer lock, in its own round trip) also returns the fingerprint of the contests that
count now: each one's row as PostgreSQL prints it, hashed, in id order.  When that differs
from the guess's (a contest was created, changed, ended or had its categories changed), the
contests are read again and the contexts with them, so nothing is ever decided on a stale
contest.  SQLite (in-process, no round trip to save) reads them every time.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from ..models import Contest
from ..sql import render, sql, table

_remembered = {}  # (database alias, paying_reviews, category_id): (fingerprint, contests)
_checks = {}  # paying_reviews: the text of ``Counting.check`` (PostgreSQL only)


@dataclass(frozen=True)
class Counting:
    """Which contests count: those running at ``at`` with ``category_id``, paying for reviews if ``paying_reviews``."""

    category_id: int
    at: object
    paying_reviews: bool = False

    @property
    def _key(self):
        return (connection.alias, self.paying_reviews, self.category_id)

    def read(self):
        """The contests, from the database; returns (contests, fingerprint or None on SQLite)."""
        contests = Contest.objects.counting(category_id=self.category_id, at=self.at)
        if self.paying_reviews:
            contests = contests.filter(review_points__gt=0)
        if connection.vendor != "postgresql":
            return list(contests.order_by("id")), None
        row_hash = RawSQL(f"md5({connection.ops.quote_name(Contest._meta.db_table)}::text)", ())  # noqa: S611 - no values
        contests = list(contests.annotate(row_hash=row_hash).order_by("id"))
        fingerprint = ",".join(contest.row_hash for contest in contests)
        _remembered[self._key] = (fingerprint, contests)
        return contests, fingerprint

    def guess(self):
        """(fingerprint, contests) found last time, or None (nothing remembered, or SQLite)."""
        return _remembered.get(self._key) if connection.vendor == "postgresql" else None

    def forget(self):
        _remembered.pop(self._key, None)

    def check(self):
        """The text of the statement computing the fingerprint of the contests that count now, and its parameters."""
        params = {"k_at": connection.ops.adapt_datetimefield_value(self.at), "k_category": self.category_id}
        text = _checks.get(self.paying_reviews)
        if text is None:
            query = sql.SQL(
                "SELECT string_agg(md5(c::text), ',' ORDER BY c.id) FROM {contest} c "
                "WHERE c.starts_at <= %(k_at)s AND c.ends_at > %(k_at)s{paying} AND EXISTS "
                "(SELECT 1 FROM {link} m WHERE m.contest_id = c.id AND m.category_id = %(k_category)s)"
            ).format(
                contest=table(Contest),
                link=table(Contest.categories.through),
                paying=sql.SQL(" AND c.review_points > 0" if self.paying_reviews else ""),
            )
            text = _checks[self.paying_reviews] = render(query)
        return text, params


def forget_all():
    """Forget every remembered guess (they are checked anyway; this spares the wasted check)."""
    _remembered.clear()
