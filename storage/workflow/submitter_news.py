"""Telling the submitter: what they read about their submission (a status change, a
question from staff, a reminder of it) goes to their inbox (storage/inbox.py) once,
and through the outbox to their Slack DM and e-mail when they can be reached there.

What they are told is stored as news and facts (codes, dates, staff's own words) and
worded when it is read or sent, in the submitter's language (`Contact.language`): a
person who switched to Spanish reads in Spanish what was decided before the switch."""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from storage import outbox, rendering
from storage.catalogue import text
from storage.contacts import get_contact
from storage.db import insert_once
from storage.languages import DEFAULT_LANGUAGE, long_date
from storage.models import Status, StatusChange, Submission, SubmitterMessage, utcnow
from storage.settings import get_settings


@dataclass(frozen=True)
class News:
    """What to tell (`kind`: status_changed, answer_reminder, public_information,
    public_information_reminder, pilot_checkin, pilot_checkin_reminder, pilot_approved,
    as_written) and its facts, JSON values only: codes, ISO dates, and what staff wrote."""

    kind: str
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Worded:
    """One message of the inbox as its reader reads it."""

    id: int
    submission_id: int
    sender_id: str
    text: str
    buttons: list[dict]


def tell_submitter(
    session: Session,
    submission: Submission,
    key: str,
    news: News,
    status_change_id: int | None = None,
    shown: bool = False,
) -> bool:
    """Tells the submitter something about their submission, once per `key`: in their
    inbox (shown by the web chat and the status answer), by Slack DM if they came through
    Slack and by e-mail if they gave an address, the last two through the outbox. `shown`:
    they are being told right now in the chat they are using, so no DM repeats it.
    Returns False when there is nobody to tell, or they were already told."""
    contact = get_contact(session, submission.contact_id) if submission.contact_id else None
    if contact is None:
        return False
    values = {
        "submission_id": submission.id,
        "key": key,
        "status_change_id": status_change_id,
        "sender_id": contact.sender_id,
        "news": news.kind,
        "facts": news.facts,
        "created_at": utcnow(),
        "shown_at": utcnow() if shown else None,
    }
    message_id = insert_once(
        session, SubmitterMessage, values, SubmitterMessage.key, SubmitterMessage.id
    )
    if message_id is None:
        return False
    payload = {"message_id": message_id}
    if contact.channel == "slack" and not shown:
        outbox.enqueue(
            session,
            "submitter_slack",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_slack:{message_id}",
        )
    # E-mail is part of the deployment's configuration (SMTP_URL), which every process
    # of it shares, the staff CLI included.
    if contact.email and get_settings().smtp_url:
        outbox.enqueue(
            session,
            "submitter_email",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_email:{message_id}",
        )
    return True


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def status_news(submission: Submission, change: StatusChange, offer_answer: bool = False) -> News:
    """The news of a status change: the new status, the reason (staff's words, or the
    code of Entryway's own), what comes next and by when; `offer_answer`: with the button
    that starts the answer to staff's question."""
    return News(
        "status_changed",
        {
            "reference": submission.reference,
            "title": submission.title,
            "status": change.to_status.value,
            "reason_code": change.reason_code,
            "reason": change.public_reason,
            "next_step": submission.next_step,
            "next_decision": _iso(submission.next_decision_by),
            "answer": offer_answer,
            # Into pilot: the vendor is asked for their part of the plan.
            "plan": change.to_status is Status.pilot,
        },
    )


def answer_reminder(submission: Submission, question: str) -> News:
    """A reminder that staff still wait for the answer to `question`."""
    return News(
        "answer_reminder",
        {
            "reference": submission.reference,
            "question": question,
            "date": _iso(submission.next_decision_by),
            "answer": True,
        },
    )


