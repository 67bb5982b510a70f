"""Clockify's timestamps (with or without fractions, always in UTC) and calendar months."""

from __future__ import annotations

import enum
import re
import typing as t
from datetime import datetime, timedelta, timezone

if t.TYPE_CHECKING:
    from collections.abc import Iterator

_FRACTION = re.compile(r"\.(\d+)")
#: Lengths of ``YYYY-MM-DDTHH:MM:SS[.fff|.ffffff]Z``, which every Python reads alike.
_PLAIN_UTC_LENGTHS = (20, 24, 27)


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z``, any fraction length) into an aware datetime.

    Python 3.10's ``fromisoformat`` accepts neither ``Z`` nor 1-, 2-, 4- or 5-digit
    fractions, and Clockify sends milliseconds, microseconds or none (reference §9).
    """
    # The usual shapes (``…:SSZ``, ``….mmmZ``, ``….uuuuuuZ``) go straight to the C parser.
    if value[-1:] == "Z" and len(value) in _PLAIN_UTC_LENGTHS:
        return datetime.fromisoformat(value[:-1] + "+00:00")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), text, count=1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def month_start(moment: datetime, months_later: int = 0) -> datetime:
    """Midnight UTC on the first day of the month ``months_later`` months after ``moment``."""
    utc = moment.astimezone(timezone.utc)
    month_index = utc.month - 1 + months_later
    return datetime(utc.year + month_index // 12, month_index % 12 + 1, 1, tzinfo=timezone.utc)


class Width(enum.Enum):
    """How wide a date window to ask for, widest first (see ClockifyStream.read_windows)."""

    ALL = "the whole range"
    YEAR = "366 days"  # paid plans' detailed-report limit (reference §7)
    MONTH = "a calendar month"  # within the Free plan's 31 days


#: A year's window; 366 days is what paid plans accept for reports.
YEAR = timedelta(days=366)


def windows(since: datetime, until: datetime, width: Width) -> list[tuple[datetime, datetime]]:
    """Split ``[since, until)`` into consecutive windows of ``width``."""
    if width is Width.MONTH:
        return list(month_windows(since, until))
    step = until - since if width is Width.ALL else YEAR
    pieces = []
    start = since
    while start < until:
        pieces.append((start, min(start + step, until)))
        start = pieces[-1][1]
    return pieces


def month_windows(since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Split ``[since, until)`` at calendar-month boundaries (free plans allow 31 days)."""
    start = since
    while start < until:
        end = min(month_start(start, 1), until)
        yield start, end
        start = end
