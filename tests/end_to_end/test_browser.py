"""The web chat page in real headless Chromium (Debian's): against the real stack, and,
for what needs no assistant (the page's language, its accessibility), against the app
alone in front of a stand-in Rasa."""

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, sync_playwright

from storage.db import session_scope
from storage.workflow import rules, transitions
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, WIDTHS, axe_violations, horizontally_cut
from tests.support.conversation import PROPOSAL_ANSWERS, PageConversation
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.rasa_events import rasa_set_language
from tests.support.stack import ARTIFACTS, free_port

pytestmark = pytest.mark.browser

# Questions answered by clicking the offered button, as most people would.
CLICKED = {"category", "maturity", "cost_model", "personal_data", "data_owner", "open_data"}


@contextmanager
def phone_page(url: str, locale: str | None = None) -> Iterator[Page]:
    """Chromium at a phone's width, its language `locale` (Chromium's own when None), with
    one page open at `url`; closed afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
        page = context.new_page()
        page.goto(url)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def page(stack):
    with phone_page(stack.url) as page:
        yield page


def bot_messages(page) -> int:
    return page.locator("#log li.bot").count()


def wait_for_reply(page, before: int) -> str:
    page.wait_for_function(
        "n => document.querySelectorAll('#log li.bot').length > n && "
        "!document.getElementById('send').disabled",
        arg=before,
    )
    return page.locator("#log li.bot").last.inner_text()


def type_message(page, text: str, label: str = "Your message") -> str:
    before = bot_messages(page)
    page.get_by_label(label).fill(text)
    page.keyboard.press("Enter")
    return wait_for_reply(page, before)


def click_choice(page, title: str) -> str:
    before = bot_messages(page)
    page.locator(".choices").last.get_by_role("button", name=title, exact=True).click()
    return wait_for_reply(page, before)


@pytest.mark.stack
def test_a_whole_proposal_through_the_page(page):
    assert page.locator("#log").get_attribute("aria-live") == "polite"
    click_choice(page, "Submit a proposal")
    for slot, answer in PROPOSAL_ANSWERS:
        if slot in CLICKED:
            click_choice(page, answer)
        else:
            type_message(page, answer)
    receipt = click_choice(page, "Submit")
    assert "Your reference is SC-" in receipt
    page.screenshot(path=str(ARTIFACTS / "proposal-submitted.png"), full_page=True)

    page.reload()
    assert "Your reference is SC-" in page.locator("#log").inner_text()  # history survives


@pytest.mark.stack
def test_markup_is_shown_as_text_never_run(page):
    hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    type_message(page, hostile)
    assert page.locator("#log li.user .bubble").last.inner_text() == hostile
    assert page.locator("#log img, #log b").count() == 0
    assert page.evaluate("window.pwned") is None


def identity_cookie(context) -> dict:
    [cookie] = [c for c in context.cookies() if c["name"] == "entryway_id"]
    return cookie


def reopened(browser, context):
    """The same browser closed and started again: only persistent cookies survive."""
    kept = [c for c in context.cookies() if c["expires"] != -1]
    context.close()
    later = browser.new_context(viewport={"width": 390, "height": 844})
    later.add_cookies(kept)
    return later


@pytest.mark.stack
def test_the_identity_is_a_cookie_the_page_cannot_read_kept_for_the_session(stack):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(stack.url)
        type_message(page, "hello")
        cookie = identity_cookie(context)
        assert cookie["value"].startswith("browser-") and len(cookie["value"]) == 40
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
        assert cookie["expires"] == -1  # a session cookie: gone when the browser closes
        assert "entryway_id" not in page.evaluate("document.cookie")  # script cannot read it
        assert page.evaluate("Object.keys(localStorage)") == []
        assert not page.get_by_label("Remember me on this device").is_checked()
        page.reload()
        assert identity_cookie(context)["value"] == cookie["value"]  # same conversation

        later = reopened(browser, context)
        page = later.new_page()
        page.goto(stack.url)
        page.locator("#log li.bot").first.wait_for()
        assert "Welcome back" not in page.locator("#log").inner_text()
        assert identity_cookie(later)["value"] != cookie["value"]
        later.close()
        browser.close()


@pytest.mark.stack
def test_remember_me_keeps_the_identity_for_30_days_and_a_new_conversation_renews_it(stack):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(stack.url)
        click_choice(page, "Submit a proposal")
        type_message(page, "Zephyr Kinetics Holdings")
        type_message(page, "stop")
        type_message(page, "yes")
        page.get_by_label("Remember me on this device").check()
        page.get_by_text("This device will remember you for 30 days.").wait_for()
        cookie = identity_cookie(context)
        assert 29.9 * 86400 < cookie["expires"] - time.time() <= 30 * 86400
        page.screenshot(path=str(ARTIFACTS / "remember-me.png"), full_page=True)

        later = reopened(browser, context)
        page = later.new_page()
        page.goto(stack.url)
        assert identity_cookie(later)["value"] == cookie["value"]
        assert page.get_by_label("Remember me on this device").is_checked()
        assert "unfinished proposal" in type_message(page, "hello")

        renewing = page.expect_response(
            lambda r: r.url.endswith("/chat/session") and r.request.method == "POST"
        )
        with renewing:
            page.get_by_role("button", name="Start a new conversation").click()
        renewed = identity_cookie(later)
        assert renewed["value"] != cookie["value"] and renewed["expires"] != -1
        assert "unfinished" not in type_message(page, "hello")
        later.close()
        browser.close()


@pytest.mark.stack
def test_what_staff_decided_is_shown_on_the_next_visit(stack):
    person = PageConversation(stack.url)
    reference = person.submit_proposal()
    with session_scope(stack.database_url) as session:
        transitions.request_info(
            session, reference, rules.Staff("cli:operator:ann"), "Which intersections first?"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.add_cookies(  # the identity the app issued to this person's browser
            [{"name": "entryway_id", "value": person.sender, "url": stack.url}]
        )
        page = context.new_page()
        page.goto(stack.url)
        news = page.locator("#log li.bot", has_text="Which intersections first?")
        news.wait_for()
        assert reference in news.inner_text()
        answer = page.get_by_role("button", name="Answer the City's question")
        assert "Please write your answer" in click_and_wait(page, answer)
        page.screenshot(path=str(ARTIFACTS / "inbox-next-visit.png"), full_page=True)
        page.reload()  # shown once: a reload does not repeat it as news
        page.locator("#log li.bot", has_text="Please write your answer").wait_for()
        assert page.locator("#log li.bot", has_text=f"Update on {reference}").count() == 1
        context.close()
        browser.close()


def click_and_wait(page, button) -> str:
    before = bot_messages(page)
    button.click()
    return wait_for_reply(page, before)


class AnotherSite:
    """A page of another site (localhost is not 127.0.0.1's site) that links to the chat,
    as the City's own sites will, and posts a form to it, as a hostile one could."""

    def __init__(self, chat_url: str) -> None:
        page = (
            f'<a id="link" href="{chat_url}/">Talk to the City</a>'
            f'<form id="form" method="post" action="{chat_url}/chat/session">'
            '<button id="post">Start over</button></form>'
        ).encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://localhost:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.stack
def test_a_link_from_another_site_keeps_the_remembered_identity_and_its_posts_change_nothing(
    stack,
):
    other = AnotherSite(stack.url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(stack.url)
        type_message(page, "hello")
        page.get_by_label("Remember me on this device").check()
        page.get_by_text("This device will remember you for 30 days.").wait_for()
        remembered = identity_cookie(context)

        # Followed from the other site's link: the same person, still remembered.
        page.goto(other.url)
        with page.expect_navigation():
            page.click("#link")
        page.locator("#log li.bot").first.wait_for()
        assert page.get_by_label("Remember me on this device").is_checked()
        type_message(page, "hello")
        assert identity_cookie(context) == remembered

        # The other site's form, posted at the chat (the browser sends no Lax cookie
        # with it): refused, and the identity the browser holds is untouched.
        page.goto(other.url)
        with page.expect_response(lambda r: r.url.endswith("/chat/session")) as posted:
            page.click("#post")
        assert posted.value.status == 403
        assert "answers its own page only" in posted.value.json()["detail"]
        assert identity_cookie(context) == remembered
        context.close()
        browser.close()
    other.close()


# --- the page's language and accessibility, without the assistant ------------------------


@pytest.fixture
def app_alone(app_settings, monkeypatch):
    """The app on a loopback port in front of a stand-in Rasa that echoes each request."""
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    with MisbehavingRasa("echo") as rasa:
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(rasa.port))
        with live_app() as url:
            yield url, rasa


GREETINGS = {"en": "Hello! I'm Entryway.", "es": "¡Hola! Soy Entryway."}
MENU = {"en": "Submit a proposal", "es": "Enviar una propuesta"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_in_the_browsers_language_is_accessible_at_both_widths(app_alone, language):
    url, rasa = app_alone
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 844}, locale=language)
            page = context.new_page()
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == language
            assert GREETINGS[language] in page.locator("#log li.bot").first.inner_text()
            assert axe_violations(page) == [], width
            # A menu button sends the intent, and the message carries the page's language.
            click_choice(page, MENU[language])
            assert page.locator("#log li.user .bubble").last.inner_text() == MENU[language]
            sent = rasa.requests[-1]
            assert sent["message"] == f'/submit_proposal{{"language":"{language}"}}'
            assert sent["metadata"]["language"] == language
            assert axe_violations(page) == [], width  # with replies and their buttons
            assert horizontally_cut(page) == [], width
            page.screenshot(
                path=str(ARTIFACTS / f"chat-page-{language}-{width}.png"), full_page=True
            )
            context.close()
        browser.close()


