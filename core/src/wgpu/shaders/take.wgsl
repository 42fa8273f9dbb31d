// take(x, indices, axis) on a contiguous x viewed as [outer, dim, inner]: out[o, j, i] =
// x[o, idx[j], i]. Negative indices count from the end; out-of-range ones are clamped (the
// engine validates indices on the host when it can). p[0] count, p[1] inner, p[2] index count,
// p[3] dim, p[4] words per element of x, p[5] words per index (1 int32, 2 int64),
// p[6] offset of x, p[7] offset of the indices (elements).
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> o: array<u32>;

@compute @workgroup_size(256)
fn take_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (e >= p[0]) { return; }
    let inner = p[1];
    let nidx = p[2];
    let dim = i32(p[3]);
    let i = e % inner;
    let j = (e / inner) % nidx;
    let outer = e / (inner * nidx);
    var k = bitcast<i32>(idx[(p[7] + j) * p[5]]);
    if (k < 0) { k = k + dim; }
    k = clamp(k, 0, dim - 1);
    let src = p[6] + (outer * u32(dim) + u32(k)) * inner + i;
    if (p[4] == 2u) {
        o[2u * e] = x[2u * src];
        o[2u * e + 1u] = x[2u * src + 1u];
    } else {
        o[e] = x[src];
    }
}
