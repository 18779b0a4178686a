"""`eprof serve`: the library's capabilities over HTTP and in a browser, as a thin shell.

Every route parses its request, calls the same library function the CLI calls (search, ingest,
run_profile, decide_profile, QASession, run_batch) and returns that function's own pydantic
model, so the OpenAPI spec describes the product's real contracts. Modules:

    app.py       create_app(settings, options): wiring, error mapping, the web page
    auth.py      API tokens from settings (constant-time check), read/write scopes
    audit.py     <home>/audit.db: who, what, when, versions; append-only
    uploads.py   upload checks (name, type, size) and storage inside the store
    jobs.py      batch jobs in a spawned process, progress relayed over a queue
    sessions.py  Q&A sessions kept for follow-up questions
    routes/      one module per resource
    static/      the analyst page: plain HTML, CSS and JavaScript, no build step
"""

from eprof.service.app import ServiceOptions, create_app

__all__ = ["ServiceOptions", "create_app"]
