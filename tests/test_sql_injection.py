"""Every SQL statement is parameterised: an injection corpus through every way text gets in,
and a static check of where SQL lives and how values reach it.

The corpus goes in as questions, staff answers (button and ``/reply``), knowledge-base draft
texts, ``/staff`` and ``/inbox`` and ``/export`` arguments, registration form fields, rows of a
``smebot trainings import`` file (YAML and CSV) and export filters. Afterwards every table,
index and trigger is still there, the row counts are exactly what the inputs explain, and the
stored text equals what was typed.

The static part reads the source: no SQL outside ``db/``; inside ``db/`` the SQL handed to
``execute``/``fetch_*`` is literal text, module-level constants (column lists), ``?``
placeholder runs, or one of a few audited fragments built from fixed pieces, never a value.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import main as cli_main
from bot import export as exporter
from bot import training_import
from bot.config import Settings
from bot.registrations import MAX_BUSINESS, MAX_NAME, MAX_SECTOR, clean_field
from bot.services import Services
from bot.trainings import clean_text
from db import catalog
from db import inquiries as inquiry_table
from db.inquiries import DeskFilter
from tests.conftest import STAFF_ID
from tests.harness import telegram_user
from tests.hostile import Watch, count, integrity, snapshot, table_names, watched
from tests.outreach import make_training

ROOT = Path(__file__).resolve().parent.parent
STAFF = telegram_user(STAFF_ID, "en", first_name="Officer")

INJECTIONS = (
    "'",
    "''",
    '"',
    "';--",
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "admin'--",
    "'; DROP TABLE users; --",
    "'); DROP TABLE inquiries; --",
    "1; DELETE FROM inquiries",
    "1' UNION SELECT id, first_name FROM users --",
    "' UNION SELECT sql, name FROM sqlite_master --",
    "1 OR 1=1",
    "1) OR (1=1",
    "%' --",
    "%",
    "_",
    "\\'; --",
    "'||(SELECT hex(randomblob(8)))||'",
    "'; ATTACH DATABASE '/tmp/teman-stolen.db' AS x; --",
    "'; PRAGMA writable_schema = 1; --",
    "'; UPDATE users SET blocked = 1; --",
    "'; INSERT INTO staff (user_id, added_by, added_at) VALUES (6666, 1, 'x'); --",
    "'; VACUUM INTO '/tmp/teman-stolen.db'; --",
    "1; SELECT load_extension('evil') --",
    "'/**/OR/**/1=1--",
    "\u02bc OR 1=1 --",
    "\uff07 OR 1=1 --",
    "?",
    ":id",
    "$1 @p",
    "`users`",
    "[users]",
    "NULL",
    "0x27",
    "CHAR(39)||CHAR(39)",
)
"""Classic strings from SQL injection cheat sheets, plus placeholders and look-alike quotes."""
STOLEN = Path("/tmp/teman-stolen.db")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=str(tmp_path / "bot.db"),
        staff_ids=frozenset({STAFF_ID}),
        staff_chat_id=-1001234567890,
    )


@dataclass
class Bot:
    watch: Watch
    services: Services
    user_ids: Iterator[int]

    def user(self) -> dict[str, Any]:
        return telegram_user(next(self.user_ids), "id", first_name="Pengguna")

    async def send(self, user: dict[str, Any], text: str) -> None:
        self.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
        await self.watch.harness.send(user, text)
        self.watch.check((user["id"], text))

    async def press(self, user: dict[str, Any], data: str) -> None:
        self.services.clock.advance(seconds=2)  # type: ignore[attr-defined]
        await self.watch.harness.press_data(user, data)
        self.watch.check((user["id"], data))

    async def question(self, text: str) -> int:
        """``text`` asked by a new user through "Ask staff": an open question, its id."""
        user = self.user()
        await self.send(user, "/start")
        await self.press(user, "ask")
        await self.send(user, text)
        [inquiry] = await inquiry_table.for_user(self.services.db, user["id"])
        assert inquiry.question == text
        return inquiry.id


@pytest.fixture
async def bot(services: Services) -> AsyncIterator[Bot]:
    async with watched(services) as watch:
        await watch.harness.send(STAFF, "/start")
        yield Bot(watch, services, iter(range(810_000, 820_000)))


async def counts(services: Services) -> dict[str, int]:
    return {table: await count(services, table) for table in sorted(await tables(services))}


async def tables(services: Services) -> set[str]:
    return set(await catalog.tables(services.db))


BOOKKEEPING = frozenset({"flood_buckets"})
"""Rows every message may add on PostgreSQL (the workers' shared flood counters): not data."""


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        table: after[table] - before[table]
        for table in after
        if after[table] != before[table] and table not in BOOKKEEPING
    }


