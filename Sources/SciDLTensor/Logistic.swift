#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The logistic function and its loss, once: the probes (CCS's probabilities, the supervised logistic probe)
// call these.

/// σ(z) = 1 / (1 + e^(−z)): 0 for z → −∞ (e^(−z) overflows to +∞), 1 for z → +∞.
@inlinable @inline(__always)
public func sigmoid(_ z: Float) -> Float { 1 / (1 + expf(-z)) }

/// The logistic loss of logit `z` against a 0/1 `label` y, −[y log σ(z) + (1 − y) log(1 − σ(z))], written as
/// softplus(z) − y·z with softplus(z) = max(z, 0) + log(1 + e^(−|z|)) so that neither term overflows.
/// Its derivative in z is σ(z) − y.
@inlinable @inline(__always)
public func logisticLoss(logit z: Float, label y: Float) -> Float {
    (z > 0 ? z + log1pf(expf(-z)) : log1pf(expf(z))) - y * z
}
