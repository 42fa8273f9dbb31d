"""Type stub of lamina._core, the compiled Rust engine. Written by tools/make_core_stub.py; do not edit."""

from typing import Any

import numpy

__all__: list[str]

class Tensor:
    def __init__(self, value: Any, dtype: Any = ...) -> None: ...
    @property
    def T(self) -> Tensor: ...
    def __abs__(self) -> Tensor: ...
    def __add__(self, other: Any, /) -> Tensor: ...
    def __and__(self, other: Any, /) -> Tensor: ...
    def __array__(self, dtype: Any = ..., copy: Any = ...) -> numpy.ndarray:
        ...
    def __bool__(self) -> bool: ...
    def __float__(self) -> float: ...
    def __floordiv__(self, other: Any, /) -> Tensor: ...
    def __ge__(self, other: Any, /) -> Tensor: ...
    def __getitem__(self, other: Any, /) -> Tensor: ...
    def __gt__(self, other: Any, /) -> Tensor: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __int__(self) -> int: ...
    def __invert__(self) -> Tensor: ...
    def __le__(self, other: Any, /) -> Tensor: ...
    def __len__(self) -> int: ...
    def __lt__(self, other: Any, /) -> Tensor: ...
    def __matmul__(self, other: Any, /) -> Tensor: ...
    def __mod__(self, other: Any, /) -> Tensor: ...
    def __mul__(self, other: Any, /) -> Tensor: ...
    def __neg__(self) -> Tensor: ...
    def __or__(self, other: Any, /) -> Tensor: ...
    def __pos__(self) -> Tensor: ...
    def __radd__(self, other: Any, /) -> Tensor: ...
    def __rand__(self, other: Any, /) -> Tensor: ...
    def __repr__(self) -> str: ...
    def __rfloordiv__(self, other: Any, /) -> Tensor: ...
    def __rmatmul__(self, other: Any, /) -> Tensor: ...
    def __rmod__(self, other: Any, /) -> Tensor: ...
    def __rmul__(self, other: Any, /) -> Tensor: ...
    def __ror__(self, other: Any, /) -> Tensor: ...
    def __rsub__(self, other: Any, /) -> Tensor: ...
    def __rtruediv__(self, other: Any, /) -> Tensor: ...
    def __rxor__(self, other: Any, /) -> Tensor: ...
    def __str__(self) -> str: ...
    def __sub__(self, other: Any, /) -> Tensor: ...
    def __truediv__(self, other: Any, /) -> Tensor: ...
    def __xor__(self, other: Any, /) -> Tensor: ...
    @property
    def _keras_mask(self) -> Tensor | None: ...
    @property
    def _tracked(self) -> bool: ...
    def _watch(self) -> None:
        """Marks this tensor as a gradient source (used by GradientTape.watch)."""
    def astype(self, dtype: Any) -> Tensor:
        ...
    @property
    def device(self) -> str: ...
    @property
    def dtype(self) -> str: ...
    def item(self) -> float | int | bool:
        ...
    @property
    def ndim(self) -> int: ...
    def numpy(self) -> numpy.ndarray:
        """The values as a numpy array (a read-only view of the tensor's memory, no copy)."""
    def reshape(self, *shape: Any) -> Tensor:
        """`x.reshape(shape)` or `x.reshape(d0, d1, ...)`."""
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def size(self) -> int: ...
    def to(self, device: Any) -> Tensor:
        """This tensor on `device` ("cpu" or "gpu"): itself when already there, else a copy (differentiable: the gradient goes back to this tensor's device)."""
    def __pow__(self, other: Any, mod: None = None, /) -> Tensor: ...
    def __rpow__(self, other: Any, mod: None = None, /) -> Tensor: ...

class Variable(Tensor):
    def __init__(self, initializer: Any, shape: Any = ..., dtype: Any = ..., trainable: Any = ..., name: Any = ...) -> None: ...
    def __repr__(self) -> str: ...
    def assign(self, value: Any) -> Variable:
        ...
    def assign_add(self, delta: Any) -> Variable:
        ...
    def assign_sub(self, delta: Any) -> Variable:
        ...
    @property
    def name(self) -> str: ...
    @property
    def trainable(self) -> bool: ...
    @property
    def value(self) -> Tensor: ...

