"""TF Serving's REST API on Starlette: model status, metadata and predict, with its JSON
formats and `{"error": ...}` answers.

    GET  /v1/models/NAME[/versions/N]            status
    GET  /v1/models/NAME[/versions/N]/metadata   signature
    POST /v1/models/NAME[/versions/N]:predict    {"instances": ...} or {"inputs": ...}

Bad requests answer 4xx naming the input and the expected shape; the engine runs on its own
thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lamina.serving.batching import Batcher, BatchingParameters
from lamina.serving.model_store import ModelStore
from lamina.serving.servable import RequestError

log = logging.getLogger("lamina.serve")

_PATH = re.compile(r"^(?P<name>[^/:]+)(?:/versions/(?P<version>\d+))?(?:(?P<meta>/metadata)|:(?P<verb>\w+))?$")


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def _error(message: str, status: int) -> Response:
    return _json({"error": message}, status)


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _BodyTooLarge()
    return bytes(body)


def _parse_json(body: bytes):
    """orjson (several times faster on long number lists); the standard parser for what strict
    JSON lacks and TF Serving accepts (NaN, Infinity), and for its clearer error messages."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _rows_to_columns(servable, instances) -> list:
    if not isinstance(instances, list) or not instances:
        raise RequestError("'instances' must be a non-empty list (one entry per row)")
    specs = servable.inputs
    if len(specs) == 1 and not isinstance(instances[0], dict):
        return [servable.to_array(specs[0], instances)]
    names = [s.name for s in specs]
    for i, row in enumerate(instances):
        if not isinstance(row, dict):
            raise RequestError(f"instances[{i}] must be an object keyed by the input names {names}")
        missing = [n for n in names if n not in row]
        if missing:
            raise RequestError(f"instances[{i}] is missing input(s) {missing}; expected shapes "
                               + ", ".join(f"'{s.name}': {s.shape_text()}" for s in specs))
        unknown = sorted(set(row) - set(names))
        if unknown:
            raise RequestError(f"instances[{i}] names unknown input(s) {unknown}; the inputs are {names}")
    return [servable.to_array(s, [row[s.name] for row in instances]) for s in specs]


def _named_inputs(servable, inputs) -> list:
    specs = servable.inputs
    names = [s.name for s in specs]
    if not isinstance(inputs, dict):
        if len(specs) != 1:
            raise RequestError(f"'inputs' must be an object keyed by the input names {names}")
        return [servable.to_array(specs[0], inputs)]
    missing = [n for n in names if n not in inputs]
    if missing:
        raise RequestError(f"'inputs' is missing input(s) {missing}; expected shapes "
                           + ", ".join(f"'{s.name}': {s.shape_text()}" for s in specs))
    unknown = sorted(set(inputs) - set(names))
    if unknown:
        raise RequestError(f"'inputs' names unknown input(s) {unknown}; the inputs are {names}")
    arrays = [servable.to_array(s, inputs[s.name]) for s in specs]
    if len({a.shape[0] for a in arrays}) > 1:
        raise RequestError(f"the inputs have different batch sizes {[a.shape[0] for a in arrays]}")
    return arrays


def _answer(servable, outputs: list, row_form: bool):
    names = [s.name for s in servable.outputs]
    if row_form:
        if len(outputs) == 1:
            return {"predictions": outputs[0].tolist()}
        rows = outputs[0].shape[0]
        return {"predictions": [{n: o[i].tolist() for n, o in zip(names, outputs)} for i in range(rows)]}
    if len(outputs) == 1:
        return {"outputs": outputs[0].tolist()}
    return {"outputs": {n: o.tolist() for n, o in zip(names, outputs)}}


