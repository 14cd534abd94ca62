"""A bare Flask endpoint: the baseline for the verification endpoints' throughput."""

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}
