"""Clockify's timestamps in every shape it sends (reference §9) parse to the same instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tap_clockify.timeutil import parse_time

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:20:30Z", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        ("2024-03-05T10:20:30.123Z", datetime(2024, 3, 5, 10, 20, 30, 123000, tzinfo=UTC)),
        ("2024-03-05T10:20:30.123456Z", datetime(2024, 3, 5, 10, 20, 30, 123456, tzinfo=UTC)),
        ("2024-03-05T10:20:30.1Z", datetime(2024, 3, 5, 10, 20, 30, 100000, tzinfo=UTC)),
        ("2024-03-05T10:20:30.1234567Z", datetime(2024, 3, 5, 10, 20, 30, 123456, tzinfo=UTC)),
        ("2024-03-05T10:20:30z", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        (" 2024-03-05T10:20:30Z ", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        ("2024-03-05T10:20:30", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        (
            "2024-03-05T12:20:30+02:00",
            datetime(2024, 3, 5, 12, 20, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_every_shape_parses_to_an_aware_instant(text, expected):
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_garbage_is_refused():
    with pytest.raises(ValueError, match="month"):
        parse_time("2024-13-45T99:00:00Z")
