// Gathers the elements a `GatherPlan` selects into a contiguous output (plan_walk.wgsl first):
// advanced indexing, take_along_axis and the reads of every index backward.
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<i32>;
@group(0) @binding(3) var<storage, read_write> o: array<u32>;

@compute @workgroup_size(256)
fn gather_plan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (e >= p[0]) { return; }
    let src = plan_at(e, offsets[plan_block(e)]);
    if (p[7] == 2u) {
        o[2u * e] = x[2u * src];
        o[2u * e + 1u] = x[2u * src + 1u];
    } else {
        o[e] = x[src];
    }
}
