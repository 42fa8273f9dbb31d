// Scatters (writes or adds) contiguous values into the positions a `GatherPlan` selects in a
// contiguous destination (plan_walk.wgsl first), and take's gradient.
//
// Repeated positions must accumulate, and several threads may hit one position at once. WGSL
// has atomic add only for 32-bit integers, so float32 adds are a compare-exchange loop on the
// value's bits: exact for int32, and for float32 each contribution is added once, in whatever
// order the threads arrive (the sum may differ from the cpu's in the last bits when a position
// repeats; it is the same sum otherwise). Writes (mode 1) of a repeated position keep one of
// the values, as numpy leaves unspecified.
// p[6] mode: 1 write, 2 add float32, 3 add int32.
@group(0) @binding(1) var<storage, read> v: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<i32>;
@group(0) @binding(3) var<storage, read_write> o: array<atomic<u32>>;

fn add_f32(at_: u32, x: f32) {
    var old = atomicLoad(&o[at_]);
    loop {
        let r = atomicCompareExchangeWeak(&o[at_], old, bitcast<u32>(bitcast<f32>(old) + x));
        if (r.exchanged) { break; }
        old = r.old_value;
    }
}

fn put(mode: u32, dst: u32, w: u32) {
    if (mode == 2u) {
        add_f32(dst, bitcast<f32>(w));
    } else if (mode == 3u) {
        atomicAdd(&o[dst], w);
    } else {
        atomicStore(&o[dst], w);
    }
}

@compute @workgroup_size(256)
fn scatter_plan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (e >= p[0]) { return; }
    let dst = plan_at(e, offsets[plan_block(e)]);
    let src = p[8] + e;
    if (p[7] == 2u) {
        atomicStore(&o[2u * dst], v[2u * src]);
        atomicStore(&o[2u * dst + 1u], v[2u * src + 1u]);
    } else {
        put(p[6], dst, v[src]);
    }
}

// take's gradient: dx[o, idx[j], i] += g[o, j, i] for a contiguous g viewed as [outer, n, inner]
// and dx as [outer, dim, inner]. Indices wrap and clamp as take_rows does. Same parameter
// slots as the plan: p[0] count, p[1] index count, p[2] inner, p[3] dim, p[4] words per index,
// p[5] offset of the indices, p[6] mode (2 float32, 3 int32), p[8] offset of g.
@compute @workgroup_size(256)
fn take_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (e >= p[0]) { return; }
    let inner = p[2];
    let n = p[1];
    let dim = i32(p[3]);
    let i = e % inner;
    let j = (e / inner) % n;
    let outer = e / (inner * n);
    var k = offsets[(p[5] + j) * p[4]];
    if (k < 0) { k = k + dim; }
    k = clamp(k, 0, dim - 1);
    put(p[6], (outer * u32(dim) + u32(k)) * inner + i, v[p[8] + e]);
}
