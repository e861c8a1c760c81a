"""Triage facts derived from a submission's answers at intake, for the triage card: a
suggested procurement path with its reason, and data, privacy and IP flags. They are
suggestions for staff, so they are worked out from the answers by plain rules that a
clerk can check against the card, never by a model."""

import re
from typing import Any

from actions.parsing import plain
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE as STAFF_LANGUAGE

# The rules key on the codes answers are stored as (actions/proposal.py), in any language.
CITY_PAYS_COST_MODELS = {"city_funded", "cost_share"}
PARTNERSHIP_COST_MODELS = {"revenue_share"}
CITY_PAYS_ASKS = {"funding", "contract"}
PARTNERSHIP_ASKS = {"partnership"}
CITY_ASKS = {"pilot_site", "data_access", *CITY_PAYS_ASKS, *PARTNERSHIP_ASKS}
# Data ownership: the choice buttons' codes, or the vendor's own words in either language
# (read without accents by `plain`).
CITY_OWNED = {"city", "shared"}
CITY_OWNS = re.compile(
    r"\b(city|shared|joint|jointly|public|ciudad|municipio|compartid[oa]s?|conjunt[oa]|public[oa])\b"
)
NOT_CITY = re.compile(
    r"\bnot (?:the )?city\b|\bnot sure\b|\bunsure\b|\bdon'?t know\b"
    r"|\bno (?:es |sera |seria )?(?:de )?la ciudad\b|\bno se\b|\bno estoy segur"
)
PROPRIETARY = re.compile(
    r"proprietar|licen[cs]|patent|subscription|saas|closed[- ]source|stays? ours|remains? ours"
    r"|we (?:keep|retain|own)|our (?:ip|software|code|algorithm)"
    r"|propietari|suscripcion|codigo cerrado|(?:sigue|queda|es) (?:siendo )?nuestr"
    r"|nos (?:quedamos|reservamos)|nuestro (?:software|codigo|algoritmo)"
)
OPEN = re.compile(
    r"open[- ]source|public domain|creative commons|city (?:would |will )?owns?\b|"
    r"\b(?:mit|apache|gpl)\b|codigo abierto|dominio publico"
    r"|la ciudad (?:seria |sera |es )?(?:la )?duen[oa]"
)


def city_pays(answers: dict[str, Any]) -> bool:
    """Whether the City would spend money, by the cost model or what it is asked for."""
    asks = set(answers.get("city_ask") or [])
    return answers.get("cost_model") in CITY_PAYS_COST_MODELS or bool(asks & CITY_PAYS_ASKS)


def staff_name(choice_set: str, code: str) -> str:
    """A choice as the staff's reason names it ("a partnership"), in English."""
    return text(f"proposal.choice.{choice_set}.{code}", STAFF_LANGUAGE).lower()


def city_owns(owner: str) -> bool:
    """Whether the vendor's own words give the data to the City (or share it)."""
    said = plain(owner)
    return bool(CITY_OWNS.search(said)) and not NOT_CITY.search(said)


def _money(amount: int) -> str:
    return f"${amount:,}"


def procurement_path(
    answers: dict[str, Any], small_purchase_limit: int, confidential: frozenset[str]
) -> tuple[str, str]:
    """The suggested path and its reason, from the proposal's answers. The reason, shown
    in the staff channel, never repeats an answer the vendor marked confidential."""
    asks = [ask for ask in answers.get("city_ask") or [] if ask in CITY_ASKS]
    cost_model = answers.get("cost_model") or ""
    limit = _money(small_purchase_limit)

    def reason(key: str, uses: set[str], **values: str) -> str:
        if uses & confidential:
            return text("procurement.reason.confidential")
        return text(f"procurement.reason.{key}", **values)

    if cost_model in PARTNERSHIP_COST_MODELS or PARTNERSHIP_ASKS & set(asks):
        model = (
            staff_name("cost_model", cost_model)
            if cost_model in PARTNERSHIP_COST_MODELS
            else staff_name("city_ask", "partnership")
        )
        return "partnership", reason("partnership", {"cost_model", "city_ask"}, model=model)
    if not city_pays(answers):
        named = ", ".join(staff_name("city_ask", ask) for ask in asks or ["pilot_site"])
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
    if (answers.get("personal_data") or "no") != "no":
        flags.append("personal_data")
    owner = answers.get("data_owner")
    if owner and owner not in CITY_OWNED and not city_owns(str(owner)):
        flags.append("city_not_data_owner")
    terms = plain(str(answers.get("ip_terms") or ""))
    if PROPRIETARY.search(terms) and not OPEN.search(terms):
        flags.append("proprietary_licence")
    if confidential:
        flags.append("confidential_answers")
    return flags
