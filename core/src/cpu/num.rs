//! Arithmetic traits the generic kernels are written against.

use std::ops::{Add, Div, Mul, Sub};

use crate::dtype::Element;

/// Numeric element types (everything but bool).
pub trait Num: Element + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> {
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    /// NaN-propagating maximum (like numpy.maximum).
    fn maximum(self, o: Self) -> Self;
    fn minimum(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    /// numpy's floor_divide: floor(a / b); integers divided by zero give 0.
    fn floor_div(self, o: Self) -> Self;
    /// numpy's mod: the remainder with the sign of the divisor; integer mod 0 gives 0.
    fn modulo(self, o: Self) -> Self;
    /// -1, 0 or 1 (NaN stays NaN).
    fn signum(self) -> Self;
    fn is_nan(self) -> bool;
    fn is_inf(self) -> bool;
}

/// Floating element types, for the transcendental ops.
pub trait Float: Num {
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn tanh(self) -> Self;
}

/// numpy's divmod for floats (npy_divmod), in the operands' own precision (numpy computes
/// float32 operands in float32): the quotient is derived from fmod so that
/// floor_divide(a, b) * b + mod(a, b) == a as closely as floats allow.
macro_rules! float_divmod {
    ($name:ident, $t:ty) => {
        #[inline]
        fn $name(a: $t, b: $t) -> ($t, $t) {
            if b == 0.0 {
                return (a / b, <$t>::NAN);
            }
            let mut m = a % b;
            let mut div = (a - m) / b;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (q, m)
        }
    };
}
float_divmod!(float_divmod, f64);
float_divmod!(float_divmod32, f32);

macro_rules! float_num {
    ($t:ty, $divmod:ident) => {
        impl Num for $t {
            #[inline(always)]
            fn neg(self) -> Self {
                -self
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn maximum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self >= o {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn minimum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self <= o {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                $divmod(self, o).0
            }
            #[inline(always)]
            fn modulo(self, o: Self) -> Self {
                $divmod(self, o).1
            }
            #[inline(always)]
            fn signum(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    // 0 (keeping its sign) or NaN
                    self
                }
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn is_inf(self) -> bool {
                <$t>::is_infinite(self)
            }
        }
        impl Float for $t {
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
        }
    };
}
float_num!(f32, float_divmod32);
float_num!(f64, float_divmod);

macro_rules! int_num {
    ($t:ty) => {
        impl Num for $t {
            #[inline(always)]
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            #[inline(always)]
            fn abs(self) -> Self {
                self.wrapping_abs()
            }
            #[inline(always)]
            fn maximum(self, o: Self) -> Self {
                Ord::max(self, o)
            }
            #[inline(always)]
            fn minimum(self, o: Self) -> Self {
                Ord::min(self, o)
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                if o >= 0 {
                    // exponents past 2^32 only matter for |base| <= 1, where parity decides
                    let e = if o as i64 > u32::MAX as i64 { u32::MAX - 1 + (o & 1) as u32 } else { o as u32 };
                    self.wrapping_pow(e)
                } else {
                    // the truncated value of base^-|o|: nonzero only for 1 and -1
                    match self {
                        1 => 1,
                        -1 => if o & 1 == 0 { 1 } else { -1 },
                        _ => 0,
                    }
                }
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let q = self.wrapping_div(o);
                if self.wrapping_rem(o) != 0 && ((self < 0) != (o < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            #[inline(always)]
            fn modulo(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) {
                    r + o
                } else {
                    r
                }
            }
            #[inline(always)]
            fn signum(self) -> Self {
                <$t>::signum(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            #[inline(always)]
            fn is_inf(self) -> bool {
                false
            }
        }
    };
}
int_num!(i32);
int_num!(i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_divide_and_mod_follow_numpy() {
        // (a, b, a // b, a % b) as numpy computes them
        for (a, b, q, m) in [(7i32, 2, 3, 1), (-7, 2, -4, 1), (7, -2, -4, -1), (-7, -2, 3, -1), (5, 0, 0, 0), (i32::MIN, -1, i32::MIN, 0)] {
            assert_eq!((a.floor_div(b), a.modulo(b)), (q, m), "{a} {b}");
        }
        for (a, b, q, m) in [(7.0f64, 2.0, 3.0, 1.0), (-7.5, 2.0, -4.0, 0.5), (7.0, -2.0, -4.0, -1.0), (1.0, 0.1, 9.0, 0.09999999999999995)] {
            assert_eq!((a.floor_div(b), a.modulo(b)), (q, m), "{a} {b}");
        }
        assert!(1.0f32.modulo(0.0).is_nan());
        assert_eq!(1.0f32.floor_div(0.0), f32::INFINITY);
        assert_eq!(Num::pow(3i64, -1), 0);
        assert_eq!(Num::pow(-1i64, -3), -1);
        assert_eq!(Num::pow(2i32, 10), 1024);
    }
}
