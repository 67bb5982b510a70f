"""Lists that page otherwise than documented (reference §4, §10).

Some lists send no ``Last-Page`` header (the shared-reports list, per one client), and
custom fields and holidays were once seen to ignore paging altogether, answering every
item on every page. A sync must still equal the ground truth, each record once, and
must not loop.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import pytest

from tap_clockify.streams import STREAM_TYPES
from tests.conftest import API_KEY, catalog_selecting, run_tap, tap_config
from tests.fake_clockify import DatasetSpec, FakeClockify, build_dataset
from tests.fake_clockify.server import API_PREFIX, REPORTS_PREFIX

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.conftest import SyncResult
    from tests.fake_clockify import RequestRecord

KEYS = {stream.name: stream.primary_keys for stream in STREAM_TYPES}
#: Paged streams by the path template of their endpoint, which the fake pages with
#: ``Last-Page``. The detailed report pages in its own way (in the body, no header).
PAGED = {
    stream.path: stream.name
    for stream in STREAM_TYPES
    if stream.max_page_size is not None and stream.name != "detailed_report"
}
PAGE_FIELDS = {"page", "page-size", "pageSize"}


def identity(stream: str, record: dict[str, Any]) -> tuple[Any, ...]:
    """The record's primary key without ``workspaceId`` (Clockify's records may lack it)."""
    return tuple(record[key] for key in KEYS[stream] if key != "workspaceId")


def assert_each_record_once(result: SyncResult, server: FakeClockify, stream: str) -> None:
    """The stream holds exactly the ground truth's records, each once, per workspace."""
    for workspace_id in server.workspace_ids:
        expected = Counter(identity(stream, r) for r in server.ground_truth(stream, workspace_id))
        got = Counter(
            identity(stream, r)
            for r in result.records[stream]
            if r.get("workspaceId") == workspace_id
        )
        twice = sorted(key for key, count in got.items() if count > 1)
        assert not twice, f"{stream}: {len(twice)} records emitted more than once"
        assert set(got) == set(expected), f"{stream}: not the ground truth"


def template_of(request: RequestRecord) -> str | None:
    """The path template of a request, if it is one of PAGED."""
    path = request.path.removeprefix(API_PREFIX).removeprefix(REPORTS_PREFIX).split("/")
    for template in PAGED:
        parts = template.split("/")
        if len(parts) == len(path) and all(
            t == p or t.startswith("{") for t, p in zip(parts, path, strict=True)
        ):
            return template
    return None


def pages_per_list(requests: list[RequestRecord], template: str) -> dict[str, list[int]]:
    """The page numbers answered 200, in order, per list read from ``template``.

    A list is one path with one query and body, the page number and size aside.
    """
    pages: dict[str, list[int]] = defaultdict(list)
    for request in requests:
        if request.status != 200 or template_of(request) != template:
            continue
        body = json.loads(request.body or b"{}")
        page = int(body.get("page") or request.query["page"][0])
        query = sorted((k, v) for k, v in request.query.items() if k not in PAGE_FIELDS)
        rest = {k: v for k, v in body.items() if k not in PAGE_FIELDS}
        pages[json.dumps([request.path, query, rest], sort_keys=True)].append(page)
    return pages


def finished(outcome: SyncResult | str, server: FakeClockify) -> tuple[SyncResult, FakeClockify]:
    """A sync that ended well, or the test fails (``outcome``: why the tap was stopped)."""
    if isinstance(outcome, str):
        pytest.fail(outcome)
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    return outcome, server


# ---------------------------------------------------------------- every list, header or not

#: The page size every paged endpoint is capped at below: the smallest the tap steps to.
SMALL_CAP = 50
#: Seconds after which the sync of MANY is taken to loop (it takes about 8).
MANY_LOOPING = 150
#: More than SMALL_CAP of everything a list holds (per workspace, user, project, policy,
#: approval state or scheduling window), so that every list takes several pages.
MANY = DatasetSpec(
    workspaces=1,
    users_per_workspace=75,  # some 53 of them track time, so hold balances
    user_groups=53,
    clients=54,
    projects=52,
    tasks_per_project=51,
    tags=57,
    custom_fields=53,
    entries_per_user=52,
    expense_categories=55,
    expenses_per_user=2,
    invoices=51,
    holidays=58,
    time_off_policies=51,
    time_off_requests_per_user=2,
    approvals_per_user=4,
    assignments_per_user=4,
    shared_reports=59,
)
#: Lists that cannot take more than one page here: one running timer per workspace, a
#: few payments per invoice.
ONE_PAGE = {"in_progress_time_entries", "invoice_payments"}


