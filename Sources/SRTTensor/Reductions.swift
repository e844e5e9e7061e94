// Vectorized row reductions for softmax. Floating-point reductions do not auto-vectorize (strict
// order), so max and sum use explicit SIMD8 accumulators, and exp runs in a loop with no reduction
// (TOOLCHAIN.md §3.3: 4.5× faster than one fused loop). Each has a scalar twin in the tests.

@inline(__always)
public func maxReduce(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        acc = acc.replacing(with: v, where: v .> acc)
        i += 8
    }
    var result = acc.max()
    while i < n { result = max(result, x[i]); i += 1 }
    return result
}

@inline(__always)
public func sumReduce(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var result = acc.sum()
    while i < n { result += x[i]; i += 1 }
    return result
}

/// x[i] = exp(x[i] − shift), then returns Σ x[i].
@inline(__always)
public func expShiftSum(_ x: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
    for i in 0..<n { x[i] = fastExp(x[i] - shift) }
    return sumReduce(x, count: n)
}

/// x[i] *= s
@inline(__always)
public func scale(_ x: UnsafeMutablePointer<Float>, count n: Int, by s: Float) {
    for i in 0..<n { x[i] *= s }
}
