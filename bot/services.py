"""Everything a handler may call, built once per process and shared through ``bot_data``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.broadcasts import BroadcastService
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.desk import Desk
from bot.drafts import DraftService
from bot.flood import FloodGuard
from bot.forms import FormStore
from bot.i18n import Catalogs
from bot.inquiries import InquiryService
from bot.knowledge.base import KnowledgeBase
from bot.privacy import Privacy
from bot.registrations import RegistrationService
from bot.reminders import ReminderPlanner
from bot.selfcheck import SelfCheckService
from bot.staff import StaffDirectory
from bot.stats import StatsService
from bot.subscriptions import SubscriptionService
from bot.trainings import TrainingService
from bot.users import UserDirectory
from bot.web_logins import WebLoginService
from db import Database


def semantic_cache_of(settings: Settings) -> Path | None:
    """Where the embedding blend keeps its vectors (beside the database), or ``None`` when
    ``SEMANTIC_SEARCH`` is off."""
    if not settings.semantic_search:
        return None
    return Path(settings.database_path).resolve().parent / "semantic-cache"


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    knowledge: KnowledgeBase
    users: UserDirectory
    inquiries: InquiryService
    clock: Clock
    flood: FloodGuard
    selfcheck: SelfCheckService
    staff: StaffDirectory
    desk: Desk
    drafts: DraftService
    stats: StatsService
    privacy: Privacy
    trainings: TrainingService
    registrations: RegistrationService
    subscriptions: SubscriptionService
    broadcasts: BroadcastService
    reminders: ReminderPlanner
    forms: FormStore
    web_logins: WebLoginService

    @classmethod
    async def start(cls, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        db = await Database.open(settings.database)
        knowledge = await KnowledgeBase.load(db, semantic_cache=semantic_cache_of(settings))
        users = UserDirectory(db, clock, settings.default_locale)
        catalogs = Catalogs()
        trainings = TrainingService(db, clock)
        broadcasts = BroadcastService(
            db, clock, catalogs, settings.default_locale, settings.broadcast_rate
        )
        services = cls(
            settings=settings,
            db=db,
            catalogs=catalogs,
            knowledge=knowledge,
            users=users,
            inquiries=InquiryService(
                db, knowledge, clock, dt.timedelta(minutes=settings.choice_timeout_minutes)
            ),
            clock=clock,
            flood=FloodGuard.for_database(db, clock),
            selfcheck=SelfCheckService.load(db, clock),
            staff=StaffDirectory(db, clock, settings.staff_ids),
            desk=Desk(db, clock, users, knowledge),
            drafts=DraftService(db, clock, knowledge),
            stats=StatsService(db, clock),
            privacy=Privacy(db, clock, users, settings.inquiry_retention_days),
            trainings=trainings,
            registrations=RegistrationService(db, clock, trainings),
            subscriptions=SubscriptionService(db, clock, users),
            broadcasts=broadcasts,
            reminders=ReminderPlanner(db, clock, catalogs, broadcasts),
            forms=await FormStore.load(db, clock),
            web_logins=WebLoginService(db, clock),
        )
        await services.desk.load()
        return services

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.staff_ids

    async def close(self) -> None:
        await self.db.close()