# A public-information request touching the submission (storage/public_information.py):
# the notice, and the reminder of the deadline to object, with their texts.
PUBLIC_INFORMATION_NEWS = {
    "public_information": "public_information.notice",
    "public_information_reminder": "public_information.reminder",
}
# A pilot's check-in (storage/pilots/checkins.py): the vendor asked to report, and reminded.
PILOT_CHECKIN_NEWS = {
    "pilot_checkin": "pilot_checkins.ask",
    "pilot_checkin_reminder": "pilot_checkins.reminder",
}
# The code a check-in's button sends (`choose`), naming the check-in: "checkin_<id>".
CHECKIN_CHOICE = "checkin_"
# The chat's own payload for asking for a person (the intent), in any chat.
HANDOFF = "/human_handoff"


def public_information_notice(
    submission: Submission, due: date, fields: list[str] | None = None
) -> News:
    """A request for public information touches the submission (the answers `fields`,
    when staff named them); the vendor may object until `due`."""
    return News(
        "public_information",
        {
            "reference": submission.reference,
            "title": submission.title,
            "date": _iso(due),
            "fields": fields or [],
        },
    )


def public_information_reminder(submission: Submission, due: date) -> News:
    """The deadline to object to the release of the submission is near."""
    return News(
        "public_information_reminder", {"reference": submission.reference, "date": _iso(due)}
    )


def plan_approved(submission: Submission, starts: date, ends: date, first: date | None) -> News:
    """The pilot's plan was approved: it runs from `starts` to `ends`, and the vendor's
    first check-in is due on `first` (None: the plan asks for none)."""
    return News(
        "pilot_approved",
        {
            "reference": submission.reference,
            "title": submission.title,
            "starts": _iso(starts),
            "ends": _iso(ends),
            "first_checkin": _iso(first),
        },
    )


def _field_label(field: str, language: str) -> str:
    """A proposal's answer as its form asked it, in `language` (the code, readable, for
    a field the form no longer has)."""
    try:
        return text(f"proposal.label.{field}", language)
    except KeyError:
        return field.replace("_", " ")


def _date(iso: str | None, language: str) -> str:
    return long_date(date.fromisoformat(iso), language) if iso else ""


def wording(news: str, facts: dict, language: str) -> str:
    """The text of one piece of news in `language`."""
    if news == "status_changed":
        reason = (
            text(f"status.reason.{facts['reason_code']}", language)
            if facts.get("reason_code")
            else facts.get("reason") or ""
        )
        decided_by = facts.get("next_decision")
        said = text(
            "notify.status_changed",
            language,
            reference=facts["reference"],
            title=rendering.title_text(facts["title"], language),
            status=rendering.status_label(facts["status"], language),
            reason=reason,
            next_step=rendering.next_step_text(facts["next_step"], language),
            next_decision=text("notify.next_decision", language, date=_date(decided_by, language))
            if decided_by
            else "",
        ).strip()
        if facts.get("plan"):
            said += "\n\n" + text("pilot_plan.asked", language)
        return said
    if news == "answer_reminder":
        return text(
            "notify.answer_reminder",
            language,
            reference=facts["reference"],
            question=facts["question"],
            date=_date(facts.get("date"), language),
        )
    if news in PUBLIC_INFORMATION_NEWS:
        address = get_settings().public_information_contact
        ask = (
            text("public_information.ask_office", language, address=address)
            if address
            else text("public_information.ask_person", language)
        )
        fields = [_field_label(field, language) for field in facts.get("fields") or []]
        return text(
            PUBLIC_INFORMATION_NEWS[news],
            language,
            reference=facts["reference"],
            title=rendering.title_text(facts.get("title") or "", language),
            date=_date(facts["date"], language),
            fields=text("public_information.fields", language, fields=", ".join(fields))
            if fields
            else "",
            ask=ask,
        )
    if news in PILOT_CHECKIN_NEWS:
        return _checkin_wording(news, facts, language)
    if news == "pilot_approved":
        first = facts.get("first_checkin")
        return text(
            "pilot_checkins.approved",
            language,
            reference=facts["reference"],
            title=rendering.title_text(facts.get("title") or "", language),
            starts=_date(facts["starts"], language),
            ends=_date(facts["ends"], language),
            first=text("pilot_checkins.approved_first", language, date=_date(first, language))
            if first
            else "",
        ).strip()
    return facts.get("text") or ""  # as_written


