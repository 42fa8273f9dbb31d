// Reductions over any set of axes of a strided input. Each output element folds k input
// elements; `reduce_wide` gives one workgroup to each output (tree in workgroup memory),
// `reduce_narrow` one thread (small k, argmax/argmin).
// p[0] outputs, p[1] k, p[2] op (0 sum, 1 max, 2 min, 3 prod, 4 argmax, 5 argmin), p[3] kind
// (0 float32, 1 int32), p[4] kept rank, p[5] reduced rank, p[6] offset, p[7] scale (float32
// bits, applied to float sums: mean), p[8..16] kept shape, p[16..24] kept strides,
// p[24..32] reduced shape, p[32..40] reduced strides.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> o: array<u32>;

var<workgroup> part_f: array<f32, 256>;
var<workgroup> part_i: array<i32, 256>;

fn base_of(out: u32) -> i32 {
    var rem = out;
    var idx = i32(p[6]);
    for (var d = p[4]; d > 0u; d = d - 1u) {
        let size = p[7u + d];
        idx = idx + i32(rem % size) * bitcast<i32>(p[15u + d]);
        rem = rem / size;
    }
    return idx;
}

fn red_offset(j: u32) -> i32 {
    var rem = j;
    var idx = 0;
    for (var d = p[5]; d > 0u; d = d - 1u) {
        let size = p[23u + d];
        idx = idx + i32(rem % size) * bitcast<i32>(p[31u + d]);
        rem = rem / size;
    }
    return idx;
}

fn fold_f(op: u32, acc: f32, v: f32) -> f32 {
    switch op {
        case 0u: { return acc + v; }
        case 3u: { return acc * v; }
        case 1u: { if (acc == acc && !(v <= acc)) { return v; } return acc; }
        default: { if (acc == acc && !(v >= acc)) { return v; } return acc; }
    }
}

fn fold_i(op: u32, acc: i32, v: i32) -> i32 {
    switch op {
        case 0u: { return acc + v; }
        case 3u: { return acc * v; }
        case 1u: { return max(acc, v); }
        default: { return min(acc, v); }
    }
}

fn init_f(op: u32) -> f32 {
    switch op {
        case 0u: { return 0.0; }
        case 3u: { return 1.0; }
        case 1u: { return -bitcast<f32>(0x7f800000u); }
        default: { return bitcast<f32>(0x7f800000u); }
    }
}

fn init_i(op: u32) -> i32 {
    switch op {
        case 0u: { return 0; }
        case 3u: { return 1; }
        case 1u: { return i32(-2147483647 - 1); }
        default: { return 2147483647; }
    }
}

fn store(out: u32, f: f32, i: i32) {
    if (p[3] == 0u) {
        var v = f;
        if (p[2] == 0u) { v = v * bitcast<f32>(p[7]); }
        o[out] = bitcast<u32>(v);
    } else {
        o[out] = bitcast<u32>(i);
    }
}

@compute @workgroup_size(256)
fn reduce_wide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let out = wid.x + wid.y * nwg.x;
    let t = lid.x;
    let op = p[2];
    let k = p[1];
    var accf = init_f(op);
    var acci = init_i(op);
    if (out < p[0]) {
        let base = base_of(out);
        for (var j = t; j < k; j = j + 256u) {
            let w = a[u32(base + red_offset(j))];
            if (p[3] == 0u) { accf = fold_f(op, accf, bitcast<f32>(w)); } else { acci = fold_i(op, acci, bitcast<i32>(w)); }
        }
    }
    part_f[t] = accf;
    part_i[t] = acci;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s = s >> 1u) {
        if (t < s) {
            part_f[t] = fold_f(op, part_f[t], part_f[t + s]);
            part_i[t] = fold_i(op, part_i[t], part_i[t + s]);
        }
        workgroupBarrier();
    }
    if (t == 0u && out < p[0]) {
        store(out, part_f[0], part_i[0]);
    }
}

@compute @workgroup_size(256)
fn reduce_narrow(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let out = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (out >= p[0]) { return; }
    let op = p[2];
    let k = p[1];
    let base = base_of(out);
    if (op >= 4u) {
        // index of the first maximum (minimum); the first NaN wins
        var best = bitcast<f32>(a[u32(base)]);
        var besti = bitcast<i32>(a[u32(base)]);
        var at_ = 0u;
        for (var j = 1u; j < k; j = j + 1u) {
            let w = a[u32(base + red_offset(j))];
            if (p[3] == 0u) {
                let v = bitcast<f32>(w);
                let better = select(!(v >= best), !(v <= best), op == 4u);
                if (best == best && better) { best = v; at_ = j; }
            } else {
                let v = bitcast<i32>(w);
                if ((op == 4u && v > besti) || (op == 5u && v < besti)) { besti = v; at_ = j; }
            }
        }
        o[out] = at_;
        return;
    }
    var accf = init_f(op);
    var acci = init_i(op);
    for (var j = 0u; j < k; j = j + 1u) {
        let w = a[u32(base + red_offset(j))];
        if (p[3] == 0u) { accf = fold_f(op, accf, bitcast<f32>(w)); } else { acci = fold_i(op, acci, bitcast<i32>(w)); }
    }
    store(out, accf, acci);
}
