// prod's gradient over the last axis of a contiguous [m, k] x: dx[r, j] = g[r] * prod of the
// other elements of row r, from an exclusive prefix product (seeded with g, as the cpu does)
// times an exclusive suffix product, so zeros need no division. One thread per row.
// p[0] rows, p[1] k, p[2] offset of x, p[3] offset of g.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> o: array<f32>;

@compute @workgroup_size(256)
fn prod_grad_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let r = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (r >= p[0]) { return; }
    let k = p[1];
    let base = r * k;
    var run = g[p[3] + r];
    for (var j = 0u; j < k; j = j + 1u) {
        o[base + j] = run;
        run = run * x[p[2] + base + j];
    }
    run = 1.0;
    for (var j = k; j > 0u; j = j - 1u) {
        o[base + j - 1u] = o[base + j - 1u] * run;
        run = run * x[p[2] + base + j - 1u];
    }
}
