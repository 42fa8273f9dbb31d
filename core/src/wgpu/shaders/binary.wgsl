// Binary elementwise ops with broadcasting (operands as strided views of the output shape) into
// a contiguous output (common.wgsl first). Operand blocks: x at 12, y at 22.
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> o: array<u32>;

fn binary_f32(op: u32, x: f32, y: f32) -> f32 {
    switch op {
        case 0u: { return x + y; }
        case 1u: { return x - y; }
        case 2u: { return x * y; }
        case 3u: { return x / y; }
        case 4u: { return powf(x, y); }
        case 5u: { return floor(x / y); }
        case 6u: { return fmod_floor(x, y); }
        case 7u: { if (is_nan(x) || is_nan(y)) { return nan(); } return max(x, y); }
        case 8u: { if (is_nan(x) || is_nan(y)) { return nan(); } return min(x, y); }
        // fused backward rules: x is the upstream gradient g, y the saved input or output
        case 20u: { return select(0.0, x, y > 0.0); }
        case 21u: { return select(0.0, x, y > 0.0 && y < 6.0); }
        case 22u: { return x * y * (1.0 - y); }
        case 23u: { return x * (1.0 - y * y); }
        case 24u: { return x * sigmoid(y); }
        case 25u: { let s = sigmoid(y); return x * s * (1.0 + y * (1.0 - s)); }
        case 26u: {
            let t = tanh_s(GELU_C * (y + 0.044715 * y * y * y));
            let du = GELU_C * (1.0 + 3.0 * 0.044715 * y * y);
            return x * (0.5 * (1.0 + t) + 0.5 * y * (1.0 - t * t) * du);
        }
        case 27u: { return x * (phi(y) + y * exp(-0.5 * y * y) * 0.3989422804014327); }
        case 28u: { let d = 1.0 + abs(y); return x / (d * d); }
        case 29u: { return select(0.0, x / 6.0, y > -3.0 && y < 3.0); }
        case 30u: {
            if (y >= 3.0) { return x; }
            if (y <= -3.0) { return 0.0; }
            return x * (2.0 * y + 3.0) / 6.0;
        }
        case 31u: { return x * 0.5 / y; }
        case 32u: { return -0.5 * x * y * y * y; }
        case 33u: { return -x * y * y; }
        case 34u: { return x * (y + 1.0); }
        case 35u: { return x / (1.0 + y); }
        case 36u: { return x * cos(y); }
        case 37u: { return -x * sin(y); }
        case 38u: { if (y > 0.0) { return x; } if (y < 0.0) { return -x; } return 0.0; }
        case 39u: { return 2.0 * x * y; }
        case 40u: { if (y > 0.0) { return x * SELU_SCALE; } return x * SELU_SCALE * SELU_ALPHA * exp(y); }
        default: { return x; }
    }
}

fn binary_i32(op: u32, x: i32, y: i32) -> i32 {
    switch op {
        case 0u: { return x + y; }
        case 1u: { return x - y; }
        case 2u: { return x * y; }
        case 4u: { return ipow(x, y); }
        case 5u: { return ifloordiv(x, y); }
        case 6u: { return imod(x, y); }
        case 7u: { return max(x, y); }
        case 8u: { return min(x, y); }
        default: { return x; }
    }
}

fn compare_f32(op: u32, x: f32, y: f32) -> bool {
    switch op {
        case 9u: { return x == y; }
        case 10u: { return x != y; }
        case 11u: { return x < y; }
        case 12u: { return x <= y; }
        case 13u: { return x > y; }
        default: { return x >= y; }
    }
}

fn compare_i32(op: u32, x: i32, y: i32) -> bool {
    switch op {
        case 9u: { return x == y; }
        case 10u: { return x != y; }
        case 11u: { return x < y; }
        case 12u: { return x <= y; }
        case 13u: { return x > y; }
        case 14u: { return x >= y; }
        // logical ops on 0/1 words
        case 15u: { return x != 0 && y != 0; }
        case 16u: { return x != 0 || y != 0; }
        default: { return (x != 0) != (y != 0); }
    }
}

fn bitwise_words(op: u32, x: u32, y: u32) -> u32 {
    switch op {
        case 50u: { return x & y; }
        case 51u: { return x | y; }
        default: { return x ^ y; }
    }
}

@compute @workgroup_size(256)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(wid, lid, nwg);
    if (i >= p[0]) { return; }
    let op = p[2];
    let wx = a[at(i, 12u)];
    let wy = b[at(i, 22u)];
    // --- bitwise ops (50 and, 51 or, 52 xor) on 32-bit words: int32, bool 0/1, and each word
    // of an int64 (elementwise.rs views int64 operands as word pairs) ---
    if (op >= 50u && op <= 52u) {
        o[i] = bitwise_words(op, wx, wy);
        return;
    }
    if (op >= 9u && op <= 17u) {
        var r = false;
        if (p[3] == 0u) { r = compare_f32(op, bitcast<f32>(wx), bitcast<f32>(wy)); }
        else { r = compare_i32(op, bitcast<i32>(wx), bitcast<i32>(wy)); }
        o[i] = select(0u, 1u, r);
        return;
    }
    if (p[3] == 0u) {
        o[i] = bitcast<u32>(binary_f32(op, bitcast<f32>(wx), bitcast<f32>(wy)));
    } else {
        o[i] = bitcast<u32>(binary_i32(op, bitcast<i32>(wx), bitcast<i32>(wy)));
    }
}
