FROM python:3.11
# our service
WORKDIR /srv
ARG LAYERPIN_DEPS_DIGEST
COPY requirements.txt ./
RUN pip install -r requirements.txt  # deps
ARG LAYERPIN_SRC_DIGEST
ARG LAYERPIN_COMMIT
ARG LAYERPIN_CREATED
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--record-before-copy"]
COPY . .
RUN ["/etc/layerpin/verify.sh", "--build"]
LABEL org.opencontainers.image.revision=$LAYERPIN_COMMIT org.opencontainers.image.created=$LAYERPIN_CREATED io.layerpin.digest.deps=$LAYERPIN_DEPS_DIGEST io.layerpin.digest.src=$LAYERPIN_SRC_DIGEST
EXPOSE 8000
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["python", "app.py"]
