"""What coordinators read: the replies, lists and buttons of the coordinator's commands.

Texts for coordinators are German (the network works in German); the refusal follows the
user's client language. Replies are Telegram HTML: what comes from elsewhere (a source's name
and error, an announcement's text) is escaped here. The preview of an announcement is the
channel post itself (:func:`~ogbot.publish.post.announcement_post`), with :func:`draft_keyboard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from ogbot.config import SourceSettings
from ogbot.models import OutboxPost, PostKind, SourceState, StoredAnnouncement
from ogbot.publish.html import escape, parse_html
from ogbot.publish.post import PostTooLong
from ogbot.text import clean_text, shorten, utf16_len

CALLBACK_PREFIX = "ann"  # the buttons' callback data: ann:<action>:<draft or announcement id>

LIST_LIMIT = 20  # scheduled announcements shown (and buttons) in one /scheduled message
SNIPPET = 80  # characters of an announcement shown in /scheduled
ERROR_SNIPPET = 120  # characters of a source's last error shown in /sources
MESSAGE_LIMIT = 4000  # UTF-16 units of a reply's HTML: below Telegram's 4096, with room to spare

REFUSAL = {
    "de": "Das dürfen nur die Koordinator:innen des Netzwerks.",
    "en": "Only the network's coordinators may do that.",
}
PRIVATE_ONLY = "Koordinationsbefehle gehen nur im privaten Chat mit mir."
ALREADY_DONE = "Schon erledigt."
USAGE_ANNOUNCE = "So geht's: <code>/announce Text der Ankündigung</code>"
USAGE_DELETE = (
    "So geht's: einen Kanalbeitrag an mich weiterleiten und auf die Weiterleitung mit "
    "<code>/delete</code> antworten, oder <code>/delete https://t.me/kanal/123</code>."
)
ASK_TIME = (
    "Wann soll die Ankündigung erscheinen? Antworte mit Datum und Uhrzeit, z. B. "
    "<code>{example}</code> oder <code>morgen 9:00</code> (Zeitzone {tz})."
)
BAD_TIME = (
    "Das verstehe ich nicht als Zeitpunkt. Bitte so: <code>{example}</code>, "
    "<code>01.12.2026 9:00</code> oder <code>morgen 9:00</code>. "
    "Oder <code>abbrechen</code>, wenn du doch nicht planen willst."
)
NOT_PLANNED = (
    "Gut, nicht geplant. Der Entwurf wartet weiter auf „Jetzt senden“, „Planen“ oder „Abbrechen“."
)
PAST_TIME = "{when} ist schon vorbei. Bitte einen späteren Zeitpunkt."

OUTBOX_STATES = {
    "pending": "wartend",
    "sending": "wird gesendet",
    "sent": "gesendet",
    "merged": "in Sammelbeiträgen",
    "failed": "abgelehnt",
    "unknown": "Ausgang unklar",
    "expired": "zu alt",
    "deleted": "gelöscht",
}

DRAFT_GONE = "Diesen Entwurf gibt es nicht mehr."
DRAFT_DONE = "Dieser Entwurf ist schon erledigt."
SENT = "Gesendet."
DISCARDED = "Verworfen."
DISCARDED_REPLY = "🗑 Verworfen: nichts wurde gesendet."
CANCELLED = "Abgesagt."
NOT_FORWARDED = "Das ist keine weitergeleitete Kanalnachricht. "
NOT_OURS = "Diesen Beitrag hat ogbot nicht gesendet; ich lösche ihn nicht."
DELETED_ALREADY = "Dieser Beitrag ist schon gelöscht."
TOO_OLD_TO_DELETE = (
    "Telegram lässt mich den Beitrag nicht löschen: Bots dürfen das nur in den "
    "ersten 48 Stunden. Bitte im Kanal selbst löschen (als Admin)."
)
MAY_NOT_DELETE = "Ich darf im Kanal nichts löschen. Bitte meine Rechte prüfen."
DELETED = "Gelöscht."
NOT_DELETED = "Nicht gelöscht."
CORRECTED = "Korrigiert."
USAGE_EDIT = (
    "So geht's: <code>/edit N korrigierter Text</code>, N ist die Nummer aus /announcements "
    "(Formatierung und Links bleiben, wie du sie schreibst)."
)
USAGE_PIN = "So geht's: <code>/pin N</code>, N ist die Nummer aus /announcements."
NOT_PINNABLE = "Diese Ankündigung steht nicht (mehr) im Kanal; anheften geht nicht."
MAY_NOT_PIN = "Ich darf im Kanal nichts anheften. Bitte meine Rechte prüfen."
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
RECENT_LIMIT = 10  # announcements in /announcements
CONFIRM_SNIPPET = 300  # characters of a post shown before it is deleted

POST_KINDS: dict[PostKind, str] = {
    "item": "Beitrag",
    "digest": "Sammelbeitrag",
    "announcement": "Ankündigung",
    "reminder": "Fristerinnerung",
}
ANNOUNCEMENT_STATES = {
    "scheduled": "geplant",
    "published": "gesendet",
    "cancelled": "abgesagt",
    "missed": "verpasst",
    "deleted": "gelöscht",
}


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """``01.12.2026 09:00 Uhr`` in the configured time zone."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M Uhr")


