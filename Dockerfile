# One image for the three services; docker-compose.yml picks the entry point per container.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY schemas ./schemas
COPY services ./services
ENV PATH=/app/.venv/bin:$PATH HOST=0.0.0.0 PORT=8000
USER nobody
EXPOSE 8000
CMD ["python", "-m", "services.ledger"]
