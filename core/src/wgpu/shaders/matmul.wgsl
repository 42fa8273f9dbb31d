// Batched matmul C[b] = act(A[b] B[b] + bias) over strided operands (transposed views are read
// in place) into a contiguous output. 64x64 output tiles per workgroup of 16x16 threads, each
// thread holding a 4x4 block of accumulators in registers (rows ty + 16 i, columns tx + 16 j, so
// stores and workgroup-memory reads are consecutive across threads); K advances 16 at a time
// through workgroup memory.
// p[0] M, p[1] N, p[2] K, p[3] batch rank, p[4] activation (0 none, 1 relu), p[5] has bias,
// p[6] A offset, p[7] B offset, p[8] A row stride, p[9] A column stride, p[10] B row stride,
// p[11] B column stride, p[12..18] batch shape, p[18..24] A batch strides, p[24..30] B batch
// strides.
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<u32>;

const TILE: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<f32, 1024>; // [TK][TILE]
var<workgroup> Bs: array<f32, 1024>; // [TK][TILE]

// Offsets of batch element z's matrices in A and B (z walks the batch shape in C order).
fn batch_bases(z: u32) -> vec2<i32> {
    var rem = z;
    var bases = vec2<i32>(i32(p[6]), i32(p[7]));
    for (var d = p[3]; d > 0u; d = d - 1u) {
        let size = p[11u + d];
        let idx = i32(rem % size);
        rem = rem / size;
        bases = bases + idx * vec2<i32>(bitcast<i32>(p[17u + d]), bitcast<i32>(p[23u + d]));
    }
    return bases;
}

@compute @workgroup_size(16, 16, 1)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let M = p[0];
    let N = p[1];
    let K = p[2];
    let tx = lid.x;
    let ty = lid.y;
    let t = ty * 16u + tx;
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let bases = batch_bases(wid.z);
    let abase = bases.x;
    let bbase = bases.y;
    let ars = bitcast<i32>(p[8]);
    let acs = bitcast<i32>(p[9]);
    let brs = bitcast<i32>(p[10]);
    let bcs = bitcast<i32>(p[11]);
    var acc: array<f32, 16>;
    for (var i = 0u; i < 16u; i = i + 1u) { acc[i] = 0.0; }
    for (var k0 = 0u; k0 < K; k0 = k0 + TK) {
        for (var r = 0u; r < 4u; r = r + 1u) {
            let e = t + 256u * r;
            // A tile: 64 rows x 16 k, consecutive threads along k
            let am = e / TK;
            let ak = e % TK;
            let gm = row0 + am;
            let gk = k0 + ak;
            var va = 0.0;
            if (gm < M && gk < K) { va = bitcast<f32>(a[u32(abase + i32(gm) * ars + i32(gk) * acs)]); }
            As[ak * TILE + am] = va;
            // B tile: 16 k x 64 columns, consecutive threads along the columns
            let bk = e / TILE;
            let bn = e % TILE;
            let gk2 = k0 + bk;
            let gn = col0 + bn;
            var vb = 0.0;
            if (gk2 < K && gn < N) { vb = bitcast<f32>(b[u32(bbase + i32(gk2) * brs + i32(gn) * bcs)]); }
            Bs[bk * TILE + bn] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            var af: array<f32, 4>;
            var bf: array<f32, 4>;
            for (var i = 0u; i < 4u; i = i + 1u) {
                af[i] = As[kk * TILE + ty + 16u * i];
                bf[i] = Bs[kk * TILE + tx + 16u * i];
            }
            for (var i = 0u; i < 4u; i = i + 1u) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    acc[i * 4u + j] = fma(af[i], bf[j], acc[i * 4u + j]);
                }
            }
        }
        workgroupBarrier();
    }
    let cbase = wid.z * M * N;
    for (var i = 0u; i < 4u; i = i + 1u) {
        let gm = row0 + ty + 16u * i;
        if (gm >= M) { continue; }
        for (var j = 0u; j < 4u; j = j + 1u) {
            let gn = col0 + tx + 16u * j;
            if (gn >= N) { continue; }
            var v = acc[i * 4u + j];
            if (p[5] == 1u) { v = v + bitcast<f32>(bias[gn]); }
            if (p[4] == 1u) { v = max(v, 0.0); }
            c[cbase + gm * N + gn] = bitcast<u32>(v);
        }
    }
}

// int32 matmul (same parameters; the engine passes no bias or activation): one thread per output element, the
// sum wrapping modulo 2^32 as the cpu's. Integer products are rare in models; no tiling.
@compute @workgroup_size(16, 16, 1)
fn matmul_i32(@builtin(global_invocation_id) gid: vec3<u32>) {
    let M = p[0];
    let N = p[1];
    let K = p[2];
    let row = gid.y;
    let col = gid.x;
    if (row >= M || col >= N) { return; }
    let bases = batch_bases(gid.z);
    let abase = bases.x;
    let bbase = bases.y;
    var acc = 0i;
    for (var kk = 0u; kk < K; kk = kk + 1u) {
        let va = bitcast<i32>(a[u32(abase + i32(row) * bitcast<i32>(p[8]) + i32(kk) * bitcast<i32>(p[9]))]);
        let vb = bitcast<i32>(b[u32(bbase + i32(kk) * bitcast<i32>(p[10]) + i32(col) * bitcast<i32>(p[11]))]);
        acc = acc + va * vb;
    }
    // (every binding is used, so this entry point shares the float one's bind group layout)
    if (p[5] == 1u) { acc = acc + bitcast<i32>(bias[col]); }
    c[gid.z * M * N + row * N + col] = bitcast<u32>(acc);
}
