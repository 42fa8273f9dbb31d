"""The `lamina` console script: `lamina serve ...` (see lamina.serving.cli)."""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: lamina serve [--help] --model_base_path=DIR [--model_name=NAME] [--rest_api_port=PORT] ...")
        return 0 if argv else 2
    if argv[0] != "serve":
        print(f"lamina: unknown command {argv[0]!r}; the commands are: serve", file=sys.stderr)
        return 2
    from lamina.serving.cli import main as serve

    return serve(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