# -- through the bot --
async def test_the_corpus_as_questions_and_staff_answers(bot: Bot, services: Services) -> None:
    """Stored exactly as typed, by the button flow and by ``/reply``; only the expected rows
    appear."""
    schema = await table_names(services)
    before = await counts(services)
    ids = {}
    for text in INJECTIONS:
        ids[text] = await bot.question(text)
    for number, text in enumerate(INJECTIONS):
        if number % 2:
            await bot.send(STAFF, f"/reply {ids[text]} {text}")
        else:
            await bot.press(STAFF, f"sdr:{ids[text]}")
            await bot.send(STAFF, text)
            await bot.press(STAFF, f"sds:{ids[text]}")
    for text, inquiry_id in ids.items():
        record = await inquiry_table.get(services.db, inquiry_id)
        assert record is not None and record.question == text and record.answer == text
        assert record.status == "answered"
    after = await counts(services)
    assert changed(before, after) == {
        "users": len(INJECTIONS),
        "inquiries": len(INJECTIONS),
        "staff_posts": len(INJECTIONS),  # each open question posted to the staff group
    }
    assert await table_names(services) == schema
    assert await integrity(services) == "ok"
    assert not STOLEN.exists()


async def test_the_corpus_as_knowledge_base_draft_texts(bot: Bot, services: Services) -> None:
    """A draft's title and answer come from a staff message; the draft id is in every statement
    too."""
    inquiry_id = await bot.question("Bagaimana cara ekspor produk?")
    await bot.send(STAFF, f"/reply {inquiry_id} Hubungi dinas perdagangan.")
    await bot.press(STAFF, f"sdk:{inquiry_id}")
    entry_id = f"staff-{inquiry_id}"
    draft = await services.drafts.get(entry_id)
    assert draft is not None and "en" not in draft.texts  # from an Indonesian question
    schema, before = await table_names(services), await counts(services)
    for text in INJECTIONS:
        await bot.press(STAFF, f"sdt:{entry_id}:en")
        await bot.send(STAFF, f"{text}\n{text} {text}")
        entry = await services.drafts.get(entry_id)
        assert entry is not None and entry.texts["en"].title == text
        assert entry.texts["en"].answer == f"{text} {text}"
    assert changed(before, await counts(services)) == {"kb_texts": 1}  # the English text
    assert await table_names(services) == schema
    assert await integrity(services) == "ok"


async def test_the_corpus_as_staff_command_arguments(bot: Bot, services: Services) -> None:
    """``/staff``, ``/inbox``, ``/export`` and ``/reply`` parse their words; none of it may change
    a row."""
    schema, before = await table_names(services), await snapshot(services)
    for text in INJECTIONS:
        for command in (
            f"/staff add {text}",
            f"/staff remove {text}",
            f"/staff {text}",
            f"/inbox {text}",
            f"/inbox open {text} en",
            f"/export {text}",
            f"/export {text} 2026-01-01",
            f"/reply {text}",
            f"/reply 1 {text}",  # no question 1 yet: "does not exist"
        ):
            await bot.send(STAFF, command)
    assert await snapshot(services) == before  # nothing added, changed or dropped
    assert await table_names(services) == schema
    assert await integrity(services) == "ok"


async def test_the_corpus_in_the_registration_form(bot: Bot, services: Services) -> None:
    """Name, business and sector are free text kept for organisers; province and phone are refused
    and asked again."""
    training = await make_training(services, capacity=None)
    schema, before = await table_names(services), await counts(services)
    for text in INJECTIONS:
        user = bot.user()
        fields = {
            "name": (f"Siti {text}", MAX_NAME),
            "business": (f"Toko {text}", MAX_BUSINESS),
            "sector": (f"Jasa {text}"[:MAX_SECTOR], MAX_SECTOR),
        }
        await bot.send(user, "/start")
        await bot.press(user, f"trr:{training.id}")
        for value, _limit in fields.values():
            await bot.send(user, value)
        await bot.send(user, text)  # as a province: not recognised, asked again
        await bot.send(user, "Sulawesi Selatan")
        await bot.send(user, text)  # as a phone number: refused, asked again
        await bot.send(user, "0812-3456-7890")
        await bot.press(user, "fm:consent:yes")
        registration = await services.registrations.get(training.id, user["id"])
        assert registration is not None, text
        assert registration.full_name == clean_field(*fields["name"]) == fields["name"][0]
        assert registration.business_name == clean_field(*fields["business"])
        assert registration.sector == clean_field(*fields["sector"])
        assert registration.province == "Sulawesi Selatan"
        assert registration.phone == "+6281234567890"
    assert changed(before, await counts(services)) == {
        "users": len(INJECTIONS),
        "registrations": len(INJECTIONS),
    }
    assert await table_names(services) == schema
    assert await integrity(services) == "ok"