def test_the_switch_is_a_keyboard_reachable_link_and_keeps_the_conversation(app_alone):
    url, rasa = app_alone
    with phone_page(url, "en-US") as page:
        type_message(page, "my idea about bike lanes")
        for _ in range(10):  # Tab from the top of the page until the switch has the focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == "Español":
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.get_by_label("Tu mensaje").is_visible()
        assert "my idea about bike lanes" in page.locator("#log").inner_text()  # kept
        # The assistant was told, as its own language buttons tell it.
        assert rasa.requests[-1]["message"] == '/switch_language{"language":"es"}'
        assert page.locator("#log li.user .bubble").last.inner_text() == "Español"
        page.goto(url)  # remembered on the next visit, whatever the browser prefers
        assert page.locator("html").get_attribute("lang") == "es"


def test_the_page_follows_the_assistant_into_the_persons_language(app_alone, app_settings):
    url, _ = app_alone
    with phone_page(url, "en-US") as page:
        assert page.locator("html").get_attribute("lang") == "en"
        [identity] = [c for c in page.context.cookies() if c["name"] == "entryway_id"]
        # The assistant read the next message as Spanish (its language detector sets the
        # slot): the page opens again in Spanish, the conversation kept.
        rasa_set_language(app_settings, identity["value"], "es")
        with page.expect_navigation():
            page.get_by_label("Your message").fill("hola, tengo una idea")
            page.keyboard.press("Enter")
        page.locator("html[lang=es]").wait_for()
        assert page.get_by_role("button", name="Enviar").is_visible()
        assert "hola, tengo una idea" in page.locator("#log").inner_text()


