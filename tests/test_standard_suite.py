"""The Singer SDK's standard tap tests, run against the fake Clockify server."""

from __future__ import annotations

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from singer_sdk.testing.suites import SingerTestSuite, tap_stream_attribute_tests

from tap_clockify.tap import TapClockify
from tests.conftest import API_KEY, START_DATE
from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset

ANY_VALUE = {"string", "number", "boolean", "object", "array"}


def skipping_any_value(test: type) -> type:
    """Wrap an SDK attribute test so it ignores two kinds of property.

    Custom field values are numbers, strings or lists by design; the SDK's type checks
    would demand that every one of them be a number (or an object, …). And
    ``_sdc_deleted_at`` has no value until something is deleted (tests/test_deletions.py).
    """

    def evaluate(cls, stream, property_name, property_schema):
        if set(property_schema.get("type", [])) >= ANY_VALUE:
            return False
        if property_name == "_sdc_deleted_at":
            return False
        return test.evaluate(stream, property_name, property_schema)

    return type(test.__name__, (test,), {"evaluate": classmethod(evaluate)})


ATTRIBUTE_TESTS = SingerTestSuite(
    kind="tap_stream_attribute",
    tests=[skipping_any_value(test) for test in tap_stream_attribute_tests.tests],
)

# The SDK builds the test class at import time from a fixed config, so this module owns a
# server started here and stopped when the module's tests end.
SERVER = FakeClockify(build_dataset(DatasetSpec()), api_key=API_KEY).start()

TestTapClockify = get_tap_test_class(
    TapClockify,
    config={
        "api_key": API_KEY,
        "api_url": SERVER.api_url,
        "reports_url": SERVER.reports_url,
        "start_date": START_DATE,
        "requests_per_second": 1000,
    },
    parse_env_config=False,
    include_stream_attribute_tests=False,
    custom_suites=[ATTRIBUTE_TESTS],
    suite_config=SuiteConfig(max_records_limit=5000),
)


@pytest.fixture(scope="module", autouse=True)
def _stop_server():
    yield
    SERVER.stop()