# -- the command line and the export --
def _training_rows(prefix: str) -> list[dict[str, str]]:
    rows = []
    for number, text in enumerate(INJECTIONS, start=1):
        rows.append(
            {
                "code": f"{prefix}-{number}",
                "programme": "SIYB",
                "title_id": f"Pelatihan {text}",
                "title_en": f"Training {text}",
                "description_id": text,
                "description_en": f"{text} {text}",
                "start": "2027-02-01 09:00",
                "end": "2027-02-01 16:00",
                "timezone": "WITA",
                "place": f"Aula {text}",
                "organiser": f"Dinas {text}",
                "capacity": "25",
                "status": "published",
            }
        )
    return rows


@pytest.mark.parametrize("file_format", ["yaml", "csv"])
async def test_the_corpus_in_a_training_import_file(
    services: Services, tmp_path: Path, file_format: str
) -> None:
    """A file from outside the bot, in both formats; importing it twice updates by code."""
    rows = _training_rows(file_format)
    path = tmp_path / f"trainings.{file_format}"
    if file_format == "yaml":
        path.write_text(yaml.safe_dump({"trainings": rows}, allow_unicode=True), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    schema, before = await table_names(services), await counts(services)
    report = await training_import.import_file(services.db, services.clock, path)
    assert report.problems == [] and report.created == len(INJECTIONS)
    assert changed(before, await counts(services)) == {"trainings": len(INJECTIONS)}
    stored = {t.code: t for t in await services.trainings.for_staff()}
    for row in rows:
        training = stored[row["code"]]
        for locale in ("id", "en"):
            assert training.texts[locale].title == row[f"title_{locale}"]
            assert training.texts[locale].description == clean_text(
                row[f"description_{locale}"], 10_000, 0
            )
        assert training.place == row["place"] and training.organiser == row["organiser"]
    again = await training_import.import_file(services.db, services.clock, path)  # by code
    assert again.problems == [] and again.updated == len(INJECTIONS) and again.created == 0
    assert changed(before, await counts(services)) == {"trainings": len(INJECTIONS)}
    assert await table_names(services) == schema


async def test_injection_as_a_training_code_rejects_the_whole_file(
    services: Services, tmp_path: Path
) -> None:
    """The code is checked against a strict pattern; one bad row and nothing is imported."""
    rows = _training_rows("ok")[:3]
    rows.append({**rows[0], "code": "x'; DROP TABLE trainings; --"})
    path = tmp_path / "trainings.yaml"
    path.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    before = await counts(services)
    report = await training_import.import_file(services.db, services.clock, path)
    assert report.problems and report.created == 0
    assert changed(before, await counts(services)) == {}  # all or nothing


async def test_the_corpus_as_export_filters(bot: Bot, services: Services) -> None:
    """The CLI and ``/export`` validate first; below that, the query functions bind whatever they
    are given."""
    for text in INJECTIONS[:5]:
        await bot.question(text)
    schema, before = await table_names(services), await counts(services)
    everything = await inquiry_table.for_export(services.db, None, None, None)
    assert len(everything) == 5
    for text in INJECTIONS:
        with pytest.raises(ValueError):
            exporter.Query(status=text)
        with pytest.raises(ValueError):
            exporter.parse_day(text)
        with pytest.raises(SystemExit):  # argparse refuses before the database is opened
            cli_main(["inquiries", "export", "--status", text])
        with pytest.raises(SystemExit):
            cli_main(["inquiries", "export", "--since", text])
        # Below the validation, the values are bound, never spliced in: compared as text.
        assert await inquiry_table.for_export(services.db, text, None, None) == []
        assert await inquiry_table.for_export(services.db, None, text, text) == []
        assert await inquiry_table.desk_count(services.db, DeskFilter(text, text, text)) == 0
        assert await inquiry_table.desk_page(services.db, DeskFilter(text, None, None), 5, 0) == []
        rows = await exporter.rows(services.db, exporter.Query())
        assert len(rows) == 5 and exporter.to_csv(rows, bom=False)
    assert await counts(services) == before
    assert await table_names(services) == schema
    assert await integrity(services) == "ok"


# -- the static check --
SQL_CALLS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "execute_fetchall",
        "execute_rowcount",
        "fetch_one",
        "fetch_all",
    }
)
SQL_TEXT = re.compile(
    r"\b(SELECT\s[\s\S]+?\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX)|ALTER\s+TABLE|PRAGMA\s+\w+)\b"
)
AUDITED = {
    ("db/connection.py", "script"): "a migration shipped in db/migrations, not input",
    ("db/connection.py", "number"): "the migration's number, an int from its file name",
    ("db/inquiries.py", "where"): "_desk_where: fixed fragments; the values are bound",
    ("db/inquiries.py", "' AND '.join(clauses)"): "fixed fragments; the values are bound",
    ("db/inquiries.py", "column"): "checked against GROUPABLE just above",
    ("db/trainings.py", "assignments"): "column names checked against EDITABLE just above",
    ("db/privacy.py", "_quote(table)"): "a table name read from the schema, quoted",
    ("db/privacy.py", "_quote(column)"): "a column name read from the schema, quoted",
    ("db/catalog.py", "quote(table)"): "a table name read from the schema, quoted",
    ("db/postgres.py", "script"): "a migration shipped in db/migrations, not input",
    ("db/transfer.py", "quote(table)"): "a table name read from the schema, quoted",
    ("db/transfer.py", "column_list"): "column names read from the schema, each quoted",
    ("db/fixtures.py", "name"): "fresh_schema: a benchmark's new schema name, quoted",
}
"""Fragments of SQL built at run time, each read and found to contain no value."""


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
        else:
            continue
        for statement in body:  # the docstring, and attribute docstrings after assignments
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                found.add(id(statement.value))
    return found