@pytest.fixture(scope="module")
def many_sync(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[bool], tuple[SyncResult, FakeClockify]]:
    """A full sync of MANY, with or without ``Last-Page`` on every list (run once each)."""
    done: dict[bool, tuple[SyncResult | str, FakeClockify]] = {}
    dataset = build_dataset(MANY)

    def sync(header: bool) -> tuple[SyncResult, FakeClockify]:
        if header not in done:
            # Switched off list by list (every one of them), not with the global switch.
            server = FakeClockify(dataset, api_key=API_KEY, no_last_page=() if header else PAGED)
            server.start()
            server.page_size_caps.update(dict.fromkeys(PAGED, SMALL_CAP))
            tmp = tmp_path_factory.mktemp("many")
            try:
                result = run_tap(tmp, tap_config(server), timeout=MANY_LOOPING)
                result.requests = list(server.requests)
                done[header] = result, server
            except subprocess.TimeoutExpired:
                done[header] = f"the tap still ran after {MANY_LOOPING} s: it loops", server
            finally:
                server.stop()
        return finished(*done[header])

    return sync


@pytest.mark.parametrize("header", [True, False], ids=["Last-Page", "no Last-Page"])
@pytest.mark.parametrize("template", sorted(PAGED), ids=lambda template: PAGED[template])
def test_every_list_reads_its_pages_once_with_or_without_last_page(
    many_sync: Callable[[bool], tuple[SyncResult, FakeClockify]], template: str, header: bool
) -> None:
    result, server = many_sync(header)
    stream = PAGED[template]
    assert_each_record_once(result, server, stream)

    lists = pages_per_list(result.requests, template)
    assert lists, f"{template} was never read"
    for pages in lists.values():
        assert pages == list(range(1, len(pages) + 1)), "a page was read twice or skipped"
    if stream not in ONE_PAGE:
        assert max(len(pages) for pages in lists.values()) > 1, "no list took several pages"


# ------------------------------------------------------ lists that ignore paging altogether

CUSTOM_FIELDS = "/workspaces/{workspaceId}/custom-fields"
HOLIDAYS = "/workspaces/{workspaceId}/holidays"
TAGS = "/workspaces/{workspaceId}/tags"
ENDPOINTS = (CUSTOM_FIELDS, HOLIDAYS, TAGS)
#: Seconds after which a sync of these three lists is taken to loop (it takes about 2).
LOOPING = 45
IGNORES = "ignores paging"
HEADER = "Last-Page"
NO_HEADER = "no Last-Page"
#: Items per workspace: a short page; a common cap (50); exactly the 200 the tap asks of
#: custom fields and holidays (reference §4), a common cap for tags (asked 5000); more
#: than 200.
SIZES = (7, 50, 200, 230)
#: Pages read per workspace: (endpoint, how it pages, items) -> requests. Ignoring paging
#: costs one request, or two where the first answer could be a full page: the second is
#: the same again, which ends the list.
REQUESTS = {
    **{(e, IGNORES, n): {7: 1, 50: 2, 200: 2, 230: 1}[n] for e in ENDPOINTS for n in SIZES},
    **{(e, HEADER, n): 2 if n > 200 else 1 for e in (CUSTOM_FIELDS, HOLIDAYS) for n in SIZES},
    **{(TAGS, HEADER, n): 1 for n in SIZES},
    # Without the header: a full page, or a common cap, asks once more.
    **{(e, NO_HEADER, n): 1 if n == 7 else 2 for e in (CUSTOM_FIELDS, HOLIDAYS) for n in SIZES},
    **{(TAGS, NO_HEADER, n): {7: 1, 50: 2, 200: 2, 230: 1}[n] for n in SIZES},
}


@pytest.fixture(scope="module")
def variant_sync(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, int], tuple[SyncResult, FakeClockify]]:
    """Sync custom fields, holidays and tags, ``items`` of each per workspace, paged ``how``.

    One run per (how, items), shared by the tests of the three endpoints.
    """
    done: dict[tuple[str, int], tuple[SyncResult | str, FakeClockify]] = {}
    catalogs: dict[str, Any] = {}

    def sync(how: str, items: int) -> tuple[SyncResult, FakeClockify]:
        if (how, items) not in done:
            spec = DatasetSpec(workspaces=2, custom_fields=items, holidays=items, tags=items)
            server = FakeClockify(
                build_dataset(spec),
                api_key=API_KEY,
                ignores_paging=ENDPOINTS if how == IGNORES else (),
                no_last_page=ENDPOINTS if how == NO_HEADER else (),
            )
            server.start()
            tmp: Path = tmp_path_factory.mktemp("variant")
            try:
                config = tap_config(server)
                if "catalog" not in catalogs:
                    streams = [PAGED[endpoint] for endpoint in ENDPOINTS]
                    catalogs["catalog"] = catalog_selecting(tmp, config, *streams)
                server.reset_requests()
                # Normally 2 s; a tap that loops over a page is stopped, once for all tests.
                result = run_tap(tmp, config, catalog=catalogs["catalog"], timeout=LOOPING)
                result.requests = list(server.requests)
                done[how, items] = result, server
            except subprocess.TimeoutExpired:
                done[how, items] = f"the tap still ran after {LOOPING} s: it loops", server
            finally:
                server.stop()
        return finished(*done[how, items])

    return sync


