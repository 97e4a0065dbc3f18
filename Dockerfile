# One image for the three services; docker-compose.yml picks the entry point per container.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock README.md ./
# The services' dependencies only: the dev group (test tools, the Tansu broker) stays out of the image.
RUN uv sync --frozen --no-dev
COPY schemas ./schemas
COPY services ./services
# Dev keys, if a service has to make one, go to a writable place; production sets every key by env.
ENV PATH=/app/.venv/bin:$PATH HOST=0.0.0.0 PORT=8000 QA_LEDGER_DATA_DIR=/tmp/qa-ledger
USER nobody
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=12 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/readyz')"]
CMD ["python", "-m", "services.ledger"]
