"""`lamina.preprocessing.image`: keras.preprocessing.image's image file helpers."""

from lamina.utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
