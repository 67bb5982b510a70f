"""Fake Clockify API for the tap's tests, built from Clockify's documentation.

Typical use::

    from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset

    with FakeClockify(build_dataset(DatasetSpec(seed=7)), api_key="test-key") as server:
        ...  # point the tap at server.api_url; compare with server.ground_truth("projects")

Standard library only, so it also runs standalone: ``python -m tests.fake_clockify --help``.
"""

from .data import Change, Dataset, DatasetSpec, build_dataset
from .server import DEFAULT_PAGE_SIZE_CAP, FakeClockify, RequestRecord

__all__ = [
    "DEFAULT_PAGE_SIZE_CAP",
    "Change",
    "Dataset",
    "DatasetSpec",
    "FakeClockify",
    "RequestRecord",
    "build_dataset",
]
