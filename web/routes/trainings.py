"""Trainings and their registrants (read-only here; the catalogue is edited in the bot with
``/newtraining`` and ``/trainings``), with the organisers' CSV."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.registrations import SECTORS
from bot.trainings import format_when
from handlers import desk_render, training_render
from web.routes.common import services_of, translator
from web.templating import page


async def listing(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    trainings = await services.trainings.for_staff()
    return page(
        request,
        "trainings.html",
        trainings=[
            (
                training,
                training.text(t.locale).title,
                format_when(training, t.locale),
                training_render.status_name(t, training.status),  # type: ignore[arg-type]
            )
            for training in trainings
        ],
    )


async def detail(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    training = await services.trainings.get(request.path_params["training_id"])
    if training is None:
        return page(request, "refused.html", 404, message=t._("Not found."))
    sectors = {key: t._(label) for key, label in SECTORS.items()}
    registrants = [
        (row, sectors.get(row.sector, row.sector), desk_render.when(t, row.created_at))
        for row in await services.registrations.registrants(training.id)
    ]
    return page(
        request,
        "training.html",
        training=training,
        title=training.text(t.locale).title,
        when=format_when(training, t.locale),
        status=training_render.status_name(t, training.status),  # type: ignore[arg-type]
        registrants=registrants,
    )


async def registrants_csv(request: Request) -> Response:
    services = services_of(request)
    t = translator(request)
    training = await services.trainings.get(request.path_params["training_id"])
    if training is None:
        return Response(status_code=404)
    labels = {key: t._(label) for key, label in SECTORS.items()}
    content = await services.registrations.export_csv(training, labels)
    name = f"registrants-{training.code or training.id}.csv"
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [
    Route("/trainings", listing, methods=["GET"]),
    Route("/trainings/{training_id:int}", detail, methods=["GET"]),
    Route("/trainings/{training_id:int}/registrants.csv", registrants_csv, methods=["GET"]),
]
