"""Money: expenses, their categories, invoices and invoice payments (paid features)."""

from __future__ import annotations

import typing as t

from tap_clockify.schemas import SCHEMAS, StreamSchema
from tap_clockify.streams.projects import BY_ID
from tap_clockify.streams.workspaces import WorkspaceStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from singer_sdk.helpers.types import Context, Record


class ExpensesStream(WorkspaceStream):
    """Expenses of every user; records sit at ``expenses.expenses[]`` (reference §5)."""

    name = "expenses"
    path = "/workspaces/{workspaceId}/expenses"
    records_jsonpath = "$.expenses.expenses[*]"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True


class ExpenseCategoriesStream(WorkspaceStream):
    """Expense categories, archived ones too: ``archived`` defaults to false, so ask both."""

    name = "expense_categories"
    path = "/workspaces/{workspaceId}/expenses/categories"
    records_jsonpath = "$.categories[*]"
    schema = StreamSchema(SCHEMAS)
    max_page_size = 200
    plan_gated = True
    may_repeat_records = True
    query: t.ClassVar[dict[str, t.Any]] = {"sort-column": "NAME", "sort-order": "ASCENDING"}

    def query_passes(self, context: Context | None) -> Sequence[dict[str, t.Any]]:
        """Active categories, then archived ones."""
        return ({"archived": "false"}, {"archived": "true"})


class InvoicesStream(WorkspaceStream):
    """Invoices of every status; parent of invoice payments."""

    name = "invoices"
    path = "/workspaces/{workspaceId}/invoices"
    records_jsonpath = "$.invoices[*]"
    schema = StreamSchema(SCHEMAS)
    plan_gated = True
    query: t.ClassVar[dict[str, t.Any]] = BY_ID

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """Payments are read per invoice, but not for one that says nothing is paid."""
        if record.get("paid") != 0:
            yield {"workspaceId": record["workspaceId"], "invoiceId": record["id"]}


class InvoicePaymentsStream(WorkspaceStream):
    """Payments of every invoice, stamped with the invoice they belong to."""

    name = "invoice_payments"
    path = "/workspaces/{workspaceId}/invoices/{invoiceId}/payments"
    parent_stream_type = InvoicesStream
    primary_keys = ("workspaceId", "invoiceId", "id")
    schema = StreamSchema(SCHEMAS)
    plan_gated = True

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Add the invoice id, which a payment does not carry."""
        row = super().post_process(row, context) or row
        row["invoiceId"] = (context or {}).get("invoiceId")
        return row
