"""Keras 3 public names lamina does not have, in two lists the inventory test reads.

EXCLUDED: names left out on purpose, each with its reason. They still count as missing in the
coverage table.
NOT_YET_BUILT: names nobody has built yet. The inventory test reports them (they are gaps, not
decisions); the lead decides what moves off this list. Regenerate it with
`python tests/keras_inventory.py --write-not-yet` after adding names.
"""

_NO_COMPLEX = "lamina has no complex dtypes; this name takes or returns complex tensors"

EXCLUDED = {
    "ops": {
        "polar": _NO_COMPLEX,
        "view_as_complex": _NO_COMPLEX,
        "view_as_real": _NO_COMPLEX,
    },
    "ops.nn": {
        "polar": _NO_COMPLEX,
    },
    "optimizers": {
        "legacy": "Keras 3 keeps keras.optimizers.legacy only to raise errors pointing users to tf.keras",
    },
    "callbacks": {
        "OrbaxCheckpoint": "writes Orbax checkpoints, a JAX library's format; lamina has no JAX state to save",
    },
}

NOT_YET_BUILT = {
    'layers': [
        'AdaptiveAveragePooling1D', 'AdaptiveAveragePooling2D', 'AdaptiveAveragePooling3D',
        'AdaptiveMaxPooling1D', 'AdaptiveMaxPooling2D', 'AdaptiveMaxPooling3D', 'AugMix', 'AutoContrast',
        'ContrastLimitedAdaptiveHistogramEqualization', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'CutMix',
        'Equalization', 'FlaxLayer', 'InputSpec', 'JaxLayer', 'MaxNumBoundingBoxes', 'MelSpectrogram',
        'MixUp', 'Pipeline', 'RandAugment', 'RandomColorDegeneration', 'RandomColorJitter',
        'RandomElasticTransform', 'RandomErasing', 'RandomGaussianBlur', 'RandomGrayscale', 'RandomHue',
        'RandomInvert', 'RandomPerspective', 'RandomPosterization', 'RandomSaturation', 'RandomSharpness',
        'RandomShear', 'ReversibleEmbedding', 'STFTSpectrogram', 'Solarization', 'SpectralNormalization',
        'StackedRNNCells', 'TFSMLayer', 'TorchModuleWrapper', 'Wrapper', 'deserialize', 'dot', 'serialize',
    ],
    'ops': [
        'adaptive_average_pool', 'adaptive_max_pool', 'ctc_decode', 'ctc_loss', 'custom_gradient', 'eig',
        'erfinv', 'fft', 'fft2', 'fold', 'i0', 'ifft2', 'irfft', 'istft', 'jvp', 'lu_factor', 'pinv', 'qr',
        'rearrange', 'rfft', 'stft', 'svd', 'unfold', 'vectorize',
    ],
    'ops.nn': [
        'adaptive_average_pool', 'adaptive_max_pool', 'ctc_decode', 'ctc_loss', 'fold', 'unfold',
    ],
    'ops.numpy': [
        'i0', 'vectorize',
    ],
    'ops.linalg': [
        'eig', 'jvp', 'lu_factor', 'pinv', 'qr', 'svd',
    ],
    'ops.image': [
        'affine_transform', 'elastic_transform', 'extract_patches_3d', 'map_coordinates',
        'perspective_transform', 'scale_and_translate', 'ssim',
    ],
    'losses': [
        'CTC', 'ctc',
    ],
    'optimizers': [
        'MultiOptimizer', 'Muon', 'OptimizerMap', 'ScheduleFreeAdamW',
    ],
    'callbacks': [
        'SwapEMAWeights',
    ],
    'initializers': [
        'STFT', 'STFTInitializer', 'stft',
    ],
    'utils': [
        'FeatureSpace', 'bounding_boxes', 'legacy',
    ],
    'saving': [
        'KerasFileEditor',
    ],
    'random': [
        'beta', 'binomial', 'gamma',
    ],
    'config': [
        'disable_flash_attention', 'dtype_policy', 'enable_flash_attention', 'is_flash_attention_enabled',
        'max_epochs', 'max_steps_per_epoch', 'set_dtype_policy', 'set_max_epochs', 'set_max_steps_per_epoch',
    ],
}
