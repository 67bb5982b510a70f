"""The plainest Python: fetch what the tap fetches with plain requests + json, print records.

Same endpoints, same page sizes, one request after another, each record written as a
JSON line to stdout. No Singer SDK, no schema handling: the benchmark compares the tap
against this to see what our code costs per record.

    python benchmarks/bare_loop.py API_URL API_KEY
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

PAGE_SIZE = 5000
USER_FILTERS = {
    "status": "ALL",
    "account-statuses": "ACTIVE,PENDING_EMAIL_VERIFICATION,DELETED,NOT_REGISTERED,LIMITED,"
    "LIMITED_DELETED",
    "memberships": "WORKSPACE",
}


def pages(session: requests.Session, url: str, params: dict[str, Any], size: int) -> Iterator[Any]:
    page = 1
    while True:
        response = session.get(url, params={**params, "page": page, "page-size": size})
        response.raise_for_status()
        records = response.json()
        yield from records
        if response.headers.get("Last-Page") == "true" or len(records) < size:
            return
        page += 1


def main(api_url: str, api_key: str) -> None:
    session = requests.Session()
    session.headers["X-Api-Key"] = api_key
    out = sys.stdout
    workspaces = session.get(f"{api_url}/workspaces").json()
    for workspace in workspaces:
        out.write(json.dumps(workspace) + "\n")
        base = f"{api_url}/workspaces/{workspace['id']}"
        users = list(pages(session, f"{base}/users", USER_FILTERS, PAGE_SIZE))
        projects = list(pages(session, f"{base}/projects", {}, PAGE_SIZE))
        for record in users + projects:
            out.write(json.dumps(record) + "\n")
        for path, size in (
            ("user-groups", PAGE_SIZE),
            ("clients", PAGE_SIZE),
            ("tags", PAGE_SIZE),
            ("custom-fields", 200),
        ):
            for record in pages(session, f"{base}/{path}", {}, size):
                out.write(json.dumps(record) + "\n")
        for project in projects:
            for record in pages(session, f"{base}/projects/{project['id']}/tasks", {}, PAGE_SIZE):
                out.write(json.dumps(record) + "\n")
        for user in users:
            for record in pages(session, f"{base}/user/{user['id']}/time-entries", {}, PAGE_SIZE):
                out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
