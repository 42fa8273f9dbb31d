// Shared by the elementwise shaders (prepended to each): the launch parameters and strided
// operand addressing. Header: p[0] element count, p[1] rank, p[2] op, p[3] kind (0 float32,
// 1 int32), p[4..12] shape. Operand block at `base`: p[base] mode (0 strided, 1 contiguous,
// 2 one value), p[base+1] offset, p[base+2..base+10] strides (elements, signed).
@group(0) @binding(0) var<storage, read> p: array<u32>;

fn linear_id(wid: vec3<u32>, lid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return (wid.x + wid.y * nwg.x) * 256u + lid.x;
}

fn at(i: u32, base: u32) -> u32 {
    let mode = p[base];
    let off = p[base + 1u];
    if (mode == 1u) { return off + i; }
    if (mode == 2u) { return off; }
    var rem = i;
    var idx = i32(off);
    for (var d = p[1]; d > 0u; d = d - 1u) {
        let size = p[3u + d];
        let c = rem % size;
        rem = rem / size;
        idx = idx + i32(c) * bitcast<i32>(p[base + 1u + d]);
    }
    return u32(idx);
}

fn inf() -> f32 { return bitcast<f32>(0x7f800000u); }
fn nan() -> f32 { return bitcast<f32>(0x7fc00000u); }
fn is_nan(x: f32) -> bool { return x != x; }

fn sigmoid(x: f32) -> f32 {
    if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
    let e = exp(x);
    return e / (1.0 + e);
}

fn tanh_s(x: f32) -> f32 {
    // tanh from exp(-2|x|): no overflow for large |x|.
    let t = exp(-2.0 * abs(x));
    let r = (1.0 - t) / (1.0 + t);
    return select(-r, r, x >= 0.0);
}

fn log1p_s(x: f32) -> f32 {
    // Accurate near 0: log(u) * x / (u - 1) cancels the rounding of u = 1 + x.
    let u = 1.0 + x;
    if (u == 1.0) { return x; }
    if (u == inf()) { return u; }
    return log(u) * x / (u - 1.0);
}

fn expm1_s(x: f32) -> f32 {
    let u = exp(x);
    if (u == 1.0) { return x; }
    let um1 = u - 1.0;
    if (um1 == -1.0) { return -1.0; }
    if (u == inf()) { return u; }
    return um1 * x / log(u);
}

fn erf_s(x: f32) -> f32 {
    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
    let z = abs(x);
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-z * z);
    return select(-y, y, x >= 0.0);
}

fn phi(x: f32) -> f32 { return 0.5 * (1.0 + erf_s(x * 0.70710678118654752)); }

const GELU_C: f32 = 0.7978845608028654;
const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;

fn powf(a: f32, b: f32) -> f32 {
    if (b == 0.0) { return 1.0; }
    if (is_nan(a) || is_nan(b)) { return nan(); }
    if (a == 0.0) { return select(inf(), 0.0, b > 0.0); }
    let r = exp2(b * log2(abs(a)));
    if (a < 0.0) {
        if (b != floor(b)) { return nan(); }
        if (fract(b * 0.5) != 0.0) { return -r; }
    }
    return r;
}

fn fmod_floor(a: f32, b: f32) -> f32 {
    // numpy's mod: the remainder takes the sign of the divisor.
    let r = a - b * trunc(a / b);
    if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { return r + b; }
    return r;
}

fn ipow(a: i32, b: i32) -> i32 {
    if (b < 0) {
        if (a == 1) { return 1; }
        if (a == -1) { return select(-1, 1, (b & 1) == 0); }
        return 0;
    }
    var r = 1;
    var base = a;
    var e = b;
    loop {
        if (e == 0) { break; }
        if ((e & 1) == 1) { r = r * base; }
        base = base * base;
        e = e >> 1u;
    }
    return r;
}

fn ifloordiv(a: i32, b: i32) -> i32 {
    if (b == 0) { return 0; }
    let q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) { return q - 1; }
    return q;
}

fn imod(a: i32, b: i32) -> i32 {
    if (b == 0) { return 0; }
    let r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
    return r;
}