def too_long_text(error: PostTooLong, *, caption: bool = False) -> str:
    """What the coordinator reads when the announcement does not fit one post (``caption``:
    a photo's caption, which Telegram limits to 1,024 characters)."""
    over = error.size - error.limit
    if caption and not error.entities:
        return (
            f"Die Bildunterschrift ist {over} Zeichen zu lang ({error.size} von höchstens "
            f"{error.limit}, die Telegram unter einem Bild erlaubt, mit Überschrift und "
            "Kontaktzeile; Formatierungen und Links zählen mit). Bitte kürzen, oder den Text "
            "ohne Bild mit /announce senden."
        )
    if not error.entities:
        return (
            f"Der Text ist {over} Zeichen zu lang für einen Beitrag ({error.size} von höchstens "
            f"{error.limit}, mit Überschrift und Kontaktzeile; &amp;, &lt; und &gt; zählen "
            "mehrfach). Bitte kürzen."
        )
    return (
        f"Der Text hat {over} Links, Hashtags oder Erwähnungen zu viel für einen Beitrag "
        f"({error.size} von höchstens {error.limit}). Bitte kürzen."
    )


def sources_html(
    configured: Sequence[SourceSettings],
    states: Sequence[SourceState],
    counts: dict[str, int],
    tz: ZoneInfo,
) -> str:
    """The /sources message: one line per configured source, then the outbox."""
    by_name = {state.name: state for state in states}
    lines = [_source_line(source.name, by_name.get(source.name), tz) for source in configured]
    known = {source.name for source in configured}
    gone = [state.name for state in states if state.name not in known]
    if gone:
        lines.append("Nicht mehr konfiguriert: " + ", ".join(escape(name) for name in gone))
    order = list(OUTBOX_STATES)
    shown = sorted(counts, key=lambda s: order.index(s) if s in order else len(order))
    outbox = " · ".join(f"{counts[s]} {OUTBOX_STATES.get(s) or escape(s)}" for s in shown)
    tail = ["", f"<b>Warteschlange</b>: {outbox or 'leer'}"]
    cut = 0
    while utf16_len("\n".join(["<b>Quellen</b>", *lines, *tail])) > MESSAGE_LIMIT and lines:
        lines.pop()  # very many sources: the first ones, and a note how many more
        cut += 1
    if cut:
        lines.append(f"… und {cut} weitere")
    return "\n".join(["<b>Quellen</b>", *lines, *tail])


def _source_line(name: str, state: SourceState | None, tz: ZoneInfo) -> str:
    shown = f"<b>{escape(name)}</b>"
    if state is None:
        return f"⏳ {shown} · noch nie abgerufen"
    parts = []
    if state.paused:
        mark = "⏸"
        parts.append("pausiert")
    elif state.last_status == "error":
        mark = "⚠️"
    elif state.last_success is None:
        mark = "⏳"
    else:
        mark = "✅"
    if state.last_status == "error":
        since = state.failing_since or state.last_fetch
        when = f" seit {local_time(since, tz)}" if since else ""
        error = escape(shorten(clean_text(state.last_error or "?"), ERROR_SNIPPET))
        parts.append(f"Fehler{when} ({state.failures}×): {error}")
    if state.last_success is not None:
        parts.append(f"zuletzt erfolgreich {local_time(state.last_success, tz)}")
    elif state.last_status != "error":
        parts.append("noch nie abgerufen")
    parts.append(f"{state.items} Einträge")
    if state.next_due is not None and not state.paused:
        why = _due_why(state)
        parts.append(
            f"nächster Abruf {local_time(state.next_due, tz)}" + (f" ({why})" if why else "")
        )
    return f"{mark} {shown} · " + " · ".join(parts)


