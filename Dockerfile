# The image AWS Batch runs: `observes` as entrypoint, the job files in /opt/observes/jobs.
#   docker build -t observes-singer .
#   observes batch deploy --image <account>.dkr.ecr.<region>.amazonaws.com/observes-singer:TAG
# (docs/aws-batch.md has the push commands.)

FROM python:3.12-slim AS build
# A compiler for the flattener's C extension (without one the wheel falls back to the
# generated Python flattener, about 3 times slower).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY observes_singer observes_singer
COPY taps taps
COPY targets targets
COPY tools tools
# The taps' sample servers (taps/tap_*/sample/) are for the demo and the tests, not for a
# job: the image leaves them out, and `observes demo` says so if asked for one.
RUN rm -rf taps/*/sample \
 && pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 observes
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels observes-singer \
 && rm -rf /wheels
COPY jobs /opt/observes/jobs
ENV OBSERVES_JOBS_DIR=/opt/observes/jobs \
    OBSERVES_DATA_DIR=/tmp/observes-data \
    PYTHONUNBUFFERED=1
USER observes
WORKDIR /home/observes
ENTRYPOINT ["observes"]
CMD ["--help"]
