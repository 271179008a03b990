# The opioid signs self-check, served by gunicorn. See DEPLOY.md.
#
#   docker build -t opioid-signs-self-check .
#   docker run --read-only --tmpfs /tmp -v selfcheck-instance:/app/instance \
#       -p 127.0.0.1:8000:8000 \
#       -e SELFCHECK_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
#       opioid-signs-self-check
#
# In production it runs behind a buffering, TLS-terminating reverse proxy
# (compose.yaml has one); gunicorn's workers must not face slow clients.
# tests/test_deployment.py runs this file's install and start steps outside
# a container.

# The base image is named by tag. To pin it, find its digest where Docker
# runs (docker buildx imagetools inspect python:3.11-slim-bookworm) and write
# it in both FROM lines: FROM python:3.11-slim-bookworm@sha256:<digest>.

# ---- builder: the virtual environment and the compiled app -----------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

# Runtime dependencies first, so that a change to the app alone reuses them.
WORKDIR /build
COPY pyproject.toml constraints.txt deploy/build-venv.sh deploy/compile-app.sh ./
RUN ./build-venv.sh /opt/venv

# pyproject.toml (and the README and LICENSE it names) register the app's flask commands.
WORKDIR /app
COPY pyproject.toml README.md LICENSE app.py gunicorn.conf.py deploy/healthcheck.py ./
COPY questionnaire/ questionnaire/
COPY templates/ templates/
COPY static/ static/
RUN /build/compile-app.sh /opt/venv

# ---- the image: no compilers, no pip cache, no tests ------------------------
FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="Opioid signs self-check" \
      org.opencontainers.image.description="A private, non-diagnostic self-check of opioid-related signs"

# A fixed, numeric user, so that Kubernetes can check runAsNonRoot.
RUN groupadd --system --gid 10001 selfcheck \
    && useradd --system --no-log-init --uid 10001 --gid selfcheck \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin selfcheck

# Owned by root and not writable by the app's user. The virtual environment
# keeps its path: its scripts name /opt/venv/bin/python.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

# The app's instance folder, the one place it writes: the totals for clinics,
# in a SQLite file, unless SELFCHECK_TOTALS_URL names a PostgreSQL database
# (DEPLOY.md, "Totals"). A volume owned by the app's user: Docker gives a new
# named volume mounted here this folder's owner.
RUN mkdir -p /app/instance && chown 10001:10001 /app/instance && chmod 0700 /app/instance
VOLUME ["/app/instance"]

WORKDIR /app
USER 10001:10001

# Nothing else is written at run time, so the root file system can be read-only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    SELFCHECK_HOST=0.0.0.0 \
    PORT=8000

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]

CMD ["gunicorn", "-c", "gunicorn.conf.py"]
