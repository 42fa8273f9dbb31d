// Fills a buffer with one value: p[0] element count, p[1] words per element, p[2..4] the words.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read_write> o: array<u32>;

@compute @workgroup_size(256)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (i >= p[0]) { return; }
    if (p[1] == 2u) {
        o[2u * i] = p[2];
        o[2u * i + 1u] = p[3];
    } else {
        o[i] = p[2];
    }
}
