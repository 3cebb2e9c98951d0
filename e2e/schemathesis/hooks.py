"""The exceptions to schemathesis's checks, each with its reason.

Only one kind of failure is ever dropped: ST202 ("schema-valid request
rejected", the positive_data_acceptance check) when *every* problem the
server named is one of the rules below, which JSON Schema cannot express.
The server is right in each case; the request is valid in shape only. Any
other failure, or a rejection that names anything else, is kept.

One operation is exempt from ST202 as a whole: GitHub's leak reports
(`POST /secret_scanning/github`) must be signed with GitHub's private key,
which schemathesis does not hold, so every report it sends is refused 401
for its signature before its body is read (docs/secret-scanning.md). The
signature check and what a signed report does are tested over the real HTTP
stack in crates/server/tests/api/secret_scanning.rs.
"""

import datetime
import re

import schemathesis

# (field, message) pairs, per dialect spelling of the field.
OPAQUE_CURSOR = "is not a cursor this API issued"
NOT_IN_FUTURE = "must be in the future"
UNKNOWN_SERVICE_ACCOUNT = "is not a service account of this organization"
AFTER_9999 = "must be before the year 10000 (UTC)"
UNREADABLE_TIME = "must be a date-time like `2025-06-29 16:03:44` (UTC) or RFC 3339"

EXPIRES = {"expires_at", "expiresAt"}
SERVICE_ACCOUNT = {"service_account_id", "serviceAccountId"}


def problems(body):
    """The (field, message) pairs a 4xx body names, in any dialect's shape."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    details = error.get("details") if isinstance(error, dict) else None
    for fields in (body.get("validator"), body.get("errors"), details):
        if isinstance(fields, dict) and fields:
            return [(k, v) for k, v in fields.items() if isinstance(v, str)]
    message = body.get("message")
    if isinstance(body.get("code"), int) and isinstance(message, str):
        # Seed 001: "field: problem; field: problem".
        return [tuple(part.split(": ", 1)) for part in message.split("; ") if ": " in part]
    return None


def no_such_calendar_day(value):
    """A time whose date matches the pattern but not the calendar (31 April)."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value or "")
    if not match:
        return False
    try:
        datetime.date(*map(int, match.groups()))
    except ValueError:
        return True
    return False


def excused(field, message, case):
    # A cursor is an opaque token only the server issues: a string the
    # schema admits but the server never issued is refused, naming `cursor`.
    if field == "cursor" and message == OPAQUE_CURSOR:
        return True
    # Expiry must lie in the future: a rule relative to the clock.
    if field in EXPIRES and message == NOT_IN_FUTURE:
        return True
    # A time of 9999-12-31 with a negative offset is in the year 10000 UTC:
    # JSON Schema cannot add an offset.
    if field in EXPIRES and message == AFTER_9999:
        return True
    # The pattern admits day 31 in every month; the calendar does not.
    if field in EXPIRES and message == UNREADABLE_TIME:
        body = case.body if isinstance(case.body, dict) else {}
        return any(no_such_calendar_day(body.get(name)) for name in EXPIRES)
    # A key lists only keys of its own environment: the answer depends on
    # which key asks (the root key is live), not on the request's shape.
    if field == "environment" and message in ("a live key lists only live keys", "a test key lists only test keys"):
        return True
    # An update must change something: `{"label": null}` has a property, as
    # the schema's minProperties asks, but sets nothing.
    if field == "body" and message.startswith("must set at least one of"):
        body = case.body if isinstance(case.body, dict) else {}
        return all(value is None for name, value in body.items() if name != "expires_at")
    # A key's (or account's) rate limits have distinct names: JSON Schema's
    # uniqueItems compares whole items, not one property of them.
    if re.fullmatch(r"rate_limits\[\d+\]\.name", field) and message.endswith("is named twice"):
        return True
    # Incrementing or decrementing credits needs a key that has some: the
    # answer depends on the key's state, not on the request's shape.
    if field == "op" and message == "the key has no credits: `set` them first":
        return True
    # A service account must exist in the caller's organization: a
    # well-formed id of none is refused, naming the field.
    if field in SERVICE_ACCOUNT and message == UNKNOWN_SERVICE_ACCOUNT:
        return True
    return False


SIGNED_BY_GITHUB = "/secret_scanning/github"
SIGNATURE_HEADERS = ("Github-Public-Key-Identifier", "Github-Public-Key-Signature")


def refused_for_its_signature(case, response):
    """A leak report refused 401 for its signature, naming the problem."""
    if getattr(case.operation, "path", None) != SIGNED_BY_GITHUB or response.status_code != 401:
        return False
    text = response.text or ""
    return "signature" in text or any(header in text for header in SIGNATURE_HEADERS)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202" or not 400 <= response.status_code < 500:
        return True
    if refused_for_its_signature(case, response):
        return False
    try:
        named = problems(response.json())
    except Exception:
        return True
    if not named:
        return True
    return not all(excused(field, message, case) for field, message in named)
