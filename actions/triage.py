"""Triage facts derived from a submission's answers at intake, for the triage card: a
suggested procurement path with its reason, and data, privacy and IP flags. They are
suggestions for staff, so they are worked out from the answers by plain rules that a
clerk can check against the card, never by a model."""

import re
from typing import Any

from storage.catalogue import text

CITY_PAYS_COST_MODELS = {"City-funded", "Cost share"}
PARTNERSHIP_COST_MODELS = {"Revenue share / public-private partnership"}
CITY_PAYS_ASKS = {"Funding", "A contract"}
PARTNERSHIP_ASKS = {"A partnership"}

CITY_OWNS = re.compile(r"\b(city|shared|joint|jointly|public)\b", re.IGNORECASE)
NOT_CITY = re.compile(r"\bnot (?:the )?city\b|\bnot sure\b|\bunsure\b|\bdon'?t know\b", re.I)
PROPRIETARY = re.compile(
    r"proprietar|licen[cs]|patent|subscription|saas|closed[- ]source|stays? ours|remains? ours"
    r"|we (?:keep|retain|own)|our (?:ip|software|code|algorithm)",
    re.IGNORECASE,
)
OPEN = re.compile(
    r"open[- ]source|public domain|creative commons|city (?:would |will )?owns?\b|"
    r"\b(?:mit|apache|gpl)\b",
    re.IGNORECASE,
)


def city_pays(answers: dict[str, Any]) -> bool:
    """Whether the City would spend money, by the cost model or what it is asked for."""
    asks = set(answers.get("city_ask") or [])
    return answers.get("cost_model") in CITY_PAYS_COST_MODELS or bool(asks & CITY_PAYS_ASKS)


def _money(amount: int) -> str:
    return f"${amount:,}"


def procurement_path(
    answers: dict[str, Any], small_purchase_limit: int, confidential: frozenset[str]
) -> tuple[str, str]:
    """The suggested path and its reason, from the proposal's answers. The reason, shown
    in the staff channel, never repeats an answer the vendor marked confidential."""
    asks = [ask for ask in answers.get("city_ask") or [] if not ask.startswith("Other")]
    cost_model = answers.get("cost_model") or ""
    limit = _money(small_purchase_limit)

    def reason(key: str, uses: set[str], **values: str) -> str:
        if uses & confidential:
            return text("procurement.reason.confidential")
        return text(f"procurement.reason.{key}", **values)

    if cost_model in PARTNERSHIP_COST_MODELS or PARTNERSHIP_ASKS & set(asks):
        model = cost_model.lower() if cost_model in PARTNERSHIP_COST_MODELS else "a partnership"
        return "partnership", reason("partnership", {"cost_model", "city_ask"}, model=model)
    if not city_pays(answers):
        named = ", ".join(ask.lower() for ask in asks) or "a pilot site"
        return "no_cost_pilot", reason("no_cost_pilot", {"city_ask"}, asks=named)
    contract = answers.get("cooperative_contract")
    if isinstance(contract, str):
        return "cooperative_contract", reason(
            "cooperative_contract", {"cooperative_contract"}, contract=contract
        )
    amount = answers.get("estimated_cost")
    if isinstance(amount, int) and amount < small_purchase_limit:
        return "small_purchase", reason(
            "small_purchase", {"estimated_cost"}, amount=_money(amount), limit=limit
        )
    shown = _money(amount) if isinstance(amount, int) else text("procurement.reason.unknown_amount")
    return "competitive_solicitation", reason(
        "competitive_solicitation", {"estimated_cost"}, amount=shown, limit=limit
    )


def proposal_flags(answers: dict[str, Any], confidential: frozenset[str]) -> list[str]:
    flags = []
    if (answers.get("personal_data") or "No") != "No":
        flags.append("personal_data")
    owner = str(answers.get("data_owner") or "")
    if owner and (NOT_CITY.search(owner) or not CITY_OWNS.search(owner)):
        flags.append("city_not_data_owner")
    terms = str(answers.get("ip_terms") or "")
    if PROPRIETARY.search(terms) and not OPEN.search(terms):
        flags.append("proprietary_licence")
    if confidential:
        flags.append("confidential_answers")
    return flags
