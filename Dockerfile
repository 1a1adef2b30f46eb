# Lotse: one image for the web (gunicorn), the Celery worker and beat, and the migrate job.
# docker-compose.yml shows how they fit together; the default command serves the web app.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH="/app/.venv/bin:$PATH"

# The same uv version that writes uv.lock, so `--frozen` reads it the same way.
RUN pip install --no-cache-dir "uv==0.13.9"

RUN groupadd --system --gid 10001 lotse \
    && useradd --system --uid 10001 --gid lotse --home-dir /app --no-create-home lotse

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock changes. The project
# itself is not a package (`[tool.uv] package = false`), so the sources are not needed here.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY . .

# Static files are collected into the image and served by whitenoise. The settings refuse to
# start with DEBUG off and no SECRET_KEY, hence the throwaway key used only for this step.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput

# The code stays owned by root (read-only to the app); only var/ is the app's to write.
RUN mkdir -p /app/var && chown lotse:lotse /app/var

USER lotse

EXPOSE 8000

# /healthz answers any Host over plain HTTP (it runs before host checks and HTTPS redirects).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
