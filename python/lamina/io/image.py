"""Image decoding with Pillow (which releases the GIL while it decodes, so a parallel map of
decodes overlaps). Install with `pip install lamina[image]`."""

from __future__ import annotations

import io

import numpy as np


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("lamina.io image decoding needs Pillow: pip install 'lamina[image]' (or pip install pillow)") from None
    return Image


def _source(contents) -> str:
    name = getattr(contents, "filename", "")
    return f" ({name})" if name else ""


def _decode(contents, channels: int | None, formats: tuple | None, what: str) -> np.ndarray:
    Image = _pil()
    if isinstance(contents, np.ndarray):
        contents = contents.item()
    if channels not in (None, 0, 1, 3, 4):
        raise ValueError(f"{what}: channels must be 0, 1, 3 or 4, got {channels}")
    try:
        img = Image.open(io.BytesIO(contents), formats=formats)
        img.load()
    except Exception as exc:  # noqa: BLE001 - Pillow raises several types for bad data
        raise ValueError(f"{what}: cannot decode the image{_source(contents)}: {exc}") from None
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(channels or 0)
    if mode is None:  # keep the file's channels, as tf does with channels=0
        mode = img.mode if img.mode in ("L", "RGB", "RGBA") else "RGBA" if "A" in img.mode else "RGB"
        if img.mode == "LA":
            mode = "RGBA"
    arr = np.asarray(img if img.mode == mode else img.convert(mode))
    return arr[:, :, None] if arr.ndim == 2 else arr


def decode_png(contents, channels: int = 0, dtype=np.uint8, name: str | None = None) -> np.ndarray:
    """A PNG image as a (height, width, channels) uint8 array (channels=0: as in the file)."""
    return _decode(contents, channels, ("PNG",), "decode_png")


def decode_jpeg(contents, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                try_recover_truncated: bool = False, acceptable_fraction: float = 1, dct_method: str = "",
                name: str | None = None) -> np.ndarray:
    """A JPEG image as a (height, width, channels) uint8 array (channels=0: as in the file)."""
    return _decode(contents, channels, ("JPEG",), "decode_jpeg")


def decode_image(contents, channels: int | None = None, dtype=np.uint8, name: str | None = None,
                 expand_animations: bool = True) -> np.ndarray:
    """A PNG, JPEG, GIF or BMP image as (height, width, channels); dtype float32 scales to [0, 1]."""
    arr = _decode(contents, channels, ("PNG", "JPEG", "GIF", "BMP"), "decode_image")
    dt = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    return arr.astype(dt) / np.float32(255) if dt.kind == "f" else arr.astype(dt)


def encode_png(image, compression: int = -1, name: str | None = None) -> bytes:
    """A (height, width, channels) uint8 array as PNG bytes."""
    Image = _pil()
    a = np.asarray(image, dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(a[:, :, 0] if a.shape[-1] == 1 else a).save(out, format="PNG",
                                                                compress_level=6 if compression < 0 else compression)
    return out.getvalue()
