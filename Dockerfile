# The CRM image: one image for every process of docker-compose.yml (web, worker, beat, migrate).
#   docker compose build      (see deploy/README-deploy.md)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CRM_VAR_DIR=/data/var

# An unprivileged user runs everything; /data (uploaded files, the beat schedule) is a volume
# that docker creates with this ownership.
RUN groupadd --system --gid 10001 crm \
    && useradd --system --uid 10001 --gid crm --home-dir /app --no-create-home --shell /usr/sbin/nologin crm \
    && mkdir -p /app /data/media /data/var \
    && chown -R crm:crm /data

WORKDIR /app

# Dependencies first (pinned in pyproject.toml; psycopg comes with its own libpq), so that a
# change of the code does not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-compile .

COPY --chown=root:root . .

# Static files are collected into the image, where WhiteNoise serves them with hashed names.
# The settings refuse to load without a secret key and allowed hosts: these build-time values
# are used by collectstatic only and never reach the running containers.
ARG BUILD_SECRET_KEY=collectstatic-only-build-time-value-not-used-at-run-time-0123456789
ARG BUILD_ALLOWED_HOSTS=localhost
RUN SECRET_KEY="$BUILD_SECRET_KEY" ALLOWED_HOSTS="$BUILD_ALLOWED_HOSTS" DEBUG=false CRM_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && python -m compileall -q . \
    && chmod -R a+rX /app
# (collectstatic writes with FILE_UPLOAD_PERMISSIONS, 0640: the crm user must read them all)

USER crm
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "crm.wsgi:application"]
