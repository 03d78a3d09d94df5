"""Small talk: greetings, thanks, goodbyes, "who are you", "help", insults and prompt injection.

People greet, thank and test a bot before and after they ask. Those messages get one or two
friendly lines in their language, never the "I don't know" text. A greeting or a thank-you in
front of a real question ("Hallo, was ist die OGP?") does not count: :func:`recognise` only claims
a message that says nothing else, and :func:`strip` hands the rest of it to the answer engine.
Prompt-injection attempts ("ignore your instructions …") are small talk wherever they stand: the
bot has no instructions to leak, it keeps to its subject and says so.

How a message is read: it is cut into clauses at punctuation and at "und"/"and"/"aber"/"but";
each clause must be a run of known phrases ("ok danke tschüss") and companion words ("lieber
Bot", "zusammen", "please"), or little more than an insult. One clause that is anything else
makes the message a question. The last phrase decides the kind ("Danke und tschüss" is a
goodbye), except that a bare acknowledgement ("ok", "super") gives way to any other phrase
("Moin, alles klar?" is a greeting); the language is the last one a phrase or companion tells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ogbot.knowledge.text import FILLERS, STOPWORDS, fold
from ogbot.models import Lang

Kind = Literal["greeting", "thanks", "goodbye", "who", "help", "insult", "injection"]


@dataclass(frozen=True)
class SmallTalk:
    kind: Kind
    lang: Lang | None  # None when the words are the same in both languages ("ok", "hi")


# question words: a "who are you" may go on ("… oder eine Maschine?"), but not into a question
_QUESTION = (
    r"(?:was|wie|wer|wo|wann|warum|wieso|weshalb|welche\w*|what|how|who|where|when|why|which)"
)
_QUESTION_WORD = re.compile(_QUESTION)
_WHAT_A = re.compile(r"\b(was fur|what an?)\b")  # "was für ein Schrott", "what a joke"
_PUNCTUATION = re.compile(r"([,.!?;:\n]+)")  # where strip cuts a message
# "danke für die schnelle Antwort", "thanks for your help": a few words, none a question word
# ("danke für nichts" is sarcasm: an insult)
_FOR = rf"(?: (?:fur|for)(?: (?!{_QUESTION}\b|nichts\b|nothing\b)\w+){{1,4}})?"

# (kind, language or None, pattern over whole words of the normalised text); see _read
_PHRASES: tuple[tuple[Kind, Lang | None, str], ...] = (
    # --- greetings
    ("greeting", "de", r"(einen )?(wunder)?(schonen )?guten (morgen|tag|abend|mittag)"),
    ("greeting", "de", r"hallo+( hallo)?|hallochen|halli ?hallo|huhu|moin( moin)?|moinsen"),
    ("greeting", "de", r"servus|gruss gott|gruezi|gruss (dich|euch|sie)|grussi|griass di|gude"),
    ("greeting", "de", r"tach( auch)?|mahlzeit|na du|na|hey du|ich bin neu( hier)?"),
    ("greeting", "de", r"(ist )?(hier |da )?(jemand|wer|einer) (da|hier)"),
    ("greeting", "de", r"wie geht'?s( dir| ihnen| euch| so)?|wie gehts"),
    ("greeting", "de", r"wie geht es (dir|ihnen|euch)"),
    ("greeting", "de", r"was geht( ab)?|wie is(t)? die lage|was is(t)? (so )?los|alles fit"),
    ("greeting", "de", r"alles (gut|klar|fit|ok) bei (dir|ihnen|euch)"),
    ("greeting", "de", r"ich heisse \w+|mein name ist \w+( \w+)?"),
    ("greeting", "en", r"hello+|hiya|howdy|greetings|good (morning|afternoon|evening|day)"),
    ("greeting", "en", r"what'?s up|wass?up|sup|how are (you|u|things)( doing)?( today)?"),
    ("greeting", "en", r"how'?s it going|how do you do|i'?m new( here)?|i am new( here)?"),
    ("greeting", "en", r"(is )?(any|some)(one|body) (there|here|home|around)"),
    ("greeting", "en", r"my name is \w+( \w+)?"),
    # "Hi", "Hey" are German too; "Moin", "Servus", "Grüß Gott" only German
    ("greeting", None, r"hi+|hey+|hei|heya|yo|hey+ ?ho"),
    # --- thanks
    (
        "thanks",
        "de",
        r"((vielen|tausend|herzlichen|besten|lieben|schonen|recht herzlichen) )*dank(e|eschon)?"
        rf"( (dir|ihnen|euch|schon|sehr|vielmals|nochmal|nochmals|auch))*{_FOR}",
    ),
    ("thanks", "de", rf"ich danke (dir|ihnen|euch)( sehr| vielmals)?{_FOR}|merci( vielmals)?"),
    ("thanks", "de", r"vergelt'?s gott|danksche|dankee|besten dank"),
    ("thanks", "de", r"das hilft( mir)?( sehr)?( weiter)?|(das )?hat (mir )?(sehr )?geholfen"),
    ("thanks", "de", r"(du hast|sie haben) mir (sehr |echt |wirklich )?(geholfen|weitergeholfen)"),
    ("thanks", "de", r"(das (war|ist) )?(sehr |echt |wirklich |total |super )?hilfreich"),
    ("thanks", "de", r"das (war|ist) (sehr |echt |wirklich |total )?(super|toll|gut|klasse|prima)"),
    ("thanks", "de", r"(genau )?das (habe|hab) ich gesucht|genau was ich (gesucht|gebraucht) hab"),
    ("thanks", "de", r"(das )?hat (geklappt|funktioniert)|jetzt weiss ich (bescheid|mehr)"),
    ("thanks", "de", r"gute arbeit|gut gemacht|(guter|braver|toller) bot"),
    ("thanks", "en", rf"((many|big|huge) )?thanks?( (you|u|ya|a lot|so much|very much))*{_FOR}"),
    ("thanks", "en", rf"thank (you|u)( (so|very) much)?{_FOR}|thx|thnx|thanx|ty|tysm|tyvm"),
    ("thanks", "en", r"cheers|(much )?appreciated|(i )?appreciate (it|that|your help)"),
    ("thanks", "en", r"(that|this|it) (was |is |has been )?(very |really |super |so )?helpful"),
    ("thanks", "en", r"(that|this|it) (was |is )?(very |really |super )?(great|useful)"),
    ("thanks", "en", r"(that|this|it) helped( me)?( a lot)?|you'?ve been (very |really )?helpful"),
    ("thanks", "en", r"(very |really |super )?helpful|that answers my question"),
    ("thanks", "en", r"that'?s (exactly |just )?what i (needed|wanted|was looking for)"),
    ("thanks", "en", r"(good|great|nice) (job|work|bot)|well done"),
    # --- goodbyes
    ("goodbye", "en", r"(good ?)?bye( bye)?( for now)?|bye-bye|see (you|ya|u)( later| soon)?"),
    ("goodbye", "en", r"have a (nice|good|great|lovely) (day|evening|weekend|one|night)"),
    ("goodbye", "en", r"good ?night|later|cya|take care|farewell|catch you later"),
    ("goodbye", "en", r"talk (to you )?(later|soon)|i'?m off|(gotta|got to|i (have to|must)) go"),
    ("goodbye", "de", r"tschu+s+i?|tschussle|tschau|tscho|ciao|adieu|ade"),
    ("goodbye", "de", r"auf wiederseh(e|')n|auf wiederhoren"),
    ("goodbye", "de", r"bis (bald|dann|spater|morgen|demnachst|die tage|zum nachsten mal)"),
    ("goodbye", "de", r"gute nacht|schonen (tag|abend|sonntag|feierabend)( noch)?"),
    ("goodbye", "de", r"schones wochenende|mach'?s gut|macht'?s gut|man sieht sich"),
    ("goodbye", "de", r"(ich )?(muss|bin) (dann |jetzt )?(los|weg)"),
    # "das war's": nothing more to ask
    ("goodbye", "de", r"das war'?s( schon)?|das war (schon )?alles|mehr wollte ich nicht"),
    ("goodbye", "en", r"that'?s (all|it)( for now)?|that will be all|nothing else"),
    # --- who: the bot itself (not "wer hat das Netzwerk gegründet")
    ("who", "de", r"wer (bist du|sind sie)|was (bist du|sind sie)|was fur ein bot bist du"),
    (
        "who",
        "de",
        r"(bist du|sind sie) (denn )?(ein |eine )?(echter |echte |richtiger )?(bot|mensch|ki|"
        r"maschine|roboter|computer|programm|chatbot|echt|chatgpt|gpt|kunstliche intelligenz)",
    ),
    ("who", "de", r"wie (heisst du|heissen sie|ist dein name)|hast du einen namen"),
    ("who", "de", r"mit wem (rede|spreche|schreibe|chatte) ich( hier)?"),
    (
        "who",
        "de",
        r"wer hat (dich|diesen bot|den bot) (gemacht|gebaut|programmiert|entwickelt|"
        r"erstellt|geschrieben)|wer (steckt hinter|betreibt) (dir|dich|diesem bot|diesen bot)",
    ),
    (
        "who",
        "de",
        r"(ist das( hier)?|bin ich hier bei|rede ich (hier )?mit) (ein |eine |einem )?"
        r"(bot|mensch|ki|echte[rnm]? mensch|maschine|roboter)|stell dich (mal )?vor",
    ),
    ("who", "en", r"who are (you|u)|what are (you|u)"),
    (
        "who",
        "en",
        r"(are|r) (you|u) (a |an )?(real )?(bot|human|person|ai|robot|real|machine|chatbot|"
        r"chatgpt|gpt|artificial intelligence)",
    ),
    ("who", "en", r"what'?s your name|what is your name|do you have a name"),
    ("who", "en", r"who am i (talking|speaking|chatting) (to|with)"),
    (
        "who",
        "en",
        r"who (made|built|created|programmed|wrote|runs|operates) (you|this bot|the bot)",
    ),
    ("who", "en", r"(who'?s|who is) behind (you|this bot|the bot)|introduce yourself"),
    (
        "who",
        "en",
        r"(is this|am i talking to) (a |an )?(real )?(bot|human|person|ai|machine|robot)",
    ),
    ("who", "en", r"tell me about yourself"),
    # --- help: what the bot does and how to use it (not "Hilfe bei der Kommentierung")
    ("help", "de", r"hilfe|hilf mir|ich brauche (deine |ihre |etwas )?hilfe|befehle|kommandos"),
    ("help", "de", r"(kannst du|konnen sie|konntest du|konnten sie) mir helfen"),
    ("help", "de", r"was (kannst du|konnen sie)( alles| so)?( machen| tun)?|was weisst du alles"),
    ("help", "de", r"was kann ich (dich |sie )?(alles |hier )?fragen|welche befehle( gibt es)?"),
    ("help", "de", r"was (kann|soll) ich (hier )?(machen|tun|fragen)|wozu bist du (da|gut)"),
    ("help", "de", r"wofur bist du (da|gut)|wor?uber kann ich mit (dir|ihnen) (reden|sprechen)"),
    ("help", "de", r"wie funktionierst du|wie funktioniert (das|das hier|der bot|dieser bot)"),
    ("help", "de", r"wie (benutze|nutze|bediene) ich (dich|das|den bot|diesen bot)"),
    # "ich habe eine Frage" with no question yet: what to ask about
    ("help", "de", r"ich (habe|hab|hatte) (da |mal |noch )*(eine|ne|n) (kurze )?frage|kurze frage"),
    ("help", "de", r"darf ich (dich |sie )?(was|etwas|eine frage) (fragen|stellen)"),
    ("help", "en", r"help( me)?|i need (some )?help|(can|could) (you|u) help( me)?"),
    ("help", "en", r"what can (you|u) do|what can i ask( you)?|what do you (know|do)"),
    ("help", "en", r"what (topics|things|subjects) (do|can) you (cover|answer|know|talk about)"),
    ("help", "en", r"(what are the |which |list of )?commands|what are you (for|good for)"),
    ("help", "en", r"how do(es)? (you|this( bot)?|it) work|how do i use (you|this( bot)?|it)"),
    ("help", "en", r"what (do|can) i do here|(i have a|quick) question"),
    ("help", "en", r"(can|may) i ask (you )?(something|a question)"),
    ("help", "de", r"was kann (der|dieser) bot( alles)?|(was fur|welche) fragen kann ich stellen"),
    ("help", "de", r"welche fragen (beantwortest du|beantworten sie|kannst du beantworten)"),
    ("help", "en", r"what can (the|this) bot do|what questions (can i ask|do you answer)"),
    # confusion: how to use the bot
    ("help", "de", r"(ich )?versteh(e)? (das |es )?nicht|das versteh(e)? ich nicht"),
    ("help", "de", r"wie bitte|ha|hae"),
    ("help", "de", r"wie das (hier )?funktioniert"),
    ("help", "en", r"i don'?t (understand|get it)|huh|pardon"),
    # --- insults that name no bad word ("du verstehst gar nichts")
    ("insult", "de", r"du verstehst (ja |echt |wirklich |eh |einfach )?(gar |uberhaupt )?nichts"),
    ("insult", "de", r"du hast (ja |echt |wirklich )?(gar )?keine ahnung|keine ahnung hast du"),
    ("insult", "en", r"you (don'?t|do not) (understand|know) anything|you have no (idea|clue)"),
    ("insult", "de", r"danke fur nichts|na danke auch"),
    ("insult", "en", r"thanks for nothing"),
    # "falsch!", "Die Antwort ist falsch": a complaint, answered like an insult (tell me more)
    ("insult", "de", r"((das|die antwort|deine antwort) (ist|war) )?(falsch|quatsch|unsinn)"),
    ("insult", "de", r"(das )?stimmt (so |doch |gar )?nicht|so ein quatsch"),
    ("insult", "en", r"((that|this|the answer|your answer) (is|was) |that'?s )?(wrong|nonsense)"),
    ("insult", "en", r"bullshit|not true|that'?s not (right|true)"),
    # --- acknowledgements: thanks when nothing else is said ("ok", "super"), else they give way
    ("thanks", None, r"ok(ay|e)?|k|kk|super|top|cool|perfekt"),
    ("thanks", "de", r"alles (klar|gut)|(sehr )?gut|toll|prima|klasse|spitze|verstanden|passt"),
    ("thanks", "de", r"ach so|aha|okidoki|alles roger"),
    ("thanks", "en", r"great|nice|awesome|perfect|good|got it|understood|i see|sounds good"),
    ("thanks", "en", r"alright|all right|fine|sweet"),
)
_ACK_START = next(i for i, (kind, lang, _) in enumerate(_PHRASES) if kind == "thanks" and not lang)
_LONGEST = 12  # words in the longest phrase ("vielen herzlichen Dank für die schnelle Antwort")
# all phrases in one pattern, each its own named group in the order listed: a match is the
# first phrase listed that matches (one search instead of one per phrase)
_PHRASE = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, (_, _, pattern) in enumerate(_PHRASES)))
_SAID = {f"p{i}": (kind, lang, i >= _ACK_START) for i, (kind, lang, _) in enumerate(_PHRASES)}

# Words that may stand beside small talk without making it a question, and the language each
# tells (None: either).
_COMPANIONS: dict[str, Lang | None] = {
    **dict.fromkeys("bot ogbot chatbot lol haha hehe xd oh ah so also".split(), None),
    **dict.fromkeys(
        """du dich dir ihr euch zusammen leute lieber liebe lieben allerseits herr frau mal
        nochmal nochmals bitte ja nein echt wirklich sehr auch noch""".split(),
        "de",
    ),
    **dict.fromkeys(
        """you u there all everyone everybody folks guys bro mate dear yes no please pls plz
        again very really dude buddy""".split(),
        "en",
    ),
}
# emoji that are a whole message: 👍 is "ok, thanks", 👋 is "hi"
_EMOJI: dict[str, Kind] = {
    **dict.fromkeys("👍👌🙏❤♥💯🤝😊☺🥰", "thanks"),
    "👋": "greeting",
}

_INSULTS: dict[Lang, str] = {
    "de": r"dumm\w*|blod\w*|doof\w*|idiot\w*|scheiss\w*|mist|kacke|nutzlos\w*|sinnlos\w*|"
    r"bescheuert\w*|depp\w*|trottel\w*|versager\w*|halt die klappe|nervig\w*|schrott\w*|"
    r"mull|nervst|lacherlich\w*|unfahig\w*|schlecht\w*|peinlich\w*|armselig\w*",
    "en": r"stupid|dumb|idiot\w*|useless|sucks?|shit\w*|crap\w*|fuck\w*|moron\w*|garbage|trash|"
    r"shut up|worthless|pathetic|annoying|lame|terrible|awful|rubbish|clueless|dumbass|"
    r"incompetent|worst|junk",
}
_ADDRESSED = frozenset("du dich dir dein deine you u your bot".split())
_INSULT = {lang: re.compile(rf"\b(?:{pattern})\b") for lang, pattern in _INSULTS.items()}

# an English order: at the start of a sentence, or after "please", "now", "you must" …
_ORDER = r"(^|[.!?,:;\n]\s*|\b(please|pls|now|just|and|then|so|you (must|should|will|have to)) )"
# Prompt injection, searched anywhere in the message (folded, and once more without punctuation)
_INJECTION = re.compile(
    # "ignore your instructions", "vergiss alle vorherigen Anweisungen" (an order: at the start,
    # not "can a country ignore the OGP's rules?"; the German imperative is its own word)
    rf"{_ORDER}(ignore|disregard|forget|override)\b.{{0,40}}\b(instructions?|rules?|prompts?|"
    r"guidelines|directives)\b|\b(ignoriere|ignorier|vergiss|missachte)\b.{0,40}\b(anweisung\w*|"
    r"regeln|instruktion\w*|vorgaben|prompt\w*)\b|"
    # "forget everything above"
    rf"{_ORDER}(ignore|disregard|forget)\b (everything|all|anything)( (you (were|have been) told|"
    r"above|before|previous|prior|so far))\b|\b(ignoriere|vergiss)\b (alles|alle)\b.{0,20}"
    r"\b(vorher|davor|oben|bisher)\w*|"
    # the prompt itself, modes and roles
    r"system ?prompt|jailbreak|\bdan mode\b|\bdeveloper mode\b|\bentwicklermodus\b|"
    r"\byou are now\b|\bdu bist (jetzt|ab sofort|nun|ab jetzt)\b|\bpretend (to be|you)\b|"
    r"\btu so als\b|\breveal your\b|\bzeig (mir )?(deine?n?|den) (anweisung|regeln|prompt)|"
    r"\bnew instructions\b|\bneue anweisung\w*|\bwhat are your instructions\b|"
    r"\bwas sind deine anweisungen\b|\brepeat (the|your) (text|instructions|prompt)\b|"
    r"\bwiederhole (den text|deine)\b|\broleplay as\b|\bspiel(e)? die rolle\b|"
    r"\bab (jetzt|sofort) (antwortest|sprichst|redest|schreibst|bist|verhaltst) du\b|"
    r"^system:|\bsudo\b|\bas an admin\b"
)
# Each way of _INJECTION holds one of these: a message without any of them is not searched with
# it (the long pattern was most of the time small talk took to read a question)
_INJECTION_HINTS = (
    *"ignor disregard forget override vergiss missachte system jailbreak entwicklermodus".split(),
    *"pretend zeig instructions anweisung repeat wiederhole sudo".split(),
    *("dan mode", "developer mode", "you are now", "du bist", "tu so als", "reveal your"),
    *("roleplay as", "die rolle", "ab jetzt", "ab sofort", "as an admin"),
)

_PUNCT = re.compile(r"[^\w'\s]+")
_SPACE = re.compile(r"\s+")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "hallooo", "dankeee" (but "hello", "moin moin" stay)
# clauses: at punctuation, at a dash between words, at "und"/"and"/"aber"/"but"
_CLAUSE = re.compile(r"[,.!?;:\n]+|\s[-–]\s|\s(?:und|and|aber|but|&)\s")

# Function words that tell German from English; "is" is left out (colloquial German too)
_FUNCTION_WORDS: dict[Lang, frozenset[str]] = {
    "de": frozenset(
        """ich du dich dir mir mich sie wir und oder aber nicht ist sind bist der die das den dem
        ein eine einen einem einer mit fur von zum zur auf wie was wer wo warum alle alles dein
        deine deinen deinem deiner ab jetzt nur noch mal bitte danke so als""".split()
    ),
    "en": frozenset(
        """i you me my your we they and or but not are am the a an of to for with from on what
        who how where why all now please only just this that it""".split()
    ),
}


def _injection(text: str) -> bool:
    return any(hint in text for hint in _INJECTION_HINTS) and bool(_INJECTION.search(text))


def _normal(text: str) -> str:
    text = fold(text).replace("’", "'").replace("‘", "'").replace("´", "'").replace("`", "'")
    return _REPEATS.sub(r"\1", _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip())


def _clauses(text: str) -> list[str]:
    """The message's clauses, normalised; emoticons and punctuation alone are dropped."""
    return [c for c in (_normal(part) for part in _CLAUSE.split(fold(text))) if c]