def _due_why(state: SourceState) -> str | None:
    """Why the next fetch is when it is: the interval, the backoff, or what the server asked."""
    match state.due_reason:
        case "interval":
            return "Intervall"
        case "backoff":
            return f"Backoff nach {state.failures} {'Fehler' if state.failures == 1 else 'Fehlern'}"
        case "retry-after":
            return "Retry-After des Servers"
        case "max-age":
            return "Cache-Control max-age des Servers"
        case "expires":
            return "Expires des Servers"
    return None


def scheduled_html(announcements: list[StoredAnnouncement], tz: ZoneInfo) -> str:
    if not announcements:
        return "Keine geplanten Ankündigungen."
    lines = ["<b>Geplante Ankündigungen</b>"]
    for number, announcement in enumerate(announcements[:LIST_LIMIT], start=1):
        snippet = escape(shorten(clean_text(announcement.text), SNIPPET))
        lines.append(f"{number}. {local_time(announcement.publish_at, tz)} – {snippet}")
    if len(announcements) > LIST_LIMIT:
        lines.append(f"… und {len(announcements) - LIST_LIMIT} weitere")
    return "\n".join(lines)


def scheduled_keyboard(
    announcements: list[StoredAnnouncement], tz: ZoneInfo
) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                f"❌ {number}. absagen ({announcement.publish_at.astimezone(tz):%d.%m. %H:%M})",
                callback_data=f"{CALLBACK_PREFIX}:drop:{announcement.id}",
            )
        ]
        for number, announcement in enumerate(announcements[:LIST_LIMIT], start=1)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def draft_keyboard(draft_id: int) -> InlineKeyboardMarkup:
    data = f"{CALLBACK_PREFIX}:{{}}:{draft_id}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Jetzt senden", callback_data=data.format("send")),
                InlineKeyboardButton("Planen", callback_data=data.format("plan")),
                InlineKeyboardButton("Abbrechen", callback_data=data.format("cancel")),
            ]
        ]
    )


def sent_text(queued: bool) -> str:
    """The reply under the preview once the announcement went out."""
    where = (
        "geht jetzt in den Kanal und steht in den Feeds"
        if queued
        else "steht in den Feeds (kein Kanal eingestellt)"
    )
    return f"✅ Gesendet: die Ankündigung {where}."


def ask_time_text(example: str, tz: ZoneInfo) -> str:
    """After "Planen": when should it go out (``example``: tomorrow at nine)."""
    return ASK_TIME.format(example=example, tz=escape(tz.key))


def bad_time_text(example: str) -> str:
    return BAD_TIME.format(example=example)


def past_time_text(when: datetime, tz: ZoneInfo) -> str:
    return PAST_TIME.format(when=local_time(when, tz))


def planned_text(when: datetime, tz: ZoneInfo) -> str:
    return (
        f"🕘 Geplant für {local_time(when, tz)}. Mit /scheduled lässt sie sich bis dahin absagen."
    )


def unknown_channel_text(chat: str) -> str:
    return f"Den Kanal {escape(chat)} finde ich nicht."


def deleted_text(from_feeds: bool) -> str:
    extra = " Die Ankündigung ist auch aus den Feeds genommen." if from_feeds else ""
    return f"🗑 Gelöscht.{extra}"


def unknown_source_text(name: str, command: str, configured: Sequence[str]) -> str:
    """/pause or /resume without a configured source's name: how it goes, and the names."""
    known = ", ".join(f"<code>{escape(n)}</code>" for n in configured) or "keine"
    asked = f"Eine Quelle „{escape(name)}“ kenne ich nicht. " if name else ""
    return f"{asked}So geht's: /{command} NAME. Quellen: {known}"


def paused_text(name: str, paused: bool) -> str:
    shown = f"<b>{escape(name)}</b>"
    if paused:
        return f"⏸ {shown} ist pausiert: sie wird nicht mehr abgerufen, bis /resume {escape(name)}."
    return f"▶️ {shown} wird wieder abgerufen."


# --- safe deletes -------------------------------------------------------------------------------


def delete_question_html(post: OutboxPost, tz: ZoneInfo) -> str:
    """Before a delete: which post it is (kind, when sent, how it begins), so a wrong number in
    a link shows the wrong post before anything is gone."""
    kind = POST_KINDS.get(post.kind, "Beitrag")
    when = f" vom {local_time(post.sent_at, tz)}" if post.sent_at else ""
    lines = [line.strip() for line in parse_html(post.text or "").text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1:
        lines = lines[:-1]  # the contact line every post ends with
    if post.kind == "announcement" and len(lines) > 1:
        lines = lines[1:]  # "📣 Ankündigung" says nothing the kind does not
    shown = escape(shorten(" · ".join(lines[:3]), CONFIRM_SNIPPET)) or "(ohne Text)"
    where = "aus dem Kanal und aus den Feeds" if post.kind == "announcement" else "aus dem Kanal"
    return (
        f"Diesen Beitrag löschen?\n\n<b>{kind}</b>{when}:\n<blockquote>{shown}</blockquote>\n\n"
        f"Er wird {where} gelöscht. Ist das der richtige?"
    )


def delete_keyboard(post: OutboxPost) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🗑 Ja, löschen", callback_data=f"{CALLBACK_PREFIX}:del:{post.id}"
                ),
                InlineKeyboardButton(
                    "Abbrechen", callback_data=f"{CALLBACK_PREFIX}:keep:{post.id}"
                ),
            ]
        ]
    )


