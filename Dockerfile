# Teman UMKM: `docker build -t teman-umkm . && docker run -e TELEGRAM_BOT_TOKEN=... -v umkm:/data teman-umkm`
# The same image runs the staff web desk: `docker run ... -p 8080:8080 teman-umkm smebot web --host 0.0.0.0`
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
RUN pip install --no-cache-dir "$(ls /wheels/*.whl)[charts,xlsx,web,semantic]" && rm -rf /wheels
USER bot
WORKDIR /home/bot
ENV DATABASE_PATH=/data/teman_umkm.db \
    SEMANTIC_SEARCH=on \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8443 8080
CMD ["smebot", "run"]