class ServerState:
    """What the routes share: the model store, the engine thread and the optional batcher."""

    def __init__(self, store: ModelStore, max_body_bytes: int, batching: BatchingParameters | None,
                 poll_seconds: float):
        self.store = store
        self.max_body_bytes = max_body_bytes
        self.batching = batching
        self.poll_seconds = poll_seconds
        self.engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lamina-engine")
        self.batcher: Batcher | None = None
        self._poller: asyncio.Task | None = None

    async def run_in_engine(self, fn):
        return await asyncio.get_running_loop().run_in_executor(self.engine, fn)

    async def startup(self) -> None:
        await self.run_in_engine(self.store.poll)
        if self.batching is not None:
            self.batcher = Batcher(self.batching, self.run_in_engine)
            self.batcher.start()
        if self.poll_seconds > 0:
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def shutdown(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        if self.batcher is not None:
            await self.batcher.stop()
        self.engine.shutdown(wait=False)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            # Loading runs on its own thread, so serving goes on while a new version loads.
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.store.poll)
            except Exception as e:  # e.g. the base path vanished for a moment: keep serving, poll again
                log.error("polling %s failed: %s", self.store.base_path, e)

    async def predict(self, servable, arrays: list) -> list:
        if self.batcher is not None:
            return await self.batcher.predict(servable, arrays)
        return await self.run_in_engine(lambda: servable.predict(arrays))


def create_app(state: ServerState) -> Starlette:
    """The Starlette application serving `state.store`'s model."""

    async def models(request: Request) -> Response:
        m = _PATH.match(request.path_params["rest"])
        if not m:
            return _error(f"Malformed request: {request.method} {request.url.path}", 404)
        name, version, verb = m["name"], m["version"], m["verb"]
        version = int(version) if version is not None else None
        if name != state.store.name:
            return _error(f"Servable not found for request: Latest({name})", 404)
        servable = state.store.get(version)
        if servable is None:
            what = f"Specific({name}, {version})" if version is not None else f"Latest({name})"
            return _error(f"Servable not found for request: {what}", 404)
        if verb is None:
            if request.method != "GET":
                return _error(f"Method {request.method} is not allowed here; use GET", 405)
            if m["meta"]:
                return _json(servable.metadata(name))
            versions = [version] if version is not None else state.store.statuses()
            return _json({"model_version_status": [
                {"version": str(v), "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
                for v in versions]})
        if request.method != "POST":
            return _error(f"Method {request.method} is not allowed for :{verb}; use POST", 405)
        if verb != "predict":
            return _error(f"Model '{name}' has no {verb} signature; only :predict is served", 400)
        return await _predict(request, servable)

    async def _predict(request: Request, servable) -> Response:
        try:
            body = await _read_body(request, state.max_body_bytes)
        except _BodyTooLarge:
            return _error(f"Request body exceeds the limit of {state.max_body_bytes} bytes (--max_body_bytes)", 413)
        try:
            data = _parse_json(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return _error(f"JSON Parse error: {e}", 400)
        except RecursionError:
            return _error("JSON Parse error: nested too deeply", 400)
        try:
            if not isinstance(data, dict):
                raise RequestError("the request body must be a JSON object with 'instances' or 'inputs'")
            signature = data.get("signature_name", "serving_default")
            if signature != "serving_default":
                raise RequestError(f"Serving signature name: \"{signature}\" not found in signature def")
            if ("instances" in data) == ("inputs" in data):
                raise RequestError("Missing 'inputs' or 'instances' key" if "inputs" not in data
                                   else "Both 'inputs' and 'instances' keys are present; send one")
            row_form = "instances" in data
            arrays = (_rows_to_columns(servable, data["instances"]) if row_form
                      else _named_inputs(servable, data["inputs"]))
            outputs = await state.predict(servable, arrays)
        except RequestError as e:
            return _error(str(e), 400)
        except OverflowError as e:
            return _error(str(e), 503)
        except Exception as e:  # the engine refused the data: still the request's fault, never a 500
            log.warning("predict failed: %s", e)
            return _error(f"{type(e).__name__}: {e}", 400)
        return _json(_answer(servable, outputs, row_form))

    async def not_found(request: Request, exc) -> Response:
        return _error(f"Malformed request: {request.method} {request.url.path}", 404)

    async def not_allowed(request: Request, exc) -> Response:
        return _error(f"Method {request.method} is not allowed for {request.url.path}", 405)

    async def server_error(request: Request, exc) -> Response:
        log.error("unexpected error: %s", exc)
        return _error("internal error", 500)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await state.startup()
        try:
            yield
        finally:
            await state.shutdown()

    return Starlette(routes=[Route("/v1/models/{rest:path}", models, methods=["GET", "POST", "PUT", "DELETE"])],
                     lifespan=lifespan, exception_handlers={404: not_found, 405: not_allowed, 500: server_error})
