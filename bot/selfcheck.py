"""Cek Bisnis & HAM: a five-minute self-check that tells an SME owner where they stand.

PRISMA, the government's assessment, has about 140 questions and needs evidence; this is the
short first step. The questions and advice are content, in ``locales/selfcheck.yaml`` (staff
edit it, both languages required); this module loads and checks that file, scores answers
into a green / amber / red result per area, and runs the flow: start, answer, resume, finish,
delete. Everything here is plain code over ``db.selfcheck``, testable without Telegram.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.clock import Clock, iso
from bot.i18n import LOCALES
from db import Database
from db import selfcheck as table
from db.selfcheck import RunRecord

logger = logging.getLogger(__name__)

MIN_QUESTIONS = 12
MAX_QUESTIONS = 15
"""About five minutes on a phone: more questions and owners stop halfway."""
MIN_WEIGHT, MAX_WEIGHT = 1, 3
CRITICAL_WEIGHT = 3
"""A question this heavy answered the bad way makes its area red whatever else is answered:
child labour next to a good wage record is still a red flag."""
MAX_AREA_NAME = 40
MAX_QUESTION = 220
MAX_ADVICE = 240
MAX_GREEN_ADVICE = 140
"""Green advice is a short "keep it up"; with these limits the whole result fits one message."""
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
"""Question ids travel in callback data (64 bytes) with a prefix and a run id."""

GOOD_POINTS = 2
PARTLY_POINTS = 1
"""Points per answer: the good answer 2, "partly" and "not sure" 1, the bad answer 0."""
GREEN_AT = 0.9
"""An area is green from this share of its possible points: in effect, every answer good."""
RED_BELOW = 0.4
"""An area is red below this share: mostly bad answers."""


class Answer(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    UNSURE = "unsure"


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


COLOUR_ORDER = (Colour.RED, Colour.AMBER, Colour.GREEN)
"""Most urgent first: how the result lists areas."""


def default_path() -> Path:
    """Where the packaged questionnaire lives, in the source tree or an installed copy alike."""
    return Path(str(resources.files("locales") / "selfcheck.yaml"))


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    names: Mapping[str, str]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or next(iter(self.names.values()))


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    area: str
    weight: int
    good: Answer
    """``Answer.YES`` for most questions; ``Answer.NO`` where "no" is the good answer."""
    texts: Mapping[str, str]
    advice: Mapping[Colour, Mapping[str, str]]
    entries: tuple[str, ...]

    def text(self, locale: str) -> str:
        return self.texts.get(locale) or next(iter(self.texts.values()))

    def advice_for(self, colour: Colour, locale: str) -> str:
        texts = self.advice[colour]
        return texts.get(locale) or next(iter(texts.values()))

    def points(self, answer: Answer) -> int:
        if answer is self.good:
            return GOOD_POINTS
        if answer in (Answer.PARTLY, Answer.UNSURE):
            return PARTLY_POINTS
        return 0

    def colour(self, answer: Answer) -> Colour:
        """The colour of one answer: good green, bad red, "partly" and "not sure" amber."""
        return (Colour.RED, Colour.AMBER, Colour.GREEN)[self.points(answer)]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    areas: tuple[Area, ...]
    questions: tuple[Question, ...]
    next_entries: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.questions)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def index(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)

    def area(self, area_id: str) -> Area | None:
        return next((area for area in self.areas if area.id == area_id), None)

    def area_name(self, area_id: str, locale: str) -> str:
        """A stored area id as users read it (an id dropped from the file shows as is)."""
        area = self.area(area_id)
        return area.name(locale) if area else area_id

    def entry_ids(self) -> set[str]:
        """Every knowledge-base entry the questionnaire links to."""
        return {entry for q in self.questions for entry in q.entries} | set(self.next_entries)


@dataclass(slots=True)
class LoadResult:
    questionnaire: Questionnaire | None = None
    problems: list[str] = field(default_factory=list)


# -- loading and checking the YAML ------------------------------------------------------


def _texts(value: Any, where: str, limit: int, problems: list[str]) -> dict[str, str]:
    """Both languages of one text, with a problem for each missing or over-long one."""
    texts: dict[str, str] = {}
    if not isinstance(value, dict):
        problems.append(f"{where}: needs texts in {', '.join(LOCALES)}")
        return texts
    for locale in LOCALES:
        text = str(value.get(locale) or "").strip()
        if not text:
            problems.append(f"{where}: missing language {locale!r}")
        elif len(text) > limit:
            problems.append(f"{where} [{locale}]: {len(text)} characters (at most {limit})")
        else:
            texts[locale] = text
    return texts


def _good_answer(value: Any) -> Answer | None:
    """``good: yes``/``no``; YAML 1.1 reads an unquoted yes/no as a boolean, so accept both."""
    if value is None or value is True or str(value).lower() == "yes":
        return Answer.YES
    if value is False or str(value).lower() == "no":
        return Answer.NO
    return None


def _parse_question(data: Any, areas: Collection[str], problems: list[str]) -> Question | None:
    if not isinstance(data, dict):
        problems.append("question: not a YAML mapping")
        return None
    question_id = str(data.get("id", ""))
    if not ID_PATTERN.match(question_id):
        problems.append(f"question id {question_id!r}: lowercase letters, digits and '-' only")
        return None
    count = len(problems)
    area = str(data.get("area", ""))
    if area not in areas:
        problems.append(f"{question_id}: area {area!r} is not listed under 'areas'")
    weight = data.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool):
        problems.append(f"{question_id}: weight must be a whole number")
        weight = MIN_WEIGHT
    elif not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        problems.append(f"{question_id}: weight {weight} is not {MIN_WEIGHT}–{MAX_WEIGHT}")
    good = _good_answer(data.get("good"))
    if good is None:
        problems.append(f"{question_id}: good must be 'yes' or 'no'")
    texts = _texts(data.get("text"), f"{question_id} text", MAX_QUESTION, problems)
    advice_data = data.get("advice") if isinstance(data.get("advice"), dict) else {}
    advice = {
        colour: _texts(
            advice_data.get(colour.value),
            f"{question_id} advice {colour.value}",
            MAX_GREEN_ADVICE if colour is Colour.GREEN else MAX_ADVICE,
            problems,
        )
        for colour in Colour
    }
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{question_id}: needs at least one knowledge-base entry in 'entries'")
        entries = []
    if len(problems) > count or good is None:
        return None
    return Question(
        id=question_id,
        area=area,
        weight=weight,
        good=good,
        texts=texts,
        advice=advice,
        entries=tuple(str(entry) for entry in entries),
    )


def parse(data: Any) -> LoadResult:
    """The questionnaire in ``data`` (the YAML document) and everything wrong with it.

    A question with a problem is left out rather than shown half-translated; ``smebot kb
    check`` and the tests insist on none.
    """
    result = LoadResult()
    problems = result.problems
    if not isinstance(data, dict):
        problems.append("selfcheck: not a YAML mapping")
        return result
    areas: list[Area] = []
    for raw in data.get("areas") or []:
        area_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
        if not ID_PATTERN.match(area_id):
            problems.append(f"area id {area_id!r}: lowercase letters, digits and '-' only")
            continue
        if any(area.id == area_id for area in areas):
            problems.append(f"area {area_id!r} is listed twice")
            continue
        names = _texts(raw.get("name"), f"area {area_id} name", MAX_AREA_NAME, problems)
        if names:
            areas.append(Area(area_id, names))
    area_ids = {area.id for area in areas}
    questions: list[Question] = []
    for raw in data.get("questions") or []:
        question = _parse_question(raw, area_ids, problems)
        if question is None:
            continue
        if any(q.id == question.id for q in questions):
            problems.append(f"question {question.id!r} is listed twice")
            continue
        questions.append(question)
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        problems.append(
            f"selfcheck: {len(questions)} usable questions (want {MIN_QUESTIONS}–{MAX_QUESTIONS})"
        )
    asked = {q.area for q in questions}
    problems.extend(f"area {a.id!r} has no question" for a in areas if a.id not in asked)
    next_entries = data.get("next_entries") or []
    if not isinstance(next_entries, list):
        problems.append("next_entries: must be a list of entry ids")
        next_entries = []
    if questions:
        result.questionnaire = Questionnaire(
            areas=tuple(area for area in areas if area.id in asked),
            questions=tuple(questions),
            next_entries=tuple(str(entry) for entry in next_entries),
        )
    return result


def load(path: Path | None = None) -> LoadResult:
    path = path or default_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        return LoadResult(problems=[f"{path.name}: cannot read ({error})".replace("\n", " ")])
    return parse(data)


def missing_entries(questionnaire: Questionnaire, known: Collection[str]) -> list[str]:
    """Linked knowledge-base entries that do not exist (a typo, or an entry removed)."""
    return sorted(questionnaire.entry_ids() - set(known))


def check(known_entries: Collection[str], path: Path | None = None) -> tuple[int, list[str]]:
    """``smebot kb check`` for the questionnaire: (usable questions, problems)."""
    result = load(path)
    problems = list(result.problems)
    if result.questionnaire is None:
        return 0, problems
    problems.extend(
        f"selfcheck: knowledge-base entry {entry!r} does not exist"
        for entry in missing_entries(result.questionnaire, known_entries)
    )
    return len(result.questionnaire), problems


# -- scoring ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AreaResult:
    area: Area
    colour: Colour
    share: float
    """Points won over points possible, 0–1."""
    focus: Question
    """The question whose advice is the area's next step: its weakest answer."""
    focus_colour: Colour

    def advice(self, locale: str) -> str:
        return self.focus.advice_for(self.focus_colour, locale)

    @property
    def entries(self) -> tuple[str, ...]:
        return self.focus.entries


