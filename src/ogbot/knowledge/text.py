"""Language-aware normalisation of questions and content: fold, tokenise, drop stop words, stem.

Stemming uses the Snowball stemmers (``snowballstemmer``): the reference German and English
algorithms, pure Python with no model files (so ``ogbot ask`` starts fast), and they reduce
inflections the way people type them ("Aktionspläne", "Aktionsplänen" -> "aktionsplan"). A
lemmatiser (spaCy, simplemma) would be more exact but costs a model load at every start for no
gain at this index's size. This is the only module that imports ``snowballstemmer``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Literal

import snowballstemmer

# lower case, compatibility-normalised, umlauts and accents folded (ä->a, ß->ss, é->e); the
# knowledge modules import it from here
from ogbot.text import fold as fold

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = ("de", "en")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# English contractions and the German "gibt's": the clitic carries no topic
_CLITIC = re.compile(r"(?<=[^\W_])['’](s|t|re|ve|ll|d|m)\b", re.IGNORECASE)
_NOT = re.compile(r"n['’]t\b", re.IGNORECASE)

# Function words: they carry no topic. Kept short on purpose: question words that *do* tell a
# topic apart ("wer" -> who coordinates, "wie" -> how to take part) are matched through the
# example questions, so only the words that occur everywhere are listed.
STOPWORDS: dict[Lang, frozenset[str]] = {
    "de": frozenset(
        """
        aber alle allem allen aller alles als also am an ander andere anderen auch auf aus bei
        beim bin bis bist bitte da dabei dafur damit dann dar daran darauf daruber darum das dass
        dazu dein deine dem den denn der des dessen deshalb die dies diese diesem diesen dieser
        dieses doch dort du durch ein eine einem einen einer eines einfach eigentlich er es etwa
        etwas euch euer eure fur gibt gab hab habe haben hat hatte hier ich ihm ihn ihnen ihr ihre
        ihrem ihren ihrer im immer in ins is ist ja jetzt kann kannst konnen konnt mal man mehr mein
        meine mich mir mit muss mussen nach nicht noch nun nur ob oder ohne schon sehr sein seine
        sich sie sind so soll sollen sollte sowie uber um und uns unser unsere unter viel vom von
        vor war waren was weil welche welcher welches wenn wer werden wie wird wo woher welchem
        welchen wohin wurde wurden zu zum zur zwischen denn halt eben dies genau gerne okay ok
        hallo hi
        erzahl erklar erklare sag sage sagen wissen weiss bedeutet bedeutung heisst gemeint
        gibts gibt's nen ne neue neuen neuer neues nachste nachsten naechste beginnt beginnen
        lauft laufen geht gehen passiert genau eigentlich ungefahr denn wirklich bzw usw etc
        ab
        """.split()
    ),
    "en": frozenset(
        """
        a about all also am an and any are as at be been being but by can could did do does doing
        for from get got had has have how i if in into is it its just me mean means meant my of on
        or our please so some tell than that the their them then there these they this those to
        us was we were what whats when where which who whom will with would you your yours
        explain know hi hello hey okay ok exactly actually really thing stuff guys folks yall
        next new does anyone someone something not just another other also only way
        """.split()
    ),
}


# Discourse particles: dropped even where function words matter (see Index.search's fallback).
FILLERS = frozenset(
    """
    so exactly actually really just guys folks yall please okay ok hi hello hey eigentlich denn
    halt eben mal genau bitte hallo hey na also nochmal
    """.split()
)


# Everyday words the domain also uses: they support a match but never carry one on their own
# ("action plan for my diet", "Partnerschaft beenden", "Telegram-Kanal für meinen Online-Shop").
# The content's words that are common in general text come from wordfreq, computed once per
# change of the content (scripts/general_words.py writes general_words.txt: loading wordfreq's
# tables at every start would cost ~0.4 s); a few everyday words people use in off-topic
# questions that the content lacks are added here, and the domain's own names are kept out.
_EVERYDAY = frozenset(
    """
    deutschland germany german regierung government plan plans kanal channel partnerschaft
    partnership land lander country countries staat state states stadt city open offen daten
    data online mitglied member members neu new deadline frist kosten cost geld money account
    konto bank steuer steuern tax taxes handy phone app internet website
    """.split()
)
DOMAIN = frozenset(
    """
    bot ogbot netzwerk network feed feeds rss atom ogp irm ifg nap konsultation consultation
    transparenz transparency beteiligung participation
    """.split()
)


def _general_words() -> frozenset[str]:
    listed = resources.files("ogbot.knowledge").joinpath("general_words.txt")
    lines = listed.read_text(encoding="utf-8").splitlines()
    found = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return frozenset((found | _EVERYDAY) - DOMAIN)


GENERAL = _general_words()

# Words people use that the content says otherwise: mapped before stemming, both languages.
SYNONYMS: dict[str, str] = {
    # leading and coordinating
    "leitet": "koordiniert",
    "leiten": "koordinieren",
    "leitung": "koordination",
    "steuert": "koordiniert",
    "fuhrt": "koordiniert",
    "organisiert": "koordiniert",
    "leads": "coordinates",
    "runs": "coordinates",
    "manages": "coordinates",
    "organises": "coordinates",
    "organizes": "coordinates",
    # founding
    "entstanden": "gegrundet",
    "entstand": "gegrundet",
    "gestartet": "gegrundet",
    "grundung": "gegrundet",
    "gegrundete": "gegrundet",
    "launched": "founded",
    "started": "founded",
    "established": "founded",
    "created": "founded",
    "founding": "founded",
    "founders": "founded",
    "grunder": "gegrundet",
    # the country
    "brd": "deutschland",
    "bundesrepublik": "deutschland",
    # abbreviations and spellings
    "opengov": "open",
    "og": "open",
    "nap": "aktionsplan",
    "naps": "aktionsplan",
    "aktionsplane": "aktionsplan",
    "aktionsplanen": "aktionsplan",
    "transparenzgesetze": "transparenzgesetz",
    "informationsfreiheit": "ifg",
    "informationsfreiheitsgesetz": "ifg",
    "foi": "ifg",
    "foia": "ifg",
    # corruption, transparency, privacy
    "bestechung": "korruption",
    "bestechlichkeit": "korruption",
    "vetternwirtschaft": "korruption",
    "filz": "korruption",
    "schmiergeld": "korruption",
    "bribery": "corruption",
    "graft": "corruption",
    "cronyism": "corruption",
    "nepotism": "corruption",
    "glasern": "transparent",
    "nachvollziehbar": "transparent",
    "dsgvo": "datenschutz",
    "gdpr": "privacy",
    # bodies and who is in charge
    "steuerungskomitee": "lenkungsausschuss",
    "steuerungsgruppe": "lenkungsausschuss",
    "lenkungskreis": "lenkungsausschuss",
    "zustandig": "verantwortlich",
    "federfuhrend": "verantwortlich",
    "ressort": "ministerium",
    "ressorts": "ministerien",
    "charge": "responsible",
    "kleinstadt": "kommune",
    "gemeinde": "kommune",
    "rathaus": "kommune",
    "landkreis": "kommune",
    "beteiligungshaushalt": "burgerhaushalt",
    "monitor": "watch",
    "monitors": "watches",
    "track": "watch",
    "tracks": "watches",
    "talk": "speak",
    "wieviele": "viele",
    "volltext": "text",
    "rohdaten": "daten",
    # joining
    "beitreten": "mitmachen",
    "beitritt": "mitmachen",
    "engagieren": "mitmachen",
    "mitwirken": "mitmachen",
}


def _unclitic(text: str) -> str:
    return _CLITIC.sub("", _NOT.sub(" not", text))


# Names people write as several words, read as one ("Frag den Staat" is FragDenStaat, not a
# question about the state); applied to the content and to questions alike.
NAMES: dict[str, str] = {
    "frag den staat": "fragdenstaat",
    "code for germany": "codeforgermany",
    "open knowledge foundation": "okf",
    "open knowledge": "okf",
    "open government partnership": "ogp",
    "open gov partnership": "ogp",
    "independent reporting mechanism": "irm",
    "open gov week": "opengovweek",
    "open government week": "opengovweek",
    "open gov challenge": "opengovchallenge",
    "open government challenge": "opengovchallenge",
    "ogp local": "ogplocal",
    "ogp lokal": "ogplocal",
}
# "der vierte Aktionsplan", "4. NAP", "NAP 4", "the fourth national action plan": one token
_ORDINALS = {
    "1": r"1\.?|erste[nrs]?|first|1st",
    "2": r"2\.?|zweite[nrs]?|second|2nd",
    "3": r"3\.?|dritte[nrs]?|third|3rd",
    "4": r"4\.?|vierte[nrs]?|fourth|4th",
    "5": r"5\.?|f(?:u|ü|ue)nfte[nrs]?|fifth|5th",
}
_PLAN = (
    r"(?:nationale[nrs]?\s+|national\s+|deutsche[nrs]?\s+|german\s+)?"
    r"(?:aktionspl(?:a|ä)n\w*|nap|action\s+plans?)"
)
_PLANS = re.compile(
    "|".join(
        rf"(?P<o{number}>(?<![\w.])(?:{ordinal})\s*{_PLAN}\b)|(?P<n{number}>\b{_PLAN}\s*{number}\b)"
        for number, ordinal in _ORDINALS.items()
    ),
    re.IGNORECASE,
)
_PLAN_HINT = re.compile(r"nap|pl[aä]n", re.IGNORECASE)


def _plans(text: str) -> str:
    if not _PLAN_HINT.search(text):
        return text
    return _PLANS.sub(lambda m: f" nap{(m.lastgroup or 'x0')[1:]} ", text)


_SPACES = re.compile(r"\s+")
# any case and spacing: applied to folded text (words) and to text as written (marked_words)
_NAMES = re.compile(
    r"\b(" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in NAMES) + r")\b", re.IGNORECASE
)


def _name(match: re.Match[str]) -> str:
    return NAMES[_SPACES.sub(" ", match[0].casefold())]


def _prepared(text: str) -> str:
    """Clitics off, hyphens as spaces ("OGP-Local"): what every tokenisation starts from."""
    return _unclitic(text).replace("-", " ")


def plain_words(text: str) -> list[str]:
    """Folded words as written, without names ("Frag den Staat" is no German sentence): what
    tells a question's language."""
    return _WORD.findall(_NAMES.sub(" ", fold(_prepared(text))))


