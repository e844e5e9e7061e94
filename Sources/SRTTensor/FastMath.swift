// Elementwise math that LLVM can vectorize: no libm calls and no trapping conversions in the
// loop (TOOLCHAIN.md §3.3). Each has its libm twin in the tests.

/// e^x with relative error below 3e-7 on [-87, 88]; clamps outside. x = n·ln2 + g with
/// |g| ≤ ln2/2 (ln2 split in two so n·ln2 is exact), e^g by its degree-6 Taylor polynomial,
/// and 2^n built in the exponent bits.
@inline(__always)
public func fastExp(_ x0: Float) -> Float {
    let x = min(max(x0, -87.0), 88.0)
    let r = x * 1.442695041 + 12582912.0  // 1.5·2^23: rounds x/ln2 to the nearest integer n
    let n = r - 12582912.0
    let g = x - n * 0.693145751953125 - n * 1.428606765330187e-06
    let p: Float = 1 + g * (1 + g * (0.5 + g * (0.16666667 + g * (0.041666668 + g * (0.008333334 + g * 0.0013888889)))))
    let ib = (r.bitPattern &- 0x4B40_0000) &+ 127
    return p * Float(bitPattern: ib &<< 23)
}

/// erf(x), Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7 plus fastExp's).
@inline(__always)
public func fastErf(_ x: Float) -> Float {
    let a = abs(x)
    let t: Float = 1 / (1 + 0.3275911 * a)
    let poly: Float = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    let r = 1 - poly * fastExp(-a * a)
    return x < 0 ? -r : r
}
