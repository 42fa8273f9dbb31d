// Fused optimizer updates, in place: w (1), g (2), slots s0..s2 (3..5). p[0] count, p[1] rule
// (0 sgd, 1 adam, 2 rmsprop, 3 adagrad, 4 adadelta, 5 adamax, 6 nadam, 7 ftrl), p[2] slot count,
// p[3..] hyper-parameters as float32 bits (the order of core/src/optim.rs).
@group(0) @binding(0) var<storage, read> p: array<u32>;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> s0: array<f32>;
@group(0) @binding(4) var<storage, read_write> s1: array<f32>;
@group(0) @binding(5) var<storage, read_write> s2: array<f32>;

fn h(i: u32) -> f32 { return bitcast<f32>(p[3u + i]); }

// a^b for a >= 0 (ftrl's accumulator powers), with the host's values at a = 0 and b = 0.
fn pow_nonneg(a: f32, b: f32) -> f32 {
    if (b == 0.0) { return 1.0; }
    if (a == 0.0) { return select(bitcast<f32>(0x7f800000u), 0.0, b > 0.0); }
    return exp2(b * log2(a));
}

@compute @workgroup_size(256)
fn optimizer_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid.x;
    if (i >= p[0]) { return; }
    let gi = g[i];
    let slots = p[2];
    switch p[1] {
        case 0u: {
            let lr = h(0u);
            if (slots == 0u) {
                w[i] = w[i] - lr * gi;
            } else {
                let momentum = h(1u);
                let m = momentum * s0[i] - lr * gi;
                s0[i] = m;
                if (h(2u) != 0.0) { w[i] = w[i] + momentum * m - lr * gi; } else { w[i] = w[i] + m; }
            }
        }
        case 1u: {
            let m = s0[i] + (gi - s0[i]) * (1.0 - h(1u));
            let v = s1[i] + (gi * gi - s1[i]) * (1.0 - h(2u));
            s0[i] = m;
            s1[i] = v;
            var denom = v;
            if (slots == 3u) { denom = max(s2[i], v); s2[i] = denom; }
            w[i] = w[i] - h(0u) * m / (sqrt(denom) + h(3u));
        }
        case 2u: {
            let rho = h(1u);
            let vel = rho * s0[i] + (1.0 - rho) * gi * gi;
            s0[i] = vel;
            var denom = vel + h(3u);
            if (h(4u) != 0.0) {
                let avg = rho * s2[i] + (1.0 - rho) * gi;
                s2[i] = avg;
                denom = vel - avg * avg + h(3u);
            }
            let inc = h(0u) * gi / sqrt(denom);
            if (h(2u) > 0.0) {
                let mom = h(2u) * s1[i] + inc;
                s1[i] = mom;
                w[i] = w[i] - mom;
            } else {
                w[i] = w[i] - inc;
            }
        }
        case 3u: {
            let acc = s0[i] + gi * gi;
            s0[i] = acc;
            w[i] = w[i] - h(0u) * gi / sqrt(acc + h(1u));
        }
        case 4u: {
            let rho = h(1u);
            let eps = h(2u);
            let ag = rho * s0[i] + (1.0 - rho) * gi * gi;
            s0[i] = ag;
            let delta = sqrt(s1[i] + eps) / sqrt(ag + eps) * gi;
            s1[i] = rho * s1[i] + (1.0 - rho) * delta * delta;
            w[i] = w[i] - h(0u) * delta;
        }
        case 5u: {
            let m = s0[i] + (gi - s0[i]) * (1.0 - h(1u));
            let u = max(h(2u) * s1[i], abs(gi));
            s0[i] = m;
            s1[i] = u;
            w[i] = w[i] - h(0u) * m / (u + h(3u));
        }
        case 7u: {
            // ftrl: h = lr, lr_power, l1, l2 (beta / (2 lr) included), l2_shrinkage;
            // slots: accumulator, linear
            let lr = h(0u);
            let neg_power = -h(1u);
            let wi = w[i];
            let gs = gi + 2.0 * h(4u) * wi;
            let acc = s0[i];
            let new_acc = acc + gi * gi;
            let p_new = pow_nonneg(new_acc, neg_power);
            let lin = s1[i] + gs - (p_new - pow_nonneg(acc, neg_power)) / lr * wi;
            s1[i] = lin;
            s0[i] = new_acc;
            let quadratic = p_new / lr + 2.0 * h(3u);
            let l1 = h(2u);
            let clipped = min(max(lin, -l1), l1);
            w[i] = (clipped - lin) / quadratic;
        }
        default: {
            // nadam: h = lr, beta1, beta2, eps, u_t, u_t1, u_prod_t, u_prod_t1, beta2_power
            let m = s0[i] + (gi - s0[i]) * (1.0 - h(1u));
            let v = s1[i] + (gi * gi - s1[i]) * (1.0 - h(2u));
            s0[i] = m;
            s1[i] = v;
            let m_hat = h(5u) / (1.0 - h(7u)) * m + (1.0 - h(4u)) / (1.0 - h(6u)) * gi;
            let v_hat = v / (1.0 - h(8u));
            w[i] = w[i] - h(0u) * m_hat / (sqrt(v_hat) + h(3u));
        }
    }
}
