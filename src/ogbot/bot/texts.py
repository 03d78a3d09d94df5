"""What the bot says to everyone, in German and English, and its command menu.

Every text is Telegram HTML as written here: the tags are meant, ``&``, ``<`` and ``>`` that are
meant as text are escaped. Placeholders (``{date}``, ``{link}``, ...) are filled with values the
caller has escaped already. :data:`MENU` is the one list of commands shown in Telegram's menu
(``setMyCommands``) and in /help.
"""

from __future__ import annotations

from dataclasses import dataclass

from ogbot.knowledge.answer import choose_language
from ogbot.models import Lang


@dataclass(frozen=True)
class Texts:
    # /start, /help
    intro: str
    commands: str
    channel: str  # {channel}: the channel's handle
    # questions
    read_more: str
    read_on: str  # the unknown case: where to look instead
    ask_empty: str
    # /news
    news_heading: str
    news_none: str
    news_footer: str
    # /consultations
    consultations_heading: str
    consultations_none: str
    consultations_footer: str
    no_deadline: str
    consultation: str
    # /suche, /search
    search_heading: str
    search_none: str
    search_empty: str
    search_footer: str
    # /resources
    resources_heading: str
    contact: str
    feeds: str  # {rss}, {atom}, {ics} (the deadline calendar): links
    # /subscribe, /unsubscribe
    subscribe_prompt: str
    subscribed_now: str  # {what}
    subscribed_nothing: str
    button_news: str
    button_consultations: str
    button_both: str
    button_off: str
    what_news: str
    what_consultations: str
    what_both: str
    subscribed: str  # {what}
    unsubscribed: str
    unsubscribed_nothing: str
    saved: str  # the short notice of a button press
    stale_button: str
    private_only: str  # {link}: the private chat with the bot
    # /privacy, /forget
    privacy: str
    privacy_stored: str  # {what}, {lang}, {date}
    privacy_nothing: str
    privacy_link: str  # {link}
    language_name: str
    forgotten: str
    forgotten_nothing: str
    # everything else
    text_only: str
    forwarded: str
    unknown_command: str
    slow_down: str
    answer_shortly: str
    too_many_waiting: str