def _language(words: list[str]) -> Lang | None:
    de = sum(w in _FUNCTION_WORDS["de"] for w in words)
    en = sum(w in _FUNCTION_WORDS["en"] for w in words)
    return "de" if de > en else "en" if en > de else None


# What one clause says: (kind, language, weak) per phrase, and the companions' languages
_Said = tuple[list[tuple[Kind, Lang | None, bool]], list[Lang]]


@lru_cache(maxsize=4096)
def _read(clause: str) -> _Said | None:
    """The phrases and companions a normalised clause is made of; None when it is anything else.

    At each place the longest phrase wins ("wie funktioniert das hier", not "… das" and a
    stray "hier"); of equally long ones the first listed.
    """
    phrases: list[tuple[Kind, Lang | None, bool]] = []
    langs: list[Lang] = []
    words = clause.split()
    at = 0
    while at < len(words):
        best: tuple[int, Kind, Lang | None, bool] | None = None
        for end in range(min(len(words), at + _LONGEST), at, -1):
            found = _PHRASE.fullmatch(" ".join(words[at:end]))
            if found and found.lastgroup:
                best = (end, *_SAID[found.lastgroup])
                break
        if best:
            end, kind, lang, weak = best
            phrases.append((kind, lang, weak))
            at = end
            if kind == "who" and _goes_on(words[at:]):  # "bist du ein Mensch oder eine Maschine"
                at = len(words)
            continue
        if words[at] not in _COMPANIONS:
            return None
        if companion_lang := _COMPANIONS[words[at]]:
            langs.append(companion_lang)
        at += 1
    return phrases, langs


