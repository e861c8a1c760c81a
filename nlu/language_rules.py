"""Which language a message is written in ("en" or "es"), or none when it does not show
one: the rules of nlu/language_detector.py, apart from Rasa so that
rasa_env/language_eval.py can measure them with any detector.

In order, the first that decides wins:
1. an explicit switch: a short message that names one of the two languages and otherwise
   only asks for it ("español", "in English please", "¿hablas español?", "en inglés");
2. the text, when it clearly shows its language: its words, once e-mail addresses,
   links, references, numbers, emoji and words of no language ("ok", "lol") are set
   aside, have enough letters and do not look like a name (every word capitalised);
   then a text of a few words is decided by words that show their language on their
   own ("hola", "dale", "thanks", "nope"), if only one language's, and otherwise the
   detector decides, if confident;
3. the language the channel says the person uses (the message metadata's `language`:
   the web page's and Slack's);
4. none: the conversation keeps its language.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

LANGUAGES = ("en", "es")

# A detector's confidence in each language for a text (missing languages count as 0).
Detector = Callable[[str], Mapping[str, float]]


def _words(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Names of the two languages, in either language, accents folded.
_LANGUAGE_NAMES = {
    "es": frozenset({"espanol", "spanish", "castellano"}),
    "en": frozenset({"english", "ingles"}),
}
# Words that may stand beside a language's name in a request for it: with nothing else
# in the message, it asks to switch. Anything else ("the app supports Spanish") and
# the message is about something else; the detector decides.
_SWITCH_WORDS = _words(
    """
    in en please pls plz por favor speak speaks talk write answer reply respond do does you
    can could we i i'd id me us let's lets switch change to into a the only just rather
    would like prefer want language yes ok okay better now
    habla hablas hablan hablamos hablar hablame usted ustedes puedes podemos puede se
    sabes cambia cambiar cambiamos al idioma prefiero quiero mejor solo nomas porfa pf
    si escribe escribeme escribir contesta contestame responde respondeme y ahora
    mas lo el la que gustaria me
    """
)
# At most this many words in a switch request; longer messages are about something else.
_SWITCH_MAX_WORDS = 7

# Words of no language: they never decide it.
_NEUTRAL_WORDS = _words(
    """
    ok okay okey oki okis k kk lol lmao xd hmm hm mmm mm ah oh eh uh um umm ha haha
    jaja jajaja hehe wow yay omg ty thx pls plz app apps email mail url www http
    https com org io net gov sc ref
    """
)

# Words that show their language on their own, for texts of a few words, where detectors
# trained on longer text guess (fastText reads "hola", "dale", "cancelar" as English):
# greetings, thanks, yes/no/stop/skip and the like in chat, accents folded. A word here
# is never a word of the other language, nor a name.
_SHORT_TEXT_WORDS = {
    "es": _words(
        """
        hola buenas buenos dias tardes noches gracias si dale orale andale claro
        vale bueno listo cancelar cancela omitir omite saltar salta paso nada nomas
        adios vemos luego porque por que cual quien donde cuando cuanto como ayuda
        ayudame oye mande quiero tengo soy mi mis tu es esta estoy eso esto pues para
        de del el la los las una uno en con sin pero tambien aqui novedad estado
        propuesta empresa negocio correo nombre cambiar olvidalo perdon disculpa
        """
    ),
    "en": _words(
        """
        hi hello hey thanks thank yes yeah yep yup nope nah please sure bye goodbye
        cancel skip why what who where when how help later maybe the my i i'm im it's
        is are do does want have need of to with without but also here update status
        proposal company business name change forget sorry good morning evening
        """
    ),
}
_SHORT_TEXT_MAX_WORDS = 3

_EMAIL = re.compile(r"\S+@\S+")
# Any word with a dot before two letters or more is an address, whatever its ending:
# "zephyr-kinetics.example", "acme.ai" and "sensores.city" show no language.
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S*[\w-]\.[^\W\d_]{2,}\S*", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# A text's words must hold at least this many letters for the detector to be asked:
# "si" (2) is Spanish, "k" (1) is nothing.
MIN_LETTERS = 2
# The detector's confidence needed to decide (measured on rasa_env/short_texts.yml).
MIN_CONFIDENCE = 0.7
# What the detector reads of a long text: its start shows the language as well as the
# whole, and a 5,000-character message costs no more than a paragraph.
_DETECTED_MAX_CHARS = 1000


def folded(text: str) -> str:
    """Lower case without accents: "¿Hablás ESPAÑOL?" -> "¿hablas espanol?"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def switch_requested(text: str) -> str | None:
    """The language a short message asks for by name, if that is all it does."""
    words = _WORD.findall(folded(text))
    if not words or len(words) > _SWITCH_MAX_WORDS:
        return None
    named = {
        language
        for language, names in _LANGUAGE_NAMES.items()
        if any(word in names for word in words)
    }
    if len(named) != 1:
        return None
    every_name = _LANGUAGE_NAMES["en"] | _LANGUAGE_NAMES["es"]
    if all(word in every_name or word in _SWITCH_WORDS for word in words):
        return named.pop()
    return None


def telling_words(text: str) -> list[str]:
    """The words that may show the text's language: e-mail addresses, links, numbers,
    references, emoji, punctuation and words of no language set aside."""
    text = _LINK.sub(" ", _EMAIL.sub(" ", text))
    return [word for word in _WORD.findall(text) if folded(word) not in _NEUTRAL_WORDS]


def looks_like_a_name(words: list[str]) -> bool:
    """Two or more words, each capitalised: "María González", "Acme Corp", "Lamar Blvd"."""
    return len(words) >= 2 and all(word[0].isupper() for word in words)


def short_text_language(words: list[str]) -> str | None:
    """The language a text of a few words shows by its words alone, if only one."""
    if len(words) > _SHORT_TEXT_MAX_WORDS:
        return None
    shown = {
        language
        for language, known in _SHORT_TEXT_WORDS.items()
        if any(folded(word) in known for word in words)
    }
    return shown.pop() if len(shown) == 1 else None


def shown_language(text: str, detector: Detector) -> str | None:
    """The language the text clearly shows, by its words or the detector, or None."""
    words = telling_words(text)
    if sum(len(word) for word in words) < MIN_LETTERS or looks_like_a_name(words):
        return None
    if language := short_text_language(words):
        return language
    if len(words) == 1:  # a word no list knows: a name, a place, a choice; never flips
        return None
    confidences = detector(" ".join(words)[:_DETECTED_MAX_CHARS])
    language = max(LANGUAGES, key=lambda code: confidences.get(code, 0.0))
    return language if confidences.get(language, 0.0) >= MIN_CONFIDENCE else None


def channel_language(metadata: Any) -> str | None:
    """The language the channel says the person uses (metadata {"language": "es"})."""
    if isinstance(metadata, Mapping):
        language = metadata.get("language")
        if isinstance(language, str) and language.lower() in LANGUAGES:
            return language.lower()
    return None


def language_of(text: str, metadata: Any, detector: Detector) -> str | None:
    """The message's language by the rules above, or None (the conversation keeps its)."""
    return switch_requested(text) or shown_language(text, detector) or channel_language(metadata)