TEXTS: dict[Lang, Texts] = {
    "de": Texts(
        intro=(
            "👋 Ich bin der Bot des <b>Open Government Netzwerks</b>. Ich beantworte Fragen zu "
            "Open Government, zur Open Government Partnership (OGP), zu den Nationalen "
            "Aktionsplänen und zum Netzwerk – schreib mir deine Frage einfach als Nachricht im "
            "privaten Chat. Außerdem zeige ich dir Neuigkeiten und offene Konsultationen mit "
            "ihren Fristen und durchsuche die gesammelten Beiträge (/suche)."
        ),
        commands="<b>Befehle</b>",
        channel="Neuigkeiten gibt es auch im Kanal {channel}.",
        read_more="Mehr dazu:",
        read_on="Hier kannst du weiterlesen:",
        ask_empty=(
            "Schreib deine Frage hinter /ask, zum Beispiel: /ask Was ist die OGP? Im privaten "
            "Chat kannst du sie auch einfach als Nachricht schicken."
        ),
        news_heading="<b>Neueste Beiträge</b>",
        news_none=(
            "Ich habe noch keine Beiträge gesammelt. Schau bald wieder vorbei – bis dahin findest "
            "du hier mehr:"
        ),
        news_footer="Offene Konsultationen: /konsultationen · Benachrichtigungen: /subscribe",
        consultations_heading="<b>Offene Konsultationen</b> (nächste Frist zuerst)",
        consultations_none=(
            "Mir sind gerade keine offenen Konsultationen bekannt. Neue Gelegenheiten, dich zu "
            "beteiligen, findest du hier:"
        ),
        consultations_footer="Neue Konsultationen privat bekommen: /subscribe",
        no_deadline="Frist unbekannt",
        consultation="Konsultation",
        search_heading="<b>Suchergebnisse</b> (neueste zuerst)",
        search_none=(
            "Dazu habe ich in den gesammelten Beiträgen nichts gefunden. Versuch es mit anderen "
            "oder kürzeren Wörtern – oder schau dir mit /news die neuesten Beiträge an."
        ),
        search_empty=(
            "Schreib deine Suchwörter hinter /suche, zum Beispiel: /suche Aktionsplan. Ich finde "
            "Beiträge, die alle Wörter enthalten (auch als Wortanfang: „Beteiligung“ findet "
            "„Beteiligungsverfahren“)."
        ),
        search_footer="Neueste Beiträge: /news · Offene Konsultationen: /konsultationen",
        resources_heading="<b>Hier findest du mehr</b>",
        contact="Kontakt zum Netzwerk",
        feeds="Als Feed: {rss} · {atom}\nFristen als Kalender zum Abonnieren: {ics}",
        subscribe_prompt=(
            "<b>Benachrichtigungen</b>\nIch schicke dir neue Beiträge hier privat, sobald sie "
            "erscheinen. Was möchtest du bekommen?"
        ),
        subscribed_now="Zurzeit abonniert: {what}.",
        subscribed_nothing="Zurzeit hast du nichts abonniert.",
        button_news="Neuigkeiten",
        button_consultations="Konsultationen",
        button_both="Beides",
        button_off="Nichts (abbestellen)",
        what_news="Neuigkeiten",
        what_consultations="Konsultationen",
        what_both="Neuigkeiten und Konsultationen",
        subscribed=(
            "✅ Abonniert: <b>{what}</b>. Ich schicke sie dir hier, sobald sie erscheinen.\n"
            "Ändern: /subscribe · Abbestellen: /unsubscribe · Datenschutz: /datenschutz"
        ),
        unsubscribed=(
            "Abbestellt. Ich habe gelöscht, was ich über dich gespeichert hatte. Neu abonnieren: "
            "/subscribe"
        ),
        unsubscribed_nothing=(
            "Du hattest nichts abonniert; über dich ist nichts gespeichert. Abonnieren: /subscribe"
        ),
        saved="Gespeichert",
        stale_button="Dieser Knopf gilt nicht mehr.",
        private_only="Das geht nur im privaten Chat mit mir: {link}",
        privacy=(
            "<b>Datenschutz</b>\n"
            "Deine Fragen beantworte ich sofort; ihr Text wird weder gespeichert noch "
            "protokolliert.\n"
            "Gespeichert wird nur, wenn du /subscribe nutzt: deine Chat-ID, was du abonniert "
            "hast, deine Sprache und seit wann – dazu Nachrichten, die noch für dich "
            "bereitliegen, und die an dich gesendeten der letzten zwei Tage (um sie bei einer "
            "Korrektur zu ändern).\n"
            "Damit niemand den Bot überlastet, merke ich mir 30 Sekunden lang im "
            "Arbeitsspeicher, wann du geschrieben hast.\n"
            "/forget löscht sofort alles, was über dich gespeichert ist; /unsubscribe ebenso."
        ),
        privacy_stored="Über dich gespeichert: Abo ({what}), Sprache {lang}, seit {date}.",
        privacy_nothing="Über dich ist zurzeit nichts gespeichert.",
        privacy_link="Datenschutzerklärung: {link}",
        language_name="Deutsch",
        forgotten=(
            "🗑 Gelöscht: dein Abo und alle Nachrichten, die noch für dich bereitlagen. Über dich "
            "ist jetzt nichts mehr gespeichert."
        ),
        forgotten_nothing="Über dich war nichts gespeichert – es gibt nichts zu löschen.",
        text_only="Ich kann nur Text lesen. Schreib mir deine Frage einfach als Nachricht.",
        forwarded=(
            "Weitergeleitete Nachrichten lese ich nicht. Schreib mir deine Frage einfach selbst."
        ),
        unknown_command="Diesen Befehl kenne ich nicht. /help zeigt, was ich kann.",
        slow_down=(
            "Bitte etwas langsamer 🙂 Ich antworte wieder, sobald du eine halbe Minute Pause "
            "gemacht hast."
        ),
        answer_shortly=(
            "Einen Moment bitte 🙂 Das waren viele Nachrichten auf einmal – ich antworte dir "
            "gleich, in spätestens zwei Minuten."
        ),
        too_many_waiting=(
            "Drei Nachrichten von dir habe ich schon vorgemerkt, die beantworte ich gleich. "
            "Alles Weitere schick mir bitte danach noch einmal."
        ),
    ),
    "en": Texts(
        intro=(
            "👋 I am the bot of the German <b>Open Government network</b>. I answer questions "
            "about Open Government, the Open Government Partnership (OGP), Germany's national "
            "action plans and the network – just send me your question as a message in a private "
            "chat. I also show you news and open consultations with their deadlines, and search "
            "the collected posts (/search)."
        ),
        commands="<b>Commands</b>",
        channel="News also go to the channel {channel}.",
        read_more="Read more:",
        read_on="Good places to read on:",
        ask_empty=(
            "Write your question after /ask, for example: /ask What is the OGP? In a private "
            "chat you can also just send it as a message."
        ),
        news_heading="<b>Latest posts</b>",
        news_none="I have not collected any posts yet. Come back soon – until then, read on here:",
        news_footer="Open consultations: /consultations · Notifications: /subscribe",
        consultations_heading="<b>Open consultations</b> (soonest deadline first)",
        consultations_none=(
            "I don't know of any open consultations right now. You can find new chances to "
            "take part here:"
        ),
        consultations_footer="Get new consultations privately: /subscribe",
        no_deadline="deadline unknown",
        consultation="Consultation",
        search_heading="<b>Search results</b> (newest first)",
        search_none=(
            "I found nothing about that in the collected posts. Try other or fewer words – or see "
            "the latest posts with /news."
        ),
        search_empty=(
            "Write your search words after /search, for example: /search action plan. I find "
            "posts that contain all the words (also as the beginning of a word: “consult” finds "
            "“consultation”)."
        ),
        search_footer="Latest posts: /news · Open consultations: /consultations",
        resources_heading="<b>Where to find more</b>",
        contact="Contact the network",
        feeds="As a feed: {rss} · {atom}\nDeadlines as a calendar to subscribe to: {ics}",
        subscribe_prompt=(
            "<b>Notifications</b>\nI send you new posts here privately as soon as they appear. "
            "What would you like to get?"
        ),
        subscribed_now="Subscribed now: {what}.",
        subscribed_nothing="You have not subscribed to anything.",
        button_news="News",
        button_consultations="Consultations",
        button_both="Both",
        button_off="Nothing (unsubscribe)",
        what_news="news",
        what_consultations="consultations",
        what_both="news and consultations",
        subscribed=(
            "✅ Subscribed: <b>{what}</b>. I will send them to you here as soon as they appear.\n"
            "Change: /subscribe · Unsubscribe: /unsubscribe · Privacy: /privacy"
        ),
        unsubscribed=(
            "Unsubscribed. I deleted what I had stored about you. Subscribe again: /subscribe"
        ),
        unsubscribed_nothing=(
            "You had not subscribed to anything; nothing is stored about you. Subscribe: /subscribe"
        ),
        saved="Saved",
        stale_button="This button no longer works.",
        private_only="That only works in a private chat with me: {link}",
        privacy=(
            "<b>Privacy</b>\n"
            "I answer your questions right away; their text is neither stored nor logged.\n"
            "Something is stored only when you use /subscribe: your chat id, what you subscribed "
            "to, your language and since when – and messages still waiting to be sent to you, and "
            "those sent to you in the last two days (to edit them when an item is corrected).\n"
            "So that nobody overloads the bot, I remember for 30 seconds, in memory only, when "
            "you wrote.\n"
            "/forget deletes everything stored about you at once; so does /unsubscribe."
        ),
        privacy_stored="Stored about you: a subscription ({what}), language {lang}, since {date}.",
        privacy_nothing="Nothing is stored about you at the moment.",
        privacy_link="Privacy policy: {link}",
        language_name="English",
        forgotten=(
            "🗑 Deleted: your subscription and any messages still waiting for you. Nothing is "
            "stored about you any more."
        ),
        forgotten_nothing="Nothing was stored about you – there is nothing to delete.",
        text_only="I can only read text. Just send me your question as a message.",
        forwarded="I don't read forwarded messages. Just write your question yourself.",
        unknown_command="I don't know that command. /help shows what I can do.",
        slow_down="Please slow down a little 🙂 I will answer again after a half-minute break.",
        answer_shortly=(
            "One moment please 🙂 That was a lot of messages at once – I will answer you "
            "shortly, within two minutes."
        ),
        too_many_waiting=(
            "I have already noted three messages from you and will answer them shortly. "
            "Please send me anything else again after that."
        ),
    ),
}

