"""The web chat page's chat identity, issued by the app and kept by the browser in
cookies the page's own script cannot read.

The identity unlocks drafts (with contact details), the person's own submissions and
what staff wrote to them, so the page neither chooses it nor keeps it: the app draws it
at random (storage.identity.new_browser_sender) and sets it HttpOnly and SameSite=Lax
(Secure over HTTPS), for the browser session only unless the person ticks "Remember me
on this device", which makes it last REMEMBER_FOR.

Lax, not Strict: the City links to the chat from its own sites, and a Strict cookie is
not sent on that cross-site navigation, so the person would arrive as a stranger. With
Lax the browser sends it on a top-level GET from another site, and on none of another
site's POSTs, fetches or frames. Those arrive without the cookie and would be given a new
identity, whose Set-Cookie (on a top-level form POST) replaces the remembered one: so the
page's endpoints refuse every cross-site request (refuse_cross_site) before an identity is
read or issued. An identity is issued only to the page's own (same-origin or same-site)
requests, and to clients that are no browser (no Sec-Fetch-Site, no Origin): those hold
nobody else's cookie.

A second cookie names the browser session itself, always for that session only. It goes
to the assistant with every message, so a draft resumed in a later browser session (on a
remembered device) does not show the contact answers given in an earlier one: the next
person at a shared computer may continue a form, not read who filled it in.

The pages' language (the chat page, the public report) is the reader's choice too: the
"English | Español" switch (`?lang=es`), kept in a third cookie, else what the browser
asks for (Accept-Language). It is a preference, not an identity: it names nobody."""

import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

from storage.catalogue import text
from storage.identity import is_browser_sender, new_browser_sender
from storage.languages import from_accept_language, supported

IDENTITY_COOKIE = "entryway_id"
VISIT_COOKIE = "entryway_visit"
# Only present while the identity is remembered, with the same lifetime, so the page can
# show the person what they chose (the identity cookie's lifetime is not sent back).
REMEMBERED_COOKIE = "entryway_remembered"
REMEMBER_FOR = timedelta(days=30)
LANGUAGE_COOKIE = "entryway_language"
LANGUAGE_QUERY = "lang"
KEEP_LANGUAGE_FOR = timedelta(days=365)
_VISIT = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, URL-safe base64


@dataclass(frozen=True)
class WebIdentity:
    sender: str
    visit: str  # this browser session
    remembered: bool
    # Whether the response must (re)set the cookies: new, or changed by the person.
    changed: bool = False

    def metadata(self, language: str) -> dict[str, str]:
        """What the assistant learns with each message (Rasa REST `metadata`): the browser
        session, and the page's language, which the language detector
        (nlu/language_detector.py) takes when the text alone does not show one (a button's
        payload, "ok", an e-mail address)."""
        return {"browser_session": self.visit, "language": language}


def _new_visit() -> str:
    return secrets.token_urlsafe(16)


def of(request: Request) -> WebIdentity:
    """The identity the browser holds; a fresh one (to be set) where it holds none, or
    something the app did not issue."""
    sender = request.cookies.get(IDENTITY_COOKIE, "")
    visit = request.cookies.get(VISIT_COOKIE, "")
    known_sender, known_visit = is_browser_sender(sender), bool(_VISIT.match(visit))
    return WebIdentity(
        sender=sender if known_sender else new_browser_sender(),
        visit=visit if known_visit else _new_visit(),
        remembered=known_sender and request.cookies.get(REMEMBERED_COOKIE) == "1",
        changed=not (known_sender and known_visit),
    )


def remembering(identity: WebIdentity, remember: bool) -> WebIdentity:
    """The same identity, kept for REMEMBER_FOR (or for this browser session only)."""
    return replace(identity, remembered=remember, changed=True)


def fresh(identity: WebIdentity, remember: bool) -> WebIdentity:
    """A new identity for the same browser session: "Start a new conversation"."""
    return WebIdentity(new_browser_sender(), identity.visit, remember, changed=True)


def keep(response: Response, identity: WebIdentity, request: Request) -> None:
    """Sets the cookies on `response` when the browser must store (or update) them."""
    if not identity.changed:
        return
    cookie = {
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
        "path": "/",
    }
    lifetime = int(REMEMBER_FOR.total_seconds()) if identity.remembered else None
    response.set_cookie(IDENTITY_COOKIE, identity.sender, max_age=lifetime, **cookie)
    response.set_cookie(VISIT_COOKIE, identity.visit, **cookie)
    if identity.remembered:
        response.set_cookie(REMEMBERED_COOKIE, "1", max_age=lifetime, **cookie)
    else:
        response.delete_cookie(REMEMBERED_COOKIE, **cookie)


def is_cross_site(request: Request) -> bool:
    """Whether a browser sent `request` from another site's page.

    Browsers say so in Sec-Fetch-Site; older ones only name the page's origin (Origin),
    compared with the Host the browser addressed (kept by the proxy in front)."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from == "cross-site"
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


async def refuse_cross_site(request: Request) -> None:
    """The page's endpoints' guard (a route dependency): 403 for another site's request.
    A coroutine, though it awaits nothing: FastAPI runs a plain function dependency in its
    thread pool, a hand-off to a thread and back on every message."""
    if is_cross_site(request):
        # A person may read it (another site's form posted here): in their language.
        language = page_language(request)
        raise HTTPException(403, text("page.cross_site", language, url=request.base_url))


def chosen_language(request: Request) -> str | None:
    """The language the reader chose with the switch: this request's `?lang=`, else the
    cookie an earlier choice left; None when they never chose."""
    return supported(request.query_params.get(LANGUAGE_QUERY)) or supported(
        request.cookies.get(LANGUAGE_COOKIE)
    )


def page_language(request: Request) -> str:
    """The language to write a page in: the reader's choice, else their browser's."""
    return chosen_language(request) or from_accept_language(request.headers.get("accept-language"))


def keep_language(response: Response, request: Request) -> None:
    """Remembers a language chosen with the switch (`?lang=`) for the next visits; a page
    merely following the browser sets nothing. The page varies with both headers."""
    response.headers["Vary"] = "Accept-Language, Cookie"
    chosen = supported(request.query_params.get(LANGUAGE_QUERY))
    if chosen and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=int(KEEP_LANGUAGE_FOR.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
