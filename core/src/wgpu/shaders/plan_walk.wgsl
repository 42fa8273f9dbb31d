// Addressing of a `GatherPlan` (cpu/index.rs), shared by gather.wgsl and scatter.wgsl: element
// e of the (outer, index position, inner) block order lives at outer(o) + offsets[b] + inner(i).
// p[0] count, p[1] index positions, p[2] inner count, p[3] outer rank, p[4] inner rank,
// p[5] outer offset, p[6] mode, p[7] words per element, p[8] offset of the dense side,
// p[10..18] outer shape, p[18..26] outer strides, p[26..34] inner shape, p[34..42] inner strides.
@group(0) @binding(0) var<storage, read> p: array<u32>;

fn plan_at(e: u32, offs: i32) -> u32 {
    let i = e % p[2];
    let t = e / p[2];
    let o = t / p[1];
    var idx = i32(p[5]) + offs;
    var rem = o;
    for (var d = p[3]; d > 0u; d = d - 1u) {
        let size = p[9u + d];
        idx = idx + i32(rem % size) * bitcast<i32>(p[17u + d]);
        rem = rem / size;
    }
    rem = i;
    for (var d = p[4]; d > 0u; d = d - 1u) {
        let size = p[25u + d];
        idx = idx + i32(rem % size) * bitcast<i32>(p[33u + d]);
        rem = rem / size;
    }
    return u32(idx);
}

fn plan_block(e: u32) -> u32 {
    return (e / p[2]) % p[1];
}
