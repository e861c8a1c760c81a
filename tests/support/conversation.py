"""Talks to any Rasa REST endpoint like a chat client does."""

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
