"""Recognise messages that are not questions: thanks, greetings, "ok", goodbye, "are you a bot?".

Owners chat with the bot the way they chat with a person: "mantap makasih ya", "halo min",
"sip". Searched as questions, these go to the staff inbox as work nobody can do. Recognised
here, they get a short friendly reply and are logged as ``small_talk``.

A message is small talk only when *every* word in it belongs to small talk: "halo min, gmn
cara daftar NIB?" is a question with a greeting in front, and is searched as a question. The
words are read after :func:`bot.knowledge.normalize.normalize`, so "makasihhh", "thx" and
"mksh" meet the same lists the knowledge search uses.

A message of digits alone ("1", "99") is what people type when they think the buttons are a
numbered menu: it is neither a question nor small talk, and gets a hint to tap a button.
"""

from __future__ import annotations

import enum
import re

from bot.knowledge.normalize import normalize


class Chatter(enum.Enum):
    THANKS = "thanks"
    GREETING = "greeting"
    ACK = "ack"
    GOODBYE = "goodbye"
    BOT = "bot"
    """"Are you a bot?": the reply says so, and that staff answer what it cannot."""
    NUMBER = "number"
    """Digits alone, typed as if the buttons were a numbered menu."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_WORDS = 8
"""Longer messages are treated as questions even if every word is friendly: small talk is
short, and a long message of only these words is rare enough to leave to staff."""

_WORDS: dict[Chatter, frozenset[str]] = {
    Chatter.THANKS: _words(
        """
        makasih makasi mksh mksih maksih trims trimakasih terimakasih terima kasih kasi tengkyu
        tengkiu thanks thank thx ty tq tqsm thankyou appreciate appreciated hatur nuhun nuwun
        matur suwun sankyu cheers helpful membantu bermanfaat
        """
    ),
    Chatter.GREETING: _words(
        """
        halo hallo helo hello hai hi hey hay hei hola pagi siang sore malam morning afternoon
        evening selamat assalamualaikum assalamu alaikum asalamualaikum salam permisi
        shalom om swastiastu namo buddhaya punten misi p yo
        """
    ),
    Chatter.ACK: _words(
        """
        ok okk oke okay okey okee okeh okok sip gitu begitu siap baik noted paham mengerti
        ngerti understood got it alright cool great nice mantap mantab mantul keren good fine
        sure yes ya iya yup yoi betul benar right wkwk wkwkwk haha hehe hihi lol
        """
    ),
    Chatter.GOODBYE: _words(
        """
        bye byebye dadah dah daah sampai jumpa ketemu lagi see you later goodbye night
        pamit duluan dulu cya wassalamualaikum off talk
        """
    ),
    Chatter.BOT: _words("bot robot manusia human person ai chatbot chatgpt mesin machine"),
}
"""Words that carry each intent. When a message has words of two intents, :data:`_PRIORITY`
decides: "good night" is goodbye and "good morning" hello. "Permisi" opens a conversation far
more often than it closes one, so it is a greeting only."""

_FILLERS = _words(
    """
    min mimin admin kak kakak ka pak bapak bu ibu mas mba mbak bang gan sis bro sob om tante
    dik dek teman kawan semua all everyone team tim ya yah yaa ye deh dong sih nih nya lah kok
    kah banyak sekali bgt banget sangat so much very lot lots again infonya info informasinya
    jawabannya answer bantuannya help the a an for your you to is are am i this ini itu kamu
    anda apakah apa beneran asli orang talking ngobrol sama dengan with real just only cuma
    aja saja juga too also and dan udah sudah oh ah wah nah atas penjelasannya penjelasan
    saya sy mate there ada met malem yang yg bales balas atau or sedang berbicara staff member
    staf petugas kan km
    """
)
"""Words that carry no intent of their own: forms of address, particles, intensifiers, and the
function words of "are you a bot?"/"apakah ini orang asli?". A message of fillers alone is not
small talk (no intent word), nor is one with any other word."""

_PRIORITY = (Chatter.BOT, Chatter.THANKS, Chatter.GOODBYE, Chatter.GREETING, Chatter.ACK)
"""When a message carries several intents ("ok makasih, dadah"), the reply answers the first
of these it has: a question about the bot deserves its answer, thanks deserve thanks."""

_DIGITS_ONLY = re.compile(r"^[\s\d.,)\]#-]*\d[\s\d.,)\]#-]*$")
_EMOJI_ONLY = re.compile(r"^[\W_]+$")
"""No letters or digits at all: a 👍, 🙏 or "!!" sent on its own."""


def classify(text: str) -> Chatter | None:
    """The kind of small talk ``text`` is, or ``None`` if it should be treated as a question."""
    stripped = text.strip()
    if not stripped:
        return None
    if _DIGITS_ONLY.match(stripped):
        return Chatter.NUMBER
    if _EMOJI_ONLY.match(stripped):
        return Chatter.ACK
    words = normalize(stripped)
    if not words or len(words) > MAX_WORDS:
        return None
    found: set[Chatter] = set()
    for word in words:
        intents = {intent for intent, vocabulary in _WORDS.items() if word in vocabulary}
        if not intents and word not in _FILLERS:
            return None
        found |= intents
    return next((intent for intent in _PRIORITY if intent in found), None)