def _goes_on(words: list[str]) -> bool:
    """Whether the words after "who are you" still ask about the bot (a few, not a question)."""
    return 0 < len(words) <= 4 and not any(_QUESTION_WORD.fullmatch(w) for w in words)


def recognise(text: str) -> SmallTalk | None:
    """The small talk a message is, when it is nothing else; None for a question."""
    folded = fold(text)
    if _injection(folded) or _injection(_normal(text)):
        return SmallTalk("injection", _language(_normal(text).split()))
    clauses = _clauses(text)
    if not clauses:
        return _emoji(text)
    phrases: list[tuple[Kind, Lang | None, bool]] = []
    langs: list[Lang] = []
    for clause in clauses:
        said = _read(clause)
        if said is None:
            insult = _insult(clause)
            if insult is None:
                return None
            said = [("insult", insult, False)], []
        phrases += said[0]
        langs += said[1]
    if not phrases:  # only companions: "Bot?", "ja"
        return None
    # the last thing said decides the reply ("hallo, danke!" thanks), a bare "ok" only when
    # nothing else is said; the language is the last one told
    strong = [p for p in phrases if not p[2]] or phrases
    told = [lang for _, lang, _ in phrases if lang] or langs
    return SmallTalk(strong[-1][0], told[-1] if told else None)


