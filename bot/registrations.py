"""Registering for a training: the form's fields, checked, and the atomic sign-up.

Only what the organisers need is asked (name, business, sector, province, and a phone number
only if the user shares it), with consent recorded under UU PDP 27/2022. Cancelling deletes
the registration: there is no purpose left for keeping it.
"""

from __future__ import annotations

import csv
import difflib
import enum
import io
import re
from dataclasses import dataclass

from bot.clock import Clock, iso
from bot.i18n import N_
from bot.trainings import FieldError, Training, TrainingService
from db import Database
from db import trainings as training_table
from db.trainings import RegistrationRow

MAX_NAME = 100
MAX_BUSINESS = 120
MAX_SECTOR = 60

SECTORS: dict[str, str] = {
    "food": N_("Food and beverages"),
    "fashion": N_("Fashion and textiles"),
    "craft": N_("Crafts"),
    "agri": N_("Agriculture, livestock and fisheries"),
    "trade": N_("Retail and trade"),
    "services": N_("Services"),
}
"""Common UMKM sectors offered as buttons (stored by key); anything else is typed."""

PROVINCES = (
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Kepulauan Riau",
    "Jambi",
    "Sumatera Selatan",
    "Kepulauan Bangka Belitung",
    "Bengkulu",
    "Lampung",
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Gorontalo",
    "Sulawesi Tengah",
    "Sulawesi Barat",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
    "Papua Barat Daya",
    "Papua Tengah",
    "Papua Pegunungan",
    "Papua Selatan",
)
"""Indonesia's 38 provinces (since 2022), as written on an identity card."""

_ALIASES = {
    "jakarta": "DKI Jakarta",
    "dki": "DKI Jakarta",
    "yogyakarta": "DI Yogyakarta",
    "jogja": "DI Yogyakarta",
    "jogjakarta": "DI Yogyakarta",
    "yogya": "DI Yogyakarta",
    "diy": "DI Yogyakarta",
    "jabar": "Jawa Barat",
    "jateng": "Jawa Tengah",
    "jatim": "Jawa Timur",
    "sumut": "Sumatera Utara",
    "sumbar": "Sumatera Barat",
    "sumsel": "Sumatera Selatan",
    "kepri": "Kepulauan Riau",
    "babel": "Kepulauan Bangka Belitung",
    "bangka belitung": "Kepulauan Bangka Belitung",
    "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur",
    "kalbar": "Kalimantan Barat",
    "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur",
    "kaltara": "Kalimantan Utara",
    "sulut": "Sulawesi Utara",
    "sulteng": "Sulawesi Tengah",
    "sulbar": "Sulawesi Barat",
    "sulsel": "Sulawesi Selatan",
    "sultra": "Sulawesi Tenggara",
    "malut": "Maluku Utara",
}
_ENGLISH_WORDS = {
    "utara": "north",
    "selatan": "south",
    "barat": "west",
    "timur": "east",
    "tengah": "central",
    "tenggara": "southeast",
    "jawa": "java",
    "sumatera": "sumatra",
    "kepulauan": "islands",
}


def _english(province: str) -> str:
    """``Jawa Barat`` → ``west java``: how English speakers write the same province."""
    words = [_ENGLISH_WORDS.get(word, word) for word in province.lower().split()]
    if len(words) == 2 and words[1] in _ENGLISH_WORDS.values():
        words.reverse()
    return " ".join(words)


def _key(text: str) -> str:
    text = re.sub(r"^(prov\.?|provinsi|province( of)?)\s+", "", text.strip().lower())
    return " ".join(re.sub(r"[^a-z ]", " ", text).split())


_LOOKUP = {_key(p): p for p in PROVINCES} | {_english(p): p for p in PROVINCES} | _ALIASES
PROVINCE_MATCH_CUTOFF = 0.85
"""How close a typo must be to a province name to be taken for it ("Jawa Barta")."""


def match_province(text: str) -> str | None:
    """The province a user means, or None when it is not recognisably one."""
    key = _key(text)
    if key in _LOOKUP:
        return _LOOKUP[key]
    close = difflib.get_close_matches(key, _LOOKUP, n=1, cutoff=PROVINCE_MATCH_CUTOFF)
    return _LOOKUP[close[0]] if close else None


def clean_field(text: str, limit: int, minimum: int = 2) -> str:
    value = " ".join(text.split())
    if len(value) < minimum:
        raise FieldError(N_("That is too short."))
    if len(value) > limit:
        raise FieldError(N_("Please keep it under {limit} characters."), limit=limit)
    return value


PHONE_DIGITS = (8, 15)


def normalize_phone(text: str) -> str:
    """An Indonesian number in international form: ``0812-3456-789`` → ``+628123456789``."""
    digits = re.sub(r"[\s\-().]", "", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    ascii_digits = digits.isascii() and digits.isdigit()  # "²" and "٨" are digits too
    if not ascii_digits or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        raise FieldError(N_("That does not look like a phone number."))
    return "+" + digits


@dataclass(frozen=True, slots=True)
class RegistrationForm:
    full_name: str
    business_name: str
    sector: str
    province: str
    phone: str | None


class Outcome(enum.Enum):
    REGISTERED = "registered"
    ALREADY = "already"
    FULL = "full"
    CLOSED = "closed"
    NOT_FOUND = "not_found"


class RegistrationService:
    def __init__(self, db: Database, clock: Clock, trainings: TrainingService) -> None:
        self._db = db
        self._clock = clock
        self._trainings = trainings

    async def register(self, training_id: int, user_id: int, form: RegistrationForm) -> Outcome:
        """Sign up atomically; when the insert is refused, say why."""
        now = self._clock.now()
        inserted = await training_table.register(
            self._db,
            training_id,
            user_id,
            {
                "full_name": form.full_name,
                "business_name": form.business_name,
                "sector": form.sector,
                "province": form.province,
                "phone": form.phone,
            },
            iso(now),
        )
        if inserted:
            return Outcome.REGISTERED
        if await training_table.registration(self._db, training_id, user_id) is not None:
            return Outcome.ALREADY
        training = await self._trainings.get(training_id)
        if training is None or training.status == "draft":
            return Outcome.NOT_FOUND
        if training.status == "published" and now < training.closes_at:
            return Outcome.FULL
        return Outcome.CLOSED

    async def cancel(self, training_id: int, user_id: int) -> bool:
        return await training_table.cancel_registration(self._db, training_id, user_id)

    async def get(self, training_id: int, user_id: int) -> RegistrationRow | None:
        return await training_table.registration(self._db, training_id, user_id)

    async def training_ids_of(self, user_id: int) -> set[int]:
        return await training_table.registered_training_ids(self._db, user_id)

    async def registrants(self, training_id: int) -> list[RegistrationRow]:
        """Everyone registered for the training, in the order they registered."""
        return await training_table.registrations_of(self._db, training_id)

    async def export_csv(self, training: Training, sector_label: dict[str, str]) -> bytes:
        """The registrants as a spreadsheet for the organisers (UTF-8 with BOM for Excel)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["full_name", "business_name", "sector", "province", "phone", "registered_at"]
        )
        for row in await training_table.registrations_of(self._db, training.id):
            writer.writerow(
                _cell(value)
                for value in (
                    row.full_name,
                    row.business_name,
                    sector_label.get(row.sector, row.sector),
                    row.province,
                    row.phone or "",
                    row.created_at,
                )
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)`` typed as a name) is
    quoted, so opening the export cannot execute what a user typed."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