def tape_enter() -> None:
    """Starts recording on this thread (GradientTape.__enter__)."""

def tape_exit() -> None:
    """Ends one level of recording (GradientTape.__exit__)."""

def pause_recording() -> None:
    ...

def resume_recording() -> None:
    ...

def is_recording() -> bool:
    ...

def gradient(targets: Any, sources: Any, output_gradients: Any = ..., retain_graph: Any = ...) -> list[Tensor | None]:
    """Gradients of the (summed) targets with respect to each source; None where unconnected."""

def stop_gradient(x: Any) -> Tensor:
    """`stop_gradient(x)`: the same values, cut from the graph."""

def conv(inputs: Any, kernel: Any, strides: Any = ..., padding: Any = ..., data_format: Any = ..., dilation_rate: Any = ...) -> Tensor:
    """General N-D convolution (1-D or 2-D)."""

def depthwise_conv(inputs: Any, kernel: Any, strides: Any = ..., padding: Any = ..., data_format: Any = ..., dilation_rate: Any = ...) -> Tensor:
    """Depthwise convolution: each input channel is convolved with its own filters."""

def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any, strides: Any = ..., padding: Any = ..., data_format: Any = ..., dilation_rate: Any = ...) -> Tensor:
    """Separable convolution: a depthwise convolution followed by a pointwise (1x1) one."""

def conv_transpose(inputs: Any, kernel: Any, strides: Any, padding: Any = ..., output_padding: Any = ..., data_format: Any = ..., dilation_rate: Any = ...) -> Tensor:
    """Transposed convolution (sometimes called deconvolution): the gradient of `conv` with respect to its input."""

def max_pool(inputs: Any, pool_size: Any, strides: Any = ..., padding: Any = ..., data_format: Any = ...) -> Tensor:
    """Max pooling: the largest value of each window."""

def average_pool(inputs: Any, pool_size: Any, strides: Any = ..., padding: Any = ..., data_format: Any = ...) -> Tensor:
    """Average pooling: the mean of each window."""

def convert_to_tensor(x: Any, dtype: Any = ...) -> Tensor:
    """`tensor(x, dtype=None)` / `convert_to_tensor(x, dtype=None)`: a Tensor from an array-like. Tensors pass through unchanged (sharing storage); numpy arrays are copied."""

def take_rows(array: Any, rows: Any) -> Tensor:
    """`take_rows(array, rows)`: rows of a numpy array (indices into its leading axis, an int64 array) as a new tensor, gathered in one copy. The batches of `fit` on shuffled numpy data come from here. Arrays that are not plain C-ordered (Fortran order, strided, unaligned, byte-swapped), or of other dtypes, are gathered by numpy and then converted."""

def zeros(shape: Any, dtype: Any = ...) -> Tensor:
    """Return a new tensor of given shape and type, filled with zeros."""

def ones(shape: Any, dtype: Any = ...) -> Tensor:
    """Return a new tensor of given shape and type, filled with ones."""

def full(shape: Any, fill_value: Any, dtype: Any = ...) -> Tensor:
    """Return a new tensor of given shape and type, filled with `fill_value`."""

def zeros_like(x: Any, dtype: Any = ...) -> Tensor:
    """Return a tensor of zeros with the same shape and type as `x`."""

def ones_like(x: Any, dtype: Any = ...) -> Tensor:
    """Return a tensor of ones with the same shape and type as `x`."""

def full_like(x: Any, fill_value: Any, dtype: Any = ...) -> Tensor:
    """Return a full tensor with the same shape and type as `x`."""

def arange(start: Any, stop: Any = ..., step: Any = ..., dtype: Any = ...) -> Tensor:
    """Return evenly spaced values within a given interval: `start, start + step, ...` up to (excluding) `stop`."""

def eye(N: Any, M: Any = ..., k: Any = ..., dtype: Any = ...) -> Tensor:
    """Return a 2-D tensor with ones on the diagonal and zeros elsewhere."""

def identity(n: Any, dtype: Any = ...) -> Tensor:
    """Return the identity tensor: a square matrix with ones on the main diagonal."""