def _emoji(text: str) -> SmallTalk | None:
    kinds = {_EMOJI[c] for c in text if c in _EMOJI}
    return SmallTalk(kinds.pop(), None) if len(kinds) == 1 else None


def _insult(clause: str) -> Lang | None:
    """The language of an insult, when the clause is little more than one (not "dumme Frage,
    aber …")."""
    content = [
        w
        for w in clause.split()
        if w not in STOPWORDS["de"] and w not in STOPWORDS["en"] and w not in _COMPANIONS
    ]
    # a question is an insult only when it asks the bot ("warum bist du so dumm?", not "warum
    # ist Intransparenz schlecht?"); "was für ein Schrott", "what a joke" are no questions
    words = _WHAT_A.sub("", clause).split()
    if any(_QUESTION_WORD.fullmatch(w) for w in words) and not _ADDRESSED & set(words):
        return None
    found: list[Lang] = []
    for lang, pattern in _INSULT.items():
        if pattern.search(clause):
            rest = [w for w in content if not pattern.fullmatch(w)]
            if len(rest) <= 3:
                found.append(lang)
    if len(found) > 1:  # "idiot" is both: the other words tell
        return _language(clause.split()) or "de"
    return found[0] if found else None


def strip(text: str) -> str:
    """The message without greetings, thanks and fillers in front of or after the question."""
    clauses = _PUNCTUATION.split(text)
    kept: list[str] = []
    for i in range(0, len(clauses), 2):
        clause = clauses[i]
        normal = _normal(clause)
        said = _read(normal) if normal else None
        if clause.strip() and not (said and said[0]):
            kept.append(clause + (clauses[i + 1] if i + 1 < len(clauses) else ""))
    rest = "".join(kept).strip()
    if all(w in FILLERS for w in _normal(rest).split()):
        return ""
    return rest