def test_no_sql_outside_the_db_package() -> None:
    """SQL lives in ``db/``: elsewhere, no statement text and no call that runs one."""
    found = []
    for path in python_files("bot", "handlers", "scripts", "web"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
            ):
                found.append(f"{where}: .{node.func.attr}(...)")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and SQL_TEXT.search(node.value)
            ):
                found.append(f"{where}: {node.value[:60]!r}")
    assert found == []


@dataclass
class _Module:
    path: str
    constants: dict[str, ast.expr]  # module-level NAME = value


def _module(path: Path) -> tuple[ast.Module, _Module]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                constants[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            constants[statement.target.id] = statement.value
    return tree, _Module(str(path.relative_to(ROOT)), constants)


class _SqlCheck:
    """Which parts of one SQL expression are not proven to be fixed text."""

    def __init__(self, module: _Module, function: ast.AST | None) -> None:
        self.module = module
        self.locals: dict[str, list[ast.expr]] = {}
        self.parameters: set[str] = set()
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            self.parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.locals.setdefault(target.id, []).append(node.value)
                        elif isinstance(target, ast.Tuple):  # unpacked: unknown
                            for element in target.elts:
                                if isinstance(element, ast.Name):
                                    self.locals.setdefault(element.id, []).append(target)

    def _constant(self, expr: ast.expr, depth: int = 0) -> bool:
        """A value fixed in the source: literals and module constants, arithmetic, int()."""
        if depth > 10:
            return False
        if isinstance(expr, ast.Constant):
            return True
        if isinstance(expr, ast.Name) and expr.id not in self.locals:
            value = self.module.constants.get(expr.id)
            return value is not None and self._constant(value, depth + 1)
        if isinstance(expr, ast.BinOp):
            return self._constant(expr.left, depth + 1) and self._constant(expr.right, depth + 1)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
            return expr.func.id == "int" and all(self._constant(a, depth + 1) for a in expr.args)
        return False

    @staticmethod
    def _placeholders(expr: ast.expr) -> bool:
        """``", ".join("?" for _ in values)``: a run of ``?`` and commas, nothing else."""
        return (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "join"
            and isinstance(expr.func.value, ast.Constant)
            and len(expr.args) == 1
            and isinstance(expr.args[0], ast.GeneratorExp)
            and isinstance(expr.args[0].elt, ast.Constant)
            and expr.args[0].elt.value == "?"
        )

    def unproven(self, expr: ast.expr, depth: int = 0) -> list[str]:
        """The parts of the SQL expression ``expr`` that may carry a value."""
        if depth > 10:
            return [ast.unparse(expr)]
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return []
        if isinstance(expr, ast.JoinedStr):
            return [
                problem
                for part in expr.values
                if isinstance(part, ast.FormattedValue)
                for problem in self._interpolated(part.value, depth + 1)
            ]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.unproven(expr.left, depth + 1) + self.unproven(expr.right, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return [f"% formatting: {ast.unparse(expr)}"]
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            if expr.func.attr == "format":
                return [f".format(): {ast.unparse(expr)}"]
            if expr.func.attr == "replace" and all(isinstance(a, ast.Constant) for a in expr.args):
                return self.unproven(expr.func.value, depth + 1)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            table = self.module.constants.get(expr.value.id)  # a module dict of statements
            if isinstance(table, ast.Dict) and all(
                isinstance(v, ast.Constant) and isinstance(v.value, str) for v in table.values
            ):
                return []
        if isinstance(expr, ast.Name):
            return self._unproven_name(expr, depth)
        return [ast.unparse(expr)]

    def _unproven_name(self, expr: ast.Name, depth: int) -> list[str]:
        """A variable holding SQL: proven if every value it may hold is."""
        if expr.id in self.parameters and expr.id == "sql":
            return []  # a helper passing its caller's statement on (checked at the caller)
        if expr.id in self.locals:
            values = self.locals[expr.id]
            if all(isinstance(v, ast.expr) and not isinstance(v, ast.Tuple) for v in values):
                return [p for v in values for p in self.unproven(v, depth + 1)]
            return [expr.id]
        if expr.id in self.module.constants:
            return self.unproven(self.module.constants[expr.id], depth + 1)
        return [ast.unparse(expr)]

    def _interpolated(self, expr: ast.expr, depth: int) -> list[str]:
        """A ``{...}`` inside an f-string of SQL: a constant, a ``?`` run, or fixed SQL."""
        if self._constant(expr):
            return []
        if isinstance(expr, ast.Name) and expr.id in self.locals:
            values = self.locals[expr.id]
            if all(self._placeholders(value) for value in values):
                return []
            if all(not isinstance(value, ast.Tuple) for value in values) and not any(
                self.unproven(value, depth + 1) for value in values
            ):
                return []
            return [expr.id]  # reported by name: the audit list reads better
        return [ast.unparse(expr)]


def _sql_argument(call: ast.Call) -> ast.expr | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    via_named = isinstance(func.value, ast.Name) and func.value.id == "named"
    if func.attr not in SQL_CALLS and not (via_named and func.attr == "write"):
        return None
    index = 1 if via_named else 0  # named.write(db, sql, parameters)
    return call.args[index] if len(call.args) > index else None


def _functions(tree: ast.Module) -> Iterator[tuple[ast.AST | None, ast.Call]]:
    """Every call with the function it is in (None at module level)."""

    def visit(
        node: ast.AST, function: ast.AST | None
    ) -> Iterator[tuple[ast.AST | None, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = (
                child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            )
            if isinstance(child, ast.Call):
                yield function, child
            yield from visit(child, inner)

    yield from visit(tree, None)


def test_sql_in_the_db_package_binds_every_value() -> None:
    """f-strings in SQL may only put in column lists, ``?`` runs and audited fragments."""
    problems, audited_seen, statements = [], set(), 0
    for path in python_files("db"):
        tree, module = _module(path)
        for function, call in _functions(tree):
            sql = _sql_argument(call)
            if sql is None:
                continue
            statements += 1
            for part in _SqlCheck(module, function).unproven(sql):
                if (module.path, part) in AUDITED:
                    audited_seen.add((module.path, part))
                else:
                    problems.append(f"{module.path}:{call.lineno}: {part}")
    assert statements > 100  # the check found the statements (about 130 today)
    assert problems == []
    assert audited_seen == set(AUDITED), f"stale audit entries: {set(AUDITED) - audited_seen}"


def test_the_static_check_catches_values_put_into_sql() -> None:
    """The checker itself: each way of splicing a value in is reported."""
    source = """
_COLUMNS = "id, name"
LIMIT = 5
async def bad(db, name, ids):
    await db.fetch_all(f"SELECT {_COLUMNS} FROM users WHERE name = '{name}'")
    await db.fetch_all("SELECT * FROM users WHERE name = '%s'" % name)
    await db.fetch_all("SELECT * FROM users WHERE name = '{}'".format(name))
    await db.fetch_all("SELECT * FROM users WHERE name = '" + name + "'")
    sql = f"DELETE FROM users WHERE id IN ({', '.join(str(i) for i in ids)})"
    await db.execute(sql)
async def good(db, ids):
    marks = ", ".join("?" for _ in ids)
    await db.fetch_all(f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks}) LIMIT {LIMIT}", ids)
"""
    tree = ast.parse(source)
    module = _Module(
        "example.py", {"_COLUMNS": ast.Constant("id, name"), "LIMIT": ast.Constant(5)}
    )
    reported = [
        _SqlCheck(module, function).unproven(sql)
        for function, call in _functions(tree)
        if (sql := _sql_argument(call)) is not None
    ]
    assert [bool(problems) for problems in reported] == [True, True, True, True, True, False]
