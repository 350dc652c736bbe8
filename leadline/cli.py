"""The `leadline` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from leadline.cli_rubric import rubric_app

app = typer.Typer(help="Leadline: turn conversations into qualified sales leads.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _backend():  # type: ignore[no-untyped-def]
    from agent.extraction.rules import RuleBackend

    return RuleBackend()


def _rubric(name: str):  # type: ignore[no-untyped-def]
    from skills.rubric import RubricError, load_rubric

    try:
        return load_rubric(name)
    except RubricError as e:
        _fail("bad rubric " + str(e))


def _open_jsonl(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        _fail(f"{path}: no such file")
    except UnicodeDecodeError as e:
        _fail(f"{path}: not UTF-8 text (byte {e.start})")
    return []


@app.command()
def qualify(
    file: Annotated[Path, typer.Argument(help="conversations, one JSON object per line (eval FORMAT.md)")],
    rubric: Annotated[str, typer.Option("--rubric", "-r", help="built-in rubric name or a rubric file")] = "bant",
) -> None:
    """Qualify every conversation of FILE and write one JSON line per conversation."""
    from leadline.qualify import TranscriptError, qualify_lines

    lines = _open_jsonl(file)
    backend, rub = _backend(), _rubric(rubric)
    out = sys.stdout
    try:
        for row in qualify_lines(lines, backend, rub):
            out.write(row + "\n")
    except TranscriptError as e:
        _fail(f"{file}: {e}")


@app.command("eval")
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="labelled conversations (with `expected`)")],
    rubric: Annotated[str, typer.Option("--rubric", "-r")] = "bant",
    show_misses: Annotated[bool, typer.Option("--misses", help="list every disagreement")] = False,
) -> None:
    """Qualify FILE and print per-field metrics against its `expected` labels."""
    from leadline.evaluation import evaluate
    from leadline.qualify import TranscriptError, qualify_lines

    lines = _open_jsonl(file)
    try:
        preds = {json.loads(r)["id"]: json.loads(r) for r in qualify_lines(lines, _backend(), _rubric(rubric))}
    except TranscriptError as e:
        _fail(f"{file}: {e}")
    try:
        result = evaluate(lines, preds)
    except (KeyError, json.JSONDecodeError) as e:
        _fail(f"{file}: every line needs `expected` labels ({e})")
    for k, v in result["metrics"].items():
        typer.echo(f"{k:24} {v:.3f}")
    if show_misses:
        for m in result["misses"]:
            typer.echo("  miss " + m)


def _runtime(migrate_db: bool = True):  # type: ignore[no-untyped-def]
    import logging

    from leadline.runtime import build_runtime
    from leadline.settings import get_settings
    from storage.crypto import CryptoError

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return build_runtime(settings, migrate_db=migrate_db)
    except CryptoError as e:
        _fail(str(e))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default LEADLINE_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default LEADLINE_PORT or 8000")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="server processes; default LEADLINE_WEB_WORKERS "
                                                "or 1. About one per core: each runs its own outbox worker")] = None,
) -> None:
    """Run the web service (migrations run on start)."""
    import uvicorn

    from leadline.app import create_app
    from leadline.settings import get_settings

    settings = get_settings()
    rt = _runtime()  # migrations and the demo workspace, once, before any server process starts
    options = {"host": host or settings.host, "port": port or settings.port, "log_level": settings.log_level.lower(),
               "timeout_graceful_shutdown": 5}
    processes = workers or settings.web_workers
    if processes > 1:
        rt.close()
        # Each process imports the app factory and builds its own runtime (engines are not shared).
        uvicorn.run("leadline.app:served_app", factory=True, workers=processes, **options)
        return
    web = create_app(settings, rt, worker=settings.worker_in_process)
    # What is loaded by now lives as long as the process: out of the garbage collector's view, a full
    # collection no longer walks it (each one paused every request for ~100 ms under load).
    import gc

    gc.freeze()
    try:
        uvicorn.run(web, **options)
    finally:
        rt.close()  # the app's lifespan leaves a runtime it was given open


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="process everything due now, then exit")] = False,
) -> None:
    """Run an outbox worker: deliveries, alerts, agent turns of queued messages, scheduled jobs.
    Several may run at once against PostgreSQL. The schema must be migrated (`leadline db upgrade`)."""
    import logging
    import signal
    import threading

    from leadline.runtime import build_runtime
    from leadline.settings import get_settings
    from leadline.worker import Worker
    from storage.crypto import CryptoError

    settings = get_settings().model_copy(update={"demo_workspace": False})  # workers never seed data
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        rt = build_runtime(settings, migrate_db=False)
    except CryptoError as e:
        _fail(str(e))
    w, stop = Worker(rt), threading.Event()

    def _stop(*_: object) -> None:
        stop.set()
        w.wake.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        handled = w.run(stop, until_idle=once)
    finally:
        w.close()
        rt.close()
    if once:
        typer.echo(f"handled {handled} outbox events and deliveries")


@app.command()
def smtp(
    host: Annotated[str | None, typer.Option(help="default LEADLINE_SMTP_LISTEN_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default LEADLINE_SMTP_LISTEN_PORT or 2525")] = None,
) -> None:
    """Run the inbound SMTP server of the e-mail channel: mail to a configured inbound address is
    queued for the agent (the worker answers it); other recipients are refused with 550."""
    import signal
    import threading

    from channels.email_smtp_server import start_server
    from leadline.settings import get_settings

    settings = get_settings()
    rt = _runtime()
    host, port = host or settings.smtp_listen_host, port or settings.smtp_listen_port
    try:
        controller = start_server(rt.sessions, host, port, max_bytes=settings.email_max_bytes)
    except (OSError, RuntimeError) as e:
        rt.close()
        _fail(f"cannot listen on {host}:{port}: {e}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(f"leadline smtp listening on {host}:{port}", err=True)
    try:
        stop.wait()
    finally:
        controller.stop()
        rt.close()


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply schema migrations (they also run when the service starts)."""
    from storage import migrate

    rt = _runtime(migrate_db=False)
    migrate.upgrade(rt.engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(rt.engine)}")


workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")


@workspace_app.command("create")
def workspace_create(
    name: str,
    rubric: Annotated[str, typer.Option(help="built-in rubric name or rubric file")] = "bant",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a workspace with the default pipeline stages and an admin API key (shown only once)."""
    from storage.api_keys import create_api_key
    from storage.db import unit_of_work
    from storage.workspaces import create_workspace

    _rubric(rubric)  # validate before creating anything
    if Path(rubric).suffix in (".yaml", ".yml"):
        rubric = str(Path(rubric).resolve())  # the service may run from another directory
    rt = _runtime()
    with unit_of_work(rt.sessions) as s:
        ws = create_workspace(s, name, settings={"rubric": rubric})
        _, api_key = create_api_key(s, ws.id, name="admin (created with the workspace)", scopes=["admin"])
        out = {"workspace_id": ws.id, "public_key": ws.public_key, "api_key": api_key}
    if as_json:
        typer.echo(json.dumps(out))
        return
    typer.echo(f"created workspace {out['workspace_id']} ({name})")
    typer.echo(f"public key (for web forms and the widget): {out['public_key']}")
    typer.echo(f"admin API key (shown only now; store it safely): {api_key}")


@app.command()
def chat(
    workspace: Annotated[str | None, typer.Option(help="workspace id (default: the first one)")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="show extraction and score after each turn")] = False,
    visitor: Annotated[str | None, typer.Option(help="visitor id, to continue a conversation")] = None,
) -> None:
    """Talk to the agent in the terminal, with the real database."""
    import uuid

    from pydantic import ValidationError

    from agent.types import Channel, InboundMessage
    from storage.db import unit_of_work
    from storage.workspaces import UnknownWorkspace, first_workspace

    rt = _runtime()
    if workspace is None:
        with unit_of_work(rt.sessions) as s:
            ws = first_workspace(s)
            if ws is None:
                _fail("no workspace: run `leadline workspace create NAME`")
            workspace = ws.id
    visitor = visitor or f"cli-{uuid.uuid4().hex[:12]}"
    typer.echo(f"Chatting with workspace {workspace} as {visitor}. Empty line or Ctrl-D to quit.")
    while True:
        try:
            text = input("you> ")
        except EOFError:
            break
        if not text.strip():
            break
        try:
            msg = InboundMessage(workspace_id=workspace, channel=Channel.widget, sender_id=visitor,
                                 thread_id=visitor, text=text)
            reply = rt.agent.handle(msg)
        except ValidationError as e:
            typer.echo(f"error: {e.errors(include_url=False)[0]['msg']}", err=True)
            continue
        except UnknownWorkspace as e:
            _fail(str(e))
        typer.echo(f"agent> {reply.text}")
        if debug:
            _print_debug(rt, reply)


def _print_debug(rt, reply) -> None:  # type: ignore[no-untyped-def]
    from agent.state import ConversationState
    from storage.db import unit_of_work
    from storage.models import Conversation

    with unit_of_work(rt.sessions) as s:
        conv = s.get(Conversation, reply.conversation_id)
        ex = ConversationState.model_validate(conv.state or {}).extraction()
    c = ex.contact
    typer.echo(f"  [contact] name={c.name} email={c.email} phone={c.phone} company={c.company} title={c.title}")
    typer.echo(f"  [intent] {ex.intent} {[s.kind for s in ex.intent_signals]} non_buyer={ex.non_buyer}")
    for sig, evs in ex.evidence.items():
        for e in evs:
            extra = f" amount/yr={e.yearly_amount}" if e.yearly_amount is not None else ""
            extra += f" within_days={e.within_days}" if e.within_days is not None else ""
            typer.echo(f"  [{sig}] {e.grade}{extra}: {e.quote!r}")
    typer.echo(f"  [lead] {reply.lead_id} score={reply.score} band={reply.band} events={reply.events}")


if __name__ == "__main__":
    app()