# The command menu, per language: (command, description). German speakers see the German aliases
# (/konsultationen, /suche, /links, /datenschutz); every command here has a handler in
# conversation.py.
MENU: dict[Lang, tuple[tuple[str, str], ...]] = {
    "de": (
        ("help", "Was ich kann"),
        ("ask", "Eine Frage stellen"),
        ("news", "Die neuesten Beiträge"),
        ("konsultationen", "Offene Konsultationen mit Fristen"),
        ("suche", "In den Beiträgen suchen"),
        ("links", "Wo du mehr findest"),
        ("subscribe", "Neuigkeiten privat bekommen"),
        ("unsubscribe", "Benachrichtigungen abbestellen"),
        ("datenschutz", "Was ich über dich speichere"),
        ("forget", "Deine Daten löschen"),
    ),
    "en": (
        ("help", "What I can do"),
        ("ask", "Ask a question"),
        ("news", "The latest posts"),
        ("consultations", "Open consultations with deadlines"),
        ("search", "Search the posts"),
        ("resources", "Where to find more"),
        ("subscribe", "Get news privately"),
        ("unsubscribe", "Stop notifications"),
        ("privacy", "What I store about you"),
        ("forget", "Delete your data"),
    ),
}


def client_lang(code: str | None) -> Lang:
    """The language for replies that are not answers: the client's when English, else German."""
    return choose_language({"de": 0, "en": 0}, code)
