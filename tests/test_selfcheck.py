"""Cek Bisnis & HAM without Telegram: the content file, scoring, and the stored flow."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import selfcheck
from bot.config import Settings
from bot.i18n import LOCALES
from bot.knowledge.entries import load_directory
from bot.selfcheck import (
    Answer,
    Colour,
    Outcome,
    Questionnaire,
    SelfCheckService,
    red_areas_summary,
    score,
)
from bot.services import Services
from bot.users import TelegramUser
from db import selfcheck as selfcheck_table
from tests.harness import FakeClock


def _raw() -> dict[str, Any]:
    return yaml.safe_load(selfcheck.default_path().read_text(encoding="utf-8"))


def _questionnaire() -> Questionnaire:
    result = selfcheck.load()
    assert result.questionnaire is not None
    return result.questionnaire


def _all(answer: Answer) -> dict[str, Answer]:
    return {question.id: answer for question in _questionnaire().questions}


async def _user(services: Services, user_id: int) -> int:
    await services.users.seen(TelegramUser(user_id, "Siti", None, None, "id"))
    return user_id


# -- the content file ---------------------------------------------------------------------


def test_shipped_questionnaire_has_no_problems() -> None:
    result = selfcheck.load()
    assert result.problems == []
    questionnaire = result.questionnaire
    assert questionnaire is not None
    assert selfcheck.MIN_QUESTIONS <= len(questionnaire) <= selfcheck.MAX_QUESTIONS
    assert {q.area for q in questionnaire.questions} == {a.id for a in questionnaire.areas}


def test_every_text_is_in_both_languages() -> None:
    """Checked on the raw file, so a missing language fails here even if the loader changes."""
    data = _raw()
    for area in data["areas"]:
        assert all(area["name"].get(locale, "").strip() for locale in LOCALES), area["id"]
    for question in data["questions"]:
        texts = [question["text"], *(question["advice"][colour] for colour in Colour)]
        for text in texts:
            assert all(str(text.get(locale, "")).strip() for locale in LOCALES), question["id"]


def test_a_missing_language_is_reported_and_the_question_left_out() -> None:
    data = _raw()
    broken = copy.deepcopy(data)
    del broken["questions"][0]["text"]["en"]
    del broken["questions"][1]["advice"]["red"]["id"]
    result = selfcheck.parse(broken)
    problems = "\n".join(result.problems)
    assert f"{data['questions'][0]['id']} text: missing language 'en'" in problems
    assert f"{data['questions'][1]['id']} advice red: missing language 'id'" in problems
    assert result.questionnaire is not None
    assert result.questionnaire.question(data["questions"][0]["id"]) is None


def test_linked_knowledge_base_entries_exist() -> None:
    known = {entry.id for entry in load_directory().entries}
    assert selfcheck.missing_entries(_questionnaire(), known) == []
    assert selfcheck.check(known) == (len(_questionnaire()), [])
    assert selfcheck.missing_entries(_questionnaire(), known - {"child-labour"}) == [
        "child-labour"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda q: q.update(weight=5), "weight 5 is not 1–3"),
        (lambda q: q.update(good="maybe"), "good must be 'yes' or 'no'"),
        (lambda q: q.update(area="nowhere"), "area 'nowhere' is not listed"),
        (lambda q: q.update(entries=[]), "needs at least one knowledge-base entry"),
        (lambda q: q.update(id="Bad Id"), "lowercase letters"),
        (lambda q: q["advice"]["green"].update(en="x" * 141), "at most 140"),
    ],
)
def test_faults_in_a_question_are_reported(change, expected: str) -> None:
    data = _raw()
    change(data["questions"][0])
    assert any(expected in problem for problem in selfcheck.parse(data).problems)


def test_too_few_questions_are_reported() -> None:
    data = _raw()
    data["questions"] = data["questions"][:3]
    assert any("usable questions" in problem for problem in selfcheck.parse(data).problems)


def test_polarity_no_can_be_the_good_answer() -> None:
    """``good: no`` (even unquoted, which YAML reads as False) flips the colours."""
    data = _raw()
    data["questions"][0]["good"] = False
    questionnaire = selfcheck.parse(data).questionnaire
    assert questionnaire is not None
    flipped = questionnaire.questions[0]
    assert flipped.good is Answer.NO
    assert flipped.colour(Answer.NO) is Colour.GREEN
    assert flipped.colour(Answer.YES) is Colour.RED
    assert flipped.colour(Answer.PARTLY) is Colour.AMBER
    assert questionnaire.questions[1].colour(Answer.YES) is Colour.GREEN


# -- scoring ------------------------------------------------------------------------------


def test_all_good_is_all_green_and_all_bad_all_red() -> None:
    questionnaire = _questionnaire()
    best = score(questionnaire, _all(Answer.YES))
    assert best.score == 100 and best.count(Colour.GREEN) == len(questionnaire.areas)
    worst = score(questionnaire, _all(Answer.NO))
    assert worst.score == 0 and worst.count(Colour.RED) == len(questionnaire.areas)
    unsure = score(questionnaire, _all(Answer.UNSURE))
    assert unsure.count(Colour.AMBER) == len(questionnaire.areas) and unsure.score == 50
    assert unsure.unsure == len(questionnaire)


def test_a_critical_question_answered_badly_makes_its_area_red() -> None:
    questionnaire = _questionnaire()
    answers = _all(Answer.YES) | {"child-age": Answer.NO}
    result = score(questionnaire, answers)
    colours = result.colours()
    assert colours["child-labour"] == "red"
    assert sum(colour == "red" for colour in colours.values()) == 1
    assert result.areas[0].area.id == "child-labour"  # most urgent first
    assert "18" in result.areas[0].advice("en")


def test_an_area_of_several_questions_is_scored_by_weight_with_the_weakest_as_next_step() -> None:
    questionnaire = _questionnaire()
    supply = [q for q in questionnaire.questions if q.area == "supply-chain"]
    heavy, light = sorted(supply, key=lambda q: -q.weight)
    assert heavy.weight > light.weight
    light_bad = score(questionnaire, _all(Answer.YES) | {light.id: Answer.NO})
    heavy_bad = score(questionnaire, _all(Answer.YES) | {heavy.id: Answer.NO})
    [light_area] = [a for a in light_bad.areas if a.area.id == "supply-chain"]
    [heavy_area] = [a for a in heavy_bad.areas if a.area.id == "supply-chain"]
    assert light_area.colour is Colour.AMBER and heavy_area.colour is Colour.RED
    assert light_area.focus is light and light_area.focus_colour is Colour.RED
    assert light_area.advice("id") == light.advice_for(Colour.RED, "id")
    assert heavy_area.focus is heavy
    partly = score(questionnaire, _all(Answer.YES) | {light.id: Answer.PARTLY})
    [partly_area] = [a for a in partly.areas if a.area.id == "supply-chain"]
    assert partly_area.colour is Colour.AMBER  # green means every answer good


def test_results_list_red_then_amber_then_green() -> None:
    questionnaire = _questionnaire()
    answers = _all(Answer.YES) | {"environment": Answer.PARTLY, "personal-data": Answer.NO}
    result = score(questionnaire, answers)
    order = [area.colour for area in result.areas]
    assert order == sorted(order, key=selfcheck.COLOUR_ORDER.index)
    assert [area.area.id for area in result.areas[:2]] == ["personal-data", "environment"]


def test_unanswered_or_removed_questions_are_skipped() -> None:
    questionnaire = _questionnaire()
    result = score(questionnaire, {"environment": Answer.NO, "gone-question": Answer.NO})
    assert [area.area.id for area in result.areas] == ["environment"]
    assert result.score == 0 and result.unsure == 0


def test_next_question_wraps_round_to_the_first_unanswered() -> None:
    questionnaire = _questionnaire()
    ids = [q.id for q in questionnaire.questions]
    answers = {question_id: Answer.YES for question_id in ids[1:5]}
    assert selfcheck.next_question(questionnaire, answers).id == ids[0]
    assert selfcheck.next_question(questionnaire, answers, after=ids[2]).id == ids[5]
    everything = dict.fromkeys(ids, Answer.NO)
    assert selfcheck.next_question(questionnaire, everything) is None


# -- the stored flow ----------------------------------------------------------------------


async def _answer_all(
    service: SelfCheckService, user_id: int, answers: dict[str, Answer]
) -> selfcheck.Answered:
    progress = await service.start(user_id)
    answered = None
    for question in service.questionnaire.questions:
        answered = await service.answer(
            user_id, progress.run.id, question.id, answers[question.id]
        )
    assert answered is not None
    return answered


async def test_each_answer_is_stored_and_a_restart_resumes(
    settings: Settings, clock: FakeClock
) -> None:
    services = await Services.start(settings, clock=clock)
    user = await _user(services, 7001)
    questionnaire = services.selfcheck.questionnaire
    progress = await services.selfcheck.start(user)
    for question in questionnaire.questions[:5]:
        clock.advance(seconds=20)
        outcome = await services.selfcheck.answer(user, progress.run.id, question.id, Answer.YES)
        assert outcome.outcome is Outcome.NEXT
    await services.close()

    services = await Services.start(settings, clock=clock)  # the bot restarted
    try:
        status = await services.selfcheck.status(user)
        assert status.progress is not None and status.progress.answered == 5
        assert status.last_finished is None
        resumed = await services.selfcheck.resume(user)
        assert resumed.run.id == progress.run.id
        assert resumed.question.id == questionnaire.questions[5].id
    finally:
        await services.close()


async def test_finishing_saves_the_result_and_retaking_replaces_it(services: Services) -> None:
    user = await _user(services, 7002)
    service = services.selfcheck
    finished = await _answer_all(service, user, _all(Answer.NO))
    assert finished.outcome is Outcome.FINISHED
    assert finished.result is not None and finished.result.score == 0
    status = await service.status(user)
    assert status.progress is None and status.last_finished is not None

    # a retake: answering half leaves the old result visible until the new one is finished
    progress = await service.start(user)
    await service.answer(user, progress.run.id, progress.question.id, Answer.YES)
    last = await service.last_result(user)
    assert last is not None and last[0].score == 0
    await _answer_all(service, user, _all(Answer.YES))
    last = await service.last_result(user)
    assert last is not None and last[0].score == 100


async def test_a_finished_run_takes_no_more_answers(services: Services) -> None:
    user = await _user(services, 7003)
    service = services.selfcheck
    await _answer_all(service, user, _all(Answer.YES))
    run = await selfcheck_table.finished_run(services.db, user)
    assert run is not None
    first = service.questionnaire.questions[0].id
    late = await service.answer(user, run.id, first, Answer.NO)
    assert late.outcome is Outcome.EXPIRED
    last = await service.last_result(user)
    assert last is not None and last[0].score == 100


async def test_someone_elses_run_is_refused(services: Services) -> None:
    owner = await _user(services, 7004)
    intruder = await _user(services, 7005)
    service = services.selfcheck
    progress = await service.start(owner)
    forged = await service.answer(intruder, progress.run.id, progress.question.id, Answer.NO)
    assert forged.outcome is Outcome.EXPIRED
    assert await service.show(intruder, progress.run.id, progress.question.id) is None
    assert await selfcheck_table.answers(services.db, progress.run.id) == {}
    unknown = await service.answer(owner, progress.run.id, "no-such-question", Answer.NO)
    assert unknown.outcome is Outcome.EXPIRED


async def test_the_anonymous_tally_counts_each_sme_once_and_survives_deletion(
    services: Services,
) -> None:
    service = services.selfcheck
    areas = len(service.questionnaire.areas)
    first = await _user(services, 7006)
    second = await _user(services, 7007)
    await _answer_all(service, first, _all(Answer.NO))
    await _answer_all(service, second, _all(Answer.NO) | {"child-age": Answer.YES})
    summary = await red_areas_summary(services.db)
    assert len(summary) == areas
    assert summary[0][1:] == (2, 2)
    assert ("child-labour", 1, 2) in summary
    assert summary[-1] == ("child-labour", 1, 2)  # least often red last

    await _answer_all(service, first, _all(Answer.YES))  # a retake replaces, not adds
    summary = dict(
        (area, (red, total)) for area, red, total in await red_areas_summary(services.db)
    )
    assert summary["child-labour"] == (0, 2)
    assert summary["environment"] == (1, 2)

    assert await service.delete(first) == 1  # the user's own data goes...
    assert await service.last_result(first) is None
    await services.privacy.forget(second)  # ...and /forgetme cascades
    assert await selfcheck_table.finished_run(services.db, second) is None
    after = dict((area, (red, total)) for area, red, total in await red_areas_summary(services.db))
    assert after == summary  # the anonymous counts stay


async def test_forgetting_a_user_deletes_their_unfinished_answers_too(services: Services) -> None:
    user = await _user(services, 7008)
    progress = await services.selfcheck.start(user)
    await services.selfcheck.answer(user, progress.run.id, progress.question.id, Answer.NO)
    assert await selfcheck_table.answers(services.db, progress.run.id)
    exported = json.loads(await services.privacy.my_data(user))  # /mydata finds the answers
    [row] = exported["tables"]["selfcheck_answers"]
    assert row["question_id"] == progress.question.id and row["answer"] == "no"
    await services.privacy.forget(user)
    assert await selfcheck_table.answers(services.db, progress.run.id) == {}
    assert await selfcheck_table.open_run(services.db, user) is None


async def test_a_broken_file_leaves_the_check_unavailable(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "selfcheck.yaml"
    path.write_text("questions: [", encoding="utf-8")
    service = SelfCheckService.load(services.db, services.clock, path)
    assert not service.available
