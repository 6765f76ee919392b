"""Which calls start a long-running server, and which servers handle SIGTERM themselves.

Decided from each server's documented behaviour:

- handle SIGTERM (stop accepting, finish requests in flight, exit): gunicorn (its arbiter: a
  graceful shutdown on TERM), uvicorn (``uvicorn.run`` and ``Server.serve`` install handlers for
  SIGINT and SIGTERM), hypercorn (``serve`` shuts down on SIGINT/SIGTERM unless given a
  ``shutdown_trigger``; its CLI too), aiohttp's ``web.run_app`` (``handle_signals``, on by
  default), Sanic's ``app.run``, daphne (Twisted's reactor), ``aiorun.run``;
- do not: ``socketserver``/``http.server``'s ``serve_forever``, asyncio's ``run_forever`` and
  ``serve_forever``, Flask's ``app.run`` and werkzeug's ``run_simple`` (a development server),
  waitress' ``serve`` (no signal handling, Pylons/waitress#198), bottle's ``run``, Tornado's
  ``IOLoop.start``, gRPC's ``wait_for_termination``.

Python's default for SIGTERM is to die on the spot, and as PID 1 of a container (exec-form CMD)
a signal without a handler is not delivered at all: ECS then waits stopTimeout and SIGKILLs.
"""

from __future__ import annotations

from hakobu.checks.repository import Repository
from hakobu.checks.rules.dockerfile import final_chain, last_in_chain
from hakobu.checks.rules.source_python._facts import Call, Facts

# Servers that install their own SIGTERM handling, by the module their entry point is in.
MANAGED_MODULES = ("uvicorn", "hypercorn", "aiohttp", "sanic", "gunicorn", "daphne", "aiorun")
# Commands that run the app under such a server (the Dockerfile's CMD or ENTRYPOINT).
MANAGED_COMMANDS = frozenset({"gunicorn", "uvicorn", "hypercorn", "daphne", "granian", "sanic"})
_IGNORING = frozenset({"SIG_IGN", "SIG_DFL"})


def unmanaged_start(facts: Facts) -> Call | None:
    """The first call that starts a server which leaves SIGTERM to the app."""
    if any(call.name.split(".")[0] in MANAGED_MODULES for call in facts.calls):
        return None
    return next((call for call in facts.calls if _starts_unmanaged(facts, call)), None)


def _starts_unmanaged(facts: Facts, call: Call) -> bool:
    last, root = call.last, call.name.split(".")[0]
    if last == "serve_forever" or (last == "run_forever" and facts.uses("asyncio", "uvloop")):
        return True
    if call.name in ("waitress.serve", "werkzeug.serving.run_simple", "bottle.run"):
        return True
    if last == "wait_for_termination" and facts.uses("grpc"):
        return True
    if last == "start" and "IOLoop" in call.name:
        return True
    # `app.run()`: Flask's development server (or bottle's), unless the app is Sanic's.
    framework = facts.uses("flask", "bottle") and not facts.uses("sanic")
    return last == "run" and framework and root not in ("asyncio", "trio", "anyio", "sys")


def handles_sigterm(facts: Facts) -> bool:
    """``SIGTERM`` is named somewhere other than in ``signal.signal(SIGTERM, SIG_IGN)``."""
    if facts.handles_sigterm is None:
        ignoring = {id(arg) for call in ignores_sigterm(facts) for arg in call.node.args[:1]}
        facts.handles_sigterm = any(id(node) not in ignoring for node in facts.sigterm) or any(
            call.name.split(".")[0] == "aiorun" for call in facts.calls
        )
    return facts.handles_sigterm


def ignores_sigterm(facts: Facts) -> list[Call]:
    """``signal.signal(SIGTERM, SIG_IGN)`` or ``SIG_DFL``: the stop signal thrown away."""
    found = []
    for call in facts.calls:
        if call.name != "signal.signal" or len(call.node.args) < 2:
            continue
        first, second = (facts.dotted(arg) or "" for arg in call.node.args[:2])
        if first.endswith("SIGTERM") and second.rsplit(".", 1)[-1] in _IGNORING:
            found.append(call)
    return found


def container_runs_managed_server(repo: Repository) -> bool:
    """A Dockerfile of the repository runs the app under gunicorn, uvicorn, ...: then the
    module's own ``if __name__ == "__main__":`` server is what developers run, not ECS."""
    for dockerfile in repo.dockerfiles():
        chain = final_chain(dockerfile.dockerfile)
        for keyword in ("ENTRYPOINT", "CMD"):
            found = last_in_chain(chain, keyword)
            if found is None:
                continue
            instruction = found[0]
            words = instruction.exec_form or tuple(instruction.words)
            if any(word.rsplit("/", 1)[-1] in MANAGED_COMMANDS for word in words):
                return True
    return False