def words(text: str) -> list[str]:
    """Folded words of a text, in order (letters and digits; punctuation splits)."""
    return list(_words(text))


@lru_cache(maxsize=32768)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_NAMES.sub(_name, _plans(fold(_prepared(text))))))


def marked_words(text: str) -> list[tuple[str, bool]]:
    """Folded words, each with whether it was written capitalised after the first word.

    A capitalised word inside a question is a noun or a name (German capitalises nouns); when
    the content does not know it, it says more about the question's subject than an unknown verb.
    """
    text = _plans(_prepared(unicodedata.normalize("NFKC", text)))
    found = _WORD.findall(_NAMES.sub(_name, text))
    # the first word is capitalised anyway: a noun only when it is not a function word
    return [
        (_fold_word(w), w[:1].isupper() and (i > 0 or not is_stopword(_fold_word(w))))
        for i, w in enumerate(found)
    ]


@lru_cache(maxsize=16384)
def _fold_word(word: str) -> str:
    """One word folded: people use the same words again and again."""
    return fold(word)


_STEMMERS = {
    lang: snowballstemmer.stemmer("german" if lang == "de" else "english") for lang in LANGS
}


# Where Snowball merges words that mean different things here ("accountability" is not a bank
# "account"), the word keeps a stem of its own.
STEM_EXCEPTIONS: dict[str, str] = {
    "accountability": "accountabl",
    "accountable": "accountabl",
}


@lru_cache(maxsize=16384)
def stem(word: str, lang: Lang) -> str:
    """The Snowball stem of a folded word. The German stemmer expects umlauts folded already."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    result: str = _STEMMERS[lang].stemWord(word)
    return result


def is_stopword(word: str) -> bool:
    return word in STOPWORDS["de"] or word in STOPWORDS["en"]


_KINDS = (
    ("howmany", r"wie ?viele?|wieviel|how many|how much|anzahl|number of"),
    ("when", r"wann|seit wann|bis wann|when|since when|what year|in welchem jahr"),
    ("who", r"wer|wem|wen|who|whom|whose"),
    ("where", r"wo|wohin|woher|where"),
    ("why", r"warum|wieso|weshalb|wozu|why"),
    ("how", r"wie|how"),
    ("which", r"welche[rsnm]?|which"),
    ("what", r"was|what"),
)
_KIND = re.compile("|".join(rf"(?P<{name}>\b(?:{spelled})\b)" for name, spelled in _KINDS))


def question_kind(text: str) -> str | None:
    """What a question asks for, by its question word: "when", "who", "howmany", …"""
    found = _KIND.search(fold(text))
    return found.lastgroup if found else None
