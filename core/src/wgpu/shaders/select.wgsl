// where(cond, x, y) on 32-bit words of any dtype (common.wgsl first). Operand blocks: cond at
// 12, x at 22, y at 32.
@group(0) @binding(1) var<storage, read> c: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<u32>;
@group(0) @binding(3) var<storage, read> b: array<u32>;
@group(0) @binding(4) var<storage, read_write> o: array<u32>;

@compute @workgroup_size(256)
fn select_words(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(wid, lid, nwg);
    if (i >= p[0]) { return; }
    o[i] = select(b[at(i, 32u)], a[at(i, 22u)], c[at(i, 12u)] != 0u);
}
