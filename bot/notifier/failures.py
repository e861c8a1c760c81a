"""What went wrong with a send, as stored in the outbox's `last_error` and shown by
`staff_cli outbox`: the channel's own code and meaning (Slack's error, the SMTP reply),
never whom it was for."""

from datetime import timedelta

import aiohttp
import aiosmtplib
from slack_sdk.errors import SlackApiError

from storage.outbox import without_addresses

# Failures of the network or of the other side: logged as a warning, not a stack trace.
EXPECTED = (SlackApiError, aiosmtplib.SMTPException, aiohttp.ClientError, OSError)
# Slack's wait when its 429 carries no Retry-After.
DEFAULT_RATE_LIMIT_WAIT = timedelta(seconds=30)


def describe(problem: BaseException, deadline: timedelta) -> str:
    """One line for the log and the outbox row, without any address in it."""
    return without_addresses(_what_went_wrong(problem, deadline))


def _what_went_wrong(problem: BaseException, deadline: timedelta) -> str:
    if isinstance(problem, TimeoutError):
        return f"no answer within the deadline ({deadline.total_seconds():g} s), cut off"
    if isinstance(problem, SlackApiError):
        answer = problem.response
        error = answer.get("error") if isinstance(answer.data, dict) else None
        needed = answer.get("needed") if isinstance(answer.data, dict) else None
        return f"Slack {answer.status_code}: {error or 'no error code'}" + (
            f" (needs {needed})" if needed else ""
        )
    if isinstance(problem, aiosmtplib.SMTPRecipientsRefused):
        # Each refusal echoes its address: the codes and meanings are what help.
        return "SMTP recipient refused: " + "; ".join(
            f"{refusal.code} {refusal.message}" for refusal in problem.recipients
        )
    if isinstance(problem, aiosmtplib.SMTPResponseException):
        return f"SMTP {problem.code}: {problem.message}"
    return f"{type(problem).__name__}: {problem}"


def retry_after(problem: BaseException) -> timedelta | None:
    """Slack's own wait when it rate-limits us (HTTP 429 with Retry-After)."""
    if not isinstance(problem, SlackApiError) or problem.response.status_code != 429:
        return None
    try:
        return timedelta(seconds=float(problem.response.headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return DEFAULT_RATE_LIMIT_WAIT
