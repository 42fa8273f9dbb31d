// Softmax / log_softmax over the last axis of a contiguous [rows, k] tensor, one workgroup per
// row: the row maximum and the sum of exponentials are reduced in workgroup memory.
// p[0] rows, p[1] k, p[2] log (0/1).
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn softmax_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let row = wid.x + wid.y * nwg.x;
    let t = lid.x;
    let k = p[1];
    let live = row < p[0];
    let base = row * k;
    var m = -bitcast<f32>(0x7f800000u);
    if (live) {
        for (var j = t; j < k; j = j + 256u) { m = max(m, bitcast<f32>(x[base + j])); }
    }
    red[t] = m;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (t < s) { red[t] = max(red[t], red[t + s]); }
        workgroupBarrier();
    }
    m = red[0];
    workgroupBarrier();
    var total = 0.0;
    if (live) {
        for (var j = t; j < k; j = j + 256u) { total = total + exp(bitcast<f32>(x[base + j]) - m); }
    }
    red[t] = total;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (t < s) { red[t] = red[t] + red[t + s]; }
        workgroupBarrier();
    }
    total = red[0];
    if (!live) { return; }
    let lse = log(total);
    for (var j = t; j < k; j = j + 256u) {
        let z = bitcast<f32>(x[base + j]) - m;
        if (p[2] == 1u) { y[base + j] = bitcast<u32>(z - lse); } else { y[base + j] = bitcast<u32>(exp(z) / total); }
    }
}