@dataclass(frozen=True, slots=True)
class Result:
    areas: tuple[AreaResult, ...]
    """Most urgent first: red, amber, then green, in questionnaire order within a colour."""
    score: int
    """0–100 over every answered question, by weight."""
    unsure: int
    """How many "not sure" answers: finding out is itself a first step."""

    def count(self, colour: Colour) -> int:
        return sum(area.colour is colour for area in self.areas)

    def colours(self) -> dict[str, str]:
        return {area.area.id: area.colour.value for area in self.areas}


def _share(questions: Sequence[Question], answers: Mapping[str, Answer]) -> float:
    possible = sum(q.weight * GOOD_POINTS for q in questions)
    return sum(q.weight * q.points(answers[q.id]) for q in questions) / possible


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> Result:
    """Green / amber / red per area, the area's next step, and an overall score.

    Questions without an answer are skipped (the file may have changed since a result was
    saved); an area with no answered question is left out.
    """
    areas: list[AreaResult] = []
    won = possible = 0
    for area in questionnaire.areas:
        asked = [q for q in questionnaire.questions if q.area == area.id and q.id in answers]
        if not asked:
            continue
        share = _share(asked, answers)
        critical = any(
            q.weight >= CRITICAL_WEIGHT and q.colour(answers[q.id]) is Colour.RED for q in asked
        )
        if critical or share < RED_BELOW:
            colour = Colour.RED
        elif share >= GREEN_AT:
            colour = Colour.GREEN
        else:
            colour = Colour.AMBER
        # The weakest answer names the next step; on a tie the heavier, then earlier question.
        focus = min(asked, key=lambda q: (q.points(answers[q.id]), -q.weight))
        areas.append(AreaResult(area, colour, share, focus, focus.colour(answers[focus.id])))
        won += sum(q.weight * q.points(answers[q.id]) for q in asked)
        possible += sum(q.weight * GOOD_POINTS for q in asked)
    areas.sort(key=lambda result: COLOUR_ORDER.index(result.colour))
    unsure = sum(
        answer is Answer.UNSURE
        for question_id, answer in answers.items()
        if questionnaire.question(question_id)
    )
    return Result(
        areas=tuple(areas),
        score=round(100 * won / possible) if possible else 0,
        unsure=unsure,
    )


