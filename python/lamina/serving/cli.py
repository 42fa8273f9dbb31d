"""`lamina serve`: TF Serving's command line, where its flags apply.

    lamina serve --model_name=mlp --model_base_path=/models/mlp --rest_api_port=8501 \
        [--host=127.0.0.1] [--enable_batching --batching_parameters_file=batching.txt]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lamina serve", description="Serve a lamina/Keras model over TF Serving's REST API.")
    p.add_argument("--model_name", default="default", help="name of the model in the URLs (default: default)")
    p.add_argument("--model_base_path", required=True,
                   help="directory holding numbered version directories (1/, 2/, ...), each with one model file")
    p.add_argument("--rest_api_port", type=int, default=8501, help="port of the REST API (default 8501)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    p.add_argument("--enable_batching", type=_bool, nargs="?", const=True, default=False,
                   help="merge concurrent requests into batches")
    p.add_argument("--batching_parameters_file", default=None,
                   help="TF Serving's batching parameters (text format: max_batch_size { value: 32 } ...)")
    p.add_argument("--file_system_poll_wait_seconds", type=float, default=1.0,
                   help="how often to look for new versions; 0 disables (default 1)")
    p.add_argument("--max_body_bytes", type=int, default=16 * 1024 * 1024,
                   help="largest request body accepted (default 16 MiB); larger ones get 413")
    p.add_argument("--log_level", default="warning", choices=["debug", "info", "warning", "error"])
    return p


def _batching(args):
    """The batching parameters, or None without --enable_batching."""
    from lamina.serving.batching import BatchingParameters

    if not args.enable_batching:
        if args.batching_parameters_file:
            raise ValueError("--batching_parameters_file needs --enable_batching")
        return None
    if not args.batching_parameters_file:
        return BatchingParameters()
    with open(args.batching_parameters_file, encoding="utf-8") as f:
        return BatchingParameters.parse(f.read(), args.batching_parameters_file)


def main(argv=None) -> int:
    """Parses TF Serving's flags and serves until interrupted."""
    args = build_parser().parse_args(argv)
    try:
        import uvicorn

        from lamina.serving.model_store import ModelStore
        from lamina.serving.rest_api import ServerState, create_app
    except ImportError as e:
        raise SystemExit(f"lamina serve needs its extra: pip install 'lamina[serve]' ({e})") from None
    try:
        batching = _batching(args)
        warm = (1,) if batching is None else tuple(sorted({1, batching.max_batch_size}))
        store = ModelStore(args.model_name, os.path.abspath(args.model_base_path), warm_up_batch_sizes=warm)
    except (OSError, ValueError) as e:
        raise SystemExit(f"lamina serve: {e}") from None
    # The engine thread gives the GIL up inside each op and needs it back between ops; with the
    # default 5 ms switch interval it waits behind the event loop's request parsing that long
    # each time (the convoy effect), which makes large batches slow. 100 us keeps it moving.
    sys.setswitchinterval(1e-4)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    state = ServerState(store, args.max_body_bytes, batching, args.file_system_poll_wait_seconds)
    uvicorn.run(create_app(state), host=args.host, port=args.rest_api_port, log_level=args.log_level,
                access_log=False)
    return 0
