"""Image files to and from arrays (keras.utils.load_img, img_to_array, array_to_img, save_img),
through Pillow (`pip install pillow`)."""

from __future__ import annotations

import numpy as np

from lamina.config import standardize_data_format


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Reading and writing images needs Pillow: pip install pillow") from None
    return Image


def _pil_resample(interpolation: str):
    image = _pil()
    table = {"nearest": image.NEAREST, "bilinear": image.BILINEAR, "bicubic": image.BICUBIC, "lanczos": image.LANCZOS,
             "box": image.BOX, "hamming": image.HAMMING}
    if interpolation not in table:
        raise ValueError(f"interpolation must be one of {sorted(table)}, got {interpolation!r}")
    return table[interpolation]


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False):
    """Loads an image file as a PIL image ("grayscale", "rgb" or "rgba"), optionally resized to
    `target_size` (height, width); `keep_aspect_ratio` centre-crops to the target's ratio first."""
    image = _pil()
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}.get(color_mode)
    if mode is None:
        raise ValueError(f'color_mode must be "grayscale", "rgb" or "rgba", got {color_mode!r}')
    with open(path, "rb") as f:
        img = image.open(f)
        img.load()
    if img.mode != mode:
        img = img.convert(mode)
    if target_size is not None:
        height, width = target_size
        if (img.size[1], img.size[0]) != (height, width):
            if keep_aspect_ratio:
                w, h = img.size
                crop_w, crop_h = min(w, int(h * width / height)), min(h, int(w * height / width))
                left, top = (w - crop_w) // 2, (h - crop_h) // 2
                img = img.crop((left, top, left + crop_w, top + crop_h))
            img = img.resize((width, height), _pil_resample(interpolation))
    return img


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL image as a float array (height, width, channels), channels first if asked."""
    arr = np.asarray(img, dtype=dtype or "float32")
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {arr.shape}")
    return np.transpose(arr, (2, 0, 1)) if standardize_data_format(data_format) == "channels_first" else arr


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A 3-D array (channels last unless data_format says first) as a PIL image; `scale` maps
    the array's range to [0, 255]."""
    image = _pil()
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"array_to_img expects a 3-D array, got shape {x.shape}")
    if standardize_data_format(data_format) == "channels_first":
        x = np.transpose(x, (1, 2, 0))
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"array_to_img: unsupported channel count {channels}")
    arr = x.astype("uint8")
    if channels == 1:
        return image.fromarray(arr[:, :, 0], "L")
    return image.fromarray(arr, "RGB" if channels == 3 else "RGBA")


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Saves a 3-D array as an image file (format from `file_format` or the file name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpeg" or str(path).lower().endswith((".jpg", ".jpeg"))):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
