"""The baselines of the verification endpoints, served by the same gunicorn configuration:

- ``/floor``: bare Flask doing only what any online check must: one P-256 signature check and one
  status-row read through SQLAlchemy Core. No decoding, session, headers or log: the benchmark's
  target is a fraction of its rate. One signature, because a check verifies one: a presentation
  is signed by the service's presentation key and carries no certificate signature (the live
  status list answers for the certificate), and a credential is one JWT signed by its issuer's
  key. The app's signature step costs about what the floor's does (840,000 and 869,000
  instructions), and so does its status read (266,000 and 292,000: the floor reads a 25 KB row);
- ``/ping``: bare Flask doing nothing (context: what Flask and gunicorn cost alone);
- ``/upload``: bare Flask taking a multipart push as the platform sends one: the JSON part
  parsed, each file part read and SHA-256-hashed, a JSON answer (no token, checks, storage or
  database: the baseline of ``bench.platform_ingest``).
"""

import hashlib
import json
import os
import tempfile

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
_KEY = ec.generate_private_key(ec.SECP256R1())
_MESSAGE = os.urandom(160)
_SIGNATURE = _KEY.sign(_MESSAGE, ec.ECDSA(hashes.SHA256()))
_PUBLIC = _KEY.public_key()
# One database a worker, in the benchmark's instance folder (removed with it).
_FOLDER = os.environ.get("RTC_INSTANCE_PATH") or tempfile.mkdtemp()
_ENGINE = create_engine(f"sqlite:///{_FOLDER}/floor-{os.getpid()}.db")
with _ENGINE.begin() as setup:
    setup.execute(text("CREATE TABLE status (issuer TEXT PRIMARY KEY, data BLOB)"))
    setup.execute(text("INSERT INTO status VALUES ('x', :data)"), {"data": bytes(25_000)})
_READ = text("SELECT data FROM status WHERE issuer = :issuer")


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}


@app.get("/floor")
def floor() -> dict[str, int]:
    _PUBLIC.verify(_SIGNATURE, _MESSAGE, ec.ECDSA(hashes.SHA256()))
    with _ENGINE.connect() as connection:
        row = connection.execute(_READ, {"issuer": "x"}).one()
    return {"status_bytes": len(row[0])}


@app.post("/upload")
def upload() -> tuple[dict[str, object], int]:
    application = json.loads(request.form["application"])
    hashes = {name: hashlib.sha256(file.read()).hexdigest() for name, file in request.files.items()}
    return {"case_number": application["case_number"], "materials": hashes}, 201