# --- in Spanish, through the real stack -----------------------------------------------------

# What a Spanish-speaking vendor types or presses, in the proposal form's order.
PROPOSAL_EN_ESPANOL = [
    ("type", "Cinética Zephyr SA de CV"),
    ("type", "Quillon Marbeck"),
    ("type", "quillon.marbeck@zephyr-kinetics.example"),
    ("type", "+1 512 555 0199"),
    ("type", "cineticazephyr.mx"),
    ("type", "Piloto de semáforos adaptativos en Lamar"),
    ("type", "El tráfico en Lamar retrasa los camiones en hora pico"),
    ("type", "Nuestro algoritmo Zephyr-Flux ajusta los semáforos con conteos de cámaras"),
    ("press", "Movilidad"),
    ("type", "Transporte y Obras Públicas"),
    ("press", "En uso en otro lugar"),
    ("type", "En Tulsa desde 2023 en 40 intersecciones"),
    ("press", "Un lugar para el piloto"),
    ("press", "Costos compartidos"),
    ("type", "12 mil dólares"),
    ("press", "No"),
    ("type", "Conteos anónimos de vehículos por carril"),
    ("press", "No"),
    ("press", "La Ciudad"),
    ("type", "Licencia del algoritmo a 4,750 dólares por intersección al año"),
    ("press", "En parte"),
    ("type", "Un piloto de seis meses desde abril"),
    ("type", "Camiones más rápidos en una ruta que usan muchas personas de bajos ingresos"),
    ("press", "Solución"),
]


