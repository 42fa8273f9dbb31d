// Strided copy with dtype conversion (common.wgsl first): contiguous copies of views, casts, and
// copies into a strided destination (concatenate). p[2] source kind, p[3] destination kind
// (0 float32, 1 int32, 2 bool, 3 int64 as two words); source block at 12, destination at 22,
// both counted in elements.
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> o: array<u32>;

const TWO32: f32 = 4294967296.0;

@compute @workgroup_size(256)
fn copy_cast(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(wid, lid, nwg);
    if (i >= p[0]) { return; }
    let sk = p[2];
    let dk = p[3];
    let s = at(i, 12u);
    let d = at(i, 22u);
    if (sk == dk) {
        if (sk == 3u) {
            o[2u * d] = a[2u * s];
            o[2u * d + 1u] = a[2u * s + 1u];
        } else {
            o[d] = a[s];
        }
        return;
    }
    // Read as float32 (exact for every int32 and the small int64 values tensors hold) or as
    // int32 bits, then write the destination kind.
    var f = 0.0;
    var iv = 0;
    var lo = 0u;
    var hi = 0u;
    var nonzero = false;
    switch sk {
        case 0u: { f = bitcast<f32>(a[s]); nonzero = f != 0.0; }
        case 1u, 2u: { iv = bitcast<i32>(a[s]); f = f32(iv); nonzero = iv != 0; lo = u32(iv); hi = select(0u, 0xffffffffu, iv < 0); }
        default: {
            lo = a[2u * s];
            hi = a[2u * s + 1u];
            iv = bitcast<i32>(lo);
            // values that fit in int32 convert exactly; larger ones through both words
            let fits = (hi == 0u && iv >= 0) || (hi == 0xffffffffu && iv < 0);
            f = select(f32(bitcast<i32>(hi)) * TWO32 + f32(lo), f32(iv), fits);
            nonzero = (lo | hi) != 0u;
        }
    }
    if (sk == 0u) {
        // float to int: truncate toward zero, saturate, NaN to 0
        let t = select(trunc(f), 0.0, is_nan(f));
        iv = i32(clamp(t, -2147483648.0, 2147483520.0));
        if (abs(t) < 2147483648.0) {
            lo = bitcast<u32>(iv);
            hi = select(0u, 0xffffffffu, iv < 0);
        } else {
            let th = floor(t / TWO32);
            hi = bitcast<u32>(i32(clamp(th, -2147483648.0, 2147483520.0)));
            lo = u32(t - th * TWO32);
        }
    }
    switch dk {
        case 0u: { o[d] = bitcast<u32>(f); }
        case 1u: { o[d] = bitcast<u32>(iv); }
        case 2u: { o[d] = select(0u, 1u, nonzero); }
        default: { o[2u * d] = lo; o[2u * d + 1u] = hi; }
    }
}
