# The image AWS Batch runs: `observes` as entrypoint, the job files in /opt/observes/jobs.
#   docker build --platform linux/amd64 -t observes-singer .
#   observes batch deploy --image <account>.dkr.ecr.<region>.amazonaws.com/observes-singer:TAG
# (docs/aws-batch.md has the push commands.) --platform: Batch runs x86-64 containers
# unless a job definition asks for ARM64; an image built on an ARM machine without it
# fails there with "exec format error".

# The base of both stages. A tag moves with every Python and Debian update; for the same
# image from the same commit, pin it by digest: read the digest of the tag's index
#   docker buildx imagetools inspect python:3.12-slim     # its "Digest: sha256:..." line
# and write it here, as python:3.12-slim@sha256:<digest> (or pass it for one build with
# --build-arg BASE=...). Renovate and Dependabot keep such a pin up to date.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
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

FROM ${BASE}
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
