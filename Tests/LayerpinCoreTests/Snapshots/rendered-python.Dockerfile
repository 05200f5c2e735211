# Rendered by `layerpin dockerfile` from layerpin.yaml (ecosystem: python).
# Each ARG LAYERPIN_* keys the layers below it to a layerpin digest: the dependency install
# sits above ARG LAYERPIN_SRC_DIGEST, so a code change never reinstalls dependencies.
FROM python:3.12-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
ARG LAYERPIN_DEPS_DIGEST
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
ARG LAYERPIN_SRC_DIGEST
ARG LAYERPIN_COMMIT
ARG LAYERPIN_CREATED
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--record-before-copy"]
COPY . ./
RUN ["/etc/layerpin/verify.sh", "--build"]
LABEL org.opencontainers.image.revision=$LAYERPIN_COMMIT \
      org.opencontainers.image.created=$LAYERPIN_CREATED \
      io.layerpin.digest.deps=$LAYERPIN_DEPS_DIGEST \
      io.layerpin.digest.src=$LAYERPIN_SRC_DIGEST
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["python", "src/main.py"]