# -- the flow -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """An unfinished run as the user left it."""

    run: RunRecord
    answers: Mapping[str, Answer]
    question: Question
    """The question to show next."""

    @property
    def answered(self) -> int:
        return len(self.answers)


@dataclass(frozen=True, slots=True)
class Status:
    """What /cek offers: resume an unfinished check, and/or see the last result."""

    progress: Progress | None
    last_finished: str | None
    """When the last result was saved (ISO), or None."""


class Outcome(StrEnum):
    NEXT = "next"
    FINISHED = "finished"
    EXPIRED = "expired"
    """Not this user's run, or already finished: an old or forged button."""


@dataclass(frozen=True, slots=True)
class Answered:
    outcome: Outcome
    progress: Progress | None = None
    result: Result | None = None


def _answers(stored: Mapping[str, str], questionnaire: Questionnaire) -> dict[str, Answer]:
    """Stored answers for questions still in the file, as :class:`Answer`."""
    return {
        question_id: Answer(value)
        for question_id, value in stored.items()
        if questionnaire.question(question_id) and value in Answer._value2member_map_
    }


def next_question(
    questionnaire: Questionnaire, answers: Mapping[str, Answer], after: str | None = None
) -> Question | None:
    """The first unanswered question after ``after`` (wrapping round), or None when done."""
    questions = questionnaire.questions
    start = questionnaire.index(after) + 1 if after and questionnaire.question(after) else 0
    for question in (*questions[start:], *questions[:start]):
        if question.id not in answers:
            return question
    return None


