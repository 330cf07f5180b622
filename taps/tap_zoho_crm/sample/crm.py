"""A sample Zoho CRM organisation: modules with their fields and records, users, an OAuth
client, and the bulk read jobs asked of it. The sample servers answer from it.

Every module has Zoho's system fields (``Owner``, ``Created_By``, ``Modified_By``,
``Created_Time``, ``Modified_Time``, ``Tag``, ``Description``) and its name field;
``Leads`` has a field of every data type the tap types (and a formula), ``Tasks`` one it
does not (``RRULE``), ``Deals`` lookups to ``Accounts`` and ``Contacts``. Values are the
tap kit's awkward ones: non-ASCII names, quotes, tabs, line breaks, emoji, empty values,
a ``bigint`` past 2^53.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from observes_singer.tapkit.fake_api.records import PEOPLE, moment, text
from tap_zoho_crm.sample import settings

Record = dict[str, Any]

MODULES = ("Leads", "Accounts", "Contacts", "Deals", "Campaigns", "Tasks", "Cases", "Events",
           "Calls", "Solutions", "Products", "Vendors", "Price_Books", "Quotes", "Sales_Orders",
           "Purchase_Orders", "Invoices")
NAME_FIELDS: Mapping[str, str] = {
    "Leads": "Last_Name", "Accounts": "Account_Name", "Contacts": "Last_Name",
    "Deals": "Deal_Name", "Campaigns": "Campaign_Name", "Tasks": "Subject",
    "Cases": "Subject", "Events": "Event_Title", "Calls": "Subject", "Solutions": "Solution_Title",
    "Products": "Product_Name", "Vendors": "Vendor_Name", "Price_Books": "Price_Book_Name",
    "Quotes": "Subject", "Sales_Orders": "Subject", "Purchase_Orders": "Subject",
    "Invoices": "Subject"}
JSON_TYPES: Mapping[str, str] = {
    "integer": "integer", "bigint": "string", "double": "double", "currency": "double",
    "percent": "double", "boolean": "boolean", "lookup": "jsonobject",
    "ownerlookup": "jsonobject", "multiselectpicklist": "jsonarray", "formula": "double"}
INTERESTS = ("Analytics", "Big data", "Cloud, hosted", "Mañana")
USER_BASE = 3652397000000186017
OWNERS = 4
"""Records are owned by the first 4 users."""
RECORD_BASE = 3652397000000500000


@dataclass(frozen=True)
class SampleField:
    api_name: str
    data_type: str
    decimal_place: int | None = None
    return_type: str | None = None
    lookup_module: str | None = None

    def metadata(self, index: int) -> dict[str, Any]:
        """The field as ``GET /crm/v8/settings/fields`` answers it (its lookup module as
        ``{"api_name", "id"}``, as version 8 has it)."""
        label = self.api_name.replace("_", " ")
        answer: dict[str, Any] = {
            "api_name": self.api_name, "data_type": self.data_type,
            "json_type": JSON_TYPES.get(self.data_type, "string"), "field_label": label,
            "display_label": label, "id": str(3652397000000002000 + index),
            "custom_field": self.api_name.endswith("__c"), "visible": True,
            "system_mandatory": False, "read_only": False, "length": 255,
            "decimal_place": self.decimal_place, "pick_list_values": [], "lookup": {},
            "formula": {}, "currency": {}}
        if self.data_type == "multiselectpicklist":
            answer["pick_list_values"] = [{"display_value": v, "actual_value": v}
                                          for v in INTERESTS]
        if self.lookup_module:
            answer["lookup"] = {"module": {"api_name": self.lookup_module,
                                           "id": str(3652397000000002100 + index)},
                                "display_label": label}
        if self.return_type:
            answer["formula"] = {"return_type": self.return_type,
                                 "expression": "Annual_Revenue*0.1"}
        if self.data_type == "currency":
            answer["currency"] = {"rounding_option": "normal", "precision": 2}
        return answer


SYSTEM_FIELDS = (SampleField("Owner", "ownerlookup"), SampleField("Created_By", "ownerlookup"),
                 SampleField("Modified_By", "ownerlookup"),
                 SampleField("Created_Time", "datetime"),
                 SampleField("Modified_Time", "datetime"), SampleField("Tag", "text"),
                 SampleField("Description", "textarea"))
EXTRA_FIELDS: Mapping[str, tuple[SampleField, ...]] = {
    "Leads": (SampleField("Email", "email"), SampleField("Phone", "phone"),
              SampleField("Website", "website"), SampleField("Lead_Status", "picklist"),
              SampleField("No_of_Employees", "integer"),
              SampleField("Visits__c", "bigint"),
              SampleField("Weight__c", "double", decimal_place=3),
              SampleField("Annual_Revenue", "currency", decimal_place=2),
              SampleField("Discount__c", "percent"),
              SampleField("Email_Opt_Out", "boolean"),
              SampleField("Date_of_Birth__c", "date"),
              SampleField("Last_Activity_Time", "datetime"),
              SampleField("Converted_Account", "lookup", lookup_module="Accounts"),
              SampleField("Interests__c", "multiselectpicklist"),
              SampleField("Lead_No__c", "autonumber"),
              SampleField("Margin__c", "formula", decimal_place=2, return_type="currency")),
    "Deals": (SampleField("Amount", "currency", decimal_place=2),
              SampleField("Stage", "picklist"), SampleField("Closing_Date", "date"),
              SampleField("Probability", "percent"),
              SampleField("Account_Name", "lookup", lookup_module="Accounts"),
              SampleField("Contact_Name", "lookup", lookup_module="Contacts")),
    "Events": (SampleField("Start_DateTime", "datetime"),
               SampleField("End_DateTime", "datetime"), SampleField("All_day", "boolean"),
               SampleField("Venue", "text")),
    "Tasks": (SampleField("Due_Date", "date"), SampleField("Status", "picklist"),
              SampleField("Recurring_Activity", "RRULE")),
    "Products": (SampleField("Unit_Price", "currency", decimal_place=2),
                 SampleField("Qty_in_Stock", "double"),
                 SampleField("Product_Active", "boolean")),
}


def module_fields(module: str) -> list[SampleField]:
    return [SampleField(NAME_FIELDS.get(module, "Name"), "text"), *SYSTEM_FIELDS,
            *EXTRA_FIELDS.get(module, ())]


def record_id(module_index: int, n: int) -> str:
    return str(RECORD_BASE + module_index * 100_000 + n)


def user_id(n: int) -> str:
    return str(USER_BASE + n)


def _value(module: str, f: SampleField, n: int) -> str:
    """Record ``n``'s value of field ``f``, as the bulk export writes it."""
    when = moment(n, timedelta(hours=7))
    match f.data_type:
        case "ownerlookup":
            return user_id((n + len(f.api_name)) % OWNERS)
        case "lookup":
            target = MODULES.index(f.lookup_module or "Accounts")
            return "" if n % 5 == 4 else record_id(target, n % 3)
        case "datetime":
            return (when + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30")
        case "date":
            return when.strftime("%Y-%m-%d")
        case "integer":
            return str(n * 7)
        case "bigint":
            return str(2**53 + 1 + n)
        case "double":
            return f"{n / 8:.3f}" if f.decimal_place else str(n * 1.5)
        case "currency" | "formula":
            return f"{n * 1234 + 0.5:.2f}"
        case "percent":
            return str((n * 12.5) % 100)
        case "boolean":
            return "true" if n % 2 else "false"
        case "multiselectpicklist":
            picked = [v for i, v in enumerate(INTERESTS) if (n >> i) & 1]
            return ";".join(picked)
        case "autonumber":
            return f"LEAD-{n:05d}"
        case "RRULE":
            return "FREQ=DAILY;INTERVAL=1" if n % 2 else ""
        case "picklist":
            return ("New", "Contacted", "Qualified", "Lost")[n % 4]
        case "email":
            return f"{PEOPLE[n % len(PEOPLE)][1]}+{n}@example.com"
        case "phone":
            return f"+57 300 {n:07d}"
        case "website":
            return f"https://example.com/{module.lower()}/{n}"
        case "textarea":
            return text(n)
        case _:
            if f.api_name == NAME_FIELDS.get(module):
                return f"{PEOPLE[n % len(PEOPLE)][0]} #{n}"
            return "" if n % 3 == 2 else f"tag-{n}, \"quoted\""


def make_record(module: str, n: int) -> Record:
    """Record ``n`` of ``module`` as its export's row: the API name of every field, and
    ``id``, to the text the CSV holds."""
    row: Record = {"id": record_id(MODULES.index(module) if module in MODULES else 99, n)}
    for f in module_fields(module):
        row[f.api_name] = _value(module, f, n)
    return row


def make_user(n: int) -> Record:
    name, alias = PEOPLE[n % len(PEOPLE)]
    first, _, last = name.partition(" ")
    created = moment(n, timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30")
    admin = {"name": PEOPLE[0][0], "id": user_id(0)}
    return {"id": user_id(n), "zuid": str(60000000 + n), "full_name": name,
            "first_name": first, "last_name": last or first,
            "email": f"{alias}@example.com", "alias": None,
            "status": ("active", "active", "disabled", "deleted")[n % 4],
            "confirm": n % 4 != 3, "Isonline": n % 2 == 0,
            "role": {"name": "CEO" if n == 0 else "Manager", "id": "3652397000000026005"},
            "profile": {"name": "Administrator" if n == 0 else "Standard",
                        "id": "3652397000000026011"},
            "Reporting_To": None if n == 0 else admin,
            "created_by": admin, "Modified_By": admin,
            "created_time": created, "Modified_Time": created,
            "country": "Colombia", "country_locale": "es_CO", "locale": "es_CO",
            "language": "es", "time_zone": "America/Bogota", "offset": -18000000,
            "time_format": "hh:mm a", "date_format": "MMM d, yyyy", "phone": None,
            "mobile": f"+57 300 {n:07d}", "fax": None, "website": None, "street": None,
            "city": "Medellín", "state": None, "zip": None, "Currency": "COP",
            "microsoft": False, "personal_account": False, "sandboxDeveloper": False,
            "default_tab_group": "0", "dob": None, "signature": None,
            "decimal_separator": "Comma", "number_separator": "Period",
            "name_format__s": "Salutation,First Name,Last Name",
            "sort_order_preference__s": "First Name,Last Name",
            "sort_order_preference": "First Name,Last Name",
            "territories": [], "category": "regular_user", "status_reason__s": None,
            "$current_shift": {"id": "3652397000000201001", "name": "Day"} if n % 2 else None,
            "$next_shift": None, "$shift_effective_from": None,
            "theme": {"normal_tab": {"font_color": "#FFFFFF", "background": "#222222"},
                      "selected_tab": {"font_color": "#FFFFFF", "background": "#222222"},
                      "new_background": None, "background": "#F3F0EB",
                      "screen": "fixed", "type": "default"},
            "customize_info": {"notes_desc": None, "show_right_panel": None,
                               "bc_view": None, "unpin_recent_item": None,
                               "show_home": False, "show_detail_view": True}}


@dataclass
class SampleJob:
    id: str
    module: str
    page: int
    created: float
    ready_at: float
    created_time: str
    failed: bool = False
    page_token: str | None = None
    """The page token the job was asked for by (None: by its page number)."""
    next_page_token: str | None = None
    """The token of the page after this one, once Zoho has said there is one."""


@dataclass
class SampleCrm:
    """The organisation. ``records`` is how many records each module has (``default``
    for those not named); ``per_page`` the bulk export's page size (Zoho's 200,000);
    ``export_delay`` the seconds a new bulk job takes to complete (its state moves from
    ADDED to QUEUED to IN PROGRESS over the first, second and last third);
    ``token_lifetime`` the seconds an access token lasts; ``max_page`` the highest page
    number a bulk read job may be asked for (past it, ``PAGE_RANGE_EXCEEDED``; further pages
    are asked for by ``page_token``), and ``page_tokens`` whether completed jobs carry
    ``next_page_token``.

    Two faults on demand: ``short_files`` caps the rows a module's export files hold
    (``{"Deals": 2}``), whatever its jobs' results count; ``pair_creations`` is the seconds
    a request to create a bulk read job waits for a second request for the same module
    and page, so that two prepares run at once both create that job, as they would when
    racing (0: no wait)."""

    records: Mapping[str, int] = field(default_factory=lambda: {"Leads": 25})
    default: int = 3
    users: int = 4
    territories: int = 3
    per_page: int = 200_000
    export_delay: float = 0.0
    token_lifetime: int = 3600
    max_page: int = 50
    page_tokens: bool = True
    short_files: dict[str, int] = field(default_factory=dict)
    pair_creations: float = 0.0
    client_id: str = "1000.SAMPLE0CLIENT0ID00000000000001"
    client_secret: str = "sample0client0secret0d41d8cd98f00b204e9800998ecf8427e"  # noqa: S105
    refresh_token: str = "1000.sample0refresh0token0b1946ac92492d2347c6235b4d2611184"  # noqa: S105
    grant_code: str = "1000.sample0grant0code0c4ca4238a0b923820dcc509a6f75849b"
    modules: Sequence[str] = MODULES
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.data: dict[str, list[Record]] = {
            m: [make_record(m, n) for n in range(self.records.get(m, self.default))]
            for m in self.modules}
        self.user_records = [make_user(n) for n in range(self.users)]
        self.organisation = settings.organisation()
        self.currencies = settings.currencies()
        self.profiles = settings.profiles()
        self.roles = settings.roles()
        self.territory_records = settings.territories(self.territories)
        self.refresh_tokens = {self.refresh_token}
        self.grant_codes = {self.grant_code}
        self.access_tokens: dict[str, tuple[str, float]] = {}
        """Access token -> (its refresh token, when it expires)."""
        self.jobs: dict[str, SampleJob] = {}
        self.next_pages: dict[str, tuple[str, int]] = {}
        """A next_page_token given -> the module and page it leads to."""
        self.jobs_created = 0
        self.creation_requests: dict[tuple[str, int], int] = {}
        self._paired = threading.Condition(self.lock)
        self.job_base = 3652397000001000000 + secrets.randbelow(10**8) * 1000
        self.revoked: list[str] = []
        self.spoiled = 0
        """How many of the next access tokens the API refuses at once (revoked early)."""

    # -- OAuth ---------------------------------------------------------------------------------

    def issue_access_token(self, refresh_token: str) -> str:
        token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        with self.lock:
            lasts = 0 if self.spoiled else self.token_lifetime
            self.spoiled = max(0, self.spoiled - 1)
            self.access_tokens[token] = (refresh_token, time.monotonic() + lasts)
        return token

    def token_valid(self, token: str) -> bool:
        with self.lock:
            found = self.access_tokens.get(token)
            return found is not None and found[0] in self.refresh_tokens and \
                time.monotonic() < found[1]

    def expire_access_tokens(self) -> None:
        """Every access token lapses now (Zoho answers INVALID_TOKEN)."""
        with self.lock:
            self.access_tokens = {t: (r, 0.0) for t, (r, _) in self.access_tokens.items()}

    # -- bulk read jobs ------------------------------------------------------------------------

    def await_pair(self, module: str, page: int) -> None:
        """Hold a request to create ``module``'s ``page`` job until a second one comes, up
        to ``pair_creations`` seconds."""
        if self.pair_creations <= 0:
            return
        key = (module, page)
        with self._paired:
            self.creation_requests[key] = self.creation_requests.get(key, 0) + 1
            self._paired.notify_all()
            self._paired.wait_for(lambda: self.creation_requests[key] >= 2,
                                  timeout=self.pair_creations)

    def create_job(self, module: str, page: int, page_token: str | None = None) -> SampleJob:
        with self.lock:
            now = time.monotonic()
            self.jobs_created += 1
            job = SampleJob(id=str(self.job_base + self.jobs_created), module=module,
                            page=page, created=now, ready_at=now + self.export_delay,
                            created_time=time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                                       time.gmtime()),
                            page_token=page_token)
            self.jobs[job.id] = job
            return job

    def state(self, job: SampleJob) -> str:
        if job.failed:
            return "FAILURE"
        now = time.monotonic()
        if now >= job.ready_at:
            return "COMPLETED"
        third = (job.ready_at - job.created) / 3
        if now < job.created + third:
            return "ADDED"
        if now < job.created + 2 * third:
            return "QUEUED"
        return "IN PROGRESS"

    def finish_exports(self) -> None:
        """Every job not completed yet completes now."""
        with self.lock:
            now = time.monotonic()
            for job in self.jobs.values():
                job.ready_at = min(job.ready_at, now)

    def fail_job(self, module: str) -> None:
        """The latest job of ``module`` fails."""
        with self.lock:
            jobs = [j for j in self.jobs.values() if j.module == module]
            jobs[-1].failed = True

    def page_rows(self, job: SampleJob) -> tuple[list[Record], bool]:
        """The rows of the job's page, and whether more pages follow."""
        rows = self.data.get(job.module, [])
        start = (job.page - 1) * self.per_page
        return rows[start:start + self.per_page], len(rows) > start + self.per_page

    def next_page_token(self, job: SampleJob) -> str | None:
        """The token of the page after the job's, minted once, or None when there is no
        such page (or the organisation gives no tokens)."""
        _, more = self.page_rows(job)
        if not more or not self.page_tokens:
            return None
        with self.lock:
            if job.next_page_token is None:
                job.next_page_token = secrets.token_hex(48)
                self.next_pages[job.next_page_token] = (job.module, job.page + 1)
            return job.next_page_token

    def page_of_token(self, token: str) -> tuple[str, int] | None:
        with self.lock:
            return self.next_pages.get(token)

    def export_rows(self, job: SampleJob) -> list[Record]:
        """The rows the job's export file holds: its page's, cut to ``short_files``."""
        rows, _ = self.page_rows(job)
        return rows[:self.short_files.get(job.module, len(rows))]

    def module_id(self, module: str) -> str:
        return str(3652397000000001000 + (MODULES.index(module) if module in MODULES else 99))

    def fields(self, module: str) -> list[dict[str, Any]]:
        return [f.metadata(i) for i, f in enumerate(module_fields(module))]

    def add_records(self, module: str, count: int) -> None:
        with self.lock:
            rows = self.data[module]
            rows.extend(make_record(module, n) for n in range(len(rows), len(rows) + count))
