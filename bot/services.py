"""Everything a handler may call, built once per process and shared through ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.inquiries import InquiryService
from bot.knowledge.base import KnowledgeBase
from bot.users import UserDirectory
from db import Database


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    knowledge: KnowledgeBase
    users: UserDirectory
    inquiries: InquiryService
    clock: Clock

    @classmethod
    async def start(cls, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        db = await Database.open(settings.database_path)
        knowledge = await KnowledgeBase.load(db)
        return cls(
            settings=settings,
            db=db,
            catalogs=Catalogs(),
            knowledge=knowledge,
            users=UserDirectory(db, clock, settings.default_locale),
            inquiries=InquiryService(db, knowledge, clock),
            clock=clock,
        )

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.staff_ids

    async def close(self) -> None:
        await self.db.close()
