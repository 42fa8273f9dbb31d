// pad: each output element reads its source element (mirrored for reflect/symmetric) or the
// constant. p[0] count, p[1] rank, p[2] mode (0 constant, 1 reflect, 2 symmetric), p[3] words
// per element, p[4..6] the constant's words, p[6] source offset, p[8..16] output shape,
// p[16..24] source shape, p[24..32] source strides, p[32..40] padding before each axis.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> o: array<u32>;

@compute @workgroup_size(256)
fn pad_gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (e >= p[0]) { return; }
    let mode = p[2];
    var rem = e;
    var src = i32(p[6]);
    var inside = true;
    for (var d = p[1]; d > 0u; d = d - 1u) {
        let size = p[7u + d];
        let n = i32(p[15u + d]);
        var c = i32(rem % size) - i32(p[31u + d]);
        rem = rem / size;
        if (c < 0 || c >= n) {
            if (mode == 0u) { inside = false; break; }
            // one reflection is enough: the padding is at most the axis size per side
            if (mode == 1u) {
                if (c < 0) { c = -c; } else { c = 2 * n - 2 - c; }
            } else {
                if (c < 0) { c = -c - 1; } else { c = 2 * n - 1 - c; }
            }
        }
        src = src + c * bitcast<i32>(p[23u + d]);
    }
    let w = p[3];
    for (var k = 0u; k < w; k = k + 1u) {
        if (inside) { o[w * e + k] = x[w * u32(src) + k]; } else { o[w * e + k] = p[4u + k]; }
    }
}
