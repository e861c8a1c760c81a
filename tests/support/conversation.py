"""Talks to any Rasa REST endpoint like a chat client does."""

import re

import httpx

# A whole proposal, in the order the form asks. Values are distinctive so the
# privacy test can look for each one in public output.
PROPOSAL_ANSWERS = [
    ("organisation", "Zephyr Kinetics Holdings"),
    ("contact_name", "Quillon Marbeck"),
    ("email", "quillon.marbeck@zephyr-kinetics.example"),
    ("phone", "+1 512 555 0199"),
    ("website", "zephyr-kinetics.example"),
    ("title", "Adaptive signal timing pilot on Lamar"),
    ("problem", "Congestion on Lamar Boulevard delays buses at rush hour"),
    ("solution", "Proprietary Zephyr-Flux algorithm retimes signals from camera counts"),
    ("category", "Mobility"),
    ("departments", "Transportation and Public Works"),
    ("maturity", "Deployed elsewhere"),
    ("maturity_where", "Deployed in Tulsa since 2023 at 40 intersections"),
    ("city_ask", "Pilot site"),
    ("cost_model", "Cost share"),
    ("estimated_cost", "$12,000"),
    ("cooperative_contract", "No"),
    ("data_collected", "Anonymous vehicle counts per lane"),
    ("personal_data", "No"),
    ("data_owner", "The City"),
    ("ip_terms", "Algorithm licensed at 4,750 dollars per intersection per year"),
    ("open_data", "Partly"),
    ("timeline", "Six month pilot from April"),
    ("equity_impact", "Faster buses on a route used by many low-income riders"),
    ("confidential_fields", "solution, ip terms"),
]
# Words no Spanish reply contains, and letters no English one does (the English speakers
# below write none either), to tell which language a whole reply is in.
ENGLISH_WORDS = re.compile(r"\b(the|your|you|what|please|would|which|is)\b", re.IGNORECASE)
SPANISH_LETTERS = re.compile(r"[¿¡áéíóúñ]")


def press(title: str) -> tuple[str, str]:
    """A step that presses the button of the last reply with this title."""
    return ("press", title)


# A whole proposal in Spanish, as a vendor types it or presses its buttons.
SPANISH_PROPOSAL = [
    "hola, quiero mandar una propuesta",
    "Movilidad Verde ATX",
    "Lucía Hernández",
    "lucia@movilidadverde.mx",
    press("Omitir"),
    "movilidadverde.mx",
    "Semáforos inteligentes en la avenida Lamar",
    "Los camiones se atrasan en hora pico en la avenida Lamar",
    "Un sistema que ajusta los semáforos según el tráfico en tiempo real",
    press("Movilidad"),
    "Transporte y Obras Públicas",
    press("Probado en otro lugar"),
    "En Monterrey desde 2023, en 12 cruceros",
    press("Un lugar para el piloto"),
    press("Costos compartidos"),
    "40 mil",
    press("No"),
    "Conteos anónimos de vehículos",
    press("No"),
    press("La Ciudad"),
    "El software es nuestro y la Ciudad recibe una licencia",
    press("En parte"),
    "Un piloto de seis meses a partir de abril",
    "Camiones más rápidos en rutas con muchos pasajeros de bajos ingresos",
    "ninguna",
    "sí",
]
CONFIDENTIAL_VALUES = [
    value
    for slot, value in PROPOSAL_ANSWERS
    if slot in {"organisation", "contact_name", "email", "phone", "website", "solution", "ip_terms"}
]


class Conversation:
    def __init__(self, base_url: str, sender: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.sender = sender

    def say(self, message: str) -> list[dict]:
        response = self.client.post(
            "/webhooks/rest/webhook", json={"sender": self.sender, "message": message}
        )
        response.raise_for_status()
        return response.json()

    @staticmethod
    def text(replies: list[dict]) -> str:
        return "\n".join(reply.get("text", "") for reply in replies)

    def submit_proposal(self) -> str:
        """Runs the whole form and returns the reference the bot gave."""
        self.say("I want to submit a proposal")
        for _, answer in PROPOSAL_ANSWERS:
            self.say(answer)
        receipt = self.text(self.say("Yes, submit"))
        reference = next(word.rstrip(".") for word in receipt.split() if word.startswith("SC-"))
        return reference


class PageConversation(Conversation):
    """Talks like the web chat page: as the identity the app issues in its cookies."""

    def __init__(self, base_url: str, cookies: httpx.Cookies | None = None) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60, cookies=cookies)
        self.client.get("/chat/session").raise_for_status()
        self.sender = self.client.cookies["entryway_id"]

    def say(self, message: str) -> list[dict]:
        response = self.client.post("/chat/message", json={"message": message})
        response.raise_for_status()
        return response.json()

    def remember(self) -> None:
        self.client.put("/chat/session", json={"remember": True}).raise_for_status()

    def persistent_cookies(self) -> httpx.Cookies:
        """What the browser still holds after it is closed and opened again."""
        kept = httpx.Cookies()
        for cookie in self.client.cookies.jar:
            if cookie.expires is not None:  # session cookies are gone
                kept.set(cookie.name, cookie.value, cookie.domain, cookie.path)
        return kept
