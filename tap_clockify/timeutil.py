"""Parse Clockify's timestamps, which come with or without fractions and always in UTC."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z``, any fraction length) into an aware datetime.

    Python 3.10's ``fromisoformat`` accepts neither ``Z`` nor 1-, 2-, 4- or 5-digit
    fractions, and Clockify sends milliseconds, microseconds or none (reference §9).
    """
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), text, count=1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