def _checkin_wording(news: str, facts: dict, language: str) -> str:
    """Which metrics (with their units, over the period) and which milestone to report on."""
    asked = []
    if facts.get("milestone"):
        asked.append(text("pilot_checkins.milestone", language, milestone=facts["milestone"]))
    if facts.get("metrics"):
        listed = [
            text("pilot_checkins.metric", language, metric=m["name"], unit=m["unit"])
            for m in facts["metrics"]
        ]
        asked.append(
            text(
                "pilot_checkins.metrics",
                language,
                since=_date(facts["since"], language),
                until=_date(facts["date"], language),
                metrics="\n".join(listed),
            )
        )
    return text(
        PILOT_CHECKIN_NEWS[news],
        language,
        reference=facts["reference"],
        title=rendering.title_text(facts.get("title") or "", language),
        date=_date(facts["date"], language),
        asked="\n".join(asked),
    )


def own_subject(news: str, facts: dict, language: str) -> str | None:
    """The e-mail subject of news that has one of its own (a deadline to object must not
    hide behind "Update on your submission"); None: the status update's."""
    if news in PUBLIC_INFORMATION_NEWS:
        return text(
            "public_information.email_subject",
            language,
            reference=facts["reference"],
            date=_date(facts["date"], language),
        )
    if news in PILOT_CHECKIN_NEWS:
        return text(
            "pilot_checkins.email_subject",
            language,
            reference=facts["reference"],
            date=_date(facts["date"], language),
        )
    return None


def worded(message: SubmitterMessage, language: str) -> Worded:
    """An inbox message as its reader reads it, in `language`."""
    return Worded(
        id=message.id,
        submission_id=message.submission_id,
        sender_id=message.sender_id,
        text=wording(message.news, message.facts, language),
        buttons=_buttons(message, language),
    )


def _buttons(message: SubmitterMessage, language: str) -> list[dict]:
    """Staff's question offers its answer; a public-information notice, a person to ask;
    a move into pilot, the vendor's part of the plan; a check-in, the chat form that
    answers it."""
    reference = message.facts.get("reference")
    if reference and message.facts.get("answer"):
        return [answer_button(reference, language=language)]
    if message.facts.get("plan"):
        return [{"title": text("pilot_plan.button", language), "payload": PILOT_PLAN_PAYLOAD}]
    if message.news in PUBLIC_INFORMATION_NEWS:
        return [{"title": text("public_information.person_button", language), "payload": HANDOFF}]
    if message.news in PILOT_CHECKIN_NEWS and message.facts.get("checkin_id"):
        return [checkin_button(int(message.facts["checkin_id"]), language)]
    return []


def checkin_button(checkin_id: int, language: str = DEFAULT_LANGUAGE) -> dict:
    """The button that starts the vendor's answer to a check-in (actions/pilot_checkin.py),
    a choice naming the check-in, so no training data is involved."""
    return {
        "title": text("pilot_checkins.report_button", language),
        "payload": f'/choose{{"choice":"{CHECKIN_CHOICE}{checkin_id}"}}',
    }


# The chat's own payload for the plan form (the `choose` intent with its code, as the
# vendor's other requests: actions/vendor_requests.py).
PILOT_PLAN_PAYLOAD = '/choose{"choice":"pilot_plan"}'


def answer_button(
    reference: str, title: str | None = None, language: str = DEFAULT_LANGUAGE
) -> dict:
    """The button that starts the submitter's answer to staff's question, in any chat
    (the payload is the chat's own: the intent, with the reference as its entity)."""
    return {
        "title": title or text("notify.answer_button", language),
        "payload": f'/provide_info{{"reference":"{reference}"}}',
    }