def previous_question(questionnaire: Questionnaire, question_id: str) -> Question | None:
    index = questionnaire.index(question_id)
    return questionnaire.questions[index - 1] if index > 0 else None


class SelfCheckService:
    """The self-check for one bot: every answer is written as it is given."""

    def __init__(self, db: Database, clock: Clock, questionnaire: Questionnaire | None) -> None:
        self._db = db
        self._clock = clock
        self.questionnaire = questionnaire

    @classmethod
    def load(cls, db: Database, clock: Clock, path: Path | None = None) -> SelfCheckService:
        """Load the packaged questionnaire; problems are logged, ``smebot kb check`` fails."""
        result = load(path)
        for problem in result.problems:
            logger.warning("Self-check: %s", problem)
        return cls(db, clock, result.questionnaire)

    @property
    def available(self) -> bool:
        return self.questionnaire is not None

    def _q(self) -> Questionnaire:
        if self.questionnaire is None:
            raise RuntimeError("the self-check questionnaire did not load")
        return self.questionnaire

    async def _progress(self, run: RunRecord, after: str | None = None) -> Progress | None:
        questionnaire = self._q()
        answers = _answers(await table.answers(self._db, run.id), questionnaire)
        question = next_question(questionnaire, answers, after)
        return Progress(run, answers, question) if question else None

    async def status(self, user_id: int) -> Status:
        run = await table.open_run(self._db, user_id)
        progress = await self._progress(run) if run else None
        finished = await table.finished_run(self._db, user_id)
        return Status(progress, finished.finished_at if finished else None)

    async def start(self, user_id: int) -> Progress:
        """A new run from the first question (an unfinished one is discarded)."""
        run = await table.create_run(self._db, user_id, iso(self._clock.now()))
        return Progress(run, {}, self._q().questions[0])

    async def resume(self, user_id: int) -> Progress:
        """Where the user left off, or a new run if there is nothing to resume."""
        run = await table.open_run(self._db, user_id)
        progress = await self._progress(run) if run else None
        return progress or await self.start(user_id)

    async def show(self, user_id: int, run_id: int, question_id: str) -> Progress | None:
        """A given question of the user's unfinished run (the Back button), or None."""
        run = await table.get_run(self._db, run_id, user_id)
        question = self._q().question(question_id)
        if run is None or run.finished or question is None:
            return None
        answers = _answers(await table.answers(self._db, run.id), self._q())
        return Progress(run, answers, question)

    async def answer(
        self, user_id: int, run_id: int, question_id: str, answer: Answer
    ) -> Answered:
        """Save one answer, then the next question, or the result when all are answered."""
        questionnaire = self._q()
        run = await table.get_run(self._db, run_id, user_id)
        if run is None or run.finished or questionnaire.question(question_id) is None:
            return Answered(Outcome.EXPIRED)
        now = iso(self._clock.now())
        if not await table.save_answer(self._db, run.id, user_id, question_id, answer.value, now):
            return Answered(Outcome.EXPIRED)
        progress = await self._progress(run, after=question_id)
        if progress is not None:
            return Answered(Outcome.NEXT, progress=progress)
        answers = _answers(await table.answers(self._db, run.id), questionnaire)
        result = score(questionnaire, answers)
        if not await table.finish_run(self._db, run.id, user_id, result.colours(), now):
            return Answered(Outcome.EXPIRED)
        return Answered(Outcome.FINISHED, result=result)

    async def last_result(self, user_id: int) -> tuple[Result, str] | None:
        """The user's last finished result and when it was saved, or None."""
        run = await table.finished_run(self._db, user_id)
        if run is None or run.finished_at is None:
            return None
        answers = _answers(await table.answers(self._db, run.id), self._q())
        return score(self._q(), answers), run.finished_at

    async def delete(self, user_id: int) -> int:
        """Delete the user's answers and results (the anonymous tally keeps its counts)."""
        return await table.delete_for_user(self._db, user_id)


async def red_areas_summary(db: Database) -> list[tuple[str, int, int]]:
    """Anonymous: per area id, how many SMEs' latest results were red, out of how many.

    Most often red first. Each SME counts once (a retake replaces its earlier result), and the
    counts outlive the users' own data. For staff statistics; the area ids name areas through
    :meth:`Questionnaire.area_name`.
    """
    return await table.area_counts(db)
