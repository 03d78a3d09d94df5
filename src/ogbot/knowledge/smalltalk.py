"""Small talk: greetings, thanks, goodbyes, "who are you", "help", insults and prompt injection.

People greet, thank and test a bot before and after they ask. Those messages get one or two
friendly lines in their language, never the "I don't know" text. A greeting or a thank-you in
front of a real question ("Hallo, was ist die OGP?") does not count: :func:`recognise` only claims
a message that says nothing else, and :func:`strip` hands the rest of it to the answer engine.
Prompt-injection attempts ("ignore your instructions …") are small talk wherever they stand: the
bot has no instructions to leak, it keeps to its subject and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ogbot.knowledge.text import FILLERS, STOPWORDS, fold
from ogbot.models import Lang

Kind = Literal["greeting", "thanks", "goodbye", "who", "help", "insult", "injection"]


@dataclass(frozen=True)
class SmallTalk:
    kind: Kind
    lang: Lang | None  # None when the words are the same in both languages ("ok", "hi")


# (kind, language or None, pattern over the folded text); the first that matches wins
_PHRASES: tuple[tuple[Kind, Lang | None, str], ...] = (
    ("greeting", "de", r"hallo+|guten (morgen|tag|abend)|moin( moin)?|servus|gruss gott|gruezi"),
    ("greeting", "de", r"huhu|tach|na du|grussi|hallochen|gruss dich|gruezi|na|hey du|moinsen"),
    ("greeting", "de", r"wie geht'?s( dir| ihnen| so)?|wie geht es (dir|ihnen)|was geht( ab)?"),
    ("greeting", "de", r"guten (morgen|tag|abend) (zusammen|allerseits|liebe[rs]? bot)"),
    ("greeting", "en", r"hello+|good (morning|afternoon|evening)|howdy|greetings|what'?s up|sup"),
    ("greeting", None, r"hi+|hey+|hei|yo|hey+ there|hi+ there|hey+ ho|heyho|hallo+ there"),
    ("greeting", "en", r"how are you( doing)?( today)?|how'?s it going|how do you do|good day"),
    ("thanks", "de", r"(vielen |tausend |herzlichen )?dank(e)?( (dir|schon|sehr|euch))*( fur .*)?"),
    ("thanks", "de", r"merci|super,? danke|top,? danke|hat (mir )?(sehr )?geholfen"),
    ("thanks", "de", r"dankeschon|danke schon|vielen lieben dank|besten dank|merci vielmals"),
    ("thanks", "de", r"das hilft( mir)?( weiter)?|du hast mir (sehr )?geholfen|klasse,? danke"),
    ("thanks", "de", r"das (war|ist) (sehr |echt |wirklich |total )?(hilfreich|super|toll|gut)"),
    ("thanks", "en", r"(many |big )?thanks?( (you|a lot|so much|very much))*( for .*)?"),
    ("thanks", "en", r"thx|ty|cheers|much appreciated|(very )?helpful"),
    ("thanks", "en", r"(that|this|it) (was |is )?(very |really |super )?(helpful|great|useful)"),
    ("thanks", "en", r"(that|this|it) helped( a lot)?|appreciate it|thank u|tysm|thanks mate"),
    (
        "thanks",
        "en",
        r"(great|perfect|awesome|cool|nice),? thanks?( you)?|you'?ve been (very )?helpful",
    ),
    ("goodbye", "de", r"tschuss|tschau|auf wiedersehen|bis (bald|dann|spater)|ciao|gute nacht"),
    ("goodbye", "de", r"schonen (tag|abend)( noch)?"),
    ("goodbye", "en", r"(good)?bye|see (you|ya)( later)?|have a nice (day|evening)|good night"),
    ("goodbye", "en", r"later|bye bye|cya|take care|have a good (one|day|night)|farewell"),
    ("goodbye", "en", r"see you soon|catch you later|talk (to you )?later|i'?m off|gotta go"),
    (
        "goodbye",
        "de",
        r"mach'?s gut|machts gut|bis zum nachsten mal|schones wochenende|tscho|adieu",
    ),
    ("goodbye", "de", r"bis morgen|ich bin (dann )?weg|bye|man sieht sich"),
    ("who", "de", r"wer bist du|was bist du|bist du (ein |eine )?(bot|mensch|ki|maschine|echt)"),
    ("who", "de", r"wie heisst du|mit wem (rede|spreche|schreibe) ich"),
    ("who", "de", r"wer hat dich (gemacht|gebaut|programmiert|entwickelt|erstellt|geschrieben)"),
    ("who", "de", r"bist du (chatgpt|gpt|eine ki|ein chatbot|ein programm|kunstliche intelligenz)"),
    ("who", "de", r"(ist das|bin ich hier bei) (ein |eine )?(bot|mensch|ki|echte[rn]? mensch)"),
    ("who", "de", r"was fur ein bot bist du|stell dich (mal )?vor"),
    ("who", "en", r"who are you|what are you|are you (a |an )?(bot|human|person|ai|robot|real)"),
    ("who", "en", r"what'?s your name|who am i (talking|speaking|chatting) (to|with)"),
    ("who", "en", r"who (made|built|created|programmed|wrote) you"),
    ("who", "en", r"are you (chatgpt|gpt|an? ai|artificial intelligence|a chatbot|a machine)"),
    ("who", "en", r"(is this|am i talking to) (a |an )?(bot|human|real person|ai|machine)"),
    ("who", "en", r"introduce yourself|tell me about yourself"),
    ("help", "de", r"hilfe|was kannst du( alles)?|was kann ich (dich )?fragen|befehle"),
    ("help", "de", r"wie funktionierst du|welche befehle( gibt es)?|hilf mir|ich brauche hilfe"),
    ("help", "de", r"wie benutze ich (dich|das|den bot)|wie funktioniert (das|das hier|der bot)"),
    ("help", "de", r"was (kann|soll) ich (hier )?(machen|tun|fragen)|wozu bist du (da|gut)"),
    ("help", "en", r"help( me)?|what can you do|what can i ask( you)?|commands|which commands"),
    ("help", "en", r"how do(es)? (you|this( bot)?) work|how do i use (you|this( bot)?)"),
    ("help", "en", r"what (do|can) i do here|what are you (for|good for)|i need help"),
)
_INSULTS: dict[Lang, str] = {
    "de": r"dumm\w*|blod\w*|doof\w*|idiot\w*|scheiss\w*|mist|kacke|nutzlos\w*|sinnlos\w*|"
    r"bescheuert\w*|depp\w*|trottel\w*|versager\w*|halt die klappe|nervig\w*|schrott\w*|"
    r"mull|nervst|lacherlich\w*|unfahig\w*|schlecht\w*|peinlich\w*",
    "en": r"stupid|dumb|idiot\w*|useless|sucks?|shit\w*|crap\w*|fuck\w*|moron\w*|garbage|trash|"
    r"shut up|worthless|pathetic|annoying|lame|terrible|awful|rubbish|clueless|dumbass|"
    r"incompetent",
}
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines|"
    r"directives)\b|\b(ignoriere|ignorier|vergiss|missachte)\b.{0,40}\b(anweisung\w*|regeln|"
    r"instruktion\w*|vorgaben|prompt\w*)\b|system ?prompt|jailbreak|\bdan mode\b|"
    r"\byou are now\b|\bdu bist (jetzt|ab sofort|nun)\b|\bpretend (to be|you)\b|"
    r"\btu so als\b|\bdeveloper mode\b|\bentwicklermodus\b|\breveal your\b|\bzeig (mir )?deine? "
    r"(anweisung|regeln|prompt)|\bnew instructions\b|\bneue anweisung\w*|"
    r"\brepeat (the|your) (text|instructions|prompt)\b|\bwiederhole (den text|deine)\b|"
    r"\broleplay as\b|\bspiel(e)? die rolle\b|^system:|\bsudo\b|\bas an admin\b|"
    r"\bwhat are your instructions\b|\bwas sind deine anweisungen\b",
)
# "who" may go on ("bist du ein Mensch oder eine Maschine?"); the others are the whole clause
_COMPILED = tuple(
    (kind, lang, re.compile(rf"^(?:{pattern})" + (r"\b" if kind == "who" else "$")))
    for kind, lang, pattern in _PHRASES
)
_INSULT = {lang: re.compile(rf"\b(?:{pattern})\b") for lang, pattern in _INSULTS.items()}
_PUNCT = re.compile(r"[^\w'\s]+")
_SPACE = re.compile(r"\s+")
# words that may stand beside small talk without making it a question
_COMPANIONS = frozenset(
    """bot ogbot du dich dir you there all zusammen leute everyone folks bro mate lieber liebe
    dear ja yes nein no ok okay alles klar gut good great super cool nice toll prima perfekt
    perfect awesome""".split()
)


def _normal(text: str) -> str:
    return _SPACE.sub(" ", _PUNCT.sub(" ", fold(text))).strip()


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[,.!?;:\n]+|\s[-–]\s", fold(text)) if c.strip()]


def _phrase(clause: str) -> tuple[Kind, Lang | None] | None:
    clause = _normal(clause)
    words = [w for w in clause.split() if w not in _COMPANIONS]
    for candidate in (clause, " ".join(words)):
        for kind, lang, pattern in _COMPILED:
            if candidate and pattern.match(candidate):
                return kind, lang
    return None


def recognise(text: str) -> SmallTalk | None:
    """The small talk a message is, when it is nothing else; None for a question."""
    folded = fold(text)
    if _INJECTION.search(folded):
        de = re.search(r"ignorier|vergiss|missachte|anweisung|regeln|du bist", folded)
        return SmallTalk("injection", "de" if de else "en" if re.search(r"[a-z]", folded) else None)
    clauses = _clauses(text)
    if not clauses:
        return None
    found: list[tuple[Kind, Lang | None]] = []
    for clause in clauses:
        phrase = _phrase(clause)
        if phrase is None:
            insult = _insult(clause)
            if insult is None:
                return None
            phrase = insult
        found.append(phrase)
    # the last thing said decides the reply ("hallo, danke!" thanks); a language from any of them
    kind = found[-1][0]
    lang = next((lang for _, lang in reversed(found) if lang), None)
    return SmallTalk(kind, lang)


def _insult(clause: str) -> tuple[Kind, Lang] | None:
    """An insult, when the clause is little more than one (not "dumme Frage, aber …")."""
    normal = _normal(clause)
    content = [
        w
        for w in normal.split()
        if w not in STOPWORDS["de"] and w not in STOPWORDS["en"] and w not in _COMPANIONS
    ]
    for lang, pattern in _INSULT.items():
        if pattern.search(normal):
            rest = [w for w in content if not pattern.fullmatch(w)]
            if len(rest) <= 3:
                return "insult", lang
    return None


def strip(text: str) -> str:
    """The message without greetings, thanks and fillers in front of or after the question."""
    clauses = re.split(r"([,.!?;:\n]+)", text)
    kept: list[str] = []
    for i in range(0, len(clauses), 2):
        clause = clauses[i]
        if clause.strip() and _phrase(clause) is None:
            kept.append(clause + (clauses[i + 1] if i + 1 < len(clauses) else ""))
    rest = "".join(kept).strip()
    if all(w in FILLERS for w in _normal(rest).split()):
        return ""
    return rest