def add(x1: Any, x2: Any) -> Tensor:
    """Adds two tensors elementwise, with broadcasting."""

def subtract(x1: Any, x2: Any) -> Tensor:
    """Subtracts `x2` from `x1` elementwise, with broadcasting."""

def multiply(x1: Any, x2: Any) -> Tensor:
    """Multiplies two tensors elementwise, with broadcasting."""

def divide(x1: Any, x2: Any) -> Tensor:
    """True division, elementwise, with broadcasting; integer inputs give float32."""

def power(x1: Any, x2: Any) -> Tensor:
    """First tensor elements raised to powers from the second tensor, elementwise."""

def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum; NaN if either input is NaN."""

def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum; NaN if either input is NaN."""

def floor_divide(x1: Any, x2: Any) -> Tensor:
    """The largest integer smaller or equal to the division of the inputs (numpy semantics)."""

def mod(x1: Any, x2: Any) -> Tensor:
    """The remainder of floor division, with the sign of the divisor (numpy's `mod`)."""

def equal(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 == x2` elementwise (bool)."""

def not_equal(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 != x2` elementwise (bool)."""

def less(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 < x2` elementwise (bool)."""

def less_equal(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 <= x2` elementwise (bool)."""

def greater(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 > x2` elementwise (bool)."""

def greater_equal(x1: Any, x2: Any) -> Tensor:
    """Returns `x1 >= x2` elementwise (bool)."""

def logical_and(x1: Any, x2: Any) -> Tensor:
    """Logical AND of the truth values of the inputs, elementwise."""

def logical_or(x1: Any, x2: Any) -> Tensor:
    """Logical OR of the truth values of the inputs, elementwise."""

def logical_xor(x1: Any, x2: Any) -> Tensor:
    """Logical XOR of the truth values of the inputs, elementwise."""

def bitwise_and(x: Any, y: Any) -> Tensor:
    """Bitwise AND of two integer (or bool) tensors."""

def bitwise_or(x: Any, y: Any) -> Tensor:
    """Bitwise OR of two integer (or bool) tensors."""

def bitwise_xor(x: Any, y: Any) -> Tensor:
    """Bitwise XOR of two integer (or bool) tensors."""

def negative(x: Any) -> Tensor:
    """Numerical negative, elementwise."""

def abs(x: Any) -> Tensor:
    """The absolute value, elementwise."""

def absolute(x: Any) -> Tensor:
    """The absolute value, elementwise (alias of `abs`)."""

def sign(x: Any) -> Tensor:
    """The sign of each element: -1, 0 or 1 (NaN stays NaN)."""

def exp(x: Any) -> Tensor:
    """The exponential, elementwise."""

def expm1(x: Any) -> Tensor:
    """`exp(x) - 1`, accurate for small `x`."""

def log(x: Any) -> Tensor:
    """The natural logarithm, elementwise."""

def log1p(x: Any) -> Tensor:
    """`log(1 + x)`, accurate for small `x`."""

def sqrt(x: Any) -> Tensor:
    """The non-negative square root, elementwise."""

def rsqrt(x: Any) -> Tensor:
    """The reciprocal of the square root, elementwise."""

def square(x: Any) -> Tensor:
    """The square, elementwise."""

def reciprocal(x: Any) -> Tensor:
    """The reciprocal, elementwise (in floating point)."""

def sin(x: Any) -> Tensor:
    """Trigonometric sine, elementwise."""

def cos(x: Any) -> Tensor:
    """Trigonometric cosine, elementwise."""

def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, elementwise."""

def sigmoid(x: Any) -> Tensor:
    """Sigmoid activation: `1 / (1 + exp(-x))`."""

def relu(x: Any) -> Tensor:
    """Rectified linear unit: `max(x, 0)`."""

def relu6(x: Any) -> Tensor:
    """Rectified linear unit capped at 6: `min(max(x, 0), 6)`."""

def selu(x: Any) -> Tensor:
    """Scaled exponential linear unit: `scale * elu(x, alpha)` with `alpha = 1.67326324` and `scale = 1.05070098`."""

def softplus(x: Any) -> Tensor:
    """Softplus activation: `log(exp(x) + 1)`, computed without overflow."""

def softsign(x: Any) -> Tensor:
    """Softsign activation: `x / (abs(x) + 1)`."""

def silu(x: Any) -> Tensor:
    """Sigmoid linear unit (SiLU, swish): `x * sigmoid(x)`."""

def swish(x: Any) -> Tensor:
    """Swish activation (alias of `silu`): `x * sigmoid(x)`."""

def hard_sigmoid(x: Any) -> Tensor:
    """Hard sigmoid activation: `relu6(x + 3) / 6`."""

def hard_silu(x: Any) -> Tensor:
    """Hard SiLU (hard swish) activation: `x * relu6(x + 3) / 6`."""

def hard_swish(x: Any) -> Tensor:
    """Hard swish activation (alias of `hard_silu`)."""

def logical_not(x: Any) -> Tensor:
    """Logical NOT of the truth value of each element."""

def isnan(x: Any) -> Tensor:
    """Tests elementwise for NaN."""

def isinf(x: Any) -> Tensor:
    """Tests elementwise for positive or negative infinity."""

def isfinite(x: Any) -> Tensor:
    """Tests elementwise for finiteness (not infinity and not NaN)."""

def floor(x: Any) -> Tensor:
    """The floor of each element (integer inputs give float32)."""

def ceil(x: Any) -> Tensor:
    """The ceiling of each element (integer inputs give float32)."""

def bitwise_invert(x: Any) -> Tensor:
    """Bitwise NOT of an integer tensor (logical NOT of a bool tensor)."""

def leaky_relu(x: Any, negative_slope: Any = ...) -> Tensor:
    """Leaky version of a rectified linear unit: `x` for `x > 0`, `negative_slope * x` otherwise."""

def elu(x: Any, alpha: Any = ...) -> Tensor:
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise."""

def gelu(x: Any, approximate: Any = ...) -> Tensor:
    """Gaussian error linear unit: `x * Phi(x)`, with `Phi` the standard normal CDF."""

def round(x: Any, decimals: Any = ...) -> Tensor:
    """Rounds to the given number of decimals, half to even (like numpy)."""

def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """Clips (limits) the values of a tensor to `[x_min, x_max]`."""

def where(condition: Any, x1: Any = ..., x2: Any = ...) -> Tensor:
    """Returns elements chosen from `x1` or `x2` depending on `condition`."""

def cast(x: Any, dtype: Any) -> Tensor:
    """Casts a tensor to the desired dtype."""

def _simd_level() -> str:
    """The SIMD instruction set the elementwise kernels run with: "avx512", "avx2" or "portable" (detected at first use; `LAMINA_SIMD` caps it)."""

def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:
    """Returns a slice of a tensor: the block of `shape` whose first element is at `start_indices` (a view sharing storage)."""

def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """Updates a block of a tensor: a copy of `inputs` with the block at `start_indices` replaced by `updates`."""

def take(x: Any, indices: Any, axis: Any = ...) -> Tensor:
    """Takes elements from a tensor along an axis."""

def take_along_axis(x: Any, indices: Any, axis: Any = ...) -> Tensor:
    """Takes values from a tensor at per-position indices along an axis: `out[..., j, ...] = x[..., indices[..., j, ...], ...]`."""

def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """Returns a tensor of shape `shape` where `indices` are set to `values` (values at repeated indices are summed) and every other entry is 0."""

def scatter_update(inputs: Any, indices: Any, updates: Any) -> Tensor:
    """Updates a tensor at the given indices: a copy of `inputs` with the entries at `indices` replaced by `updates`."""

def one_hot(x: Any, num_classes: Any, axis: Any = ..., dtype: Any = ..., sparse: Any = ...) -> Tensor:
    """Converts integer class ids to one-hot vectors."""

def _gemm_kernel() -> str:
    """The GEMM micro-kernels this machine uses ("avx512", "avx2" or "portable"); for benchmarks."""

def fused_linear(x: Any, kernel: Any, bias: Any = ..., activation: Any = ...) -> Tensor:
    """`activation(x @ kernel + bias)` in one pass of the GEMM (a Dense layer's forward)."""

def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product of two tensors."""

def dot(x1: Any, x2: Any) -> Tensor:
    """Dot product of two tensors (numpy.dot)."""

def tensordot(x1: Any, x2: Any, axes: Any = ...) -> Tensor:
    """Tensor contraction over the given axes (numpy.tensordot)."""

def einsum(subscripts: Any, *operands: Any) -> Tensor:
    """Einstein summation (numpy.einsum) over one or more tensors."""

def outer(x1: Any, x2: Any) -> Tensor:
    """Outer product of two tensors (flattened first): `out[i, j] = x1.flat[i] * x2.flat[j]`."""

def inner(x1: Any, x2: Any) -> Tensor:
    """Inner product of two tensors (numpy.inner): sums the products over the last axes."""

def vdot(x1: Any, x2: Any) -> Tensor:
    """Dot product of the flattened tensors (numpy.vdot)."""

def trace(x: Any, offset: Any = ..., axis1: Any = ..., axis2: Any = ...) -> Tensor:
    """Sum along a diagonal of a tensor (numpy.trace)."""

def diagonal(x: Any, offset: Any = ..., axis1: Any = ..., axis2: Any = ...) -> Tensor:
    """A diagonal of a tensor (numpy.diagonal), as a view."""

def softmax(x: Any, axis: Any = ...) -> Tensor:
    """Softmax activation: `exp(x) / sum(exp(x))` along `axis`, computed stably."""

def log_softmax(x: Any, axis: Any = ...) -> Tensor:
    """Log-softmax activation: `x - logsumexp(x)` along `axis`, computed stably."""

def binary_crossentropy(target: Any, output: Any, from_logits: Any = ...) -> Tensor:
    """Binary cross-entropy between a target and an output, elementwise (no reduction)."""

def categorical_crossentropy(target: Any, output: Any, from_logits: Any = ..., axis: Any = ...) -> Tensor:
    """Categorical cross-entropy between one-hot (or soft) targets and an output."""

def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: Any = ..., axis: Any = ...) -> Tensor:
    """Sparse categorical cross-entropy between integer class indices and an output."""

def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean squared error over the last axis: `mean(square(y_true - y_pred), axis=-1)`."""

def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Mean absolute error over the last axis: `mean(abs(y_true - y_pred), axis=-1)`."""

def moments(x: Any, axes: Any, keepdims: Any = ..., synchronized: Any = ...) -> tuple[Tensor, Tensor]:
    """Mean and variance of `x` over `axes`."""

def batch_normalization(x: Any, mean: Any, variance: Any, axis: Any, offset: Any = ..., scale: Any = ..., epsilon: Any = ...) -> Tensor:
    """Normalizes `x` with the given mean and variance: `(x - mean) / sqrt(variance + epsilon) * scale + offset`."""

def layer_normalization(x: Any, gamma: Any = ..., beta: Any = ..., axis: Any = ..., epsilon: Any = ...) -> Tensor:
    """Layer normalization: normalizes each sample over `axis` to zero mean and unit variance, then scales by `gamma` and shifts by `beta`. One fused op, forward and backward."""

def batch_norm_train(x: Any, gamma: Any, beta: Any, axes: Any, epsilon: Any = ...) -> tuple[Tensor, Tensor, Tensor]:
    """Batch normalization for training, fused: normalizes `x` with the mean and variance over `axes` and returns them too."""

class SeedGenerator:
    """Generates a sequence of seeds for the random ops: each `next()` gives a new one, so passing a SeedGenerator as `seed` draws different numbers on every call while the whole sequence stays reproducible."""
    def __init__(self, seed: Any = ..., name: Any = ..., **kwargs: Any) -> None: ...
    def __repr__(self) -> str: ...
    @classmethod
    def from_config(cls, config: Any) -> SeedGenerator: ...
    def get_config(self) -> dict[str, Any]:
        ...
    def next(self, ordered: Any = ...) -> tuple[int, int]:
        """The next seed, as a (seed, counter) pair that the random ops accept as `seed`."""
    @property
    def seed(self) -> int: ...
    @property
    def state(self) -> tuple[int, int]: ...

def random_uniform(shape: Any, minval: Any = ..., maxval: Any = ..., dtype: Any = ..., seed: Any = ...) -> Tensor:
    """Draw samples from a uniform distribution over [minval, maxval)."""

def random_normal(shape: Any, mean: Any = ..., stddev: Any = ..., dtype: Any = ..., seed: Any = ...) -> Tensor:
    """Draw samples from a normal (Gaussian) distribution."""

def random_truncated_normal(shape: Any, mean: Any = ..., stddev: Any = ..., dtype: Any = ..., seed: Any = ...) -> Tensor:
    """Draw samples from a truncated normal distribution: values more than two standard deviations from the mean are dropped and redrawn."""

def random_randint(shape: Any, minval: Any, maxval: Any, dtype: Any = ..., seed: Any = ...) -> Tensor:
    """Draw random integers from a uniform distribution over [minval, maxval)."""

def random_shuffle(x: Any, axis: Any = ..., seed: Any = ...) -> Tensor:
    """Shuffle the elements of a tensor uniformly at random along an axis."""

def random_dropout(inputs: Any, rate: Any, noise_shape: Any = ..., seed: Any = ...) -> Tensor:
    """Randomly sets inputs to 0 with probability `rate`, scaling the others by 1 / (1 - rate) so the expected sum is unchanged."""

def set_global_random_seed(seed: Any) -> None:
    """Resets the generator behind `seed=None` (used by lamina.utils.set_random_seed)."""

def simple_rnn(inputs: Any, initial_state: Any, kernel: Any, recurrent_kernel: Any, bias: Any = ..., mask: Any = ..., activation: Any = ..., return_sequences: Any = ..., go_backwards: Any = ..., zero_output_for_mask: Any = ..., dropout_mask: Any = ..., recurrent_dropout_mask: Any = ...) -> Any:
    """Runs a simple (Elman) RNN over a whole sequence in one engine call: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`, as Keras' SimpleRNN."""

def lstm(inputs: Any, initial_state_h: Any, initial_state_c: Any, kernel: Any, recurrent_kernel: Any, bias: Any = ..., mask: Any = ..., activation: Any = ..., recurrent_activation: Any = ..., return_sequences: Any = ..., go_backwards: Any = ..., zero_output_for_mask: Any = ..., dropout_mask: Any = ..., recurrent_dropout_mask: Any = ...) -> Any:
    """Runs Keras' LSTM over a whole sequence in one engine call (forward and, when recorded, backpropagation through time). Gates i, f, c, o in blocks of `units` columns: `c_t = f * c_{t-1} + i * activation(z_c)`, `h_t = o * activation(c_t)`."""

def gru(inputs: Any, initial_state: Any, kernel: Any, recurrent_kernel: Any, bias: Any = ..., mask: Any = ..., activation: Any = ..., recurrent_activation: Any = ..., reset_after: Any = ..., return_sequences: Any = ..., go_backwards: Any = ..., zero_output_for_mask: Any = ..., dropout_mask: Any = ..., recurrent_dropout_mask: Any = ...) -> Any:
    """Runs Keras' GRU over a whole sequence in one engine call. Gates z, r, h in blocks of `units` columns; `h_t = z * h_{t-1} + (1 - z) * hh`, where with `reset_after=True` `hh = activation(x W_h + b_in_h + r * (h_{t-1} U_h + b_rec_h))` (bias [2, 3 * units]: row 0 input bias, row 1 recurrent bias) and with `reset_after=False` `hh = activation(x W_h + (r * h_{t-1}) U_h + b_h)` (bias [3 * units])."""

def sum(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Sum of tensor elements over the given axes."""

def mean(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Arithmetic mean over the given axes."""

def max(x: Any, axis: Any = ..., keepdims: Any = ..., initial: Any = ...) -> Tensor:
    """Maximum over the given axes."""

def min(x: Any, axis: Any = ..., keepdims: Any = ..., initial: Any = ...) -> Tensor:
    """Minimum over the given axes."""

def prod(x: Any, axis: Any = ..., keepdims: Any = ..., dtype: Any = ...) -> Tensor:
    """Product of tensor elements over the given axes."""

def var(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Variance over the given axes (biased: divides by N, like `numpy.var` with ddof 0)."""

def std(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Standard deviation over the given axes (biased: ddof 0)."""

def logsumexp(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Logarithm of the sum of exponentials over the given axes, computed stably."""

def argmax(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Indices of the maximum values along an axis."""

def argmin(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Indices of the minimum values along an axis."""

def any(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Whether any element is true (non-zero) over the given axes."""

def all(x: Any, axis: Any = ..., keepdims: Any = ...) -> Tensor:
    """Whether all elements are true (non-zero) over the given axes."""

def count_nonzero(x: Any, axis: Any = ...) -> Tensor:
    """Counts the non-zero values of `x` along the given axes."""

def reshape(x: Any, newshape: Any) -> Tensor:
    """`reshape(x, newshape)`; one entry may be -1."""

def transpose(x: Any, axes: Any = ...) -> Tensor:
    """`transpose(x, axes=None)`."""

def expand_dims(x: Any, axis: Any) -> Tensor:
    """`expand_dims(x, axis)`."""

def squeeze(x: Any, axis: Any = ...) -> Tensor:
    """`squeeze(x, axis=None)`."""

def broadcast_to(x: Any, shape: Any) -> Tensor:
    """`broadcast_to(x, shape)`."""

def concatenate(xs: Any, axis: Any = ...) -> Tensor:
    """Joins a sequence of tensors along an existing axis."""

def stack(x: Any, axis: Any = ...) -> Tensor:
    """Joins a sequence of tensors of one shape along a new axis."""

def unstack(x: Any, num: Any = ..., axis: Any = ...) -> list[Tensor]:
    """Unpacks a tensor along an axis into a list of tensors (views)."""

def split(x: Any, indices_or_sections: Any, axis: Any = ...) -> list[Tensor]:
    """Splits a tensor into pieces along an axis (views)."""

def tile(x: Any, repeats: Any) -> Tensor:
    """Repeats a tensor along each axis."""

def repeat(x: Any, repeats: Any, axis: Any = ...) -> Tensor:
    """Repeats each element of a tensor."""

def flip(x: Any, axis: Any = ...) -> Tensor:
    """Reverses the order of elements along the given axes (a view)."""

def swapaxes(x: Any, axis1: Any, axis2: Any) -> Tensor:
    """Interchanges two axes of a tensor (a view)."""

def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Moves axes of a tensor to new positions (a view); the other axes keep their order."""

def ravel(x: Any) -> Tensor:
    """Returns a contiguous flattened (1-D) tensor."""

def pad(x: Any, pad_width: Any, mode: Any = ..., constant_values: Any = ...) -> Tensor:
    """Pads a tensor."""

def optimizer_apply(rule: Any, variables: Any, gradients: Any, slots: Any, hyper: Any) -> None:
    """Updates every variable (and its slot variables) in place with one rule of Keras' optimizers."""

class Int8Dense:
    """An int8 Dense kernel packed for the int8 path chosen when it was made."""
    def __init__(self, kernel: Any, kernel_scale: Any, bias: Any = ...) -> None: ...
    @property
    def isa(self) -> Any: ...
    def matmul_i32(self, a: Any) -> Any:
        """The exact int32 product of int8 rows `a` (`[m, input_dim]`) with the kernel (for tests)."""

def _int8_quantize_rows(x: Any) -> Any:
    """Keras' dynamic int8 quantization of float32 rows `x` (`[m, k]`): returns the int8 rows and the per-row scales `127 / (max|x| + 1e-7)`."""

def _int8_isas() -> Any:
    """The int8 paths this CPU has (best last), and the one new kernels use (after `LAMINA_INT8_ISA`)."""

def list_devices() -> list[str]:
    """Names of the devices that exist: "cpu", and "gpu" when a GPU adapter was found."""

def gpu_adapter() -> str:
    """A description of the GPU adapter (name, backend, type); raises when there is none."""

def set_default_device(device: Any) -> None:
    """Makes `device` ("cpu" or "gpu") the device new tensors are created on."""

def get_default_device() -> str:
    """The name of the device new tensors are created on."""

def synchronize() -> None:
    """Waits until all work queued on the gpu has finished (for timing)."""