@pytest.mark.stack
def test_a_spanish_speaking_vendor_submits_a_proposal_entirely_in_spanish_at_phone_width(stack):
    with phone_page(stack.url, "es-MX") as page:
        assert page.locator("html").get_attribute("lang") == "es"
        said = [click_choice(page, "Enviar una propuesta")]
        for how, answer in PROPOSAL_EN_ESPANOL:
            reply = (
                click_choice(page, answer)
                if how == "press"
                else type_message(page, answer, "Tu mensaje")
            )
            said.append(reply)
            # The page never leaves Spanish (names, e-mails, numbers, a website flip nothing).
            assert page.locator("html").get_attribute("lang") == "es", (answer, reply)
        assert axe_violations(page) == []
        receipt = click_choice(page, "Enviar")
        assert "Tu número de referencia es SC-" in receipt, receipt
        assert page.locator("html").get_attribute("lang") == "es"  # never left Spanish
        for reply in [*said, receipt]:
            assert not re.search(r"\b(the|your|please|what|which)\b", reply, re.I), reply
        assert axe_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "proposal-in-spanish.png"), full_page=True)


@pytest.mark.stack
def test_the_english_page_follows_a_person_who_writes_spanish(stack):
    with phone_page(stack.url, "en-US") as page:
        assert page.locator("html").get_attribute("lang") == "en"
        with page.expect_navigation():
            page.get_by_label("Your message").fill("hola, quiero compartir una idea para la ciudad")
            page.keyboard.press("Enter")
        page.locator("html[lang=es]").wait_for()
        log = page.locator("#log").inner_text()
        assert "hola, quiero compartir una idea para la ciudad" in log
        assert page.get_by_label("Tu mensaje").is_visible()
        # And back: English written on the Spanish page takes it to English.
        with page.expect_navigation():
            page.get_by_label("Tu mensaje").fill("sorry, I would rather continue in English please")
            page.keyboard.press("Enter")
        page.locator("html[lang=en]").wait_for()


@pytest.mark.stack
def test_switching_the_page_mid_form_goes_on_in_spanish_at_the_same_question(stack):
    with phone_page(stack.url, "en-US") as page:
        click_choice(page, "Submit a proposal")
        type_message(page, "Zephyr Kinetics Holdings")
        asked = type_message(page, "Quillon Marbeck")
        assert "e-mail" in asked.lower() or "email" in asked.lower(), asked
        with page.expect_navigation():
            page.get_by_role("link", name="Español").click()
        page.locator("html[lang=es]").wait_for()
        assert "correo" in page.locator("#log li.bot").last.inner_text()  # asked again, in Spanish
        type_message(page, "quillon.marbeck@zephyr-kinetics.example", "Tu mensaje")
        after_skip = click_choice(page, "Omitir")  # a button: no language of its own
        assert page.locator("html").get_attribute("lang") == "es", after_skip
        assert "sitio web" in after_skip, after_skip
