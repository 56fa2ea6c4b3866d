# Teman UMKM: `docker build -t teman-umkm . && docker run -e TELEGRAM_BOT_TOKEN=... -v umkm:/data teman-umkm`
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir build Babel \
 && for po in locales/*/LC_MESSAGES/*.po; do pybabel compile -i "$po" -o "${po%.po}.mo"; done \
 && python -m build --wheel --outdir /wheels

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot \
 && mkdir /data && chown bot:bot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir "$(ls /wheels/*.whl)[charts,xlsx]" && rm -rf /wheels
USER bot
WORKDIR /home/bot
ENV DATABASE_PATH=/data/teman_umkm.db \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8443
CMD ["smebot", "run"]
