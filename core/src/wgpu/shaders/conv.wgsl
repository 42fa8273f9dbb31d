// Direct 2-D convolution on channels-last data (NHWC input, HWIO kernel with C / groups input
// channels per group), its input gradient and its filter gradient. Every entry reads two
// contiguous float32 operands `a` and `b` and writes `o`:
//   conv2d_forward:     a = x  (N, H, W, C),    b = w  (KH, KW, Cg, O)  -> o = y  (N, OH, OW, O)
//   conv2d_input_grad:  a = dy (N, OH, OW, O),  b = w                   -> o = dx (N, H, W, C)
//   conv2d_filter_grad: a = x,                  b = dy                  -> o = dw (KH, KW, Cg, O)
// p[0] count (outputs of the entry), p[1] batch, p[2] in_h, p[3] in_w, p[4] in_c, p[5] out_h,
// p[6] out_w, p[7] out_c, p[8] k_h, p[9] k_w, p[10] stride_h, p[11] stride_w, p[12] dil_h,
// p[13] dil_w, p[14] pad_top, p[15] pad_left, p[16] input channels per group, p[17] output
// channels per group, p[18] offset of a, p[19] offset of b (elements).
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;

fn elem_id(wid: vec3<u32>, lid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return (wid.x + wid.y * nwg.x) * 256u + lid.x;
}

// One thread per output element: the window's taps times the group's input channels. Adjacent
// threads differ in the output channel, so their kernel reads are adjacent and their input
// reads are the same cells.
@compute @workgroup_size(256)
fn conv2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let in_h = i32(p[2]);
    let in_w = i32(p[3]);
    let in_c = p[4];
    let out_c = p[7];
    let cg = p[16];
    let oc = e % out_c;
    var t = e / out_c;
    let ox = i32(t % p[6]);
    t = t / p[6];
    let oy = i32(t % p[5]);
    let n = t / p[5];
    let c0 = (oc / p[17]) * cg;
    var acc = 0.0;
    for (var kh = 0u; kh < p[8]; kh = kh + 1u) {
        let iy = oy * i32(p[10]) + i32(kh * p[12]) - i32(p[14]);
        if (iy < 0 || iy >= in_h) { continue; }
        for (var kw = 0u; kw < p[9]; kw = kw + 1u) {
            let ix = ox * i32(p[11]) + i32(kw * p[13]) - i32(p[15]);
            if (ix < 0 || ix >= in_w) { continue; }
            let xb = p[18] + ((n * p[2] + u32(iy)) * p[3] + u32(ix)) * in_c + c0;
            let wb = p[19] + (kh * p[9] + kw) * cg * out_c + oc;
            for (var c = 0u; c < cg; c = c + 1u) {
                acc = acc + a[xb + c] * b[wb + c * out_c];
            }
        }
    }
    o[e] = acc;
}

// One thread per input element: it gathers from the outputs whose windows cover it (taps where
// the position minus the tap's offset lands on a stride), over its group's output channels.
@compute @workgroup_size(256)
fn conv2d_input_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    if (e >= p[0]) { return; }
    let in_c = p[4];
    let out_c = p[7];
    let cg = p[16];
    let og = p[17];
    let sh = i32(p[10]);
    let sw = i32(p[11]);
    let c = e % in_c;
    var t = e / in_c;
    let ix = i32(t % p[3]);
    t = t / p[3];
    let iy = i32(t % p[2]);
    let n = t / p[2];
    let grp = c / cg;
    let cl = c % cg;
    let o0 = grp * og;
    var acc = 0.0;
    for (var kh = 0u; kh < p[8]; kh = kh + 1u) {
        let ty = iy + i32(p[14]) - i32(kh * p[12]);
        if (ty < 0 || ty % sh != 0) { continue; }
        let oy = u32(ty / sh);
        if (oy >= p[5]) { continue; }
        for (var kw = 0u; kw < p[9]; kw = kw + 1u) {
            let tx = ix + i32(p[15]) - i32(kw * p[13]);
            if (tx < 0 || tx % sw != 0) { continue; }
            let ox = u32(tx / sw);
            if (ox >= p[6]) { continue; }
            let db = p[18] + ((n * p[5] + oy) * p[6] + ox) * out_c + o0;
            let wb = p[19] + ((kh * p[9] + kw) * cg + cl) * out_c + o0;
            for (var j = 0u; j < og; j = j + 1u) {
                acc = acc + a[db + j] * b[wb + j];
            }
        }
    }
    o[e] = acc;
}

// The filter gradient is a sum over batch and output positions, split into p[20] chunks of
// p[21] output rows (batch x out_h): one thread per (chunk, kernel element) writes its partial sum to
// o[chunk * kernel elements + element], and the chunks are summed afterwards. Adjacent threads
// differ in the output channel, so their dy reads are adjacent and their x reads the same cell.
@compute @workgroup_size(256)
fn conv2d_filter_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = elem_id(wid, lid, nwg);
    let nk = p[8] * p[9] * p[16] * p[7];
    if (e >= nk * p[20]) { return; }
    let in_c = p[4];
    let out_c = p[7];
    let cg = p[16];
    let k = e % nk;
    let chunk = e / nk;
    let oc = k % out_c;
    var t = k / out_c;
    let cl = t % cg;
    t = t / cg;
    let kw = t % p[9];
    let kh = t / p[9];
    let c = (oc / p[17]) * cg + cl;
    let dy_off = i32(kh * p[12]) - i32(p[14]);
    let dx_off = i32(kw * p[13]) - i32(p[15]);
    let first = chunk * p[21];
    let last = min(first + p[21], p[1] * p[5]);
    // The output columns whose tap lands inside the input: ox * stride_w + dx_off in [0, in_w).
    let sw = i32(p[11]);
    let ox_lo = u32(max(-dx_off + sw - 1, 0) / sw);
    let room = i32(p[3]) - 1 - dx_off;
    let ox_hi = select(0u, u32(min(room / sw + 1, i32(p[6]))), room >= 0);
    var acc = 0.0;
    for (var row = first; row < last; row = row + 1u) {
        let n = row / p[5];
        let iy = i32((row % p[5]) * p[10]) + dy_off;
        if (iy < 0 || iy >= i32(p[2])) { continue; }
        let xrow = p[18] + (n * p[2] + u32(iy)) * p[3] * in_c + c;
        let drow = p[19] + row * p[6] * out_c + oc;
        for (var ox = ox_lo; ox < ox_hi; ox = ox + 1u) {
            let ix = u32(i32(ox * p[11]) + dx_off);
            acc = acc + a[xrow + ix * in_c] * b[drow + ox * out_c];
        }
    }
    o[e] = acc;
}
