"""RemoteMonitor: sends each epoch's logs to a server as an HTTP POST (Keras' callback), with
the standard library's urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import warnings

import numpy as np

from lamina.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """POSTs `{"epoch": ..., <logs>}` to `root + path` at each epoch end.

    Args:
        root: the server's root URL.
        path: the path on the server.
        field: with `send_as_json=False`, the form field holding the JSON.
        headers: extra HTTP headers.
        send_as_json: send the body as `application/json` instead of a form.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers = dict(headers or {})
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.generic, np.ndarray)) else v
        if self.send_as_json:
            body = json.dumps(send).encode("utf8")
            headers = {"Content-Type": "application/json", **self.headers}
        else:
            from urllib.parse import urlencode

            body = urlencode({self.field: json.dumps(send)}).encode("utf8")
            headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers}
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except (urllib.error.URLError, OSError) as e:
            warnings.warn(f"RemoteMonitor: could not reach {self.root + self.path}: {e}", stacklevel=2)
