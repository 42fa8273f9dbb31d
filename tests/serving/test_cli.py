"""`lamina serve`'s command line: TF Serving's flags, and clear errors before serving starts."""

from __future__ import annotations

import pytest

from lamina.cli import main as lamina_main
from lamina.serving.cli import build_parser, main
from server_process import require_serve_extra


def test_tf_serving_flags_parse():
    args = build_parser().parse_args(["--model_name=m", "--model_base_path=/models/m", "--rest_api_port=9000",
                                      "--enable_batching=true", "--batching_parameters_file=b.txt"])
    assert (args.model_name, args.model_base_path, args.rest_api_port, args.enable_batching,
            args.batching_parameters_file, args.host) == ("m", "/models/m", 9000, True, "b.txt", "127.0.0.1")
    assert build_parser().parse_args(["--model_base_path=x", "--enable_batching"]).enable_batching is True
    assert build_parser().parse_args(["--model_base_path=x"]).enable_batching is False


@pytest.mark.parametrize("argv,message", [
    (["--model_base_path=/no/such/dir"], "/no/such/dir"),
    (["--model_base_path=.", "--batching_parameters_file=b.txt"], "needs --enable_batching"),
    (["--model_base_path=.", "--enable_batching", "--batching_parameters_file=/no/such/file.txt"], "file.txt"),
])
def test_bad_command_lines_exit_with_a_message(argv, message):
    require_serve_extra()
    with pytest.raises(SystemExit, match=message):
        main(argv)


def test_lamina_command_dispatch(capsys):
    assert lamina_main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
    assert lamina_main([]) == 2
