// 2-D pooling on channels-last data (N, H, W, C) -> (N, OH, OW, C) and its gradients. Windows
// are clipped to the input: padded cells never win a max and never count in an average.
// p[0] count (outputs of the entry), p[1] batch, p[2] in_h, p[3] in_w, p[4] channels,
// p[5] out_h, p[6] out_w, p[7] k_h, p[8] k_w, p[9] stride_h, p[10] stride_w, p[11] pad_top,
// p[12] pad_left, p[13] kind (0 float32, 1 int32), p[14] offset of the first operand,
// p[15] offset of y, p[16] offset of dy (elements).
// Bindings: 1 the first operand (x, or dy for the average's gradient), 2 the output, and for
// the max's gradient 3 y and 4 dy. Values are 32-bit words, read as the kind says.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> o: array<u32>;
@group(0) @binding(3) var<storage, read> ys: array<u32>;
@group(0) @binding(4) var<storage, read> dys: array<u32>;

fn elem_id(wid: vec3<u32>, lid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return (wid.x + wid.y * nwg.x) * 256u + lid.x;
}

// The clipped input range [lo, hi) under output index `o` of one axis.
fn span(o: u32, stride: u32, pad: u32, k: u32, n: u32) -> vec2<u32> {
    let start = i32(o * stride) - i32(pad);
    let lo = u32(max(start, 0));
    let hi = u32(clamp(start + i32(k), 0, i32(n)));
    return vec2<u32>(lo, max(hi, lo));
}

// The output indices [lo, hi) of one axis whose windows cover input index `i`.
fn covering(i: u32, stride: u32, pad: u32, k: u32, n_out: u32) -> vec2<u32> {
    // o * stride - pad <= i < o * stride - pad + k
    let top = i32(i + pad);
    let lo = max(top - i32(k) + i32(stride), 0) / i32(stride);
    let hi = min(u32(top / i32(stride)) + 1u, n_out);
    return vec2<u32>(u32(lo), max(hi, u32(lo)));
}

// Output (n, oy, ox, c) from a linear index over (N, OH, OW, C).
fn out_pos(e: u32) -> vec4<u32> {
    let c = e % p[4];
    var t = e / p[4];
    let ox = t % p[6];
    t = t / p[6];
    return vec4<u32>(t / p[5], t % p[5], ox, c);
}

// Input (n, iy, ix, c) from a linear index over (N, H, W, C).
fn in_pos(e: u32) -> vec4<u32> {
    let c = e % p[4];
    var t = e / p[4];
    let ix = t % p[3];
    t = t / p[3];
    return vec4<u32>(t / p[2], t % p[2], ix, c);
}

fn x_index(n: u32, iy: u32, ix: u32, c: u32) -> u32 {
    return p[14] + ((n * p[2] + iy) * p[3] + ix) * p[4] + c;
}

// NaN from the bits: WGSL lets compilers assume floats are never NaN, so `x != x` may fold.
fn nan_bits(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// True when v should replace best in a max: larger, or the first NaN (NaN propagates).
fn beats(v: f32, best: f32) -> bool {
    if (nan_bits(best)) { return false; }
    return nan_bits(v) || v > best;
}

@compute @workgroup_size(256)
fn pool_max(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let q = out_pos(e);
    let rows = span(q.y, p[9], p[11], p[7], p[2]);
    let cols = span(q.z, p[10], p[12], p[8], p[3]);
    var best_f = bitcast<f32>(a[x_index(q.x, rows.x, cols.x, q.w)]);
    var best_i = bitcast<i32>(a[x_index(q.x, rows.x, cols.x, q.w)]);
    for (var iy = rows.x; iy < rows.y; iy = iy + 1u) {
        for (var ix = cols.x; ix < cols.y; ix = ix + 1u) {
            let w = a[x_index(q.x, iy, ix, q.w)];
            if (p[13] == 0u) {
                let v = bitcast<f32>(w);
                if (beats(v, best_f)) { best_f = v; }
            } else {
                best_i = max(best_i, bitcast<i32>(w));
            }
        }
    }
    o[e] = select(bitcast<u32>(best_i), bitcast<u32>(best_f), p[13] == 0u);
}

@compute @workgroup_size(256)
fn pool_avg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let q = out_pos(e);
    let rows = span(q.y, p[9], p[11], p[7], p[2]);
    let cols = span(q.z, p[10], p[12], p[8], p[3]);
    var acc = 0.0;
    for (var iy = rows.x; iy < rows.y; iy = iy + 1u) {
        for (var ix = cols.x; ix < cols.y; ix = ix + 1u) {
            acc = acc + bitcast<f32>(a[x_index(q.x, iy, ix, q.w)]);
        }
    }
    let count = f32((rows.y - rows.x) * (cols.y - cols.x));
    o[e] = bitcast<u32>(acc / count);
}

// One thread per input cell: the share of every covering window's gradient, over the number of
// real cells in that window.
@compute @workgroup_size(256)
fn pool_avg_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let q = in_pos(e);
    let oys = covering(q.y, p[9], p[11], p[7], p[5]);
    let oxs = covering(q.z, p[10], p[12], p[8], p[6]);
    var acc = 0.0;
    for (var oy = oys.x; oy < oys.y; oy = oy + 1u) {
        let rows = span(oy, p[9], p[11], p[7], p[2]);
        for (var ox = oxs.x; ox < oxs.y; ox = ox + 1u) {
            let cols = span(ox, p[10], p[12], p[8], p[3]);
            let count = f32((rows.y - rows.x) * (cols.y - cols.x));
            let d = bitcast<f32>(a[p[14] + ((q.x * p[5] + oy) * p[6] + ox) * p[4] + q.w]);
            acc = acc + d / count;
        }
    }
    o[e] = bitcast<u32>(acc);
}

// True when v is the window's maximum m (NaN matches NaN, as NaN wins the forward).
fn is_max(v: f32, m: f32) -> bool {
    if (nan_bits(m)) { return nan_bits(v); }
    return v == m;
}

// One thread per input cell: the gradient of every covering window whose first maximum (in
// row-major order, found again from x and y) is this cell.
@compute @workgroup_size(256)
fn pool_max_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let q = in_pos(e);
    let oys = covering(q.y, p[9], p[11], p[7], p[5]);
    let oxs = covering(q.z, p[10], p[12], p[8], p[6]);
    var acc = 0.0;
    for (var oy = oys.x; oy < oys.y; oy = oy + 1u) {
        let rows = span(oy, p[9], p[11], p[7], p[2]);
        for (var ox = oxs.x; ox < oxs.y; ox = ox + 1u) {
            let cols = span(ox, p[10], p[12], p[8], p[3]);
            let at = ((q.x * p[5] + oy) * p[6] + ox) * p[4] + q.w;
            let m = bitcast<f32>(ys[p[15] + at]);
            // The first cell of the window holding m, in row-major order.
            var first = vec2<u32>(rows.y, cols.y);
            for (var iy = rows.x; iy < rows.y && first.x == rows.y; iy = iy + 1u) {
                for (var ix = cols.x; ix < cols.y; ix = ix + 1u) {
                    if (is_max(bitcast<f32>(a[x_index(q.x, iy, ix, q.w)]), m)) {
                        first = vec2<u32>(iy, ix);
                        break;
                    }
                }
            }
            if (first.x == q.y && first.y == q.z) {
                acc = acc + bitcast<f32>(dys[p[16] + at]);
            }
        }
    }
    o[e] = bitcast<u32>(acc);
}