def endpoint_id(value: object) -> str:
    return PAGED.get(str(value), str(value))


@pytest.mark.parametrize("items", SIZES)
@pytest.mark.parametrize("how", [IGNORES, HEADER, NO_HEADER])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_a_list_that_ignores_paging_is_read_once(
    variant_sync: Callable[[str, int], tuple[SyncResult, FakeClockify]],
    endpoint: str,
    how: str,
    items: int,
) -> None:
    """Every record, and as few requests as the answers allow; none rejected."""
    result, server = variant_sync(how, items)
    stream = PAGED[endpoint]
    for workspace_id in server.workspace_ids:
        expected = {identity(stream, r) for r in server.ground_truth(stream, workspace_id)}
        got = {
            identity(stream, r) for r in result.records[stream] if r["workspaceId"] == workspace_id
        }
        assert got == expected
    lists = pages_per_list(result.requests, endpoint)
    assert len(lists) == len(server.workspace_ids)
    expected_pages = REQUESTS[endpoint, how, items]
    for pages in lists.values():
        assert pages == list(range(1, expected_pages + 1))
    read = [r for r in result.requests if template_of(r) == endpoint]
    assert all(r.status == 200 for r in read)
    assert len(read) == expected_pages * len(server.workspace_ids)


# With 50 and 200 items the second request only repeats the first: the SDK emits that
# page's records before the paginator sees it, so the transport drops it.
@pytest.mark.parametrize("items", SIZES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_a_list_that_ignores_paging_yields_each_record_once(
    variant_sync: Callable[[str, int], tuple[SyncResult, FakeClockify]],
    endpoint: str,
    items: int,
) -> None:
    result, server = variant_sync(IGNORES, items)
    assert_each_record_once(result, server, PAGED[endpoint])


@pytest.mark.parametrize("items", SIZES)
@pytest.mark.parametrize("how", [HEADER, NO_HEADER])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=endpoint_id)
def test_a_paged_list_yields_each_record_once(
    variant_sync: Callable[[str, int], tuple[SyncResult, FakeClockify]],
    endpoint: str,
    how: str,
    items: int,
) -> None:
    result, server = variant_sync(how, items)
    assert_each_record_once(result, server, PAGED[endpoint])


# ---------------------------------------------------------------- the fake's switches


def fake_get(server: FakeClockify, template: str, **query: str) -> tuple[list[Any], dict[str, str]]:
    """Answer a GET of ``template`` (first workspace) without HTTP: records, headers."""
    path = template.replace("{workspaceId}", server.workspace_ids[0])
    prefix = REPORTS_PREFIX if template.endswith("/shared-reports") else API_PREFIX
    answer = server.handle(
        "GET",
        prefix + path + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
        {"x-api-key": API_KEY},
    )
    assert answer is not None
    status, body, headers = answer
    assert status == 200, body
    decoded = json.loads(body)
    return decoded["reports"] if isinstance(decoded, dict) else decoded, headers


def test_the_shared_reports_list_sends_no_last_page_by_default() -> None:
    server = FakeClockify(build_dataset(DatasetSpec(shared_reports=3)), api_key=API_KEY)
    reports, headers = fake_get(server, "/workspaces/{workspaceId}/shared-reports", pageSize="2")
    assert (len(reports), "Last-Page" in headers) == (2, False)
    tags, headers = fake_get(server, TAGS, **{"page-size": "2"})
    assert (len(tags), headers.get("Last-Page")) == (2, "false")


def test_last_page_can_be_left_off_per_list() -> None:
    server = FakeClockify(build_dataset(DatasetSpec()), api_key=API_KEY, no_last_page={TAGS})
    assert "Last-Page" not in fake_get(server, TAGS)[1]
    assert fake_get(server, CUSTOM_FIELDS)[1]["Last-Page"] == "true"
    shared_reports = "/workspaces/{workspaceId}/shared-reports"
    assert fake_get(server, shared_reports)[1]["Last-Page"] == "true"  # the set replaced
    server.last_page_header = False  # the global switch still wins
    assert "Last-Page" not in fake_get(server, CUSTOM_FIELDS)[1]


def test_a_list_can_ignore_paging() -> None:
    server = FakeClockify(
        build_dataset(DatasetSpec(custom_fields=5)), api_key=API_KEY, ignores_paging={CUSTOM_FIELDS}
    )
    everything = server.ground_truth("custom_fields", server.workspace_ids[0])
    for page in ("1", "2", "9"):
        fields, headers = fake_get(server, CUSTOM_FIELDS, page=page, **{"page-size": "2"})
        assert fields == everything
        assert "Last-Page" not in headers
    fields, _ = fake_get(server, CUSTOM_FIELDS, **{"page-size": "5000"})  # no cap either
    assert fields == everything