def unpublish_question_html(announcement: StoredAnnouncement) -> str:
    snippet = escape(shorten(clean_text(announcement.text), SNIPPET))
    return (
        f"Ankündigung {announcement.id} aus den Feeds und von der Seite nehmen? "
        f"Im Kanal steht sie nicht.\n<blockquote>{snippet}</blockquote>"
    )


def unpublish_keyboard(announcement: StoredAnnouncement) -> InlineKeyboardMarkup:
    data = f"{CALLBACK_PREFIX}:unpub:{announcement.id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton("🗑 Ja, herausnehmen", callback_data=data)]])


# --- /announcements, /edit, /pin ----------------------------------------------------------------


def announcements_html(announcements: Sequence[StoredAnnouncement], tz: ZoneInfo) -> str:
    """The latest announcements, newest first: number, state, time, picture, how it begins."""
    if not announcements:
        return "Noch keine Ankündigungen."
    lines = ["<b>Letzte Ankündigungen</b>"]
    for announcement in announcements:
        state = ANNOUNCEMENT_STATES.get(announcement.state, escape(announcement.state))
        when = announcement.published or announcement.publish_at
        extra = " 🖼" if announcement.photo or announcement.image else ""
        extra += " ✏️ korrigiert" if announcement.edited else ""
        snippet = escape(shorten(clean_text(announcement.text), SNIPPET))
        lines.append(
            f"<b>{announcement.id}</b> · {state} · {local_time(when, tz)}{extra}\n{snippet}"
        )
    lines.append("\nKorrigieren: /edit N Text · Anheften: /pin N · Geplante: /scheduled")
    return "\n".join(lines)


def announcements_keyboard(
    announcements: Sequence[StoredAnnouncement],
) -> InlineKeyboardMarkup | None:
    """Edit, delete and pin for each sent announcement."""
    rows = [
        [
            InlineKeyboardButton(f"✏️ {a.id}", callback_data=f"{CALLBACK_PREFIX}:edit:{a.id}"),
            InlineKeyboardButton(f"🗑 {a.id}", callback_data=f"{CALLBACK_PREFIX}:rm:{a.id}"),
            InlineKeyboardButton(f"📌 {a.id}", callback_data=f"{CALLBACK_PREFIX}:pin:{a.id}"),
        ]
        for a in announcements
        if a.state == "published"
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def how_to_edit_html(announcement: StoredAnnouncement) -> str:
    """After "✏️": the command to send, with the text as it stands to copy and change."""
    return (
        f"Schick mir die Korrektur so: <code>/edit {announcement.id} korrigierter Text</code>. "
        "Ich zeige sie dir vor dem Senden. Der Text bisher:\n"
        f"<pre>{escape(announcement.text)}</pre>"
    )


def correction_keyboard(draft_id: int) -> InlineKeyboardMarkup:
    data = f"{CALLBACK_PREFIX}:{{}}:{draft_id}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Korrigieren", callback_data=data.format("fix")),
                InlineKeyboardButton("Abbrechen", callback_data=data.format("cancel")),
            ]
        ]
    )


def corrected_text(in_channel: bool) -> str:
    where = " und wird im Kanal gleich korrigiert" if in_channel else ""
    return f"✏️ Korrigiert: die Ankündigung steht jetzt so in den Feeds{where}."


def not_editable_text(announcement: StoredAnnouncement) -> str:
    state = ANNOUNCEMENT_STATES.get(announcement.state, escape(announcement.state))
    if announcement.state == "scheduled":
        return (
            f"Ankündigung {announcement.id} ist noch geplant: mit /scheduled absagen und neu "
            "ankündigen."
        )
    return f"Ankündigung {announcement.id} ist {state}; korrigieren geht nur bei gesendeten."


def pinned_text(announcement_id: int) -> str:
    return f"📌 Ankündigung {announcement_id} ist im Kanal angeheftet."
